package impulses

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/adapters/chattest"
	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

// slowChat answers direct messages after a latency, like a real chat platform.
type slowChat struct {
	adapters.Chat
	latency time.Duration
}

func (c *slowChat) DirectMessage(ctx context.Context, user string, msg adapters.Message) (adapters.PostRef, error) {
	time.Sleep(c.latency)
	return c.Chat.DirectMessage(ctx, user, msg)
}

// timedChat notes when each direct message was sent.
type timedChat struct {
	adapters.Chat
	mu  sync.Mutex
	at  []time.Time
	who []string
}

func (c *timedChat) DirectMessage(ctx context.Context, user string, msg adapters.Message) (adapters.PostRef, error) {
	c.mu.Lock()
	c.at = append(c.at, time.Now())
	c.who = append(c.who, user)
	c.mu.Unlock()
	return c.Chat.DirectMessage(ctx, user, msg)
}

func (c *timedChat) sent() ([]time.Time, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Time(nil), c.at...), append([]string(nil), c.who...)
}

// TestRateWaitDoesNotHoldASlot: deliveries waiting for the rate limiter are rescheduled to
// their send time instead of sleeping in a timer slot, so other bulk work runs meanwhile, and
// the rate still holds.
func TestRateWaitDoesNotHoldASlot(t *testing.T) {
	t.Parallel()
	const rate, users = 4.0, 5
	platform := &chattest.Recorder{}
	chat := &timedChat{Chat: platform}
	fx := newFixture(t, redistest.Store(t), fixtureOpts{schedule: "@every 1h", rate: rate, concurrency: 1, platform: platform, chat: chat})
	names := []string{"anna", "ben", "cem", "dora", "emil"}
	for _, n := range names[:users] {
		fx.say(n, "/impuls abo")
	}
	probe := make(chan time.Duration, 1)
	fx.timers.HandleLane("test.probe", storage.LaneBulk, func(_ context.Context, tm storage.Timer) error {
		probe <- time.Since(tm.Due)
		return nil
	})
	ctx := context.Background()
	now := time.Now()
	var tms []storage.Timer
	for _, n := range names[:users] {
		tms = append(tms, deliveryTimer(delivery{sub: userSubID("test", n), slot: now.UnixMilli(), lang: "de", audience: AudienceLeaders}, now))
	}
	if err := fx.timers.ScheduleMany(ctx, tms); err != nil {
		t.Fatal(err)
	}
	if err := fx.timers.Schedule(ctx, storage.Timer{ID: "probe", Kind: "test.probe", Due: now.Add(300 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	select {
	case lag := <-probe:
		if lag > 150*time.Millisecond {
			t.Errorf("bulk probe ran %v late behind deliveries waiting for the rate limiter, want them out of its slot", lag)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("probe did not run")
	}
	waitFor(t, 10*time.Second, "all deliveries", func() bool { at, _ := chat.sent(); return len(at) >= users })
	fx.kill()
	at, who := chat.sent()
	if len(at) != users {
		t.Errorf("%d sends, want %d: %v", len(at), users, who)
	}
	seen := map[string]bool{}
	for _, w := range who {
		if seen[w] {
			t.Errorf("%s got two impulses", w)
		}
		seen[w] = true
	}
	if span, want := at[len(at)-1].Sub(at[0]), time.Duration(float64(users-1)/rate*float64(time.Second)); span < want-20*time.Millisecond {
		t.Errorf("%d sends within %v, at %v/s they need %v", users, span, rate, want)
	}
	if fx.platform.Duplicates != 0 {
		t.Errorf("%d repeats", fx.platform.Duplicates)
	}
}

// TestSlotTimerComesBack: the slot timer lost with Redis' data (here: the timer keys flushed)
// is recreated by the timer loop's periodic check, without a restart, for the next slot.
func TestSlotTimerComesBack(t *testing.T) {
	t.Parallel()
	store := redistest.Store(t)
	var mu sync.Mutex
	// The fake clock runs a year ahead of the timer loop's (Redis') clock, so no slot falls due.
	clock := time.Now().AddDate(1, 0, 0)
	sch, err := ParseSchedule(DefaultSchedule, berlin(t))
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	fx := newFixture(t, store, fixtureOpts{now: now, keepEvery: 50 * time.Millisecond})
	ctx := context.Background()
	first, ok, err := fx.timers.Get(ctx, slotTimerID)
	mu.Lock()
	start := clock
	mu.Unlock()
	if err != nil || !ok {
		t.Fatalf("no slot timer at start: %v", err)
	}
	if want := sch.Next(start); !first.Due.Equal(want) {
		t.Fatalf("slot at %v, want %v", first.Due, want)
	}

	// Redis loses the timers; a week passes.
	for _, k := range redistest.Keys(t, store, store.Key("{timers}", "*")) {
		if err := store.Client.Del(ctx, k).Err(); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	clock = clock.Add(7 * 24 * time.Hour)
	mu.Unlock()

	waitFor(t, 5*time.Second, "the slot timer to come back", func() bool {
		_, ok, _ := fx.timers.Get(ctx, slotTimerID)
		return ok
	})
	got, _, _ := fx.timers.Get(ctx, slotTimerID)
	if want := sch.Next(start.Add(7 * 24 * time.Hour)); !got.Due.Equal(want) || got.Kind != SlotKind {
		t.Errorf("recreated slot %s at %v, want %s at %v", got.Kind, got.Due, SlotKind, want)
	}
}
