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
	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

const adminChannel = "wol-admin"

// fixture is one bot process: router, circles feature, timer loop and a chat, on a store.
type fixture struct {
	t      testing.TB
	store  *storage.Store
	chat   *chattest.Recorder
	bot    *bot.Bot
	wol    *Feature
	stop   context.CancelFunc
	done   chan struct{}
	events atomic.Int64
}

// newFixture starts a replica; week is the companion's week (short in tests).
func newFixture(t testing.TB, store *storage.Store, chat *chattest.Recorder, week time.Duration) *fixture {
	t.Helper()
	fx := &fixture{t: t, store: store, chat: chat, done: make(chan struct{})}
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
	timers := storage.NewTimers(store, storage.TimerOptions{Lease: 2 * time.Second, MaxWait: 50 * time.Millisecond, Logger: log})
	fx.bot = bot.New(bot.Options{Store: store, Chat: chat, Admins: []string{"admin"}, Logger: zerolog.Nop()})
	var err error
	fx.wol, err = New(Options{Store: store, Chat: chat, Timers: timers, Week: week, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	fx.bot.Handle(Name, fx.wol, Aliases...)
	ctx, cancel := context.WithCancel(context.Background())
	fx.stop = cancel
	go func() {
		defer close(fx.done)
		_ = timers.Run(ctx)
	}()
	t.Cleanup(fx.kill)
	return fx
}

// kill stops the timer loop, as a dying process would.
func (fx *fixture) kill() {
	fx.stop()
	<-fx.done
}

func (fx *fixture) event(user, channel string) adapters.Event {
	return adapters.Event{Platform: "test", Team: "t1", Channel: channel, User: user, UserName: user,
		ID: fmt.Sprintf("ev-%p-%d", fx, fx.events.Add(1))}
}

// say sends a command in a channel and returns the last thing user was told.
func (fx *fixture) say(user, channel, text string) string {
	ev := fx.event(user, channel)
	ev.Kind, ev.Text = adapters.KindCommand, strings.TrimPrefix(text, "/")
	fx.bot.HandleEvent(context.Background(), ev)
	return lastTo(fx.chat, user)
}

// dm sends a message in user's direct conversation with the bot. A message whose first word is
// no command goes to the dialog, as the router's proposed conversation fallback would route it;
// here it is sent as the explicit "/wol antwort …".
func (fx *fixture) dm(user, text string) string {
	ev := fx.event(user, "@"+user)
	ev.Kind, ev.Direct = adapters.KindCommand, true
	text = strings.TrimPrefix(text, "/")
	first, _, _ := strings.Cut(strings.ToLower(text), " ")
	if first != Name && !slices.Contains(Aliases, first) && fx.wol.Converses(context.Background(), fx.request(ev)) {
		text = "wol antwort " + text
	}
	ev.Text = text
	fx.bot.HandleEvent(context.Background(), ev)
	return lastTo(fx.chat, user)
}

// request builds the request Converses sees; only its event and logger are used.
func (fx *fixture) request(ev adapters.Event) *bot.Request {
	log := zerolog.Nop()
	return &bot.Request{Event: ev, Log: &log}
}

func (fx *fixture) click(user, channel, action, value string) string {
	ev := fx.event(user, channel)
	ev.Kind, ev.ActionID, ev.Value, ev.Direct = adapters.KindAction, action, value, strings.HasPrefix(channel, "@")
	fx.bot.HandleEvent(context.Background(), ev)
	return lastTo(fx.chat, user)
}

// lastTo is the last text user was told: ephemeral, DM, or a post in their direct channel.
func lastTo(chat *chattest.Recorder, user string) string {
	calls := chat.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		c := calls[i]
		if ((c.Op == chattest.OpEphemeral || c.Op == chattest.OpDM) && c.User == user) ||
			(c.Op == chattest.OpPost && c.Channel == "@"+user) {
			return c.Msg.Text
		}
	}
	return ""
}

// lastDM is the last direct message (with its buttons) to user.
func lastDM(chat *chattest.Recorder, user string) adapters.Message {
	calls := chat.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].Op == chattest.OpDM && calls[i].User == user {
			return calls[i].Msg
		}
	}
	return adapters.Message{}
}

