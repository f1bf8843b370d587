package impulses

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
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

const testChannel = "jugendamt"

// fixture is one bot process: router, impulses, timer loop, on a store. Its chat is the
// "platform", a chattest.Recorder that dedupes keyed posts; several fixtures (replicas, a
// restart) may share one platform.
type fixture struct {
	t        testing.TB
	store    *storage.Store
	platform *chattest.Recorder
	bot      *bot.Bot
	imp      *Feature
	timers   *storage.Timers
	stop     context.CancelFunc
	done     chan struct{}
	events   atomic.Int64
}

type fixtureOpts struct {
	schedule    string
	holidays    string
	rate        float64
	now         func() time.Time
	platform    *chattest.Recorder // default: a new one
	chat        adapters.Chat      // what the feature posts through; default the platform
	noLoop      bool               // no timer loop: the test calls the handlers itself
	lease       time.Duration      // default 2s
	concurrency int
	keepEvery   time.Duration // how often the timer loop checks the slot timer; default 1 minute
	lib         *Library
}

func newFixture(t testing.TB, store *storage.Store, o fixtureOpts) *fixture {
	t.Helper()
	if o.platform == nil {
		o.platform = &chattest.Recorder{}
	}
	if o.chat == nil {
		o.chat = o.platform
	}
	if o.lease == 0 {
		o.lease = 2 * time.Second
	}
	if o.rate == 0 {
		o.rate = 1000
	}
	if o.lib == nil {
		o.lib = testLibrary(t)
	}
	fx := &fixture{t: t, store: store, platform: o.platform, done: make(chan struct{})}
	fx.timers = storage.NewTimers(store, storage.TimerOptions{Lease: o.lease, MaxWait: 50 * time.Millisecond,
		Concurrency: o.concurrency, KeepEvery: o.keepEvery, Logger: testLogger(t)})
	fx.bot = bot.New(bot.Options{Store: store, Chat: o.chat, Admins: []string{"admin"}, Logger: zerolog.Nop(),
		RateLimit: bot.RateLimit{Disabled: true}}) // the bad-input table sends many commands at once on purpose
	var err error
	fx.imp, err = New(context.Background(), Options{
		Store: store, Chat: o.chat, Timers: fx.timers, Library: o.lib, Schedule: o.schedule,
		HolidayState: o.holidays, Rate: o.rate, Location: berlin(t), Logger: testLogger(t), Now: o.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	fx.bot.Handle("impuls", fx.imp, "impulse", "impulses")
	ctx, cancel := context.WithCancel(context.Background())
	fx.stop = cancel
	if o.noLoop {
		close(fx.done)
	} else {
		go func() {
			defer close(fx.done)
			_ = fx.timers.Run(ctx)
		}()
	}
	t.Cleanup(fx.kill)
	return fx
}

// kill stops the timer loop; handlers under way finish, as when a process is stopped.
func (fx *fixture) kill() {
	fx.stop()
	<-fx.done
	fx.imp.Close(context.Background())
}

func (fx *fixture) event(user string) adapters.Event {
	return adapters.Event{
		Platform: "test", Team: "t1", Channel: testChannel, ChannelName: "Jugendamt", User: user, UserName: user,
		ID: fmt.Sprintf("ev-%p-%d", fx, fx.events.Add(1)),
	}
}

// say sends a command as user and returns the last reply or DM that user got.
func (fx *fixture) say(user, text string) string {
	ev := fx.event(user)
	ev.Kind, ev.Text = adapters.KindCommand, strings.TrimPrefix(text, "/")
	fx.bot.HandleEvent(context.Background(), ev)
	return fx.platform.LastTo(user)
}

func (fx *fixture) click(user, action, value string) string {
	ev := fx.event(user)
	ev.Kind, ev.ActionID, ev.Value = adapters.KindAction, action, value
	fx.bot.HandleEvent(context.Background(), ev)
	return fx.platform.LastTo(user)
}

// received lists the impulse ids delivered to user on the platform, in order ("END" for the
// all-received notice).
// lastImpulse is the text of the last impulse delivered to user by DM: the reply to
// "/impuls jetzt" may be recorded after the delivery, so LastTo could be either.
func lastImpulse(platform *chattest.Recorder, user string) string {
	calls := platform.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		if c := calls[i]; c.Op == chattest.OpDM && c.User == user && strings.HasPrefix(c.Msg.Key, "imp:") {
			return c.Msg.Text
		}
	}
	return ""
}

func received(platform *chattest.Recorder, user string) []string {
	var out []string
	for _, c := range platform.Calls() {
		if c.Op != chattest.OpDM || c.User != user || !strings.HasPrefix(c.Msg.Key, "imp:") {
			continue
		}
		if len(c.Msg.Buttons) == 0 {
			out = append(out, "END")
			continue
		}
		id, _, _ := strings.Cut(c.Msg.Buttons[0].Value, ":")
		out = append(out, id)
	}
	return out
}

// archive lists a subscriber's archive in the order received.
func (fx *fixture) archive(subID string) []string {
	fx.t.Helper()
	_, _, zs, err := fx.imp.st.load(context.Background(), subID)
	if err != nil {
		fx.t.Fatal(err)
	}
	var out []string
	for _, z := range zs {
		out = append(out, z.Member.(string))
	}
	return out
}

func (fx *fixture) subscriber(subID string) *subscriber {
	fx.t.Helper()
	s, _, _, err := fx.imp.st.load(context.Background(), subID)
	if err != nil {
		fx.t.Fatal(err)
	}
	return s
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

func contains(t testing.TB, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("reply %q\n does not contain %q", got, want)
	}
}

func testLogger(t testing.TB) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
}

