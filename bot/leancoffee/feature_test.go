package leancoffee

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
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

const testChannel = "kreis-dueren"

// fixture is one bot process: router, Lean Coffee, timer loop and a recording chat, on a store.
type fixture struct {
	t      testing.TB
	store  *storage.Store
	chat   *chattest.Recorder
	bot    *bot.Bot
	lc     *Feature
	timers *storage.Timers
	stop   context.CancelFunc
	done   chan struct{}
	events atomic.Int64

	channelName string // ChannelName of the events; empty as on platforms that send none
}

// newFixture starts a feature with its timer loop on store; setup runs before the loop starts
// (to set a clock the loop's handlers read).
func newFixture(t testing.TB, store *storage.Store, setup ...func(*Feature)) *fixture {
	t.Helper()
	fx := &fixture{t: t, store: store, chat: &chattest.Recorder{}, done: make(chan struct{})}
	timers := storage.NewTimers(store, storage.TimerOptions{Lease: 2 * time.Second, MaxWait: 100 * time.Millisecond, Logger: testLogger(t)})
	fx.bot = bot.New(bot.Options{Store: store, Chat: fx.chat, Admins: []string{"admin"}, Logger: zerolog.Nop()})
	fx.lc = New(Options{Store: store, Chat: fx.chat, Timers: timers, Location: time.UTC, Logger: testLogger(t)})
	fx.timers = timers
	fx.bot.Handle("lc", fx.lc)
	for _, f := range setup {
		f(fx.lc)
	}
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

func (fx *fixture) event(user string) adapters.Event {
	return adapters.Event{
		Platform: "test", Team: "t1", Channel: testChannel, ChannelName: fx.channelName, User: user, UserName: user,
		ID: fmt.Sprintf("ev-%p-%d", fx, fx.events.Add(1)),
	}
}

// say sends a command as user and returns the reply that user got.
func (fx *fixture) say(user, text string) string {
	ev := fx.event(user)
	ev.Kind, ev.Text = adapters.KindCommand, strings.TrimPrefix(text, "/")
	fx.bot.HandleEvent(context.Background(), ev)
	return fx.chat.LastTo(user)
}

func (fx *fixture) click(user, action, value string) string {
	ev := fx.event(user)
	ev.Kind, ev.ActionID, ev.Value = adapters.KindAction, action, value
	fx.bot.HandleEvent(context.Background(), ev)
	return fx.chat.LastTo(user)
}

func (fx *fixture) round() *Round {
	fx.t.Helper()
	r, err := fx.lc.st.load(context.Background(), fx.store.Client, fx.lc.st.keys("test:t1:"+testChannel))
	if err != nil {
		fx.t.Fatalf("load round: %v", err)
	}
	return r
}

// waitFor polls until cond holds or the timeout passes.
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

func TestFullRound(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	contains(t, fx.say("anna", "/lc start votes=2 timebox=1s extensions=1s thumbs=3s"), "Sie moderieren")
	contains(t, fx.say("bob", "/lc topic Wie beteiligen wir Jugendliche an der Planung?"), "als #1 auf dem Board")
	contains(t, fx.say("carla", "/lc thema Kooperation mit der Schulverwaltung"), "als #2 auf dem Board")
	board := fx.round().Board
	if got := fx.chat.Board(board).Text; !strings.Contains(got, "Kooperation mit der Schulverwaltung") {
		t.Fatalf("board not updated in place:\n%s", got)
	}
	if n := len(fx.chat.Posts(testChannel)); n != 1 {
		t.Errorf("%d channel posts while collecting, want only the board", n)
	}

	fx.say("anna", "/lc next")
	contains(t, fx.say("bob", "/lc vote 2"), "noch 1 von 2")
	contains(t, fx.click("carla", "lc.vote", fx.round().ID+":2"), "noch 1 von 2")
	contains(t, fx.say("carla", "/lc vote 1"), "noch 0 von 2")
	contains(t, fx.say("carla", "/lc vote 1"), "alle 2 Punkte")
	contains(t, fx.chat.Board(board).Text, "Kooperation mit der Schulverwaltung — **2 Punkte**")

	fx.say("anna", "/lc next")
	r := fx.round()
	if r.Topic != 2 || r.Stage != StageTalk {
		t.Fatalf("discussing topic %d stage %s, want topic 2 talking", r.Topic, r.Stage)
	}
	// The timebox ends by timer; everybody votes 👍 except one 👎: extension.
	waitFor(t, 3*time.Second, "thumbs vote", func() bool { return fx.round().Stage == StageThumbs })
	seq := fx.round().seqString()
	fx.click("anna", "lc.thumbs", r.ID+":"+seq+":up")
	fx.say("bob", "/lc thumbs up")
	fx.say("carla", "/lc daumen runter")
	waitFor(t, time.Second, "extension", func() bool { return fx.round().ExtUsed == 1 })
	contains(t, fx.say("anna", "/lc note Schulverwaltung zum nächsten Treffen einladen"), "Thema 2")

	// A late click on the closed vote is answered, not counted.
	contains(t, fx.click("bob", "lc.thumbs", r.ID+":"+seq+":down"), "schon geschlossen")

	// Extension over, nobody votes within the window: next topic, then the moderator ends.
	waitFor(t, 6*time.Second, "second topic", func() bool { return fx.round().Topic == 1 })
	fx.say("anna", "/lc end")
	if fx.round().Phase != PhaseEnded {
		t.Fatal("round not ended")
	}
	posts := fx.chat.Posts(testChannel)
	summary := posts[len(posts)-1]
	for _, want := range []string{
		"Zusammenfassung", "- #2 **Kooperation mit der Schulverwaltung** — 2 Punkte · besprochen:", "(1 Verlängerung)",
		"Schulverwaltung zum nächsten Treffen einladen _(carla)_", "- #1 **Wie beteiligen wir Jugendliche an der Planung?** — 1 Punkt · besprochen:",
		"3 Personen",
	} {
		if want == "Schulverwaltung zum nächsten Treffen einladen _(carla)_" {
			want = "Schulverwaltung zum nächsten Treffen einladen _(anna)_"
		}
		contains(t, summary, want)
	}
	// Clicks on the finished round get a friendly answer.
	contains(t, fx.click("bob", "lc.vote", r.ID+":1"), "beendet")
	contains(t, fx.say("bob", "/lc status"), "beendet")
}

func TestConcurrentVotesNeverExceedLimits(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	fx.say("mod", "/lc start votes=3 pertopic=2")
	for i := 1; i <= 5; i++ {
		fx.say("mod", "/lc topic Thema "+strconv.Itoa(i))
	}
	fx.say("mod", "/lc next")

	const voters, attempts = 50, 6 // each voter tries twice their limit
	var wg sync.WaitGroup
	var accepted, refused atomic.Int64
	for v := range voters {
		user := "u" + strconv.Itoa(v)
		for a := range attempts {
			wg.Go(func() {
				reply := fx.say(user, "/lc vote "+strconv.Itoa(a%3+1))
				_ = reply
			})
		}
	}
	wg.Wait()
	// Count replies per voter from the recording: every attempt got exactly one answer.
	for _, c := range fx.chat.Calls() {
		if c.Op != chattest.OpEphemeral || !strings.HasPrefix(c.User, "u") {
			continue
		}
		switch {
		case strings.Contains(c.Msg.Text, "ist gezählt"):
			accepted.Add(1)
		case strings.Contains(c.Msg.Text, "alle 3 Punkte"), strings.Contains(c.Msg.Text, "höchstens 2"):
			refused.Add(1)
		default:
			t.Errorf("unexpected reply to %s: %s", c.User, c.Msg.Text)
		}
	}
	if accepted.Load() != voters*3 || refused.Load() != voters*(attempts-3) {
		t.Errorf("accepted %d refused %d, want %d and %d", accepted.Load(), refused.Load(), voters*3, voters*(attempts-3))
	}
	r := fx.round()
	total := 0
	for _, n := range r.Votes {
		total += n
	}
	if total != voters*3 {
		t.Errorf("dots on the board = %d, want %d", total, voters*3)
	}
	ballots := fx.store.Client.HGetAll(context.Background(), fx.lc.st.keys("test:t1:"+testChannel).ballots).Val()
	for v := range voters {
		user := "u" + strconv.Itoa(v)
		if ballots[user] != "3" {
			t.Errorf("%s used %s dots, want 3", user, ballots[user])
		}
		for n := 1; n <= 5; n++ {
			if c, _ := strconv.Atoi(ballots[user+"|"+strconv.Itoa(n)]); c > 2 {
				t.Errorf("%s has %d dots on topic %d, limit 2", user, c, n)
			}
		}
	}
	// The board's last version shows the final totals.
	contains(t, fx.chat.Board(r.Board).Text, fmt.Sprintf("**%s**", msgs.N("de", "dots", r.Votes[1])))
}

func TestRepeatedEventHasNoSecondEffect(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	fx.say("anna", "/lc start")
	topic := fx.event("bob")
	topic.Kind, topic.Text = adapters.KindCommand, "lc topic Jugendhilfeplanung gemeinsam denken"
	fx.bot.HandleEvent(context.Background(), topic)
	fx.bot.HandleEvent(context.Background(), topic) // redelivered: router dedupe
	fx.say("anna", "/lc next")
	vote := fx.event("bob")
	vote.Kind, vote.ActionID, vote.Value = adapters.KindAction, "lc.vote", fx.round().ID+":1"
	before := fx.chat.Count(chattest.OpEphemeral)
	fx.bot.HandleEvent(context.Background(), vote)
	fx.bot.HandleEvent(context.Background(), vote) // redelivered: dedupe inside the vote script
	r := fx.round()
	if r.Topics != 1 || r.Votes[1] != 1 {
		t.Errorf("topics %d votes %d after redeliveries, want 1 and 1", r.Topics, r.Votes[1])
	}
	if n := fx.chat.Count(chattest.OpEphemeral) - before; n != 1 {
		t.Errorf("%d replies to a vote delivered twice, want 1", n)
	}
}

func TestBadInputIsAnsweredAndChangesNothing(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	fx.say("anna", "/lc start votes=1")
	fx.say("bob", "/lc topic Erstes Thema")
	tests := []struct {
		name, user, text, want string
	}{
		{"unknown subcommand", "bob", "/lc tanzen", "kenne ich bei Lean Coffee nicht"},
		{"empty topic", "bob", "/lc topic   ", "Bitte schreiben Sie Ihr Thema"},
		{"too long topic", "bob", "/lc topic " + strings.Repeat("x", MaxTopicLen+1), "301 Zeichen"},
		{"vote while collecting", "bob", "/lc vote 1", "nur während der Abstimmung"},
		{"vote without number", "bob", "/lc vote", "Nummer des Themas"},
		{"thumbs nonsense", "bob", "/lc thumbs vielleicht", "`/lc daumen hoch`"},
		{"thumbs while collecting", "bob", "/lc thumbs up", "keine Daumen-Abstimmung"},
		{"non-moderator steers", "bob", "/lc next", "nur die Moderation dieser Runde (anna)"},
		{"non-moderator ends", "bob", "/lc end", "nur die Moderation"},
		{"non-moderator hands over", "bob", "/lc moderator @bob", "nur die Moderation"},
		{"second start", "bob", "/lc start", "läuft schon eine Runde, moderiert von anna"},
		{"note outside discussion", "bob", "/lc note hallo", "gerade wird keines besprochen"},
		{"extend outside discussion", "anna", "/lc extend", "während ein Thema besprochen wird"},
		{"handover without name", "anna", "/lc moderator", "wer die Moderation übernimmt"},
		{"stale button of older round", "bob", "click:lc.vote:zzzz:1", "früheren, inzwischen beendeten Runde"},
		{"forged button value", "bob", "click:lc.thumbs:nonsense", "früheren, inzwischen beendeten Runde"},
		{"steering button of an earlier step", "anna", "click:lc.next:ROUND:voting:0", "früheren Schritt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := dumpRound(t, fx)
			var reply string
			if rest, ok := strings.CutPrefix(tt.text, "click:"); ok {
				action, value, _ := strings.Cut(rest, ":")
				value = strings.Replace(value, "ROUND", fx.round().ID, 1)
				reply = fx.click(tt.user, action, value)
			} else {
				reply = fx.say(tt.user, tt.text)
			}
			contains(t, reply, tt.want)
			if after := dumpRound(t, fx); !maps.Equal(before, after) {
				t.Errorf("state changed:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

func TestVotingErrors(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	fx.say("anna", "/lc start votes=2 pertopic=1")
	fx.say("anna", "/lc topic Eins")
	fx.say("anna", "/lc next")
	before := dumpRound(t, fx)
	contains(t, fx.say("bob", "/lc vote 7"), "Thema #7 gibt es nicht")
	contains(t, fx.say("bob", "/lc unvote 1"), "kein Punkt von Ihnen")
	if !maps.Equal(before, dumpRound(t, fx)) {
		t.Error("refused votes changed state")
	}
	fx.say("bob", "/lc vote 1")
	contains(t, fx.say("bob", "/lc vote 1"), "nur einer Ihrer Punkte")
	contains(t, fx.say("bob", "/lc unvote 1"), "wieder 2 von 2")
	if fx.round().Votes[1] != 0 {
		t.Error("unvote did not take the dot back")
	}
}

func TestModeratorHandoverAndAdmin(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	fx.say("anna", "/lc start")
	fx.say("anna", "/lc topic Eins")
	fx.say("anna", "/lc moderator @bob")
	posts := fx.chat.Posts(testChannel)
	contains(t, posts[len(posts)-1], "liegt jetzt bei bob")
	contains(t, fx.say("anna", "/lc next"), "nur die Moderation dieser Runde (bob)")
	fx.say("bob", "/lc next")
	if fx.round().Phase != PhaseVoting {
		t.Fatal("new moderator could not steer")
	}
	fx.say("admin", "/lc end")
	if fx.round().Phase != PhaseEnded {
		t.Fatal("admin could not end the round")
	}
}

func TestEnglishAndMentions(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	contains(t, fx.say("erin", "/lc lang en"), "in English")
	contains(t, fx.say("erin", "/lc help"), "For the moderator")
	fx.say("erin", "/lc start")
	fx.say("bob", "/lc topic Alle herhören @channel <!here> [klick](http://example.org)")
	board := fx.chat.Board(fx.round().Board).Text
	contains(t, board, "collecting topics") // the starter's language
	for _, raw := range []string{"@channel", "<!here>", "](http"} {
		if strings.Contains(board, raw) {
			t.Errorf("board contains raw %q:\n%s", raw, board)
		}
	}
	// bob never chose a language: German.
	contains(t, fx.say("bob", "/lc status"), "Stand")
	ev := fx.event("frank")
	ev.Kind, ev.Text, ev.Locale = adapters.KindCommand, "lc status", "en-GB"
	fx.bot.HandleEvent(context.Background(), ev)
	contains(t, fx.chat.LastTo("frank"), "Status")
}

// TestRestartMidTimebox kills the process during a timebox and starts another against the same
// Redis: the timebox ends when it would have ended, not earlier, not never.
func TestRestartMidTimebox(t *testing.T) {
	store := redistest.Store(t)
	a := newFixture(t, store)
	a.say("anna", "/lc start timebox=2s thumbs=1m")
	a.say("anna", "/lc topic Eins")
	a.say("anna", "/lc next")
	a.say("anna", "/lc next")
	due := a.round().Due
	time.Sleep(300 * time.Millisecond)
	a.kill() // no graceful anything: the timer loop just stops

	b := newFixture(t, redistest.Reopen(t, store))
	waitFor(t, 4*time.Second, "thumbs vote after restart", func() bool {
		return len(b.chat.Posts(testChannel)) > 0
	})
	fired := time.Now()
	if fired.Before(due) {
		t.Errorf("timebox ended %v early", due.Sub(fired))
	}
	if late := fired.Sub(due); late > time.Second {
		t.Errorf("timebox ended %v late", late)
	}
	contains(t, b.chat.Posts(testChannel)[0], "Die Zeit für „Eins“ ist um")
	if a.chat.Count(chattest.OpPost) != 3 { // board, voting, topic start; nothing after the kill
		t.Errorf("killed process posted %d times", a.chat.Count(chattest.OpPost))
	}
}

// TestRestartAfterDueFiresAtOnce: a timebox that ended while no process ran ends at start.
func TestRestartAfterDueFiresAtOnce(t *testing.T) {
	store := redistest.Store(t)
	a := newFixture(t, store)
	a.say("anna", "/lc start timebox=1s")
	a.say("anna", "/lc topic Eins")
	a.say("anna", "/lc next")
	a.kill()
	a.say("anna", "/lc next") // the command path still works without a timer loop
	time.Sleep(1500 * time.Millisecond)

	start := time.Now()
	b := newFixture(t, redistest.Reopen(t, store))
	waitFor(t, 2*time.Second, "overdue timebox", func() bool { return len(b.chat.Posts(testChannel)) > 0 })
	if d := time.Since(start); d > time.Second {
		t.Errorf("overdue timebox fired after %v, want at once", d)
	}
}

// TestAnnouncementSurvivesChatFailure: the timer's state change is saved, the post fails (as
// when a process dies in between); the redelivered timer posts the announcement exactly once.
func TestAnnouncementSurvivesChatFailure(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	fx.say("anna", "/lc start timebox=1s")
	fx.say("anna", "/lc topic Eins")
	fx.say("anna", "/lc next")
	fx.say("anna", "/lc next")
	var failures atomic.Int64
	fx.chat.SetFail(func(op chattest.Op) error {
		if op == chattest.OpPost && failures.Add(1) == 1 {
			return fmt.Errorf("chat down")
		}
		return nil
	})
	waitFor(t, 6*time.Second, "announcement after failure", func() bool {
		for _, p := range fx.chat.Posts(testChannel) {
			if strings.Contains(p, "ist um") {
				return true
			}
		}
		return false
	})
	time.Sleep(300 * time.Millisecond)
	n := 0
	for _, p := range fx.chat.Posts(testChannel) {
		if strings.Contains(p, "ist um") {
			n++
		}
	}
	if n != 1 || fx.round().Stage != StageThumbs {
		t.Errorf("%d thumbs prompts, stage %s; want 1 and thumbs", n, fx.round().Stage)
	}
}

func TestSeveralRoundsInDifferentChannels(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	for i, ch := range []string{"kreis-dueren", "stadt-koeln", "aachen"} {
		ev := fx.event("mod" + strconv.Itoa(i))
		ev.Kind, ev.Channel, ev.Text = adapters.KindCommand, ch, "lc start votes="+strconv.Itoa(i+1)
		fx.bot.HandleEvent(context.Background(), ev)
	}
	for i, ch := range []string{"kreis-dueren", "stadt-koeln", "aachen"} {
		r, err := fx.lc.st.load(context.Background(), fx.store.Client, fx.lc.st.keys("test:t1:"+ch))
		if err != nil || r.Dots != i+1 || r.ModName != "mod"+strconv.Itoa(i) {
			t.Errorf("%s: round %+v err %v", ch, r, err)
		}
	}
}

// testLogger shows warnings and errors in the test's log.
func testLogger(t testing.TB) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
}

// TestCachedRoundNotReusedAcrossRounds: a new round in the channel counts its structural
// version from the start again; the cache must not take it for the old round.
func TestCachedRoundNotReusedAcrossRounds(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	fx.say("anna", "/lc start votes=1")
	fx.say("anna", "/lc topic Alt")
	fx.say("anna", "/lc next")
	fx.say("bob", "/lc vote 1") // caches the old round
	fx.say("anna", "/lc end")
	fx.say("carla", "/lc start votes=2")
	fx.say("carla", "/lc topic Neu eins")
	fx.say("carla", "/lc topic Neu zwei")
	fx.say("carla", "/lc next")
	contains(t, fx.say("bob", "/lc vote 2"), "noch 1 von 2")
	board := fx.chat.Board(fx.round().Board).Text
	contains(t, board, "Moderation: carla")
	contains(t, board, "Neu zwei — **1 Punkt**")
}

// dumpRound returns every key of the test channel's round with its value, to prove that
// refused input changed nothing.
func dumpRound(t testing.TB, fx *fixture) map[string]string {
	t.Helper()
	round := fx.lc.st.keys("test:t1:" + testChannel).round // "…:lc:{<channel>}:round"
	return redistest.Dump(t, fx.store, strings.TrimSuffix(round, "round")+"*")
}