func contains(t testing.TB, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("reply %q\n does not contain %q", got, want)
	}
}

func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dump returns every key of the feature with its value, to prove refused input changed nothing.
func dump(t testing.TB, store *storage.Store) map[string]string {
	t.Helper()
	return redistest.Dump(t, store, store.Key("wol", "*"))
}

// planner is one person enrolling in the tests.
type planner struct{ user, muni, role, goal, slots string }

var rheinland = []string{"Kreis Düren", "StädteRegion Aachen", "Stadt Köln", "Kreis Euskirchen", "Rhein-Erft-Kreis", "Stadt Bonn", "Kreis Heinsberg"}

// setupRegion creates the region with its municipalities and opens a round.
func setupRegion(t testing.TB, fx *fixture, roundArgs string) {
	t.Helper()
	contains(t, fx.say("admin", adminChannel, `/wol region add rheinland "Rheinland"`), "ist angelegt")
	contains(t, fx.say("admin", adminChannel, `/wol region rheinland kommunen "`+strings.Join(rheinland, "; ")+`"`), "7 Kommunen")
	contains(t, fx.say("admin", adminChannel, "/wol runde öffnen rheinland "+roundArgs), "ist offen")
}

// enrol plays the whole dialog for p, with buttons for region and role and text otherwise.
func enrol(t testing.TB, fx *fixture, p planner) {
	t.Helper()
	contains(t, fx.say(p.user, "allgemein", "/wol join"), "Direktnachricht")
	q := lastDM(fx.chat, p.user)
	contains(t, q.Text, "1/5")
	if len(q.Buttons) == 0 || q.Buttons[0].Value != "region|rheinland" || q.Buttons[0].Command != "/wol antwort rheinland" {
		t.Fatalf("region buttons = %+v", q.Buttons)
	}
	fx.click(p.user, "@"+p.user, "wol.answer", q.Buttons[0].Value)
	q = lastDM(fx.chat, p.user)
	contains(t, q.Text, "2/5")
	if len(q.Buttons) != len(rheinland) {
		t.Fatalf("%d municipality buttons, want %d", len(q.Buttons), len(rheinland))
	}
	contains(t, fx.dm(p.user, p.muni), "3/5")
	fx.click(p.user, "@"+p.user, "wol.answer", "role|"+p.role)
	contains(t, lastTo(fx.chat, p.user), "4/5")
	if q := lastTo(fx.chat, p.user); strings.Contains(q, "zwölf") {
		t.Errorf("goal question speaks of twelve weeks: %q", q)
	}
	contains(t, fx.dm(p.user, p.goal), "5/5")
	contains(t, fx.dm(p.user, p.slots), "Bitte prüfen Sie Ihre Angaben")
	contains(t, fx.dm(p.user, "ja"), "Sie sind angemeldet")
}

var five = []planner{
	{"anna", "Kreis Düren", "planung", "Ich möchte die Beteiligung junger Menschen an der Jugendhilfeplanung stärken.", "Dienstag vormittag, do-nm"},
	{"bernd", "Stadt Köln", "leitung", "Ich möchte unsere Kooperation mit den Schulen neu aufstellen.", "di-vm"},
	{"carla", "StädteRegion Aachen", "planung", "Ich möchte eine Sozialraumanalyse mit wenig Aufwand anstoßen.", "Di vormittags und mittags"},
	{"dilek", "Kreis Euskirchen", "fachdienst", "Ich möchte Erfahrungen mit Familienzentren aus anderen Kommunen sammeln.", "dienstags vormittags, Mittwoch nachmittag"},
	{"emil", "Rhein-Erft-Kreis", "planung", "Ich möchte die Jugendhilfeplanung im Ausschuss verständlicher präsentieren.", "mo-vm, di-vm"},
}