// series are the fixture library's series, in order.
var (
	leadersSeries  = []string{"eins", "zwei", "vier", "fuenf", "sechs", "sieben"}
	plannersSeries = []string{"eins", "drei", "vier", "fuenf", "sechs"}
)

// dump returns every key of the namespace with its value, except the router's event dedupe
// records, to prove that refused input changed nothing.
func dump(t testing.TB, s *storage.Store) map[string]string {
	t.Helper()
	return redistest.Dump(t, s, s.Key("*"))
}

func TestConversation(t *testing.T) {
	fx := newFixture(t, redistest.Store(t), fixtureOpts{})
	contains(t, fx.say("anna", "/impuls status"), "nicht abonniert")
	contains(t, fx.say("anna", "/impuls abo region=Rheinland"), "Willkommen bei den Kurzimpulsen")
	contains(t, fx.platform.LastTo("anna"), "Region: Rheinland")
	contains(t, fx.say("anna", "/impuls status"), "aktiv · Zielgruppe: Leitungskräfte · Region: Rheinland")
	contains(t, fx.say("anna", "/impuls archiv"), "noch keinen Kurzimpuls")

	contains(t, fx.say("anna", "/impuls jetzt"), "unterwegs")
	waitFor(t, 3*time.Second, "first impulse", func() bool { return len(received(fx.platform, "anna")) == 1 })
	first := lastImpulse(fx.platform, "anna")
	contains(t, first, "**Der erste Schritt**\n\nTestimpuls Nummer 1")
	contains(t, first, "**Frage:** Was nehmen Sie aus Impuls 1 mit?")
	contains(t, first, "/impuls pause 4w")

	// Feedback: a click, a changed vote, the same vote again, and the text command.
	contains(t, fx.click("anna", FeedbackAction, "eins:up"), "hilfreich war")
	contains(t, fx.click("anna", FeedbackAction, "eins:down"), "geändert: weniger hilfreich")
	contains(t, fx.say("anna", "/impuls feedback eins weniger"), "schon notiert")
	contains(t, fx.say("bob", "/impuls feedback EINS gut"), "hilfreich war")
	stats := fx.say("admin", "/impuls statistik")
	contains(t, stats, "`eins` Der erste Schritt: 1 · 👍 1 · 👎 1")
	contains(t, stats, "`zwei` Führen im Wandel: 0 · 👍 0 · 👎 0")

	contains(t, fx.say("anna", "/impuls jetzt"), "unterwegs")
	waitFor(t, 3*time.Second, "second impulse", func() bool { return len(received(fx.platform, "anna")) == 2 })
	archive := fx.say("anna", "/impuls archiv")
	contains(t, archive, "erhalten: 2 von 6")
	contains(t, archive, "1. **Der erste Schritt** (`eins`)")
	contains(t, archive, "2. **Führen im Wandel** (`zwei`)")

	contains(t, fx.say("anna", "/impuls pause 2 Wochen"), "pausieren bis")
	contains(t, fx.say("anna", "/impuls status"), "pausiert bis")
	contains(t, fx.say("anna", "/impuls weiter"), "Willkommen zurück")
	contains(t, fx.say("anna", "/impuls stopp"), "abbestellt")
	contains(t, fx.say("anna", "/impuls status"), "abbestellt (2 von 6 erhalten)")
	contains(t, fx.say("anna", "/impuls abo"), "wieder dabei")
	if got := fx.archive(userSubID("test", "anna")); !slices.Equal(got, []string{"eins", "zwei"}) {
		t.Errorf("archive %v after stop and subscribe again", got)
	}

	// English, and the series follows the language.
	contains(t, fx.say("anna", "/impuls lang en"), "in English")
	contains(t, fx.say("anna", "/impuls help"), "Short impulses with wolbot")
	fx.say("anna", "/impulse now")
	waitFor(t, 3*time.Second, "third impulse", func() bool { return len(received(fx.platform, "anna")) == 3 })
	third := lastImpulse(fx.platform, "anna")
	contains(t, third, "**Living cooperation**")
	contains(t, third, "**Question:**")
	if got := received(fx.platform, "anna"); !slices.Equal(got, []string{"eins", "zwei", "vier"}) {
		t.Errorf("received %v", got)
	}
	if fx.platform.Duplicates != 0 {
		t.Errorf("%d duplicates", fx.platform.Duplicates)
	}
}

