package bot

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/adapters/chattest"
	"github.com/wolbot/wolbot/metrics"
	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

// fakeClock is the limiter's clock in tests: time stands still until Add.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a log sink that handlers may write to concurrently.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// limitedBot is a bot with the rate limit cfg on a frozen clock, a spy registered as "lc",
// an observer, and its info log in a buffer.
type limitedBot struct {
	*Bot
	chat  *chattest.Recorder
	store *storage.Store
	clock *fakeClock
	lc    *spy
	obs   *observerSpy
	log   *syncBuffer
}

func newLimitedBot(t *testing.T, cfg RateLimit) *limitedBot {
	t.Helper()
	lb := &limitedBot{
		chat:  &chattest.Recorder{},
		store: redistest.Store(t),
		clock: &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)},
		lc:    &spy{},
		obs:   &observerSpy{},
		log:   &syncBuffer{},
	}
	lb.Bot = New(Options{
		Store:     lb.store,
		Chat:      lb.chat,
		Logger:    zerolog.New(lb.log).Level(zerolog.InfoLevel),
		Observer:  lb.obs,
		RateLimit: cfg,
	})
	if lb.limiter != nil {
		lb.limiter.now = lb.clock.Now
	}
	lb.Handle("lc", lb.lc, "leancoffee")
	return lb
}

// outcomes counts the observed outcomes by name.
func (lb *limitedBot) outcomes() map[string]int {
	got, _ := lb.obs.take()
	n := make(map[string]int)
	for _, s := range got {
		n[s.outcome]++
	}
	return n
}

// asUser is ev sent by another user of the same platform.
func asUser(ev adapters.Event, user string) adapters.Event {
	ev.User, ev.UserName = user, user
	return ev
}

var (
	rateMsgDE = coreMsgs.T("de", "rate_limited")
	rateMsgEN = coreMsgs.T("en", "rate_limited")
)