func TestFullFlow(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store, &chattest.Recorder{}, time.Second)
	setupRegion(t, fx, "wochen=2")
	for _, p := range five {
		enrol(t, fx, p)
	}
	round := fx.say("admin", adminChannel, "/wol runde rheinland")
	contains(t, round, "5 Anmeldungen")
	contains(t, round, "@dilek – Kreis Euskirchen, Fachdienst · Di vormittags, Mi nachmittags")

	preview := fx.say("admin", adminChannel, "/wol vorschau rheinland")
	contains(t, preview, "**Kreis 1** · dienstags vormittags um 9:00 Uhr · 5 Personen")
	if strings.Contains(preview, "⚠️") {
		t.Errorf("a feasible region shows issues:\n%s", preview)
	}
	confirm := fx.say("admin", adminChannel, "/wol bestätigen rheinland")
	contains(t, confirm, "1 Kreis (`rheinland-1`)")
	if strings.Contains(confirm, "Personen auf der Warteliste") {
		t.Errorf("confirm without a waitlist mentions it: %q", confirm)
	}

	var channel chattest.Call
	for _, c := range fx.chat.Calls() {
		if c.Op == chattest.OpChannel {
			channel = c
		}
	}
	members := slices.Sorted(slices.Values(channel.Members))
	if channel.Channel != "wol-rheinland-1" || !slices.Equal(members, []string{"anna", "bernd", "carla", "dilek", "emil"}) {
		t.Fatalf("channel %q with %v", channel.Channel, members)
	}
	welcome := fx.chat.Posts("wol-rheinland-1")[0]
	for _, want := range []string{"Willkommen in Ihrem Working-Out-Loud-Kreis", "@carla (StädteRegion Aachen): „Ich möchte eine Sozialraumanalyse",
		"dienstags vormittags um 9:00 Uhr", "**Moderation in Woche 1:** @anna", GuidesURL} {
		contains(t, welcome, want)
	}

	// The companion: reminder, check-in, and in the last week the question whether to go on.
	waitFor(t, 5*time.Second, "reminder of week 1", func() bool { return len(fx.chat.Posts("wol-rheinland-1")) >= 2 })
	contains(t, fx.chat.Posts("wol-rheinland-1")[1], "**Woche 1 von 2**")
	contains(t, fx.chat.Posts("wol-rheinland-1")[1], "Moderation diese Woche: @anna")
	waitFor(t, 5*time.Second, "check-in of week 1", func() bool { return len(fx.chat.Posts("wol-rheinland-1")) >= 3 })
	contains(t, fx.chat.Posts("wol-rheinland-1")[2], "Wie war das Treffen in Woche 1?")
	contains(t, fx.click("bernd", "wol-rheinland-1", "wol.met", "rheinland-1|1|no"), "ausgefallen")
	contains(t, fx.click("anna", "wol-rheinland-1", "wol.met", "rheinland-1|1|yes"), "hat stattgefunden") // a later click changes it
	contains(t, fx.say("anna", "allgemein", "/wol treffen ja"), "nur im Kanal eines Kreises")

	waitFor(t, 5*time.Second, "last week", func() bool { return len(fx.chat.Posts("wol-rheinland-1")) >= 6 })
	posts := fx.chat.Posts("wol-rheinland-1")
	contains(t, posts[3], "**Woche 2 von 2**")
	contains(t, posts[3], "Moderation diese Woche: @bernd")
	contains(t, posts[3], "**Rückblick.**")
	contains(t, posts[5], "Das waren 2 Wochen gemeinsam")
	for _, p := range posts {
		if strings.Contains(p, "zwölf") || strings.Contains(p, "12 Wochen") {
			t.Errorf("a round of two weeks speaks of twelve: %q", p)
		}
	}
	var cont adapters.Message
	for _, c := range fx.chat.Calls() {
		if c.Op == chattest.OpPost && c.Msg.Key == "wol:rheinland-1:2:continue" {
			cont = c.Msg
		}
	}
	if len(cont.Buttons) != 3 || cont.Buttons[0].Label != "Weitere 2 Wochen zusammen" || cont.Buttons[0].Command != "/wol fortsetzung zusammen" {
		t.Errorf("continue buttons %+v", cont.Buttons)
	}
	contains(t, fx.click("carla", "wol-rheinland-1", "wol.next", "rheinland-1|together"), "weitere 2 Wochen")
	contains(t, fx.say("dilek", "wol-rheinland-1", "/wol treffen ja"), "Woche 2 hat stattgefunden")

	ov := fx.say("admin", adminChannel, "/wol übersicht")
	// The last week is over: the circle is finished, not active.
	contains(t, ov, "0 aktive Kreise, 1 abgeschlossener Kreis · 0 Mitglieder · Treffen: 2 stattgefunden, 0 ausgefallen")
	contains(t, ov, "Fortsetzung: 1× zusammen")
	contains(t, fx.say("emil", "allgemein", "/wol ich"), "im Kreis `rheinland-1`")
	if fx.chat.Duplicates != 0 {
		t.Errorf("%d posts were attempted twice", fx.chat.Duplicates)
	}
}