func TestAdminCommands(t *testing.T) {
	fx := newFixture(t, redistest.Store(t), fixtureOpts{})
	contains(t, fx.say("admin", "/impuls hilfe"), "Für Admins")
	if strings.Contains(fx.say("anna", "/impuls hilfe"), "Für Admins") {
		t.Error("non-admins see the admin help")
	}
	contains(t, fx.say("admin", "/impuls abo @carla planung region=Sachsen"), "carla erhält ab jetzt")
	contains(t, fx.say("admin", "/impuls abo # region=Sachsen"), "Der Kanal Jugendamt erhält ab jetzt")
	contains(t, fx.say("admin", "/impuls abo #C42 leitung sprache=en"), "Der Kanal C42")
	contains(t, fx.say("anna", "/impuls abo"), "Willkommen")
	subs := fx.say("admin", "/impuls abonnenten")
	contains(t, subs, "4 – davon 2 Personen und 2 Kanäle")
	contains(t, subs, "Leitungskräfte 2")
	contains(t, subs, "Sachsen 2 · ohne Region 2")

	carla := fx.subscriber(userSubID("test", "carla"))
	if carla.Audience != AudiencePlanners || carla.Region != "Sachsen" || carla.By != "admin" || carla.Kind != KindUser {
		t.Errorf("carla %+v", carla)
	}
	ch := fx.subscriber(channelSubID("test", "C42"))
	if ch.Kind != KindChannel || ch.Lang != "en" || ch.Target != "C42" {
		t.Errorf("channel %+v", ch)
	}

	// The channel subscription is delivered as a channel post with the channel footer.
	fx.imp.deliverNow(context.Background(), fx.subscriber(channelSubID("test", testChannel)))
	waitFor(t, 3*time.Second, "channel delivery", func() bool { return len(fx.platform.Posts(testChannel)) == 1 })
	contains(t, fx.platform.Posts(testChannel)[0], "Dieser Kanal erhält die Kurzimpulse")

	contains(t, fx.say("admin", "/impuls stopp @carla"), "carla erhält keine Kurzimpulse mehr")
	contains(t, fx.say("admin", "/impuls stopp #"), "Jugendamt erhält keine")
	contains(t, fx.say("admin", "/impuls stopp #"), "nicht abonniert")

	lib := fx.say("admin", "/impuls bibliothek")
	contains(t, lib, "**Bibliothek – Deutsch** (7 Impulse)")
	contains(t, lib, "3. `drei` – Planung mit Daten (Planungsfachkräfte)")
	contains(t, lib, "**Bibliothek – Englisch** (7 Impulse)")
	preview := fx.say("admin", "/impuls vorschau zwei en")
	contains(t, preview, "**Vorschau** (`zwei`, Englisch, Leitungskräfte, Position 2")
	contains(t, preview, "**Leading change**")

	contains(t, fx.say("admin", "/impuls zeitplan"), "`CRON_TZ=Europe/Berlin 0 8 * * MON` (Startwert)")
	set := fx.say("admin", "/impuls zeitplan 30 7 * * TUE")
	contains(t, set, "Der neue Zeitplan `30 7 * * TUE` gilt ab sofort")
	contains(t, set, "Di., ")
	contains(t, set, "07:30 Uhr")
	tm, ok, _ := fx.timers.Get(context.Background(), slotTimerID)
	if l := tm.Due.In(berlin(t)); !ok || l.Weekday() != time.Tuesday || l.Hour() != 7 || l.Minute() != 30 {
		t.Errorf("slot timer at %s, want Tuesday 07:30", l)
	}
	contains(t, fx.say("admin", "/impuls zeitplan"), "(von Admins gesetzt)")
	// A second process starting with another start value keeps the admins' schedule.
	other := newFixture(t, redistest.Reopen(t, fx.store), fixtureOpts{schedule: "0 9 * * FRI", noLoop: true})
	if tm2, _, _ := other.timers.Get(context.Background(), slotTimerID); !tm2.Due.Equal(tm.Due) {
		t.Errorf("restart moved the slot to %s", tm2.Due)
	}
	contains(t, fx.say("admin", "/impuls zeitplan standard"), "zurückgesetzt auf den Startwert `CRON_TZ=Europe/Berlin 0 8 * * MON`")
}