func TestRateLimitStopsAFlood(t *testing.T) {
	topic := func(i int) adapters.Event { return command("/lc topic Thema " + strconv.Itoa(i)) }
	tests := []struct {
		name        string
		cfg         RateLimit
		ev          func(i int) adapters.Event
		wantHandled int
		wantReplies []string
	}{
		{"100 topics in a second: the default burst passes, one friendly reply",
			RateLimit{}, topic, DefaultRateBurst, []string{ephemeral(rateMsgDE)}},
		{"clicks are limited too",
			RateLimit{}, func(i int) adapters.Event { return click("lc.vote", "r1:"+strconv.Itoa(i%10)) },
			DefaultRateBurst, []string{ephemeral(rateMsgDE)}},
		{"commands and clicks share one allowance",
			RateLimit{}, func(i int) adapters.Event {
				if i%2 == 0 {
					return click("lc.vote", "r1:1")
				}
				return topic(i)
			}, DefaultRateBurst, []string{ephemeral(rateMsgDE)}},
		{"unknown commands count",
			RateLimit{}, func(i int) adapters.Event { return command("/nope") }, 0,
			append(repeat(ephemeral(coreMsgs.T("de", "unknown_command", "cmd", adapters.Escape("nope"))), DefaultRateBurst), ephemeral(rateMsgDE))},
		{"an English user is told in English",
			RateLimit{}, func(i int) adapters.Event { return inEnglish(topic(i)) }, DefaultRateBurst, []string{ephemeral(rateMsgEN)}},
		{"in a direct conversation the notice is a post",
			RateLimit{}, func(i int) adapters.Event { return direct(topic(i), "D1") }, DefaultRateBurst,
			[]string{string(chattest.OpPost) + " D1 : " + rateMsgDE}},
		{"a custom burst",
			RateLimit{Burst: 3, PerSecond: 1}, topic, 3, []string{ephemeral(rateMsgDE)}},
		{"negative values mean the defaults",
			RateLimit{Burst: -1, PerSecond: -2}, topic, DefaultRateBurst, []string{ephemeral(rateMsgDE)}},
		{"disabled passes everything",
			RateLimit{Disabled: true}, topic, 100, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lb := newLimitedBot(t, tt.cfg)
			for i := range 100 {
				lb.HandleEvent(context.Background(), tt.ev(i))
			}
			if got := len(lb.lc.served()); got != tt.wantHandled {
				t.Errorf("handled %d events, want %d", got, tt.wantHandled)
			}
			if got := replies(lb.chat); !equalStrings(got, tt.wantReplies) {
				t.Errorf("replies = %q,\nwant %q", got, tt.wantReplies)
			}
			wantLimited := 100 - tt.wantHandled
			if tt.wantHandled == 0 { // unknown commands: answered by the router, not the spy
				wantLimited = 100 - DefaultRateBurst
			}
			if got := lb.outcomes()[OutcomeRateLimited]; got != wantLimited {
				t.Errorf("%d events observed as %s, want %d", got, OutcomeRateLimited, wantLimited)
			}

			// Another user, on the same frozen clock, is not affected.
			before := len(lb.lc.served())
			lb.chat.Reset()
			lb.HandleEvent(context.Background(), asUser(topic(0), "u2"))
			lb.HandleEvent(context.Background(), asUser(click("lc.vote", "r1:1"), "u2"))
			if got := len(lb.lc.served()) - before; got != 2 {
				t.Errorf("another user: %d of 2 events handled", got)
			}
			if r := replies(lb.chat); len(r) != 0 {
				t.Errorf("another user got %q, want no reply", r)
			}
			// The same user id on another platform is another person.
			ev := topic(0)
			ev.Platform = "other"
			lb.HandleEvent(context.Background(), ev)
			if got := len(lb.lc.served()) - before; got != 3 {
				t.Errorf("the same id on another platform was not handled")
			}
		})
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRateLimitRefillsAndTellsOncePerFlood walks one user through floods and pauses.
func TestRateLimitRefillsAndTellsOncePerFlood(t *testing.T) {
	const burst, perSecond = 4, 2.0
	tick := time.Duration(float64(time.Second) / perSecond) // one token
	type step struct {
		name        string
		wait        time.Duration // before the events
		events      int
		wantHandled int
		wantNotices int
	}
	steps := []step{
		{"a flood: the burst passes, one notice", 0, 10, burst, 1},
		{"still flooding: nothing passes, no second notice", 0, 10, 0, 0},
		{"after 1/PerSecond one event passes, the next not, no second notice", tick, 2, 1, 0},
		{"a sustained flood is reminded after a minute", rateNoticeEvery, 3 * burst, burst, 1},
		{"again right away: no notice", 0, 5, 0, 0},
		{"a pause until the bucket is full ends the flood", burst * tick, burst, burst, 0},
		{"so the next flood is told at once", 0, 3, 0, 1},
		{"a half refill passes half a burst", burst / 2 * tick, burst, burst / 2, 0},
	}
	lb := newLimitedBot(t, RateLimit{Burst: burst, PerSecond: perSecond})
	for _, s := range steps {
		lb.clock.Add(s.wait)
		before := len(lb.lc.served())
		lb.chat.Reset()
		for i := range s.events {
			lb.HandleEvent(context.Background(), command("/lc topic "+strconv.Itoa(i)))
		}
		if got := len(lb.lc.served()) - before; got != s.wantHandled {
			t.Errorf("%s: handled %d, want %d", s.name, got, s.wantHandled)
		}
		if got := replies(lb.chat); len(got) != s.wantNotices || (len(got) == 1 && got[0] != ephemeral(rateMsgDE)) {
			t.Errorf("%s: replies %q, want %d notice(s)", s.name, got, s.wantNotices)
		}
	}
}

// TestRateLimitRealClock checks the wiring to the real clock: after 1/PerSecond, one more passes.
func TestRateLimitRealClock(t *testing.T) {
	b, chat, _ := newTestBot(t)
	b.limiter = newLimiter(RateLimit{Burst: 2, PerSecond: 2})
	lc := &spy{}
	b.Handle("lc", lc)
	for range 5 {
		b.HandleEvent(context.Background(), command("/lc topic x"))
	}
	if n := len(lc.served()); n != 2 {
		t.Fatalf("handled %d of a burst of 5, want 2", n)
	}
	time.Sleep(time.Second/2 + 100*time.Millisecond)
	b.HandleEvent(context.Background(), command("/lc topic y"))
	if n := len(lc.served()); n != 3 {
		t.Errorf("after 1/PerSecond: handled %d, want 3", n)
	}
	if got, want := replies(chat), []string{ephemeral(rateMsgDE)}; !equalStrings(got, want) {
		t.Errorf("replies = %q, want %q", got, want)
	}
}

func TestRateLimitConcurrentFlood(t *testing.T) {
	lb := newLimitedBot(t, RateLimit{})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				ev := command("/lc topic Thema " + strconv.Itoa(g*100+i))
				if i%3 == 0 {
					ev = click("lc.vote", "r1:1")
				}
				lb.HandleEvent(context.Background(), ev)
			}
		})
	}
	wg.Wait()
	if n := len(lb.lc.served()); n != DefaultRateBurst {
		t.Errorf("handled %d of 200 concurrent events, want %d", n, DefaultRateBurst)
	}
	if got, want := replies(lb.chat), []string{ephemeral(rateMsgDE)}; !equalStrings(got, want) {
		t.Errorf("replies = %q, want %q", got, want)
	}
}