func TestBadInputIsAnsweredAndChangesNothing(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store, &chattest.Recorder{}, time.Hour)
	setupRegion(t, fx, "")
	fx.say("admin", adminChannel, `/wol region add sachsen "Sachsen"`)
	fx.say("admin", adminChannel, `/wol region sachsen kommunen "Stadt Leipzig; Landkreis Zwickau"`)
	fx.say("admin", adminChannel, "/wol admin add @rita rheinland")
	// hugo is at the municipality step, ida at the goal step, jan at the availability step.
	fx.say("hugo", "allgemein", "/wol join")
	fx.dm("hugo", "rheinland")
	fx.say("ida", "allgemein", "/wol join")
	fx.dm("ida", "Rheinland")
	fx.dm("ida", "Stadt Köln")
	fx.dm("ida", "Planung")
	fx.say("jan", "allgemein", "/wol join")
	fx.dm("jan", "1")
	fx.dm("jan", "2")
	fx.dm("jan", "2")
	fx.dm("jan", "Ich möchte von anderen Kommunen lernen.")

	tests := []struct {
		name, user, channel, text, want string
	}{
		{"unknown subcommand", "anna", "allgemein", "/wol tanzen", "kenne ich bei den WOL-Kreisen nicht"},
		{"non-admin adds a region", "anna", "allgemein", `/wol region add x "X"`, "nur Admins"},
		{"non-admin previews", "anna", "allgemein", "/wol vorschau rheinland", "nur Admins"},
		{"non-admin confirms", "anna", "allgemein", "/wol bestätigen rheinland", "nur Admins"},
		{"regional admin in another region", "rita", adminChannel, "/wol vorschau sachsen", "nicht als Admin eingetragen"},
		{"regional admin adds a region", "rita", adminChannel, `/wol region add y "Y"`, "nur globale Admins"},
		{"unknown region", "admin", adminChannel, "/wol runde öffnen nirgendwo", "gibt es nicht"},
		{"bad region id", "admin", adminChannel, `/wol region add "Köln Süd" "Köln"`, "eignet sich nicht als Kennung"},
		{"region exists", "admin", adminChannel, `/wol region add rheinland "Doppelt"`, "gibt es schon"},
		{"remove region with open round", "admin", adminChannel, "/wol region remove rheinland", "nicht entfernt werden"},
		{"second round", "admin", adminChannel, "/wol runde öffnen rheinland", "läuft schon eine Runde"},
		{"bad size", "admin", adminChannel, "/wol runde öffnen sachsen größe=2-9", "Kreisgröße"},
		{"bad start", "admin", adminChannel, "/wol runde öffnen sachsen start=2020-01-01", "Startdatum"},
		{"bad weeks", "admin", adminChannel, "/wol runde öffnen sachsen wochen=0", "Zahl der Wochen"},
		{"bad length", "admin", adminChannel, "/wol round open sachsen length=5m", "Dauer"},
		{"unknown option", "admin", adminChannel, "/wol runde öffnen sachsen farbe=blau", "kenne ich nicht"},
		{"confirm without preview", "admin", adminChannel, "/wol bestätigen rheinland", "noch keine Vorschau"},
		{"move without preview", "admin", adminChannel, "/wol verschieben @anna 2", "in keiner aktuellen Vorschau"},
		{"merge unknown circles", "admin", adminChannel, "/wol zusammenlegen rheinland-1 rheinland-2", "gibt es nicht"},
		{"municipality not in the list", "hugo", "@hugo", "Stadt Berlin", "steht nicht in der Liste"},
		{"ambiguous municipality", "hugo", "@hugo", "Kreis", "steht nicht in der Liste"},
		{"municipality through the alias kreis", "hugo", "@hugo", "Kreis Berlin", "steht nicht in der Liste"},
		{"empty goal", "ida", "@ida", "/wol antwort   ", "Bitte schreiben Sie Ihr Ziel"},
		{"short goal", "ida", "@ida", "Lernen", "etwas genauer"},
		{"availability without time of day", "jan", "@jan", "Mittwoch", "zu welcher Tageszeit"},
		{"availability on the weekend", "jan", "@jan", "Samstag vormittag", "werktags"},
		{"stale button", "jan", "@jan", "click:wol.answer:region|rheinland", "schon beantwortet"},
		{"answer without dialog", "anna", "@anna", "/wol antwort Kreis Düren", "keine Anmeldung begonnen"},
		{"check-in outside a circle", "anna", "allgemein", "/wol treffen ja", "nur im Kanal eines Kreises"},
		{"forged check-in button", "anna", "allgemein", "click:wol.met:rheinland-9|1|yes", "älteren Nachricht"},
		{"change without enrolment", "anna", "allgemein", "/wol ändern ziel Etwas ganz Neues lernen", "bei keiner Runde angemeldet"},
		{"leave without enrolment", "anna", "allgemein", "/wol verlassen", "bei keiner Runde angemeldet"},
		{"leave with a strange answer", "anna", "allgemein", "/wol verlassen vielleicht", "So geht’s: `/wol verlassen`"},
		{"forged leave button", "anna", "allgemein", "click:wol.leave:rheinland-3|yes", "älteren Nachricht"},
		{"malformed leave button", "anna", "allgemein", "click:wol.leave:yes", "älteren Nachricht"},
		{"preview with a strange word", "admin", adminChannel, "/wol vorschau rheinland jetzt", "vorschau <region> neu"},
		{"dissolve without a circle", "rita", adminChannel, "/wol auflösen", "So geht’s: `/wol auflösen"},
		{"dissolve an unknown circle", "rita", adminChannel, "/wol auflösen rheinland-9 warteliste", "gibt es nicht"},
		{"dissolve with a strange word", "rita", adminChannel, "/wol auflösen rheinland-1 sofort", "So geht’s: `/wol auflösen"},
		{"non-admin dissolves", "anna", "allgemein", "/wol auflösen rheinland-1", "nur Admins"},
		{"regional admin dissolves elsewhere", "rita", adminChannel, "/wol auflösen sachsen-1", "nicht als Admin eingetragen"},
		{"forged dissolve button", "rita", "@rita", "click:wol.dissolve:rheinland-1|boom", "älteren Nachricht"},
		{"stale correction button", "jan", "@jan", "click:wol.answer:fix|ziel", "schon beantwortet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := dump(t, store)
			var reply string
			switch rest, isClick := strings.CutPrefix(tt.text, "click:"); {
			case isClick:
				action, value, _ := strings.Cut(rest, ":")
				reply = fx.click(tt.user, tt.channel, action, value)
			case strings.HasPrefix(tt.channel, "@"):
				reply = fx.dm(tt.user, tt.text)
			default:
				reply = fx.say(tt.user, tt.channel, tt.text)
			}
			contains(t, reply, tt.want)
			after := dump(t, store)
			for k, v := range before {
				if after[k] != v {
					t.Errorf("%s changed:\n before %s\n after  %s", k, v, after[k])
				}
			}
			for k := range after {
				if _, ok := before[k]; !ok {
					t.Errorf("%s created", k)
				}
			}
		})
	}
}

