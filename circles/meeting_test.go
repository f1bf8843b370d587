package circles

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ical "github.com/arran4/golang-ical"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/adapters/chattest"
	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

const testMeetingURL = "https://meet.example.de/wol-{circle}"

// textPosts are the texts of the posts in channel that carry no file: what people read,
// without the calendar files that follow a change.
func textPosts(chat *chattest.Recorder, channel string) []string {
	var out []string
	for _, c := range chat.Calls() {
		if c.Op == chattest.OpPost && c.Channel == channel && len(c.Msg.Files) == 0 {
			out = append(out, c.Msg.Text)
		}
	}
	return out
}

// filePosts are the posts in channel that carry a file, oldest first.
func filePosts(chat *chattest.Recorder, channel string) []adapters.Message {
	var out []adapters.Message
	for _, c := range chat.Calls() {
		if c.Op == chattest.OpPost && c.Channel == channel && len(c.Msg.Files) > 0 {
			out = append(out, c.Msg)
		}
	}
	return out
}

// meetingFixture is a fixture whose circles get video rooms.
func meetingFixture(t *testing.T) *fixture {
	fx := newFixture(t, redistest.Store(t), &chattest.Recorder{}, time.Hour)
	fx.wol.meetingURL = testMeetingURL
	return fx
}

// parsedEvent parses an .ics file with golang-ical and returns its one event, failing the
// test on anything else.
func parsedEvent(t *testing.T, f adapters.File) (*ical.Calendar, *ical.VEvent) {
	t.Helper()
	cal, err := ical.ParseCalendar(bytes.NewReader(f.Data))
	if err != nil {
		t.Fatalf("parse %s: %v\n%s", f.Name, err, f.Data)
	}
	if evs := cal.Events(); len(evs) != 1 {
		t.Fatalf("%s has %d events, want 1", f.Name, len(evs))
	}
	return cal, cal.Events()[0]
}