func TestBadInputIsAnsweredAndChangesNothing(t *testing.T) {
	fx := newFixture(t, redistest.Store(t), fixtureOpts{})
	fx.say("anna", "/impuls abo")
	fx.say("admin", "/impuls abo @carla")
	tests := []struct {
		name, user, text, want string
	}{
		{"unknown subcommand", "anna", "/impuls tanzen", "„tanzen“ kenne ich bei den Kurzimpulsen nicht"},
		{"subscribing twice", "anna", "/impuls abo", "schon – ich habe nichts geändert"},
		{"subscribing twice with other options", "anna", "/impuls abo planung region=Bayern", "schon – ich habe nichts geändert"},
		{"admin subscribes someone twice", "admin", "/impuls abo @carla alle", "carla erhält die Kurzimpulse schon"},
		{"unknown audience", "bob", "/impuls abo chefetage", "„chefetage“ verstehe ich hier nicht"},
		{"empty region", "bob", "/impuls abo region=", "„region=“ verstehe ich hier nicht"},
		{"two targets", "admin", "/impuls abo @bob @carla", "„@\u200bcarla“ verstehe ich hier nicht"},
		{"nonsense pause", "anna", "/impuls pause bald", "„bald“ verstehe ich nicht als Dauer"},
		{"pause without duration", "anna", "/impuls pause", "verstehe ich nicht als Dauer"},
		{"pause too short", "anna", "/impuls pause 0d", "mindestens 1 Tag"},
		{"pause too long", "anna", "/impuls pause 60 Wochen", "höchstens 52 Wochen"},
		{"pause in hours", "anna", "/impuls pause 12h", "verstehe ich nicht als Dauer"},
		{"resume when not paused", "anna", "/impuls weiter", "gar nicht pausiert"},
		{"pause when not subscribed", "bob", "/impuls pause 2w", "nicht abonniert"},
		{"resume when not subscribed", "bob", "/impuls weiter", "nicht abonniert"},
		{"stop when not subscribed", "bob", "/impuls stopp", "nicht abonniert"},
		{"now when not subscribed", "bob", "/impuls jetzt", "nicht abonniert"},
		{"archive when not subscribed", "bob", "/impuls archiv", "nicht abonniert"},
		{"non-admin schedule", "anna", "/impuls zeitplan @every 2s", "nur Admins"},
		{"non-admin statistics", "anna", "/impuls statistik", "nur Admins"},
		{"non-admin library", "anna", "/impuls bibliothek", "nur Admins"},
		{"non-admin subscribers", "anna", "/impuls abonnenten", "nur Admins"},
		{"non-admin preview", "anna", "/impuls vorschau eins", "nur Admins"},
		{"non-admin subscribes someone", "anna", "/impuls abo @bob", "nur Admins"},
		{"non-admin subscribes a channel", "anna", "/impuls abo #", "nur Admins"},
		{"non-admin stops someone", "anna", "/impuls stopp @carla", "nur Admins"},
		{"bad cron", "admin", "/impuls zeitplan jeden Montag um acht", "kein gültiger Zeitplan"},
		{"cron that never fires", "admin", "/impuls zeitplan 0 0 30 2 *", "kein gültiger Zeitplan"},
		{"zone alone", "admin", "/impuls zeitplan CRON_TZ=Europe/Berlin", "kein gültiger Zeitplan"},
		{"unknown zone", "admin", "/impuls zeitplan CRON_TZ=Mars/Olympus 0 8 * * MON", "kein gültiger Zeitplan"},
		{"unknown impulse feedback", "anna", "/impuls feedback gibtsnicht gut", "„gibtsnicht“ gibt es nicht"},
		{"feedback without vote", "anna", "/impuls feedback eins", "`/impuls feedback <id> gut`"},
		{"feedback nonsense vote", "anna", "/impuls feedback eins super", "`/impuls feedback <id> gut`"},
		{"forged button value", "anna", "click:impuls.feedback:eins:sideways", "`/impuls feedback <id> gut`"},
		{"button of an unknown impulse", "anna", "click:impuls.feedback:weg:up", "„weg“ gibt es nicht"},
		{"unknown preview", "admin", "/impuls vorschau gibtsnicht", "„gibtsnicht“ gibt es nicht"},
		{"stray word after a person", "admin", "/impuls abo @zwei wörter", "„wörter“ verstehe ich hier nicht"},
		{"stop without a proper target", "admin", "/impuls stopp carla", "`@name` für eine Person"},
		{"stop someone not subscribed", "admin", "/impuls stopp @bob", "bob hat die Kurzimpulse derzeit nicht abonniert"},
		{"unknown language", "anna", "/impuls lang fr", "spreche ich nicht"},
		{"mentions are escaped", "anna", "/impuls @channel", "@\u200bchannel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := dump(t, fx.store)
			var reply string
			if rest, ok := strings.CutPrefix(tt.text, "click:"); ok {
				action, value, _ := strings.Cut(rest, ":")
				reply = fx.click(tt.user, action, value)
			} else {
				reply = fx.say(tt.user, tt.text)
			}
			contains(t, reply, tt.want)
			if after := dump(t, fx.store); !maps.Equal(before, after) {
				t.Errorf("state changed:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

func TestEnglishReplies(t *testing.T) {
	fx := newFixture(t, redistest.Store(t), fixtureOpts{})
	ev := fx.event("erin")
	ev.Kind, ev.Text, ev.Locale = adapters.KindCommand, "impulse subscribe planners", "en-GB"
	fx.bot.HandleEvent(context.Background(), ev)
	contains(t, fx.platform.LastTo("erin"), "Welcome to the short impulses")
	contains(t, fx.platform.LastTo("erin"), "Audience: planners")
	if s := fx.subscriber(userSubID("test", "erin")); s.Lang != "en" || s.Audience != AudiencePlanners {
		t.Errorf("subscriber %+v", s)
	}
}

// TestAllReceivedIsToldOnce: at the end of the series the subscriber hears so once, and nothing
// more is sent until a new impulse arrives.
func TestAllReceivedIsToldOnce(t *testing.T) {
	fx := newFixture(t, redistest.Store(t), fixtureOpts{schedule: "@every 1h"})
	fx.say("paula", "/impuls abo planung")
	id := userSubID("test", "paula")
	for i := range len(plannersSeries) {
		fx.say("paula", "/impuls jetzt")
		waitFor(t, 3*time.Second, "impulse "+strconv.Itoa(i+1), func() bool { return len(received(fx.platform, "paula")) == i+1 })
	}
	contains(t, fx.say("paula", "/impuls jetzt"), "schon alle 5 Kurzimpulse")
	// Scheduled slots now: the first tells, the second is quiet.
	ctx := context.Background()
	for i := range 2 {
		slot := time.Now().Add(time.Duration(i) * time.Second)
		if err := fx.timers.Schedule(ctx, deliveryTimer(delivery{sub: id, slot: slot.UnixMilli(), lang: "de", audience: AudiencePlanners}, slot)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(1500 * time.Millisecond)
	if got := received(fx.platform, "paula"); !slices.Equal(got, append(slices.Clone(plannersSeries), "END")) {
		t.Errorf("received %v", got)
	}
	contains(t, fx.platform.LastTo("paula"), "alle Kurzimpulse der Reihe erhalten")
	contains(t, fx.say("paula", "/impuls status"), "sobald neue Impulse dazukommen")
}