func TestEnrolmentAfterCloseAndStalePreview(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store, &chattest.Recorder{}, time.Hour)
	setupRegion(t, fx, "")
	for _, p := range five[:4] {
		enrol(t, fx, p)
	}
	// emil answers every question, then the round closes before he confirms.
	fx.say("emil", "allgemein", "/wol join")
	for _, a := range []string{"rheinland", "Rhein-Erft-Kreis", "Planung", five[4].goal, five[4].slots} {
		fx.dm("emil", a)
	}
	contains(t, fx.say("admin", adminChannel, "/wol runde schließen rheinland"), "geschlossen")
	before := store.Client.HLen(context.Background(), fx.wol.st.rk("rheinland").enrol).Val()
	contains(t, fx.dm("emil", "ja"), "schon geschlossen")
	if after := store.Client.HLen(context.Background(), fx.wol.st.rk("rheinland").enrol).Val(); after != before {
		t.Errorf("enrolments %d → %d after the round closed", before, after)
	}
	// A preview goes stale when an enrolment changes: dilek leaves.
	fx.say("admin", adminChannel, "/wol vorschau rheinland")
	contains(t, fx.say("dilek", "allgemein", "/wol verlassen"), "abgemeldet")
	contains(t, fx.say("admin", adminChannel, "/wol bestätigen rheinland"), "vorschau rheinland")
	contains(t, fx.say("admin", adminChannel, "/wol vorschau rheinland"), "3 Personen, 0 Kreise, Warteliste: 3")
	confirm := fx.say("admin", adminChannel, "/wol bestätigen rheinland")
	contains(t, confirm, "kein Kreis zustande gekommen")
	contains(t, confirm, "Die 3 Personen auf der Warteliste")
	contains(t, lastDM(fx.chat, "anna").Text, "Warteliste")
}