// TestRateLimitedEventIsNotRecordedAsSeen: a dropped event was not handled, so its redelivery
// later is a new chance, not a duplicate.
func TestRateLimitedEventIsNotRecordedAsSeen(t *testing.T) {
	lb := newLimitedBot(t, RateLimit{Burst: 1, PerSecond: 1})
	lb.HandleEvent(context.Background(), command("/lc topic eins"))
	dropped := command("/lc topic zwei")
	lb.HandleEvent(context.Background(), dropped)
	if n := len(lb.lc.served()); n != 1 {
		t.Fatalf("handled %d, want 1", n)
	}
	lb.clock.Add(time.Second)
	lb.HandleEvent(context.Background(), dropped) // the platform redelivers
	got := lb.lc.served()
	if len(got) != 2 || got[1].Event.ID != dropped.ID {
		t.Fatalf("the redelivery of a dropped event was not handled: %+v", got)
	}
	lb.clock.Add(time.Second)
	lb.HandleEvent(context.Background(), dropped) // and now it is a duplicate
	if n := len(lb.lc.served()); n != 2 {
		t.Errorf("a handled event was handled again")
	}
	want := map[string]int{OutcomeOK: 2, OutcomeRateLimited: 1, OutcomeDuplicate: 1}
	if got := lb.outcomes(); !equalCounts(got, want) {
		t.Errorf("outcomes %v, want %v", got, want)
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// roundTripCounter counts commands and pipelines sent to Redis.
type roundTripCounter struct{ n atomic.Int64 }

func (h *roundTripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *roundTripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (h *roundTripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// TestRateLimitCostsNoRoundTrip: the limiter lives in memory. An event the handler dedupes in
// its own script costs the router no round trip with the limit on, and a dropped event none
// either (only the one notice per flood may read the user's language).
func TestRateLimitCostsNoRoundTrip(t *testing.T) {
	lb := newLimitedBot(t, RateLimit{Burst: 5, PerSecond: 1})
	votes := &atomicSpy{atomic: true}
	lb.Handle("vote", votes)
	hook := &roundTripCounter{}
	lb.store.Client.AddHook(hook)
	for range 5 {
		lb.HandleEvent(context.Background(), click("vote.up", "1"))
	}
	if n := hook.n.Load(); n != 0 {
		t.Errorf("5 allowed events cost %d round trips, want 0", n)
	}
	lb.HandleEvent(context.Background(), click("vote.up", "1")) // dropped, told: may read the language
	told := hook.n.Load()
	for range 50 {
		lb.HandleEvent(context.Background(), click("vote.up", "1"))
	}
	if n := hook.n.Load() - told; n != 0 {
		t.Errorf("50 dropped events cost %d round trips, want 0", n)
	}
	if n := len(votes.served()); n != 5 {
		t.Errorf("handled %d, want 5", n)
	}
}

// TestRateLimitLogsWithoutContents: one info line per notice, with a count and no text.
func TestRateLimitLogsWithoutContents(t *testing.T) {
	lb := newLimitedBot(t, RateLimit{Burst: 2, PerSecond: 1})
	for range 10 {
		lb.HandleEvent(context.Background(), command("/lc topic Vertrauliches Thema"))
	}
	lb.clock.Add(rateNoticeEvery)
	for range 70 { // the bucket is full again (2): 2 pass, 68 are dropped
		lb.HandleEvent(context.Background(), command("/lc topic Vertrauliches Thema"))
	}
	out := lb.log.String()
	if strings.Contains(out, "Vertrauliches") {
		t.Errorf("the log holds message contents:\n%s", out)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.Contains(l, "rate limited") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("%d rate-limit log lines, want 2 (one per notice):\n%s", len(lines), out)
	}
	// The first drop; then the 7 silent drops of the first flood and the first of the second.
	for i, want := range []string{`"dropped":1`, `"dropped":8`} {
		l := lines[i]
		if !strings.Contains(l, `"level":"info"`) || !strings.Contains(l, want) ||
			!strings.Contains(l, `"platform":"test"`) || !strings.Contains(l, `"user":"u1"`) {
			t.Errorf("log line %d = %s, want info with %s, platform and user", i, l, want)
		}
	}
}

func TestLimiterDropsIdleBuckets(t *testing.T) {
	tests := []struct {
		name     string
		cfg      RateLimit
		idle     time.Duration // time without events
		wantKept bool
	}{
		{"a bucket idle for 5 minutes is kept", RateLimit{}, 5 * time.Minute, true},
		{"a bucket idle for over 10 minutes is dropped", RateLimit{}, rateIdleTTL + time.Second, false},
		{"a slowly refilling bucket is kept until it is full", RateLimit{Burst: 100, PerSecond: 0.1}, rateIdleTTL + time.Second, true},
		{"and dropped after that", RateLimit{Burst: 100, PerSecond: 0.1}, 1000*time.Second + time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
			l := newLimiter(tt.cfg)
			l.now = clock.Now
			for i := range 1000 {
				l.take("test", "u"+strconv.Itoa(i))
			}
			for range 200 { // one flooding user, whose bucket is empty now
				l.take("test", "flood")
			}
			if n := l.size(); n != 1001 {
				t.Fatalf("%d buckets, want 1001", n)
			}
			clock.Add(tt.idle)
			l.take("test", "newcomer") // any event sweeps
			want := 1
			if tt.wantKept {
				want = 1002
			}
			if n := l.size(); n != want {
				t.Errorf("%d buckets after %v idle, want %d", n, tt.idle, want)
			}
			if v := l.take("test", "flood"); !v.allowed {
				t.Errorf("the flooder is still refused after %v: %+v", tt.idle, v)
			}
		})
	}
	t.Run("a disabled limiter allows all and holds nothing", func(t *testing.T) {
		l := newLimiter(RateLimit{Disabled: true})
		for range 1000 {
			if !l.take("test", "u1").allowed {
				t.Fatal("refused")
			}
		}
	})
}

// TestRateLimitedMetrics: rate-limited events are counted, but not as handling time.
func TestRateLimitedMetrics(t *testing.T) {
	m := metrics.New()
	b, _, _ := newTestBot(t)
	b.obs = m
	b.limiter = newLimiter(RateLimit{Burst: 3, PerSecond: 0.001})
	b.Handle("lc", &spy{})
	for range 10 {
		b.HandleEvent(context.Background(), command("/lc topic x"))
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`wolbot_commands_total{feature="lc",kind="command",outcome="ok"} 3`,
		`wolbot_commands_total{feature="lc",kind="command",outcome="rate_limited"} 7`,
		`wolbot_command_duration_seconds_count{feature="lc"} 3`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestParseRateLimit(t *testing.T) {
	tests := []struct {
		in   string
		want RateLimit
		bad  bool
	}{
		{"", RateLimit{}, false},
		{"off", RateLimit{Disabled: true}, false},
		{" OFF ", RateLimit{Disabled: true}, false},
		{"20/4s", RateLimit{Burst: 20, PerSecond: 5}, false},
		{"60/1m", RateLimit{Burst: 60, PerSecond: 1}, false},
		{"5/s", RateLimit{Burst: 5, PerSecond: 5}, false},
		{"viel", RateLimit{}, true},
		{"0/1s", RateLimit{}, true},
		{"5/0s", RateLimit{}, true},
		{"5/-1s", RateLimit{}, true},
		{"5", RateLimit{}, true},
		{"5/", RateLimit{}, true},
	}
	for _, tt := range tests {
		got, err := ParseRateLimit(tt.in)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("ParseRateLimit(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.bad)
		}
	}
}
