package circles

// Meetings that happen (issue 14): each circle's video room link, its calendar file, and the
// private fit check after week 1.
//
// The room: with Options.MeetingURL set, every circle gets a link built from the template and
// a random suffix (circleRec.Room, crypto/rand, stored with the circle, so it is stable across
// restarts and replicas and cannot be guessed from the circle's name). The welcome and every
// reminder show it.
//
// The calendar file: the welcome carries an iCalendar file (RFC 5545) with one weekly series
// (RRULE FREQ=WEEKLY;COUNT=<weeks>) at the circle's slot and meeting length, in Europe/Berlin
// with its VTIMEZONE, the room link as LOCATION and URL, and no attendees (so no e-mail
// addresses). Its UID is stable per circle; circleRec.CalSeq is its SEQUENCE. A changed member
// list bumps CalSeq in the same transaction that changes the members, and sendCalendar then
// posts the updated file once (marks hash "<n>:0:ics<seq>"), so calendars replace the series
// instead of adding a second one. A merged or dissolved circle gets its series cancelled.
//
// The fit check: a durable timer (FitKind) a day after meeting 1 asks every member privately
// whether the circle fits ("passt gut / noch unsicher / passt nicht"); the answer is stored per
// member in the fit hash and feeds the region overview's "needs attention".

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	ical "github.com/arran4/golang-ical"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/storage"
)

// FitKind is the timer kind of the fit check after week 1.
const FitKind = "wol.fit"

// calendarZone is the time zone of the calendar file; its VTIMEZONE rules are written out
// below, since calendar programs must not be trusted to know the zone by name.
const calendarZone = "Europe/Berlin"