func TestPreviewMoveShowsIssues(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store, &chattest.Recorder{}, time.Hour)
	setupRegion(t, fx, "größe=3")
	people := []planner{
		{"p1", "Kreis Düren", "planung", "Ein Ziel mit genug Zeichen eins.", "mo-vm"},
		{"p2", "Stadt Köln", "planung", "Ein Ziel mit genug Zeichen zwei.", "mo-vm"},
		{"p3", "Stadt Bonn", "leitung", "Ein Ziel mit genug Zeichen drei.", "mo-vm"},
		{"p4", "Kreis Düren", "planung", "Ein Ziel mit genug Zeichen vier.", "do-nm"},
		{"p5", "Stadt Köln", "leitung", "Ein Ziel mit genug Zeichen fünf.", "do-nm"},
		{"p6", "Kreis Heinsberg", "planung", "Ein Ziel mit genug Zeichen sechs.", "do-nm"},
	}
	for _, p := range people {
		enrol(t, fx, p)
	}
	preview := fx.say("admin", adminChannel, "/wol vorschau rheinland")
	contains(t, preview, "2 Kreise")
	// Find p1's circle number and move p4 there: same municipality, and p4 cannot make Monday.
	target := "1"
	if i := strings.Index(preview, "@p1"); i > strings.Index(preview, "**Kreis 2**") && strings.Index(preview, "**Kreis 2**") > 0 {
		target = "2"
	}
	moved := fx.say("admin", adminChannel, "/wol verschieben @p4 "+target)
	contains(t, moved, "@p4 ist jetzt in Kreis "+target)
	contains(t, moved, "aus derselben Kommune (Kreis Düren)")
	contains(t, moved, "Nicht alle können")
	contains(t, fx.say("admin", adminChannel, "/wol verschieben @p4 7"), "hat 2 Kreise")
}

// confirmedCircles sets up seven planners in circles of three, all sharing Monday morning:
// two circles and one person on the waitlist.
func confirmedCircles(t *testing.T, fx *fixture) {
	t.Helper()
	setupRegion(t, fx, "größe=3 wochen=2")
	for i, muni := range rheinland {
		enrol(t, fx, planner{fmt.Sprintf("u%d", i+1), muni, "planung", "Ein persönliches Ziel für zwölf Wochen.", "mo-vm"})
	}
	fx.say("admin", adminChannel, "/wol vorschau rheinland")
	contains(t, fx.say("admin", adminChannel, "/wol bestätigen rheinland"), "2 Kreise")
}