func prop(ev *ical.VEvent, p ical.ComponentProperty) string {
	if v := ev.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

// unfold undoes RFC 5545 line folding: a line break followed by a space or tab continues the
// line. It is the independent second reading of the file, without the library.
func unfold(data []byte) []string {
	s := strings.NewReplacer("\r\n ", "", "\r\n\t", "").Replace(string(data))
	return strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
}

func TestWelcomeCarriesRoomLinkAndCalendar(t *testing.T) {
	fx := meetingFixture(t)
	confirmedCircles(t, fx) // größe=3 wochen=2, everyone Monday mornings
	c1, c2 := circleOf(t, fx, 1), circleOf(t, fx, 2)
	linkRe := regexp.MustCompile(`^https://meet\.example\.de/wol-rheinland-1-[a-z2-7]{16}$`)
	link := fx.wol.roomLink(c1)
	if !linkRe.MatchString(link) {
		t.Fatalf("room link %q, want the template with the circle and a random suffix", link)
	}
	if other := fx.wol.roomLink(c2); other == link || c1.Room == c2.Room {
		t.Errorf("circles share a room: %q, %q", link, other)
	}

	welcomes := filePosts(fx.chat, c1.Channel)
	if len(welcomes) != 1 {
		t.Fatalf("%d posts with files in the circle's channel, want the welcome", len(welcomes))
	}
	w := welcomes[0]
	contains(t, w.Text, "Willkommen in Ihrem Working-Out-Loud-Kreis")
	contains(t, w.Text, "**Ihr Videoraum:** "+link)
	contains(t, w.Text, "Kalenderdatei")
	if len(w.Files) != 1 || w.Files[0].Name != "wol-rheinland-1.ics" || !strings.HasPrefix(w.Files[0].Type, "text/calendar") {
		t.Fatalf("welcome files %+v", w.Files)
	}

	// First reading: golang-ical.
	cal, ev := parsedEvent(t, w.Files[0])
	if ev.Id() != "wol-rheinland-1-"+c1.Room+"@wolbot" || prop(ev, ical.ComponentPropertySequence) != "0" {
		t.Errorf("UID %q SEQUENCE %q", ev.Id(), prop(ev, ical.ComponentPropertySequence))
	}
	if got := prop(ev, ical.ComponentPropertyRrule); got != "FREQ=WEEKLY;COUNT=2" {
		t.Errorf("RRULE %q, want a weekly series of the round's 2 weeks", got)
	}
	start, err := ev.GetStartAt()
	if err != nil {
		t.Fatal(err)
	}
	end, err := ev.GetEndAt()
	if err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	first := c1.calendarMeeting(1)
	if !start.Equal(first) || start.In(berlin).Hour() != 9 || start.In(berlin).Weekday() != time.Monday || end.Sub(start) != time.Hour {
		t.Errorf("event %v–%v, want Monday 09:00 Berlin (%v) for 60 minutes", start, end, first)
	}
	if prop(ev, ical.ComponentPropertyLocation) != link || prop(ev, ical.ComponentPropertyUrl) != link {
		t.Errorf("LOCATION %q URL %q, want %q", prop(ev, ical.ComponentPropertyLocation), prop(ev, ical.ComponentPropertyUrl), link)
	}
	if len(ev.Attendees()) != 0 || ev.GetProperty(ical.ComponentPropertyOrganizer) != nil {
		t.Errorf("the event names attendees or an organizer: %v", ev.Attendees())
	}
	tzs := cal.Timezones()
	if len(tzs) != 1 || len(tzs[0].Components) != 2 {
		t.Fatalf("VTIMEZONE %+v, want Europe/Berlin with STANDARD and DAYLIGHT", tzs)
	}

	// Second reading: the raw lines, as any other calendar program sees them.
	raw := w.Files[0].Data
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Error("lines must end with CRLF")
	}
	lines := unfold(raw)
	want := []string{"BEGIN:VCALENDAR", "VERSION:2.0", "METHOD:PUBLISH", "BEGIN:VTIMEZONE", "TZID:Europe/Berlin",
		"BEGIN:DAYLIGHT", "TZOFFSETTO:+0200", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "BEGIN:STANDARD", "TZOFFSETTO:+0100",
		"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "BEGIN:VEVENT", "RRULE:FREQ=WEEKLY;COUNT=2",
		"DTSTART;TZID=Europe/Berlin:" + first.In(berlin).Format("20060102T150405"),
		"DTEND;TZID=Europe/Berlin:" + first.In(berlin).Add(time.Hour).Format("20060102T150405"),
		"LOCATION:" + link, "END:VCALENDAR"}
	for _, l := range want {
		if !containsLine(lines, l) {
			t.Errorf("no line %q in\n%s", l, raw)
		}
	}
	if bytes.Contains(bytes.ToLower(raw), []byte("mailto:")) || bytes.Contains(raw, []byte("ATTENDEE")) {
		t.Errorf("the file carries addresses:\n%s", raw)
	}
	// The series' dates, counted from DTSTART by the RRULE: 2 Mondays a week apart.
	last := first.In(berlin).AddDate(0, 0, 7*(2-1))
	if last.Weekday() != time.Monday || last.Hour() != 9 || !last.Equal(c1.calendarMeeting(2)) {
		t.Errorf("last meeting %v, want %v", last, c1.calendarMeeting(2))
	}

	// Restart: a new process on the same Redis shows the same room in the reminder.
	fx.kill()
	fx2 := newFixture(t, fx.store, fx.chat, time.Hour)
	fx2.wol.meetingURL = testMeetingURL
	contains(t, fx2.wol.reminder(circleOf(t, fx2, 1), 1), "Videoraum: "+link)
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

func TestReminderGivesAnOldCircleItsRoom(t *testing.T) {
	fx := meetingFixture(t)
	confirmedCircles(t, fx)
	ctx := context.Background()
	k := fx.wol.st.rk("rheinland")
	// A circle confirmed before rooms existed.
	if _, err := fx.wol.st.updateCircle(ctx, k, 1, func(cr *circleRec) error { cr.Room = ""; return nil }, nil); err != nil {
		t.Fatal(err)
	}
	c := circleOf(t, fx, 1)
	if err := fx.wol.onRemind(ctx, timerFor(c, 1)); err != nil {
		t.Fatal(err)
	}
	c = circleOf(t, fx, 1)
	if c.Room == "" {
		t.Fatal("the reminder left the circle without a room")
	}
	posts := textPosts(fx.chat, c.Channel)
	contains(t, posts[len(posts)-1], "Videoraum: "+fx.wol.roomLink(c))
}

// timerFor is the companion timer payload of circle c, week.
func timerFor(c *circleRec, week int) storage.Timer {
	return storage.Timer{ID: timerID(c, week, "remind"), Kind: RemindKind,
		Payload: []byte(c.Region + "|" + strconv.Itoa(c.N) + "|" + strconv.Itoa(week))}
}

func TestCalendarUpdatedWhenMembersChange(t *testing.T) {
	fx := meetingFixture(t)
	confirmedCircles(t, fx)
	c1 := circleOf(t, fx, 1)
	uid := "wol-rheinland-1-" + c1.Room + "@wolbot"
	check := func(step string, wantFiles int, seq, status string, members ...string) {
		t.Helper()
		files := filePosts(fx.chat, c1.Channel)
		if len(files) != wantFiles {
			t.Fatalf("%s: %d calendar posts, want %d", step, len(files), wantFiles)
		}
		last := files[len(files)-1]
		_, ev := parsedEvent(t, last.Files[0])
		if ev.Id() != uid || prop(ev, ical.ComponentPropertySequence) != seq || prop(ev, ical.ComponentPropertyStatus) != status {
			t.Errorf("%s: UID %q SEQUENCE %q STATUS %q, want %q %s %s", step, ev.Id(),
				prop(ev, ical.ComponentPropertySequence), prop(ev, ical.ComponentPropertyStatus), uid, seq, status)
		}
		desc := prop(ev, ical.ComponentPropertyDescription)
		for _, m := range members {
			name := strings.TrimPrefix(m, "-")
			if strings.HasPrefix(m, "-") == strings.Contains(desc, "@"+name) {
				t.Errorf("%s: description %q and member %s", step, desc, m)
			}
		}
	}
	check("welcome", 1, "0", "CONFIRMED")

	// A member leaves and the waitlist fills the seat: one updated file for both changes.
	leaver := c1.Members[0].User
	fx.say(leaver, "allgemein", "/wol verlassen ja")
	newcomer := circleOf(t, fx, 1).Members[2].User
	check("leave and replacement", 2, "2", "CONFIRMED", "-"+leaver, newcomer)
	contains(t, filePosts(fx.chat, c1.Channel)[1].Text, "aktualisierte Kalenderdatei")

	// Forgetting a member (Art. 17): the next file no longer names them.
	gone := circleOf(t, fx, 1).Members[0].User
	if err := fx.wol.ForgetUser(context.Background(), bot.UserRef{Platform: "test", User: gone}); err != nil {
		t.Fatal(err)
	}
	check("forget", 3, "3", "CONFIRMED", "-"+gone)

	// Dissolving ends the series: same UID, higher SEQUENCE, cancelled.
	fx.say("admin", adminChannel, "/wol auflösen rheinland-1")
	check("dissolve", 4, "4", "CANCELLED")

	// A redelivered send posts nothing twice.
	k := fx.wol.st.rk("rheinland")
	if err := fx.wol.sendCalendar(context.Background(), k, circleOf(t, fx, 1), "nochmal", true); err != nil {
		t.Fatal(err)
	}
	check("resend", 4, "4", "CANCELLED")
}

func TestCalendarAfterMerge(t *testing.T) {
	fx := meetingFixture(t)
	setupRegion(t, fx, "größe=3-5 wochen=2")
	for i, muni := range rheinland[:6] {
		enrol(t, fx, planner{"u" + strconv.Itoa(i+1), muni, "planung", "Ein persönliches Ziel.", "mo-vm"})
	}
	fx.say("admin", adminChannel, "/wol vorschau rheinland")
	contains(t, fx.say("admin", adminChannel, "/wol bestätigen rheinland"), "2 Kreise")
	// Someone leaves circle 1 and nobody waits: it is small enough to merge into circle 2.
	fx.say(circleOf(t, fx, 1).Members[0].User, "allgemein", "/wol verlassen ja")
	a, b := circleOf(t, fx, 1), circleOf(t, fx, 2)
	contains(t, fx.say("admin", adminChannel, "/wol zusammenlegen rheinland-1 rheinland-2"), "zusammengelegt")
	into := filePosts(fx.chat, b.Channel)
	if len(into) != 2 {
		t.Fatalf("%d calendar posts in the target circle, want welcome and update", len(into))
	}
	_, ev := parsedEvent(t, into[1].Files[0])
	if ev.Id() != calendarUID(b) || prop(ev, ical.ComponentPropertySequence) != strconv.Itoa(len(a.Members)) {
		t.Errorf("target: UID %q SEQUENCE %q", ev.Id(), prop(ev, ical.ComponentPropertySequence))
	}
	for _, m := range a.Members {
		contains(t, prop(ev, ical.ComponentPropertyDescription), "@"+m.Name)
	}
	out := filePosts(fx.chat, a.Channel)
	_, ev = parsedEvent(t, out[len(out)-1].Files[0])
	if ev.Id() != calendarUID(a) || prop(ev, ical.ComponentPropertyStatus) != "CANCELLED" || prop(ev, ical.ComponentPropertySequence) != "2" {
		t.Errorf("merged circle: UID %q STATUS %q SEQUENCE %q", ev.Id(), prop(ev, ical.ComponentPropertyStatus), prop(ev, ical.ComponentPropertySequence))
	}
}

func TestFitCheck(t *testing.T) {
	fx := meetingFixture(t)
	confirmedCircles(t, fx)
	ctx := context.Background()
	c1, c2 := circleOf(t, fx, 1), circleOf(t, fx, 2)
	fit := fitTimer(c1)
	if want := c1.meeting(1).Add(time.Duration(c1.Length+c1.Week/7) * time.Millisecond); fit.Due.Sub(want).Abs() > time.Millisecond {
		t.Errorf("fit check due %v, want a day after meeting 1 (%v)", fit.Due, want)
	}
	if ok, err := fx.wol.timers.Exists(ctx, []string{fit.ID}); err != nil || !ok[0] {
		t.Fatalf("fit check timer not scheduled at confirm: %v %v", ok, err)
	}
	if err := fx.wol.onFit(ctx, fit); err != nil {
		t.Fatal(err)
	}
	if err := fx.wol.onFit(ctx, fit); err != nil { // redelivered: nobody is asked twice
		t.Fatal(err)
	}
	for _, m := range c1.Members {
		n := 0
		for _, c := range fx.chat.Calls() {
			if c.Op == chattest.OpDM && c.User == m.User && strings.Contains(c.Msg.Text, "Wie passt der Kreis") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s asked %d times, want once", m.User, n)
		}
	}
	anna, bert, cara := c1.Members[0].User, c1.Members[1].User, c1.Members[2].User
	q := lastDM(fx.chat, anna)
	if len(q.Buttons) != 3 || q.Buttons[1].Command != "/wol passung unsicher rheinland-1" || q.Buttons[2].Value != "rheinland-1|no" {
		t.Fatalf("fit buttons %+v", q.Buttons)
	}

	tests := []struct {
		name, user, want string
		do               func(user string) string
	}{
		{"button", anna, "ehrliche Antwort", nil},
		{"text twin without circle", bert, "Aufmerksamkeit", func(u string) string { return fx.dm(u, "/wol passung nein") }},
		{"english text twin with circle", cara, "gut passt", func(u string) string { return fx.dm(u, "/wol fit good rheinland-1") }},
		{"bad word", cara, "So geht’s", func(u string) string { return fx.dm(u, "/wol passung jein") }},
		{"too many words", cara, "So geht’s", func(u string) string { return fx.dm(u, "/wol passung gut rheinland-1 extra") }},
		{"not a member", c2.Members[0].User, "nur Mitglieder", func(u string) string { return fx.dm(u, "/wol passung gut rheinland-1") }},
		{"stale button", anna, "gilt nicht mehr", func(u string) string { return fx.click(u, "@"+u, "wol.fit", "rheinland-1|vielleicht") }},
		{"unknown circle", anna, "Einen Kreis „rheinland-9“ kenne ich nicht", func(u string) string { return fx.dm(u, "/wol passung gut rheinland-9") }},
		{"not a circle id", anna, "Einen Kreis „kreis“ kenne ich nicht", func(u string) string { return fx.dm(u, "/wol passung gut kreis") }},
		{"nobody's circle", "zoe", "in keinem Kreis", func(u string) string { return fx.dm(u, "/wol passung gut") }},
	}
	for _, tt := range tests {
		do := tt.do
		if do == nil {
			do = func(u string) string { return fx.click(u, "@"+u, "wol.fit", q.Buttons[1].Value) }
		}
		contains(t, do(tt.user), tt.want)
	}
	k := fx.wol.st.rk("rheinland")
	got := fx.store.Client.HGetAll(ctx, k.fit).Val()
	want := map[string]string{"1:test:" + anna: fitUnsure, "1:test:" + bert: fitNo, "1:test:" + cara: fitGood}
	if len(got) != len(want) {
		t.Fatalf("fit answers %v, want %v", got, want)
	}
	for f, v := range want {
		if got[f] != v {
			t.Errorf("fit %s = %q, want %q", f, got[f], v)
		}
	}

	ov := fx.say("admin", adminChannel, "/wol übersicht rheinland")
	contains(t, ov, "`rheinland-1` · ⚠️ braucht Aufmerksamkeit (1 × „passt nicht“)")
	contains(t, ov, "`rheinland-2` · läuft")

	// Export and erasure cover the answer.
	data, err := fx.wol.UserData(ctx, bot.UserRef{Platform: "test", User: bert}, "de")
	if err != nil {
		t.Fatal(err)
	}
	contains(t, data, "Ihre Antwort zur Passung des Kreises `rheinland-1`: passt nicht")
	if err := fx.wol.ForgetUser(ctx, bot.UserRef{Platform: "test", User: bert}); err != nil {
		t.Fatal(err)
	}
	if fx.store.Client.HExists(ctx, k.fit, "1:test:"+bert).Val() {
		t.Error("the fit answer survived the erasure")
	}
}

func TestHealth(t *testing.T) {
	c := &circleRec{N: 1, Weeks: 4, Members: []enrolment{{Key: "a"}, {Key: "b"}, {Key: "c"}}}
	tests := []struct {
		name  string
		weeks map[int]answers
		fit   map[string]string
		want  []string
	}{
		{"nothing known runs", nil, nil, nil},
		{"held meetings and good fit run", map[int]answers{1: {yes: 2}, 2: {yes: 1, no: 1}},
			map[string]string{"1:a": fitGood, "1:b": fitUnsure}, nil},
		{"one missed meeting, then held, runs", map[int]answers{1: {no: 2}, 2: {yes: 1}}, nil, nil},
		{"the latest meeting missed", map[int]answers{1: {yes: 2}, 2: {no: 1}}, nil, []string{"1 Treffen ausgefallen"}},
		{"two missed meetings", map[int]answers{1: {no: 1}, 2: {no: 2}, 3: {yes: 1}}, nil, []string{"2 Treffen ausgefallen"}},
		{"anyone says it does not fit", nil, map[string]string{"1:a": fitGood, "1:b": fitGood, "1:c": fitNo},
			[]string{"1 × „passt nicht“"}},
		{"most are unsure", nil, map[string]string{"1:a": fitUnsure, "1:b": fitUnsure, "1:c": fitGood},
			[]string{"noch unsicher: 2 von 3"}},
		{"half unsure is no majority", nil, map[string]string{"1:a": fitUnsure, "1:b": fitGood}, nil},
		{"former members and other circles do not count", nil,
			map[string]string{"1:x": fitNo, "2:a": fitNo, "1:a": fitGood}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := health("de", c, tt.weeks, tt.fit)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("health = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMeetingURLChecked(t *testing.T) {
	for _, tmpl := range []string{"meet.example.de/{circle}", "ftp://x/{circle}", "https:///wol"} {
		if err := checkMeetingURL(tmpl); err == nil {
			t.Errorf("meeting URL %q accepted", tmpl)
		}
	}
	for _, tmpl := range []string{"", testMeetingURL, "https://jitsi.example.org/"} {
		if err := checkMeetingURL(tmpl); err != nil {
			t.Errorf("meeting URL %q refused: %v", tmpl, err)
		}
	}
	f := &Feature{meetingURL: "https://jitsi.example.org/"}
	if got := f.roomLink(&circleRec{Region: "sachsen", N: 2, Room: "abc"}); got != "https://jitsi.example.org/wol-sachsen-2-abc" {
		t.Errorf("link without placeholder %q", got)
	}
}

func TestSlotMoveSendsUpdatedCalendar(t *testing.T) {
	fx := meetingFixture(t)
	confirmedCircles(t, fx) // wochen=2, Monday mornings
	ctx := context.Background()
	c1 := circleOf(t, fx, 1)
	uid := calendarUID(c1)
	berlin, _ := time.LoadLocation("Europe/Berlin")

	bad := []struct{ user, cmd, want string }{
		{"admin", "/wol termin rheinland-1", "So geht’s: `/wol termin"},
		{"admin", "/wol termin rheinland-1 mo-vm, do-nm", "genau eine Zeit"},
		{"admin", "/wol termin rheinland-1 irgendwann", "irgendwann"},
		{"admin", "/wol termin rheinland-1", "So geht’s: `/wol termin"},
		{"admin", "/wol termin rheinland-1 mo-vm", "trifft sich schon"},
		{"admin", "/wol termin rheinland-9 do-nm", "gibt es nicht"},
		{"admin", "/wol termin kreis do-nm", "So geht’s: `/wol termin"},
		{c1.Members[0].User, "/wol termin rheinland-1 do-nm", "Admins"},
	}
	for _, b := range bad {
		contains(t, fx.say(b.user, adminChannel, b.cmd), b.want)
	}
	if got := circleOf(t, fx, 1); got.CalSeq != 0 || got.Slot != c1.Slot || got.First != c1.First {
		t.Fatalf("bad input changed the circle: %+v", got)
	}

	reply := fx.say("admin", adminChannel, "/wol termin rheinland-1 do-nm")
	contains(t, reply, "Erledigt: Der Kreis `rheinland-1` trifft sich ab")
	contains(t, reply, "3 Mitglieder (")
	moved := circleOf(t, fx, 1)
	if day, part, ok := slotIndex(moved.Slot); !ok || day != 3 || part != 2 {
		t.Fatalf("slot %q, want Thursday afternoon", moved.Slot)
	}
	files := filePosts(fx.chat, c1.Channel)
	if len(files) != 2 {
		t.Fatalf("%d calendar posts, want welcome and the moved series", len(files))
	}
	contains(t, files[1].Text, "**Neuer Termin:**")
	_, ev := parsedEvent(t, files[1].Files[0])
	start, err := ev.GetStartAt()
	if err != nil {
		t.Fatal(err)
	}
	if ev.Id() != uid || prop(ev, ical.ComponentPropertySequence) != "1" || prop(ev, ical.ComponentPropertyRrule) != "FREQ=WEEKLY;COUNT=2" {
		t.Errorf("moved series: UID %q SEQUENCE %q RRULE %q", ev.Id(), prop(ev, ical.ComponentPropertySequence), prop(ev, ical.ComponentPropertyRrule))
	}
	if s := start.In(berlin); s.Weekday() != time.Thursday || s.Hour() != 14 || !start.Equal(moved.calendarMeeting(1)) {
		t.Errorf("moved series starts %v, want Thursday 14:00 (%v)", s, moved.calendarMeeting(1))
	}
	tm, ok, err := fx.wol.timers.Get(ctx, timerID(moved, 1, "remind"))
	if err != nil || !ok || tm.Due.Sub(moved.meeting(1).Add(-time.Duration(moved.Week)*time.Millisecond/7)).Abs() > time.Millisecond {
		t.Errorf("week 1 reminder %v (%v, %v), want a day before the moved meeting %v", tm.Due, ok, err, moved.meeting(1))
	}

	// Once meeting 1 has begun, only week 2 moves: the series starts there, one meeting long.
	fx.wol.now = func() time.Time { return moved.meeting(1).Add(time.Second) }
	contains(t, fx.say("admin", adminChannel, "/wol termin rheinland-1 fr-mittag"), "Erledigt")
	again := circleOf(t, fx, 1)
	if again.CalFrom != 2 || !again.meeting(2).After(moved.meeting(1)) {
		t.Errorf("second move: from week %d, meeting 2 at %v", again.CalFrom, again.meeting(2))
	}
	files = filePosts(fx.chat, c1.Channel)
	_, ev = parsedEvent(t, files[len(files)-1].Files[0])
	start, _ = ev.GetStartAt()
	if prop(ev, ical.ComponentPropertySequence) != "2" || prop(ev, ical.ComponentPropertyRrule) != "FREQ=WEEKLY;COUNT=1" ||
		start.In(berlin).Weekday() != time.Friday || start.In(berlin).Hour() != 12 {
		t.Errorf("second move: SEQUENCE %q RRULE %q start %v", prop(ev, ical.ComponentPropertySequence), prop(ev, ical.ComponentPropertyRrule), start.In(berlin))
	}

	// After the last meeting has begun there is nothing to move.
	fx.wol.now = func() time.Time { return again.meeting(2).Add(time.Second) }
	contains(t, fx.say("admin", adminChannel, "/wol termin rheinland-1 di-vm"), "kein Treffen mehr")
}

// TestCalendarLengthWithDemoWeek: with a week of two seconds the companion's meeting length
// shrinks to milliseconds; the calendar must still say the round's 60 minutes.
func TestCalendarLengthWithDemoWeek(t *testing.T) {
	fx := newFixture(t, redistest.Store(t), &chattest.Recorder{}, 2*time.Second)
	confirmedCircles(t, fx)
	c1 := circleOf(t, fx, 1)
	_, ev := parsedEvent(t, fx.wol.calendarFile(c1, time.Now(), false))
	start, err1 := ev.GetStartAt()
	end, err2 := ev.GetEndAt()
	if err1 != nil || err2 != nil || end.Sub(start) != time.Hour {
		t.Errorf("meeting %v–%v (%v, %v), want 60 minutes", start, end, err1, err2)
	}
}