// checkMeetingURL validates Options.MeetingURL: empty, or an absolute http(s) URL.
func checkMeetingURL(tmpl string) error {
	if tmpl == "" {
		return nil
	}
	u, err := url.Parse(strings.ReplaceAll(tmpl, "{circle}", "x"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("circles: meeting URL %q: want an http(s) address such as https://meet.example.de/wol-{circle}", tmpl)
	}
	return nil
}

// newRoom returns a random room suffix: 80 bits, 16 lower-case base32 characters.
func newRoom() string {
	b := make([]byte, 10)
	rand.Read(b) // never returns an error; crashes the program instead
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// roomLink is circle c's video room, or "" without a meeting URL (or, for a circle from before
// rooms existed, until ensureRoom gave it one). "{circle}" in the template becomes
// "<circle id>-<room>"; a template without it gets "/wol-<circle id>-<room>" appended.
func (f *Feature) roomLink(c *circleRec) string {
	if f.meetingURL == "" || c.Room == "" {
		return ""
	}
	name := url.PathEscape(c.ID() + "-" + c.Room)
	if strings.Contains(f.meetingURL, "{circle}") {
		return strings.ReplaceAll(f.meetingURL, "{circle}", name)
	}
	return strings.TrimRight(f.meetingURL, "/") + "/wol-" + name
}

// ensureRoom gives a circle confirmed before rooms existed its room, once; the stored room
// wins over a concurrent attempt.
func (f *Feature) ensureRoom(ctx context.Context, k rkeys, c *circleRec) (*circleRec, error) {
	if c.Room != "" {
		return c, nil
	}
	room := newRoom()
	return f.st.updateCircle(ctx, k, c.N, func(cr *circleRec) error {
		if cr.Room == "" {
			cr.Room = room
		}
		return nil
	}, nil)
}

// realLength is the meeting length people read: Minutes, or for an older circle c.Length
// unscaled from a demo week (which loses precision with a week of seconds).
func realLength(c *circleRec) time.Duration {
	if c.Minutes > 0 {
		return time.Duration(c.Minutes) * time.Minute
	}
	length := time.Duration(c.Length) * time.Millisecond
	if c.Week > 0 && c.Week != DefaultWeek.Milliseconds() {
		length = time.Duration(float64(length) * float64(DefaultWeek.Milliseconds()) / float64(c.Week))
	}
	return length.Round(time.Minute)
}

// calendarUID is the circle's stable event UID.
func calendarUID(c *circleRec) string {
	return "wol-" + c.ID() + "-" + c.Room + "@wolbot"
}

// calendarName is the file name of circle c's calendar file.
func calendarName(c *circleRec) string { return "wol-" + c.ID() + ".ics" }

// calendarFile renders circle c's meetings as an iCalendar file with SEQUENCE c.CalSeq;
// cancelled marks the whole series cancelled (a merged or dissolved circle).
func (f *Feature) calendarFile(c *circleRec, now time.Time, cancelled bool) adapters.File {
	lang := c.Lang
	cal := ical.NewCalendarFor("wolbot")
	cal.SetProductId("-//wolbot//Working Out Loud//" + strings.ToUpper(lang))
	cal.SetMethod(ical.MethodPublish)
	cal.SetCalscale("GREGORIAN")
	cal.SetName(msgs.T(lang, "ics_summary", "id", c.ID()))

	from := max(c.CalFrom, 1) // after a moved slot, the series starts with the first moved meeting
	start := c.calendarMeeting(from)
	end := start.Add(realLength(c))
	const local = "20060102T150405"
	berlin, err := time.LoadLocation(calendarZone)
	var at []ical.PropertyParameter
	var startV, endV string
	if err == nil {
		addBerlin(cal)
		at = []ical.PropertyParameter{ical.WithTZID(calendarZone)}
		startV, endV = start.In(berlin).Format(local), end.In(berlin).Format(local)
	} else {
		// No zone database: UTC times, still right for the first meeting.
		startV, endV = start.UTC().Format(local+"Z"), end.UTC().Format(local+"Z")
	}

	ev := cal.AddEvent(calendarUID(c))
	ev.SetDtStampTime(now)
	ev.SetSequence(c.CalSeq)
	ev.SetProperty(ical.ComponentPropertyDtStart, startV, at...)
	ev.SetProperty(ical.ComponentPropertyDtEnd, endV, at...)
	ev.AddRrule("FREQ=WEEKLY;COUNT=" + strconv.Itoa(c.Weeks-from+1))
	ev.SetSummary(msgs.T(lang, "ics_summary", "id", c.ID()))
	names := make([]string, len(c.Members))
	for i, m := range c.Members {
		names[i] = "@" + m.Name
	}
	desc := msgs.N(lang, "ics_description", c.Weeks, "id", c.ID(), "members", strings.Join(names, ", "), "guides", GuidesURL)
	if link := f.roomLink(c); link != "" {
		ev.SetLocation(link)
		ev.SetURL(link)
		desc += "\n\n" + msgs.T(lang, "ics_room", "link", link)
	}
	ev.SetDescription(desc)
	ev.SetClass(ical.ClassificationPrivate)
	if cancelled {
		ev.SetStatus(ical.ObjectStatusCancelled)
	} else {
		ev.SetStatus(ical.ObjectStatusConfirmed)
	}
	return adapters.File{Name: calendarName(c), Type: "text/calendar; charset=utf-8; method=PUBLISH", Data: []byte(cal.Serialize(ical.WithNewLine("\r\n")))}
}

// addBerlin adds the VTIMEZONE of Europe/Berlin: CET (UTC+1) with CEST (UTC+2) from the last
// Sunday of March, 02:00, to the last Sunday of October, 03:00 (EU rules since 1996).
func addBerlin(cal *ical.Calendar) {
	tz := cal.AddTimezone(calendarZone)
	daylight := &ical.Daylight{}
	daylight.SetProperty(ical.ComponentProperty(ical.PropertyTzoffsetfrom), "+0100")
	daylight.SetProperty(ical.ComponentProperty(ical.PropertyTzoffsetto), "+0200")
	daylight.SetProperty(ical.ComponentProperty(ical.PropertyTzname), "CEST")
	daylight.SetProperty(ical.ComponentPropertyDtStart, "19810329T020000")
	daylight.AddRrule("FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU")
	standard := tz.AddStandard()
	standard.SetProperty(ical.ComponentProperty(ical.PropertyTzoffsetfrom), "+0200")
	standard.SetProperty(ical.ComponentProperty(ical.PropertyTzoffsetto), "+0100")
	standard.SetProperty(ical.ComponentProperty(ical.PropertyTzname), "CET")
	standard.SetProperty(ical.ComponentPropertyDtStart, "19961027T030000")
	standard.AddRrule("FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU")
	tz.Components = append(tz.Components, daylight)
}

// sendCalendar posts circle c's calendar file at its current SEQUENCE into its channel with
// text, once per SEQUENCE; callers bump CalSeq in the transaction that made the change.
// cancelled ends the series (a merged or dissolved circle).
func (f *Feature) sendCalendar(ctx context.Context, k rkeys, c *circleRec, text string, cancelled bool) error {
	if c.Channel == "" || c.CalSeq == 0 {
		return nil
	}
	// A circle from before calendar files gets its room (and so its UID) before its first
	// file, so that every later file names the same series.
	c, err := f.ensureRoom(ctx, k, c)
	if err != nil {
		return err
	}
	seq := strconv.Itoa(c.CalSeq)
	_, err = f.st.once(ctx, k, fmt.Sprintf("%d:0:ics%s", c.N, seq), f.now(), func() error {
		_, err := f.chat.Post(ctx, c.Channel, adapters.Message{
			Text:  text,
			Files: []adapters.File{f.calendarFile(c, f.now(), cancelled)},
			Key:   postKey(c, 0, "ics-"+seq),
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("circles: send calendar of %s: %w", c.ID(), err)
	}
	return nil
}

// refreshCalendar sends circle n's calendar file at its current SEQUENCE, if not sent yet: the
// last step of every member change, after any seat was filled, so that one change sends one
// file. Failures are logged; the change itself has happened.
func (f *Feature) refreshCalendar(ctx context.Context, k rkeys, n int) {
	c, err := f.st.circle(ctx, k, n)
	if err == nil && c != nil && c.Status == circleActive {
		err = f.sendCalendar(ctx, k, c, msgs.T(c.Lang, "ics_updated", "id", c.ID()), false)
	}
	if err != nil {
		f.log.Warn().Err(err).Str("circle", k.region+"-"+strconv.Itoa(n)).Msg("circles: could not send the updated calendar")
	}
}

// endCalendar cancels the calendar series of a circle that was merged or dissolved: a new
// SEQUENCE with STATUS:CANCELLED. Failures are logged; the circle has ended either way.
func (f *Feature) endCalendar(ctx context.Context, k rkeys, n int) {
	c, err := f.st.updateCircle(ctx, k, n, func(cr *circleRec) error {
		cr.CalSeq++
		return nil
	}, nil)
	if err == nil {
		err = f.sendCalendar(ctx, k, c, msgs.T(c.Lang, "ics_cancelled", "id", c.ID()), true)
	}
	if err != nil {
		f.log.Warn().Err(err).Str("circle", k.region+"-"+strconv.Itoa(n)).Msg("circles: could not cancel the calendar series")
	}
}

// slotCmd moves a running circle to another weekly slot: "/wol termin <kreis> <slot>", the slot
// written as in the enrolment ("do-nm", "Donnerstag nachmittag"). The
// meetings not yet begun move to the new slot (the next one at least a day ahead); their
// reminders, check-ins (and the fit check, if week 1 is moved) are rescheduled under their
// ids, and the circle gets a calendar file whose series starts with the first moved meeting
// (same UID, higher SEQUENCE). Past meetings and their check-ins stay as they were.
func (f *Feature) slotCmd(ctx context.Context, c *call, args []string) error {
	if len(args) < 2 {
		return refuse("err_slot_args")
	}
	region, n, ok := circleByID(strings.ToLower(args[0]), "")
	if !ok {
		return refuse("err_slot_args")
	}
	if ok, err := f.mayAdmin(ctx, c, region); err != nil {
		return err
	} else if !ok {
		return refuse("err_not_region_admin", "region", adapters.Escape(region))
	}
	slots, err := f.checkSlots(strings.Join(args[1:], " "))
	if err != nil {
		return err
	}
	if len(slots) != 1 {
		return refuse("err_slot_one")
	}
	slot := slots[0]
	k := f.st.rk(region)
	now := f.now()
	timer, calendar := f.firstMeeting(roundConfig{}, slot, now)
	var from int
	circle, err := f.st.updateCircle(ctx, k, n, func(cr *circleRec) error {
		if cr.Status != circleActive {
			return refuse("err_merge_unknown", "id", adapters.Escape(args[0]))
		}
		from = 0
		for w := 1; w <= cr.Weeks; w++ {
			if cr.meeting(w).After(now) {
				from = w
				break
			}
		}
		if from == 0 {
			return refuse("err_slot_finished", "id", cr.ID())
		}
		if cr.Slot == slot {
			return refuse("err_slot_same", "id", cr.ID(), "slot", slotLong(c.lang, slot))
		}
		cr.Slot = slot
		if loc := cr.location(); loc != nil && cr.Week == DefaultWeek.Milliseconds() {
			cr.First = timer.In(loc).AddDate(0, 0, -7*(from-1)).UnixMilli() // calendar weeks, as meeting counts
		} else {
			cr.First = timer.Add(-time.Duration(from-1) * time.Duration(cr.Week) * time.Millisecond).UnixMilli()
		}
		cr.Calendar = 0
		if realFirst := calendar.AddDate(0, 0, -7*(from-1)); !realFirst.Equal(cr.meeting(1)) {
			cr.Calendar = realFirst.UnixMilli()
		}
		cr.CalFrom = from
		bumpCalendar(cr)
		if cr.Room == "" {
			cr.Room = newRoom()
		}
		return nil
	}, nil)
	if errors.Is(err, errNoCircle) {
		return refuse("err_merge_unknown", "id", adapters.Escape(args[0]))
	}
	if err != nil {
		return err
	}
	if err := f.rescheduleFrom(ctx, circle, from); err != nil {
		return err
	}
	c.Log.Info().Str("circle", circle.ID()).Int("from_week", from).Msg("circles: slot moved")
	lang := circle.Lang
	next := circle.calendarMeeting(from).In(f.loc)
	text := msgs.T(lang, "slot_moved", "id", circle.ID(), "slot", slotLong(lang, slot), "date", f.date(lang, next), "time", next.Format("15:04"))
	if err := f.sendCalendar(ctx, k, circle, text, false); err != nil {
		return err
	}
	reply := c.t("reply_slot_moved", "id", circle.ID(), "slot", slotLong(c.lang, slot), "date", f.date(c.lang, next), "time", next.Format("15:04"))
	var cannot []string
	for _, m := range circle.Members {
		if !slices.Contains(m.Slots, slot) {
			cannot = append(cannot, "@"+adapters.Escape(m.Name))
		}
	}
	if len(cannot) > 0 {
		reply += " " + msgs.N(c.lang, "reply_slot_unavailable", len(cannot), "names", strings.Join(cannot, ", "))
	}
	return c.ReplyText(ctx, reply)
}

// rescheduleFrom replaces the companion timers of weeks from…Weeks (and the fit check, if
// week 1 moved, and the retention) with the circle's new meeting times.
func (f *Feature) rescheduleFrom(ctx context.Context, c *circleRec, from int) error {
	lead := time.Duration(c.Week) * time.Millisecond / 7
	length := time.Duration(c.Length) * time.Millisecond
	var tms []storage.Timer
	for w := from; w <= c.Weeks; w++ {
		payload := []byte(c.Region + "|" + strconv.Itoa(c.N) + "|" + strconv.Itoa(w))
		tms = append(tms,
			storage.Timer{ID: timerID(c, w, "remind"), Kind: RemindKind, Due: c.meeting(w).Add(-lead), Payload: payload},
			storage.Timer{ID: timerID(c, w, "checkin"), Kind: CheckinKind, Due: c.meeting(w).Add(length), Payload: payload})
	}
	if from == 1 {
		tms = append(tms, fitTimer(c))
	}
	tms = append(tms, f.purgeTimer(c, circleEnd(c)))
	if err := f.timers.ScheduleMany(ctx, tms); err != nil {
		return fmt.Errorf("circles: reschedule %s: %w", c.ID(), err)
	}
	return nil
}

// Fit answers.
const (
	fitGood   = "good"
	fitUnsure = "unsure"
	fitNo     = "no"
)

// fitWords are the accepted words of "/wol passung <answer>", German and English.
var fitWords = map[string]string{
	"gut": fitGood, "good": fitGood, "passt": fitGood, "ja": fitGood, "yes": fitGood, "fine": fitGood,
	"unsicher": fitUnsure, "unsure": fitUnsure, "vielleicht": fitUnsure, "maybe": fitUnsure, "weißnicht": fitUnsure,
	"nein": fitNo, "no": fitNo, "schlecht": fitNo, "passtnicht": fitNo, "bad": fitNo,
}

// fitTimer is the fit check of circle c: a day (Week/7) after meeting 1 has ended.
func fitTimer(c *circleRec) storage.Timer {
	lead := time.Duration(c.Week) * time.Millisecond / 7
	return storage.Timer{ID: timerID(c, 1, "fit"), Kind: FitKind,
		Due:     c.meeting(1).Add(time.Duration(c.Length) * time.Millisecond).Add(lead),
		Payload: []byte(c.Region + "|" + strconv.Itoa(c.N) + "|1")}
}

// onFit asks every member of the circle privately whether it fits, once per member. A failed
// direct message fails the timer, which is then retried for those not asked yet.
func (f *Feature) onFit(ctx context.Context, t storage.Timer) error {
	c, k, _, err := f.timerCircle(ctx, t)
	if err != nil || c == nil {
		return err
	}
	var errs []error
	for _, m := range c.Members {
		_, err := f.st.once(ctx, k, fmt.Sprintf("%d:1:fit:%s", c.N, m.Key), f.now(), func() error {
			_, err := f.chat.DirectMessage(ctx, m.User, f.fitQuestion(c, m.Lang))
			return err
		})
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("circles: fit check of %s: %w", c.ID(), err)
	}
	f.log.Info().Str("circle", c.ID()).Msg("circles: fit check sent")
	return nil
}

// fitQuestion is the private question to one member, in their language.
func (f *Feature) fitQuestion(c *circleRec, lang string) adapters.Message {
	if lang == "" {
		lang = c.Lang
	}
	value := c.ID() + "|"
	return adapters.Message{
		Text: msgs.T(lang, "fit_question", "id", c.ID()),
		Buttons: []adapters.Button{
			{ID: "wol.fit", Label: msgs.T(lang, "btn_fit_good"), Value: value + fitGood, Style: adapters.StylePrimary, Command: msgs.T(lang, "cmd_fit_good", "id", c.ID())},
			{ID: "wol.fit", Label: msgs.T(lang, "btn_fit_unsure"), Value: value + fitUnsure, Command: msgs.T(lang, "cmd_fit_unsure", "id", c.ID())},
			{ID: "wol.fit", Label: msgs.T(lang, "btn_fit_no"), Value: value + fitNo, Command: msgs.T(lang, "cmd_fit_no", "id", c.ID())},
		},
	}
}

// fitCmd is the text twin of the fit buttons: "/wol passung gut|unsicher|nein [kreis]". Without
// a circle id it answers for the person's one running circle.
func (f *Feature) fitCmd(ctx context.Context, c *call, args []string) error {
	if len(args) < 1 || len(args) > 2 || fitWords[strings.ToLower(args[0])] == "" {
		return refuse("err_fit_args")
	}
	answer := fitWords[strings.ToLower(args[0])]
	if len(args) == 2 {
		return f.recordFit(ctx, c, strings.ToLower(args[1]), answer, true)
	}
	places, err := f.locate(ctx, c.person())
	if err != nil {
		return err
	}
	var ids []string
	for _, w := range places {
		if w.circle != nil {
			ids = append(ids, w.circle.ID())
		}
	}
	switch len(ids) {
	case 0:
		return refuse("err_fit_none")
	case 1:
		return f.recordFit(ctx, c, ids[0], answer, true)
	}
	return refuse("err_fit_which", "ids", "`"+strings.Join(ids, "`, `")+"`")
}

// recordFit stores a member's fit answer for circle id; a later answer replaces it. typed says
// the id was typed (an unknown one is named) rather than carried by a button (then it is stale).
func (f *Feature) recordFit(ctx context.Context, c *call, id, answer string, typed bool) error {
	unknown := refuse("err_stale_button")
	if typed {
		unknown = refuse("err_fit_unknown", "id", adapters.Escape(id))
	}
	region, n, ok := circleByID(id, "")
	if !ok {
		return unknown
	}
	k := f.st.rk(region)
	circle, err := f.st.circle(ctx, k, n)
	if err != nil {
		return err
	}
	if circle == nil {
		return unknown
	}
	if !circle.hasMember(c.person()) {
		return refuse("err_not_member")
	}
	if err := f.st.s.Client.HSet(ctx, k.fit, fitField(n, c.person()), answer).Err(); err != nil {
		return fmt.Errorf("circles: fit answer: %w", err)
	}
	c.Log.Info().Str("circle", circle.ID()).Str("fit", answer).Msg("circles: fit answer")
	return c.reply(ctx, "reply_fit_"+answer, "id", circle.ID())
}

// fitField is the fit hash field of one member's answer for circle n.
func fitField(n int, person string) string { return strconv.Itoa(n) + ":" + person }

// health is what the region overview says about a running circle: the reasons it needs
// attention, none when it runs well. It looks at the check-ins (two or more meetings missed,
// or the latest answered meeting missed) and the fit answers of its current members (anyone
// "passt nicht", or most answers "noch unsicher").
func health(lang string, c *circleRec, weeks map[int]answers, fit map[string]string) []string {
	var reasons []string
	missed, lastAnswered, lastMissed := 0, 0, false
	for week := 1; week <= c.Weeks; week++ {
		a := weeks[week]
		if a.missed() {
			missed++
		}
		if a.yes+a.no > 0 {
			lastAnswered, lastMissed = week, a.missed()
		}
	}
	if missed >= 2 || (lastAnswered > 0 && lastMissed) {
		reasons = append(reasons, msgs.N(lang, "ov_reason_missed", missed))
	}
	no, unsure, answered := 0, 0, 0
	prefix := strconv.Itoa(c.N) + ":"
	for field, v := range fit {
		person, ok := strings.CutPrefix(field, prefix)
		if !ok || !c.hasMember(person) {
			continue
		}
		answered++
		switch v {
		case fitNo:
			no++
		case fitUnsure:
			unsure++
		}
	}
	if no > 0 {
		reasons = append(reasons, msgs.N(lang, "ov_reason_fit_no", no))
	}
	if unsure*2 > answered {
		reasons = append(reasons, msgs.N(lang, "ov_reason_fit_unsure", unsure, "answered", answered))
	}
	return reasons
}

// bumpCalendar is the CalSeq bump for a member change, for use inside updateCircle: only a
// circle whose calendar was sent (channel and welcome made) gets a new SEQUENCE.
func bumpCalendar(cr *circleRec) {
	if cr.Channel != "" {
		cr.CalSeq++
	}
}