func circleOf(t *testing.T, fx *fixture, n int) *circleRec {
	t.Helper()
	c, err := fx.wol.st.circle(context.Background(), fx.wol.st.rk("rheinland"), n)
	if err != nil || c == nil {
		t.Fatalf("circle %d: %v", n, err)
	}
	return c
}

func TestLeaveReplacesFromWaitlistThenOffersMerge(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store, &chattest.Recorder{}, time.Hour)
	confirmedCircles(t, fx)
	waiting := store.Client.HKeys(context.Background(), fx.wol.st.rk("rheinland").waitlist).Val()
	if len(waiting) != 1 {
		t.Fatalf("waitlist %v, want one person", waiting)
	}
	newcomer := strings.TrimPrefix(waiting[0], "test:")
	contains(t, lastDM(fx.chat, newcomer).Text, "Warteliste")

	c1 := circleOf(t, fx, 1)
	leaver := c1.Members[0].User
	contains(t, fx.say(leaver, "allgemein", "/wol verlassen ja"), "Kreis verlassen")
	posts := textPosts(fx.chat, c1.Channel) // the calendar update follows (meeting_test.go)
	contains(t, strings.Join(posts, "\n"), "@"+leaver+" hat den Kreis verlassen. Wir danken")
	contains(t, posts[len(posts)-1], "Herzlich willkommen, @"+newcomer)
	c1 = circleOf(t, fx, 1)
	if len(c1.Members) != 3 || !c1.hasMember("test:"+newcomer) {
		t.Fatalf("circle 1 after replacement: %+v", c1.Members)
	}
	contains(t, lastDM(fx.chat, newcomer).Text, "Platz frei geworden")

	// The next to leave cannot be replaced: the circle falls below three. Merging it into
	// rheinland-2 would make five, above the round's maximum of three (issue 10, item 8): no
	// merge is offered; the admin learns why and may dissolve the circle, with or without
	// putting its members on the waitlist.
	second := c1.Members[0].User
	fx.say(second, "allgemein", "/wol verlassen ja")
	offer := lastDM(fx.chat, "admin")
	contains(t, offer.Text, "nur noch 2 Mitglieder")
	contains(t, offer.Text, "`rheinland-2` hätte dann 5 Mitglieder (höchstens 3)")
	if len(offer.Buttons) != 2 || offer.Buttons[0].Command != "/wol auflösen rheinland-1 warteliste" ||
		offer.Buttons[1].Command != "/wol auflösen rheinland-1" {
		t.Fatalf("offer buttons %+v", offer.Buttons)
	}
	contains(t, fx.say("admin", adminChannel, "/wol zusammenlegen rheinland-1 rheinland-2"), "höchstens 3")
	contains(t, fx.click("admin", "@admin", "wol.dissolve", offer.Buttons[0].Value), "aufgelöst")
	contains(t, fx.click("admin", "@admin", "wol.dissolve", offer.Buttons[0].Value), "gibt es nicht")
	posts = textPosts(fx.chat, c1.Channel)
	contains(t, posts[len(posts)-1], "Warteliste")
	if n := store.Client.HLen(context.Background(), fx.wol.st.rk("rheinland").waitlist).Val(); n != 2 {
		t.Errorf("waitlist has %d people after the dissolve, want 2", n)
	}
	contains(t, fx.say(circleOf(t, fx, 1).Members[0].User, "allgemein", "/wol ich"), "auf der Warteliste")
	ov := fx.say("admin", adminChannel, "/wol übersicht rheinland")
	contains(t, ov, "1 aktiver Kreis · 3 Mitglieder")
	contains(t, ov, "Ausgestiegen: 2 · Warteliste: 2")
	contains(t, ov, "`rheinland-1` · aufgelöst")
}

