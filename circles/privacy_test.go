package circles

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/adapters/chattest"
	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/bot/impulses"
	"github.com/wolbot/wolbot/bot/leancoffee"
	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

// The data subject's rights end to end: one person takes part in every feature, asks for
// their data, and has it deleted. They are known to the platform by an id that differs from
// their handle, so that both are looked for afterwards.

const (
	annaID   = "U0ANNA42"
	annaName = "anna"
)

// world is one bot with all three features and the top-level privacy commands.
type world struct {
	t      *testing.T
	store  *storage.Store
	chat   *chattest.Recorder
	bot    *bot.Bot
	wol    *Feature
	lib    *impulses.Library
	events atomic.Int64
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, store: redistest.Store(t), chat: &chattest.Recorder{}}
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
	timers := storage.NewTimers(w.store, storage.TimerOptions{Lease: 2 * time.Second, MaxWait: 50 * time.Millisecond, Logger: log})
	// A whole course of participation is played in a fraction of a second: no flood limit.
	w.bot = bot.New(bot.Options{Store: w.store, Chat: w.chat, Admins: []string{"admin"}, Logger: log,
		RateLimit: bot.RateLimit{Disabled: true}})
	w.bot.Handle("lc", leancoffee.New(leancoffee.Options{Store: w.store, Chat: w.chat, Timers: timers, Location: time.UTC, Logger: log}), "leancoffee")
	lib, errs := impulses.LoadLibrary(impulses.Builtin, "")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	w.lib = lib
	imp, err := impulses.New(context.Background(), impulses.Options{Store: w.store, Chat: w.chat, Timers: timers, Library: lib, Rate: 1000, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	w.bot.Handle("impuls", imp, "impulse", "impulses")
	if w.wol, err = New(Options{Store: w.store, Chat: w.chat, Timers: timers, Week: time.Hour, Logger: log}); err != nil {
		t.Fatal(err)
	}
	w.bot.Handle(Name, w.wol, Aliases...)
	w.bot.Handle("daten", bot.DataCommand(), "data")
	w.bot.Handle("vergessen", bot.ForgetCommand(), "forget")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = timers.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		imp.Close(context.Background())
	})
	return w
}

// ids maps a handle to the platform id: anna's differs, everyone else's is the handle.
func ids(name string) string {
	if name == annaName {
		return annaID
	}
	return name
}

func (w *world) event(name, channel string) adapters.Event {
	return adapters.Event{Platform: "test", Team: "t1", Channel: channel, User: ids(name), UserName: name,
		Direct: strings.HasPrefix(channel, "@"), ID: fmt.Sprintf("ev-%d", w.events.Add(1))}
}

// say sends a command and returns the last thing the person was told.
func (w *world) say(name, channel, text string) string {
	ev := w.event(name, channel)
	ev.Kind, ev.Text = adapters.KindCommand, strings.TrimPrefix(text, "/")
	w.bot.HandleEvent(context.Background(), ev)
	return lastTo(w.chat, ids(name))
}

func (w *world) click(name, channel, action, value string) string {
	ev := w.event(name, channel)
	ev.Kind, ev.ActionID, ev.Value = adapters.KindAction, action, value
	w.bot.HandleEvent(context.Background(), ev)
	return lastTo(w.chat, ids(name))
}

// lastMessage is the last message (with buttons) to a person: ephemeral or in their DM.
func (w *world) lastMessage(name string) adapters.Message {
	calls := w.chat.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		c := calls[i]
		if ((c.Op == chattest.OpEphemeral || c.Op == chattest.OpDM) && c.User == ids(name)) ||
			(c.Op == chattest.OpPost && c.Channel == "@"+ids(name)) {
			return c.Msg
		}
	}
	return adapters.Message{}
}

// enrolByText plays the enrolment dialog with typed answers.
func (w *world) enrolByText(name, muni, role, goal, slots string) {
	w.t.Helper()
	dm := "@" + ids(name)
	contains(w.t, w.say(name, "allgemein", "/wol join"), "Direktnachricht")
	w.say(name, dm, "/wol antwort rheinland")
	w.say(name, dm, "/wol antwort "+muni)
	w.say(name, dm, "/wol antwort "+role)
	w.say(name, dm, "/wol antwort "+goal)
	contains(w.t, w.say(name, dm, "/wol antwort "+slots), "Bitte prüfen Sie")
	contains(w.t, w.say(name, dm, "/wol antwort ja"), "Sie sind angemeldet")
}