func TestRestartContinuesCompanion(t *testing.T) {
	store := redistest.Store(t)
	chat := &chattest.Recorder{}
	fx := newFixture(t, store, chat, 3*time.Second)
	setupRegion(t, fx, "wochen=2")
	for _, p := range five {
		enrol(t, fx, p)
	}
	fx.say("admin", adminChannel, "/wol vorschau rheinland")
	fx.say("admin", adminChannel, "/wol bestätigen rheinland")
	fx.kill() // the process dies before the first reminder

	chat2 := &chattest.Recorder{}
	fx2 := newFixture(t, redistest.Reopen(t, store), chat2, 3*time.Second)
	waitFor(t, 10*time.Second, "reminder after restart", func() bool {
		return slices.ContainsFunc(chat2.Posts("wol-rheinland-1"), func(p string) bool { return strings.Contains(p, "**Woche 1 von 2**") })
	})
	contains(t, fx2.say("admin", adminChannel, "/wol übersicht rheinland"), "1 aktiver Kreis · 5 Mitglieder")
	contains(t, fx2.say("anna", "allgemein", "/wol ich"), "im Kreis `rheinland-1`")
	if n := chat2.Count(chattest.OpChannel); n != 0 {
		t.Errorf("%d channels created after the restart", n)
	}
}

func TestTwoReplicasPostEachReminderOnce(t *testing.T) {
	store := redistest.Store(t)
	chat := &chattest.Recorder{}
	a := newFixture(t, store, chat, time.Second)
	newFixture(t, redistest.Reopen(t, store), chat, time.Second)
	setupRegion(t, a, "wochen=3")
	for _, p := range five {
		enrol(t, a, p)
	}
	a.say("admin", adminChannel, "/wol vorschau rheinland")
	a.say("admin", adminChannel, "/wol bestätigen rheinland")
	waitFor(t, 10*time.Second, "all weeks", func() bool { return len(chat.Posts("wol-rheinland-1")) >= 8 })
	time.Sleep(300 * time.Millisecond) // room for a duplicate to show up
	count := map[string]int{}
	for _, c := range chat.Calls() {
		if c.Op == chattest.OpPost && c.Channel == "wol-rheinland-1" {
			count[c.Msg.Key]++
		}
	}
	for _, key := range []string{"wol:rheinland-1:0:welcome", "wol:rheinland-1:1:remind", "wol:rheinland-1:2:remind", "wol:rheinland-1:3:remind",
		"wol:rheinland-1:1:checkin", "wol:rheinland-1:2:checkin", "wol:rheinland-1:3:checkin", "wol:rheinland-1:3:continue"} {
		if count[key] != 1 {
			t.Errorf("%s posted %d times", key, count[key])
		}
	}
	if chat.Duplicates != 0 {
		t.Errorf("%d posts were attempted twice", chat.Duplicates)
	}
}

func TestChangePauseAndEnglish(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store, &chattest.Recorder{}, time.Hour)
	setupRegion(t, fx, "")
	enrol(t, fx, five[0])
	me := fx.say("anna", "allgemein", "/wol ändern zeiten Mittwoch mittags")
	contains(t, me, "Zeiten: Mi mittags")
	contains(t, fx.say("anna", "allgemein", "/wol ändern kommune Stadt Bonn"), "Kommune: Stadt Bonn")
	contains(t, fx.say("anna", "allgemein", "/wol ändern kommune Stadt Berlin"), "steht nicht in der Liste")
	contains(t, fx.say("anna", "allgemein", "/wol pause"), "pausiert")
	contains(t, fx.say("admin", adminChannel, "/wol runde rheinland"), "_(pausiert)_")
	contains(t, fx.say("anna", "allgemein", "/wol weiter"), "Willkommen zurück")
	fx.say("anna", "allgemein", "/wol lang en")
	contains(t, fx.say("anna", "allgemein", "/wol me"), "Your entry in Rheinland")
	contains(t, fx.say("anna", "allgemein", "/wol help"), "Working Out Loud circles with wolbot")
	contains(t, fx.say("admin", adminChannel, "/wol hilfe"), "Für Admins")
}