// everything returns every key of the namespace with its value, except the router's event
// dedupe records (event ids per channel, kept 24 hours, no contents).
func (w *world) everything() map[string]string {
	w.t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, key := range redistest.Keys(w.t, w.store, w.store.Key("*")) {
		if strings.Contains(key, ":seen:") {
			continue
		}
		c := w.store.Client
		switch c.Type(ctx, key).Val() {
		case "hash":
			out[key] = fmt.Sprint(c.HGetAll(ctx, key).Val())
		case "zset":
			out[key] = fmt.Sprint(c.ZRangeWithScores(ctx, key, 0, -1).Val())
		case "set":
			out[key] = fmt.Sprint(c.SMembers(ctx, key).Val())
		case "list":
			out[key] = fmt.Sprint(c.LRange(ctx, key, 0, -1).Val())
		case "string":
			out[key] = c.Get(ctx, key).Val()
		}
	}
	return out
}

// traces lists the keys whose name or value still contains one of the needles.
func (w *world) traces(needles ...string) []string {
	var out []string
	for key, value := range w.everything() {
		for _, n := range needles {
			if strings.Contains(key, n) || strings.Contains(value, n) {
				out = append(out, fmt.Sprintf("%s = %.300s", key, value))
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

func (w *world) impulseStats() map[string]string {
	out := map[string]string{}
	for _, key := range redistest.Keys(w.t, w.store, w.store.Key("imp", "impulse", "*", "stats")) {
		out[key] = fmt.Sprint(w.store.Client.HGetAll(context.Background(), key).Val())
	}
	return out
}

// confirmCircle opens an enrolment round in Rheinland, enrols anna, bernd, carla, dilek and
// emil, all on Tuesday mornings, and confirms their circle rheinland-1.
func (w *world) confirmCircle() {
	t := w.t
	t.Helper()
	w.say("admin", adminChannel, `/wol region add rheinland "Rheinland"`)
	w.say("admin", adminChannel, `/wol region rheinland kommunen "`+strings.Join(rheinland, "; ")+`"`)
	contains(t, w.say("admin", adminChannel, "/wol runde öffnen rheinland"), "ist offen")
	w.enrolByText(annaName, "Kreis Düren", "planung", "Ich möchte die Beteiligung junger Menschen stärken.", "di-vm")
	w.enrolByText("bernd", "Stadt Köln", "leitung", "Ich möchte die Kooperation mit Schulen neu aufstellen.", "di-vm")
	w.enrolByText("carla", "StädteRegion Aachen", "planung", "Ich möchte eine Sozialraumanalyse anstoßen.", "di-vm")
	w.enrolByText("dilek", "Kreis Euskirchen", "fachdienst", "Ich möchte Familienzentren kennenlernen.", "di-vm")
	w.enrolByText("emil", "Rhein-Erft-Kreis", "planung", "Ich möchte im Ausschuss verständlicher präsentieren.", "di-vm")
	w.say("admin", adminChannel, "/wol vorschau rheinland")
	contains(t, w.say("admin", adminChannel, "/wol bestätigen rheinland"), "rheinland-1")
}

// takePart lets anna take part in everything: a finished Lean Coffee round (topic, dots, note),
// a running one she moderates, an impulse subscription with one impulse received and rated,
// and a confirmed WOL circle. bernd, carla and dilek take part too.
func (w *world) takePart() (impulseTitle string) {
	t := w.t
	// Lean Coffee, finished.
	w.say("bernd", "team", "/lc start")
	contains(t, w.say(annaName, "team", "/lc topic Beteiligung junger Menschen im Ausschuss"), "als #1 auf dem Board")
	w.say("bernd", "team", "/lc topic Fachkräftegewinnung")
	w.say("bernd", "team", "/lc next")
	w.say(annaName, "team", "/lc vote 1")
	w.say(annaName, "team", "/lc vote 1")
	contains(t, w.say(annaName, "team", "/lc vote 2"), "Punkt")
	w.say("bernd", "team", "/lc vote 1")
	w.say("bernd", "team", "/lc next")
	contains(t, w.say(annaName, "team", "/lc note Wir laden Jugendliche direkt in den Ausschuss ein"), "Notiz")
	w.say("bernd", "team", "/lc end")
	summary := w.chat.Posts("team")[len(w.chat.Posts("team"))-1]
	contains(t, summary, "Wir laden Jugendliche direkt")
	contains(t, summary, "_("+annaName+")_")

	// Lean Coffee, running, moderated by anna.
	w.say(annaName, "werkstatt", "/lc start")
	contains(t, w.say(annaName, "werkstatt", "/lc topic Hilfeplanung mit Videokonferenz"), "als #1 auf dem Board")

	// Impulses: subscribed, one received, rated; bernd rates the same impulse.
	contains(t, w.say(annaName, "allgemein", "/impuls abo region=Rheinland"), "Kurzimpulse")
	w.say(annaName, "allgemein", "/impuls jetzt")
	var first string
	waitFor(t, 5*time.Second, "anna's first impulse", func() bool {
		for _, c := range w.chat.Calls() {
			if c.Op == chattest.OpDM && c.User == annaID && strings.HasPrefix(c.Msg.Key, "imp:") && len(c.Msg.Buttons) > 0 {
				first, _, _ = strings.Cut(c.Msg.Buttons[0].Value, ":")
				return true
			}
		}
		return false
	})
	waitFor(t, 5*time.Second, "the delivery's commit", func() bool {
		return len(redistest.Keys(t, w.store, w.store.Key("imp", "sub", "*", "archive"))) > 0
	})
	// Delivery counts are gathered for 250 ms before they are written (deliveredCounter):
	// wait for them, so that the statistics compared later are complete.
	waitFor(t, 5*time.Second, "the delivery count", func() bool {
		return strings.Contains(fmt.Sprint(w.impulseStats()), "delivered:1")
	})
	contains(t, w.say(annaName, "allgemein", "/impuls feedback "+first+" gut"), "Danke")
	w.say("bernd", "allgemein", "/impuls feedback "+first+" weniger")
	imp, _ := w.lib.Get(first, "de")

	// A WOL circle.
	w.confirmCircle()
	contains(t, w.say(annaName, "allgemein", "/wol ich"), "rheinland-1")
	// Her check-in is hers: it must go with her (issue 10, item 10 keeps check-ins per member).
	contains(t, w.click(annaName, "wol-rheinland-1", "wol.met", "rheinland-1|1|yes"), "stattgefunden")
	// anna also has an enrolment dialog open for nothing in particular: the state of a dialog.
	return imp.Title
}

func TestDataExportAndDeletionAcrossFeatures(t *testing.T) {
	w := newWorld(t)
	title := w.takePart()
	if tr := w.traces(annaID, annaName); len(tr) == 0 {
		t.Fatal("the test put no data about anna in Redis")
	}

	// Art. 15: the export arrives as a DM and covers every feature.
	contains(t, w.say(annaName, "allgemein", "/wol daten"), "Direktnachricht")
	export := lastDM(w.chat, annaID).Text
	for _, want := range []string{
		"## 📄 Ihre Daten bei wolbot", "`" + annaID + "`",
		"### ☕ Lean Coffee", "Beteiligung junger Menschen im Ausschuss", "Ihre Punkte: 3 Punkte", "Wir laden Jugendliche direkt",
		"von Ihnen moderiert", "Hilfeplanung mit Videokonferenz", "wird automatisch gelöscht am",
		"### 💡 Kurzimpulse", "Region: Rheinland", title, "hilfreich",
		"### 🤝 Working-Out-Loud-Kreise", "Kreis `rheinland-1`", "Kreis Düren", "Ich möchte die Beteiligung junger Menschen stärken.",
		"Ihre Rückmeldungen zu den Treffen von `rheinland-1`: Woche 1 stattgefunden",
		"`/wol vergessen`",
	} {
		contains(t, export, want)
	}
	if strings.Index(export, "Lean Coffee") > strings.Index(export, "Kurzimpulse") ||
		strings.Index(export, "Kurzimpulse") > strings.Index(export, "Working-Out-Loud") {
		t.Errorf("sections are not in registration order:\n%s", export)
	}
	statsBefore := w.impulseStats()

	// Art. 17: a confirmation first; a stale button and a bare confirmation before it do nothing.
	contains(t, w.say(annaName, "allgemein", "/wol vergessen bestätigen"), "keine offene Löschanfrage")
	ask := w.say(annaName, "allgemein", "/wol vergessen")
	contains(t, ask, "Möchten Sie, dass ich alle Daten über Sie lösche?")
	contains(t, ask, "`/wol vergessen bestätigen`")
	msg := w.lastMessage(annaName)
	if len(msg.Buttons) != 2 || msg.Buttons[0].ID != "wol.forget" || msg.Buttons[0].Command != "/wol vergessen bestätigen" {
		t.Fatalf("confirmation buttons = %+v", msg.Buttons)
	}
	nonce := msg.Buttons[0].Value
	contains(t, w.click(annaName, "allgemein", "wol.forget", "0123456789abcdef01234567"), "nicht mehr aktuell")
	if len(w.traces(annaID)) == 0 {
		t.Fatal("a stale confirmation deleted data")
	}
	contains(t, w.click(annaName, "allgemein", "wol.forget", nonce), "Erledigt")

	// Confirming twice, by button or text, is refused kindly.
	contains(t, w.click(annaName, "allgemein", "wol.forget", nonce), "keine offene Löschanfrage")
	contains(t, w.say(annaName, "allgemein", "/wol vergessen bestätigen"), "keine offene Löschanfrage")

	// Nothing about anna is left: neither her id nor her handle, in no key and no value.
	if tr := w.traces(annaID, annaName); len(tr) > 0 {
		t.Errorf("data about anna is left:\n%s", strings.Join(tr, "\n"))
	}
	// What others need stays, anonymised: the finished round's topics and the running round.
	status := w.say("bernd", "team", "/lc status")
	contains(t, status, "Beteiligung junger Menschen im Ausschuss")
	contains(t, w.say("bernd", "werkstatt", "/lc status"), "Hilfeplanung mit Videokonferenz _(anonym)_")
	contains(t, w.say("bernd", "werkstatt", "/lc status"), "Moderation: (anonym)")
	contains(t, w.chat.Posts("werkstatt")[len(w.chat.Posts("werkstatt"))-1], "Moderation dieser Runde ist frei")
	contains(t, w.say("bernd", "werkstatt", "/lc next"), "Abstimmung") // anyone may steer a round without moderator
	// The circle goes on without her, told without a name.
	posts := textPosts(w.chat, "wol-rheinland-1") // the calendar update follows (meeting_test.go)
	contains(t, posts[len(posts)-1], "Eine Person hat den Kreis verlassen")
	contains(t, w.say("bernd", "allgemein", "/wol ich"), "rheinland-1")
	// The impulse statistics keep their counts.
	if got := w.impulseStats(); fmt.Sprint(got) != fmt.Sprint(statsBefore) {
		t.Errorf("impulse statistics changed:\n got %v\nwant %v", got, statsBefore)
	}

	// The export now says there is nothing; /daten at the top level does the same as /wol daten.
	contains(t, w.say(annaName, "allgemein", "/daten"), "Direktnachricht")
	contains(t, lastDM(w.chat, annaID).Text, "Über Sie habe ich derzeit nichts gespeichert.")
}

func TestTopLevelCommandsInEnglish(t *testing.T) {
	w := newWorld(t)
	w.takePart()
	w.say("bernd", "allgemein", "/lang en")
	contains(t, w.say("bernd", "allgemein", "/data"), "direct message")
	export := lastDM(w.chat, "bernd").Text
	for _, want := range []string{"## 📄 Your data at wolbot", "Fachkräftegewinnung", "Short impulses", "less helpful",
		"Circle `rheinland-1`", "Stadt Köln", "### ⚙️ Settings", "English", "`/wol forget`"} {
		contains(t, export, want)
	}
	ask := w.say("bernd", "allgemein", "/forget")
	contains(t, ask, "`/wolbot forget confirm`") // only /vergessen is registered; /wolbot passes "forget" on
	msg := w.lastMessage("bernd")
	if len(msg.Buttons) != 2 || msg.Buttons[0].ID != bot.ForgetAction || msg.Buttons[1].Command != "/wolbot forget cancel" {
		t.Fatalf("buttons = %+v", msg.Buttons)
	}
	contains(t, w.click("bernd", "allgemein", bot.ForgetAction, "cancel"), "not deleting anything")
	contains(t, w.say("bernd", "allgemein", "/forget confirm"), "no open deletion request")
	if len(w.traces("bernd")) == 0 {
		t.Fatal("cancelling deleted data")
	}
	w.say("bernd", "allgemein", "/vergessen")
	contains(t, w.say("bernd", "allgemein", "/vergessen confirm"), "Done")
	if tr := w.traces("bernd"); len(tr) > 0 {
		t.Errorf("data about bernd is left:\n%s", strings.Join(tr, "\n"))
	}
	// The finished round he moderated keeps its topics, with an anonymous moderator.
	status := w.say("carla", "team", "/lc status")
	contains(t, status, "Fachkräftegewinnung")
	contains(t, status, "Moderation: (anonym)")
}

func TestForgetIsIdempotentAndLeavesOthersAlone(t *testing.T) {
	w := newWorld(t)
	w.takePart()
	before := w.traces("carla")
	ref := bot.UserRef{Platform: "test", User: annaID, UserName: annaName}
	for range 2 {
		if err := w.bot.ForgetUser(context.Background(), ref); err != nil {
			t.Fatal(err)
		}
	}
	if tr := w.traces(annaID, annaName); len(tr) > 0 {
		t.Errorf("data about anna is left:\n%s", strings.Join(tr, "\n"))
	}
	after := w.traces("carla")
	if len(after) != len(before) {
		t.Errorf("carla's data changed from %d to %d keys", len(before), len(after))
	}
	// One anonymous message to the circle, not two.
	n := 0
	for _, p := range w.chat.Posts("wol-rheinland-1") {
		if strings.Contains(p, "Eine Person hat den Kreis verlassen") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the circle was told %d times", n)
	}
}

func TestFinishedCircleIsPurgedAfterRetention(t *testing.T) {
	w := newWorld(t)
	w.takePart()
	ctx := context.Background()
	k := w.wol.st.rk("rheinland")
	c, err := w.wol.st.circle(ctx, k, 1)
	if err != nil || c == nil {
		t.Fatalf("circle: %v %v", c, err)
	}
	tm, ok, err := w.wol.timers.Get(ctx, timerID(c, 0, "purge"))
	if err != nil || !ok {
		t.Fatalf("no purge timer: %v", err)
	}
	if want := circleEnd(c).Add(DefaultRetention); !tm.Due.Equal(want) {
		t.Errorf("purge due %s, want %s", tm.Due, want)
	}
	// The confirmed round's enrolments expire with the circle.
	ttl := w.store.Client.PTTL(ctx, k.enrol).Val()
	if max := time.Until(circleEnd(c).Add(DefaultRetention)); ttl <= 0 || ttl > max+time.Second {
		t.Errorf("enrolments' TTL %s, want (0, %s]", ttl, max)
	}
	// A running circle's purge is put off; a finished one's deletes it.
	if err := w.wol.onPurge(ctx, tm); err != nil {
		t.Fatal(err)
	}
	if c2, _ := w.wol.st.circle(ctx, k, 1); c2 == nil {
		t.Fatal("a running circle was purged")
	}
	w.wol.now = func() time.Time { return circleEnd(c).Add(DefaultRetention + time.Minute) }
	if err := w.wol.onPurge(ctx, tm); err != nil {
		t.Fatal(err)
	}
	if c2, _ := w.wol.st.circle(ctx, k, 1); c2 != nil {
		t.Fatal("the finished circle is still there")
	}
	for _, key := range []string{k.incircle, k.checkins, k.cont} {
		if n := w.store.Client.HLen(ctx, key).Val(); n != 0 {
			t.Errorf("%s keeps %d fields", key, n)
		}
	}
	if n := w.store.Client.HLen(ctx, w.wol.st.channels).Val(); n != 0 {
		t.Errorf("channel index keeps %d entries", n)
	}
	if marks := w.store.Client.HKeys(ctx, k.marks).Val(); len(marks) != 0 {
		t.Errorf("marks left: %v", marks)
	}
}

func TestPrivacyMessagesAreComplete(t *testing.T) {
	if err := privacyMsgs.Check(); err != nil {
		t.Fatal(err)
	}
}

// On Mattermost and Slack a channel id says nothing to a person: the export names a circle's
// channel by the name the bot gave it ("wol-rheinland-1"), not by the platform's id.
func TestExportNamesTheCircleChannel(t *testing.T) {
	w := newWorld(t)
	w.chat.SetChannelIDPrefix("8xq4h1ab3p-")
	w.confirmCircle()

	contains(t, w.say(annaName, "allgemein", "/daten"), "Direktnachricht")
	export := lastDM(w.chat, annaID).Text
	contains(t, export, "Kanal `wol-rheinland-1`")
	if strings.Contains(export, "8xq4h1ab3p") {
		t.Errorf("the export shows the platform's channel id:\n%s", export)
	}
}
