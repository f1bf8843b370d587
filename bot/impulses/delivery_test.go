package impulses

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/adapters/chattest"
	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

// The tests in this file prove "each impulse exactly once, in order, none skipped" against a
// real Redis, with chattest as the platform: it records what people would read and refuses
// (and counts) a repeated post with the same idempotency key, as Mattermost does.

// checkOnceInOrder asserts that user received a beginning of series (plus, once the series is
// complete, the one all-received notice), each impulse once, and that the archive agrees. It
// returns how many impulses were received.
func checkOnceInOrder(t *testing.T, platform *chattest.Recorder, fx *fixture, user string, series []string) int {
	t.Helper()
	got := received(platform, user)
	want := series
	if len(got) > len(series) {
		want = append(slices.Clone(series), "END")
	}
	if len(got) > len(want) || !slices.Equal(got, want[:len(got)]) {
		t.Errorf("%s received %v, want the beginning of %v", user, got, want)
	}
	impulses := slices.DeleteFunc(slices.Clone(got), func(s string) bool { return s == "END" })
	if arch := fx.archive(userSubID("test", user)); !slices.Equal(arch, impulses) {
		t.Errorf("%s's archive %v, but received %v", user, arch, got)
	}
	return len(impulses)
}

// TestScheduledSeriesInOrderExactlyOnce: two subscribers, a slot every second: each gets the
// series of their audience in order, none twice.
func TestScheduledSeriesInOrderExactlyOnce(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, redistest.Store(t), fixtureOpts{schedule: "@every 1s"})
	fx.say("anna", "/impuls abo")
	fx.say("bob", "/impuls abo planung")
	waitFor(t, 12*time.Second, "four slots", func() bool {
		return len(received(fx.platform, "anna")) >= 4 && len(received(fx.platform, "bob")) >= 4
	})
	fx.kill()
	checkOnceInOrder(t, fx.platform, fx, "anna", leadersSeries)
	checkOnceInOrder(t, fx.platform, fx, "bob", plannersSeries)
	if fx.platform.Duplicates != 0 {
		t.Errorf("%d posts repeated", fx.platform.Duplicates)
	}
}

// TestPauseSkipsNothing: while anna pauses, bob's series goes on; after the pause anna's goes
// on exactly where it stopped.
func TestPauseSkipsNothing(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, redistest.Store(t), fixtureOpts{schedule: "@every 1s"})
	fx.say("anna", "/impuls abo")
	fx.say("bob", "/impuls abo")
	waitFor(t, 8*time.Second, "two impulses for anna", func() bool { return len(received(fx.platform, "anna")) >= 2 })
	contains(t, fx.say("anna", "/impuls pause 1w"), "pausieren bis")
	time.Sleep(300 * time.Millisecond) // a delivery reserved before the pause may still arrive
	paused := len(received(fx.platform, "anna"))
	bob := len(received(fx.platform, "bob"))
	waitFor(t, 8*time.Second, "two slots during the pause", func() bool { return len(received(fx.platform, "bob")) >= bob+2 })
	if n := len(received(fx.platform, "anna")); n != paused {
		t.Fatalf("anna received %d impulses while paused", n-paused)
	}
	contains(t, fx.say("anna", "/impuls weiter"), "Willkommen zurück")
	waitFor(t, 8*time.Second, "two impulses after the pause", func() bool { return len(received(fx.platform, "anna")) >= paused+2 })
	fx.kill()
	checkOnceInOrder(t, fx.platform, fx, "anna", leadersSeries)
	checkOnceInOrder(t, fx.platform, fx, "bob", leadersSeries)
}

// TestRestartContinuesTheSeries: the process stops mid-run, another starts on the same Redis:
// no repeats, no gaps.
func TestRestartContinuesTheSeries(t *testing.T) {
	t.Parallel()
	store := redistest.Store(t)
	platform := &chattest.Recorder{}
	a := newFixture(t, store, fixtureOpts{schedule: "@every 1s", platform: platform})
	a.say("anna", "/impuls abo")
	a.say("bob", "/impuls abo planung")
	waitFor(t, 8*time.Second, "two slots", func() bool {
		return len(received(platform, "anna")) >= 2 && len(received(platform, "bob")) >= 2
	})
	a.kill()
	b := newFixture(t, redistest.Reopen(t, store), fixtureOpts{schedule: "@every 1s", platform: platform})
	waitFor(t, 8*time.Second, "two more slots after the restart", func() bool {
		return len(received(platform, "anna")) >= 4 && len(received(platform, "bob")) >= 4
	})
	b.kill()
	checkOnceInOrder(t, platform, b, "anna", leadersSeries)
	checkOnceInOrder(t, platform, b, "bob", plannersSeries)
	if platform.Duplicates != 0 {
		t.Errorf("%d posts repeated", platform.Duplicates)
	}
}

// countingChat counts the posts one replica makes on the shared platform.
type countingChat struct {
	adapters.Chat
	n atomic.Int64
}

func (c *countingChat) DirectMessage(ctx context.Context, user string, msg adapters.Message) (adapters.PostRef, error) {
	c.n.Add(1)
	return c.Chat.DirectMessage(ctx, user, msg)
}

// TestTwoReplicas: two processes on one Redis namespace, both running timers and both sure
// the slot timer exists: each impulse reaches each subscriber once.
func TestTwoReplicas(t *testing.T) {
	t.Parallel()
	store := redistest.Store(t)
	platform := &chattest.Recorder{}
	chats := [2]*countingChat{{Chat: platform}, {Chat: platform}}
	a := newFixture(t, store, fixtureOpts{schedule: "@every 1s", platform: platform, chat: chats[0]})
	b := newFixture(t, redistest.Reopen(t, store), fixtureOpts{schedule: "@every 1s", platform: platform, chat: chats[1]})
	for _, u := range []string{"anna", "bob", "carla"} {
		a.say(u, "/impuls abo")
	}
	b.say("paula", "/impuls abo planung")
	waitFor(t, 12*time.Second, "four slots", func() bool {
		for _, u := range []string{"anna", "bob", "carla", "paula"} {
			if len(received(platform, u)) < 4 {
				return false
			}
		}
		return true
	})
	a.kill()
	b.kill()
	for _, u := range []string{"anna", "bob", "carla"} {
		checkOnceInOrder(t, platform, a, u, leadersSeries)
	}
	checkOnceInOrder(t, platform, b, "paula", plannersSeries)
	if platform.Duplicates != 0 {
		t.Errorf("%d posts repeated", platform.Duplicates)
	}
	t.Logf("posts by replica: %d and %d", chats[0].n.Load(), chats[1].n.Load())
}

// crashingChat posts through to the platform, and after a number of posts kills its process:
// the posts under way land on the platform, but nothing after them reaches Redis.
type crashingChat struct {
	adapters.Chat
	after int64
	n     atomic.Int64
	once  sync.Once
	crash func()
	dead  atomic.Bool
}

func (c *crashingChat) DirectMessage(ctx context.Context, user string, msg adapters.Message) (adapters.PostRef, error) {
	if c.dead.Load() {
		return adapters.PostRef{}, fmt.Errorf("process is dead")
	}
	ref, err := c.Chat.DirectMessage(ctx, user, msg)
	if c.n.Add(1) >= c.after {
		c.once.Do(func() {
			c.dead.Store(true)
			c.crash()
		})
	}
	return ref, err
}

// TestKilledMidFanOut kills a process during a fan-out to 200 subscribers: its Redis
// connection closes, its timer loop stops, deliveries it had reserved and posted are not
// committed. A second process takes over after the leases: every subscriber has this slot's
// impulse exactly once in the archive, none is lost; repeats that the platform refused by key
// are allowed and reported.
func TestKilledMidFanOut(t *testing.T) {
	t.Parallel()
	for _, after := range []int64{3, 120} {
		t.Run("after "+strconv.FormatInt(after, 10)+" posts", func(t *testing.T) {
			t.Parallel()
			const subscribers = 200
			store := redistest.Store(t)
			platform := &chattest.Recorder{}
			storeA := redistest.Reopen(t, store)
			chat := &crashingChat{Chat: platform, after: after}
			a := newFixture(t, storeA, fixtureOpts{schedule: "@every 1h", platform: platform, chat: chat})
			chat.crash = func() {
				a.stop()
				_ = storeA.Close()
			}
			ctx := context.Background()
			users := make([]string, subscribers)
			for i := range users {
				users[i] = fmt.Sprintf("u%03d", i)
				sub := &subscriber{ID: userSubID("test", users[i]), Kind: KindUser, Platform: "test",
					Target: users[i], Name: users[i], Lang: "de", Audience: AudienceLeaders}
				if _, err := a.imp.st.subscribe(ctx, sub, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			slot := time.Now()
			if err := a.timers.Schedule(ctx, storage.Timer{ID: slotTimerID, Kind: SlotKind, Due: slot, Payload: []byte("@every 1h")}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 10*time.Second, "the crash", chat.dead.Load)
			<-a.done
			crashedAt := len(platform.Calls())
			pending, _ := storage.NewTimers(store, storage.TimerOptions{}).Pending(ctx)

			b := newFixture(t, redistest.Reopen(t, store), fixtureOpts{schedule: "@every 1h", platform: platform})
			waitFor(t, 20*time.Second, "every subscriber served", func() bool {
				n, _ := b.timers.Pending(ctx)
				return n == 1 && len(platform.Calls()) >= subscribers // only the slot timer is left
			})
			b.kill()
			for _, u := range users {
				if got := received(platform, u); !slices.Equal(got, []string{"eins"}) {
					t.Errorf("%s received %v, want [eins]", u, got)
				}
				if arch := b.archive(userSubID("test", u)); !slices.Equal(arch, []string{"eins"}) {
					t.Errorf("%s's archive %v, want [eins]", u, arch)
				}
				if s := b.subscriber(userSubID("test", u)); s.InflightSlot != 0 || s.LastSlot != slot.UnixMilli() {
					t.Errorf("%s: inflight %d, last slot %d, want 0 and %d", u, s.InflightSlot, s.LastSlot, slot.UnixMilli())
				}
			}
			t.Logf("crash after %d posts, %d delivery timers left (of %d subscribers); repeats refused by the platform's key: %d",
				crashedAt, pending-1, subscribers, platform.Duplicates)
		})
	}
}

// TestMissedSlotsAfterDowntime: three slots pass while no process runs; the next process
// delivers the missed slot once, not three times, then goes on with the schedule.
func TestMissedSlotsAfterDowntime(t *testing.T) {
	t.Parallel()
	store := redistest.Store(t)
	a := newFixture(t, store, fixtureOpts{schedule: "@every 1s"})
	a.say("anna", "/impuls abo")
	waitFor(t, 5*time.Second, "first impulse", func() bool { return len(received(a.platform, "anna")) >= 1 })
	a.kill()
	time.Sleep(3500 * time.Millisecond)
	restart := time.Now()
	b := newFixture(t, redistest.Reopen(t, store), fixtureOpts{schedule: "@every 1s"})
	waitFor(t, 5*time.Second, "two impulses after the restart", func() bool { return len(received(b.platform, "anna")) >= 2 })
	b.kill()
	missed := 0
	for _, c := range b.platform.Calls() {
		if c.Op != chattest.OpDM {
			continue
		}
		i := strings.LastIndexByte(c.Msg.Key, ':')
		slot, _ := strconv.ParseInt(c.Msg.Key[i+1:], 10, 64)
		if time.UnixMilli(slot).Before(restart) {
			missed++
		}
	}
	if missed != 1 {
		t.Errorf("%d deliveries for slots missed during the downtime, want 1", missed)
	}
	all := append(received(a.platform, "anna"), received(b.platform, "anna")...)
	if !slices.Equal(all, leadersSeries[:len(all)]) {
		t.Errorf("anna received %v", all)
	}
	if arch := b.archive(userSubID("test", "anna")); !slices.Equal(arch, all) {
		t.Errorf("archive %v, received %v", arch, all)
	}
}

// TestHolidaySlotIsSkipped: with a fixed clock on public holidays, the slot sends nothing, the
// next slot is scheduled, and the state decides what a holiday is.
func TestHolidaySlotIsSkipped(t *testing.T) {
	loc := berlin(t)
	tests := []struct {
		state, slot string
		skip        bool
	}{
		{"NW", "2026-04-06 08:00", true},  // Ostermontag
		{"NW", "2026-04-13 08:00", false}, // an ordinary Monday
		{"NW", "2026-06-04 08:00", true},  // Fronleichnam in NRW …
		{"BE", "2026-06-04 08:00", false}, // … is a working day in Berlin
		{"", "2026-04-06 08:00", false},   // no state: no skipping
	}
	for _, tt := range tests {
		t.Run(tt.state+" "+tt.slot, func(t *testing.T) {
			slot, _ := time.ParseInLocation("2006-01-02 15:04", tt.slot, loc)
			now := slot.Add(30 * time.Second)
			fx := newFixture(t, redistest.Store(t), fixtureOpts{holidays: tt.state, noLoop: true, now: func() time.Time { return now }})
			fx.say("anna", "/impuls abo")
			ctx := context.Background()
			if err := fx.imp.onSlot(ctx, storage.Timer{ID: slotTimerID, Kind: SlotKind, Due: slot, Attempt: 1}); err != nil {
				t.Fatal(err)
			}
			_, scheduled, err := fx.timers.Get(ctx, deliveryTimerID(userSubID("test", "anna"), slot.UnixMilli()))
			if err != nil {
				t.Fatal(err)
			}
			if scheduled == tt.skip {
				t.Errorf("delivery scheduled %v, want %v", scheduled, !tt.skip)
			}
			next, _, _ := fx.timers.Get(ctx, slotTimerID)
			if want := DefaultSchedule; string(next.Payload) != want || !next.Due.After(now) ||
				next.Due.In(loc).Weekday() != time.Monday || next.Due.In(loc).Hour() != 8 {
				t.Errorf("next slot %s (%s), want the Monday after", next.Due.In(loc), next.Payload)
			}
		})
	}
}

// TestRedeliveredSlotEnqueuesNothingNew: a slot timer delivered twice (its lease ran out)
// neither repeats nor disturbs deliveries.
func TestRedeliveredSlotEnqueuesNothingNew(t *testing.T) {
	fx := newFixture(t, redistest.Store(t), fixtureOpts{noLoop: true})
	fx.say("anna", "/impuls abo")
	fx.say("bob", "/impuls abo")
	ctx := context.Background()
	slot := time.Now().Add(-time.Minute)
	tm := storage.Timer{ID: slotTimerID, Kind: SlotKind, Due: slot, Attempt: 1}
	if err := fx.imp.onSlot(ctx, tm); err != nil {
		t.Fatal(err)
	}
	// anna's delivery runs; bob's is still waiting when the slot timer comes again.
	annaTimer := deliveryTimerID(userSubID("test", "anna"), slot.UnixMilli())
	at, _, _ := fx.timers.Get(ctx, annaTimer)
	if err := fx.imp.onDeliver(ctx, at); err != nil {
		t.Fatal(err)
	}
	if err := fx.timers.Cancel(ctx, annaTimer); err != nil { // acknowledged
		t.Fatal(err)
	}
	bobTimer := deliveryTimerID(userSubID("test", "bob"), slot.UnixMilli())
	bt, _, _ := fx.timers.Get(ctx, bobTimer)
	tm.Attempt = 2
	if err := fx.imp.onSlot(ctx, tm); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := fx.timers.Get(ctx, annaTimer); ok {
		t.Error("the redelivered slot scheduled anna's finished delivery again")
	}
	if bt2, ok, _ := fx.timers.Get(ctx, bobTimer); !ok || !bt2.Due.Equal(bt.Due) || bt2.Attempt != bt.Attempt {
		t.Errorf("bob's pending delivery was replaced: %+v → %+v", bt, bt2)
	}
}

// TestResumeAfterCrash: a process reserved a delivery and died before (or after) posting; the
// redelivered timer posts the same impulse under the same key and commits it once.
func TestResumeAfterCrash(t *testing.T) {
	for _, postedBeforeCrash := range []bool{false, true} {
		t.Run(fmt.Sprintf("posted %v", postedBeforeCrash), func(t *testing.T) {
			fx := newFixture(t, redistest.Store(t), fixtureOpts{noLoop: true})
			fx.say("anna", "/impuls abo")
			ctx := context.Background()
			id := userSubID("test", "anna")
			slot := time.Now().Add(-time.Second).UnixMilli()
			if r, err := fx.imp.st.reserve(ctx, id, slot, time.Now(), false, takeoverAfter, "de", AudienceLeaders, "eins"); err != nil || r.Status != "ok" {
				t.Fatalf("reserve: %+v %v", r, err)
			}
			if postedBeforeCrash {
				imp, _ := fx.imp.lib.Get("eins", "de")
				msg := impulseMessage(imp, KindUser)
				msg.Key = deliveryTimerID(id, slot)
				fx.platform.DirectMessage(ctx, "anna", msg)
			}
			// Meanwhile the library order would suggest the same; make sure the reserved
			// impulse wins even if a later one were chosen.
			tm := deliveryTimer(delivery{sub: id, slot: slot}, time.UnixMilli(slot)) // no hints: the script supplies them
			tm.Attempt = 2
			if err := fx.imp.onDeliver(ctx, tm); err != nil {
				t.Fatal(err)
			}
			if err := fx.imp.onDeliver(ctx, tm); err != nil { // and once more: done
				t.Fatal(err)
			}
			if got := received(fx.platform, "anna"); !slices.Equal(got, []string{"eins"}) {
				t.Errorf("received %v", got)
			}
			if arch := fx.archive(id); !slices.Equal(arch, []string{"eins"}) {
				t.Errorf("archive %v", arch)
			}
			wantDup := 0
			if postedBeforeCrash {
				wantDup = 1
			}
			if fx.platform.Duplicates != wantDup {
				t.Errorf("%d repeats refused by the platform, want %d", fx.platform.Duplicates, wantDup)
			}
			fx.imp.delivered.flush(ctx)
			stats, _ := fx.imp.st.stats(ctx, []string{"eins"})
			if stats["eins"].Delivered != 1 {
				t.Errorf("delivered counted %d times", stats["eins"].Delivered)
			}
		})
	}
}

// TestOverlappingSlotsForOneSubscriber: five slots due at once for one person (a backlog, or
// /impuls jetzt during a fan-out) run concurrently; whatever arrives is in order and once.
func TestOverlappingSlotsForOneSubscriber(t *testing.T) {
	// The archive orders by the millisecond of each commit; a post that takes no time at all
	// could commit two deliveries in one millisecond, which no chat platform does.
	platform := &chattest.Recorder{}
	fx := newFixture(t, redistest.Store(t), fixtureOpts{schedule: "@every 1h", concurrency: 8,
		platform: platform, chat: &slowChat{Chat: platform, latency: 2 * time.Millisecond}})
	fx.say("anna", "/impuls abo")
	ctx := context.Background()
	base := time.Now()
	for i := range 5 {
		slot := base.Add(time.Duration(i) * time.Millisecond)
		if err := fx.timers.Schedule(ctx, deliveryTimer(delivery{sub: userSubID("test", "anna"), slot: slot.UnixMilli(), lang: "de", audience: AudienceLeaders}, base)); err != nil {
			t.Fatal(err)
		}
	}
	// A delivery that finds another one under way waits 250 ms, 500 ms, 1 s … (waitForOther),
	// so on a loaded machine the fifth may lose often enough to need more than 10 s; the test
	// is about order and uniqueness, not speed.
	waitFor(t, time.Minute, "all five handled", func() bool {
		n, _ := fx.timers.Pending(ctx)
		return n == 1
	})
	fx.kill()
	if n := checkOnceInOrder(t, fx.platform, fx, "anna", leadersSeries); n == 0 {
		t.Error("nothing delivered")
	}
	if fx.platform.Duplicates != 0 {
		t.Errorf("%d repeats", fx.platform.Duplicates)
	}
}

// TestTakeoverOfAnAbandonedDelivery: a delivery whose timer is gone (it gave up) is finished by
// the subscriber's next slot, under its own key, before that slot's own impulse.
func TestTakeoverOfAnAbandonedDelivery(t *testing.T) {
	clock := time.Now()
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	fx := newFixture(t, redistest.Store(t), fixtureOpts{noLoop: true, now: now})
	fx.say("anna", "/impuls abo")
	ctx := context.Background()
	id := userSubID("test", "anna")
	old := clock.Add(-time.Hour).UnixMilli()
	if r, _ := fx.imp.st.reserve(ctx, id, old, clock, false, takeoverAfter, "de", AudienceLeaders, "eins"); r.Status != "ok" {
		t.Fatalf("reserve: %+v", r)
	}
	slot := clock.UnixMilli()
	tm := deliveryTimer(delivery{sub: id, slot: slot, lang: "de", audience: AudienceLeaders}, clock)
	tm.Attempt = 1
	// Young reservation: the new slot waits (it reschedules itself).
	if err := fx.imp.onDeliver(ctx, tm); err != nil {
		t.Fatal(err)
	}
	if w, ok, _ := fx.timers.Get(ctx, tm.ID); !ok || !strings.HasPrefix(string(w.Payload), strconv.FormatInt(slot, 10)+"|0|1|de|leaders|") {
		t.Fatalf("the waiting delivery was not rescheduled: %+v", w)
	}
	if n := len(received(fx.platform, "anna")); n != 0 {
		t.Fatalf("%d posts while another delivery was under way", n)
	}
	mu.Lock()
	clock = clock.Add(takeoverAfter + time.Second)
	mu.Unlock()
	if err := fx.imp.onDeliver(ctx, tm); err != nil {
		t.Fatal(err)
	}
	if got := received(fx.platform, "anna"); !slices.Equal(got, []string{"eins", "zwei"}) {
		t.Errorf("received %v, want the abandoned eins, then zwei", got)
	}
	keys := []string{}
	for _, c := range fx.platform.Calls() {
		if c.Op == chattest.OpDM {
			keys = append(keys, c.Msg.Key)
		}
	}
	if want := []string{deliveryTimerID(id, old), deliveryTimerID(id, slot)}; !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
}

// TestRecipientGoneEndsTheSubscription: a person who no longer exists, or whom the bot can no
// longer reach for good (deactivated, a channel it was removed from or that was archived), is
// unsubscribed instead of retried; nothing is archived.
func TestRecipientGoneEndsTheSubscription(t *testing.T) {
	for name, failure := range map[string]error{
		"not found": fmt.Errorf("user deleted: %w", adapters.ErrNotFound),
		"permanent": fmt.Errorf("%w: user_disabled", adapters.ErrPermanent),
	} {
		t.Run(name, func(t *testing.T) {
			fx := newFixture(t, redistest.Store(t), fixtureOpts{noLoop: true})
			fx.say("anna", "/impuls abo")
			fx.platform.SetFail(func(op chattest.Op) error {
				if op == chattest.OpDM {
					return failure
				}
				return nil
			})
			id := userSubID("test", "anna")
			tm := deliveryTimer(delivery{sub: id, slot: time.Now().UnixMilli(), lang: "de", audience: AudienceLeaders}, time.Now())
			tm.Attempt = 1
			if err := fx.imp.onDeliver(context.Background(), tm); err != nil {
				t.Fatal(err)
			}
			s := fx.subscriber(id)
			if s.Active || s.InflightSlot != 0 || len(fx.archive(id)) != 0 {
				t.Errorf("subscriber after a missing recipient: %+v, archive %v", s, fx.archive(id))
			}
			if ok, _ := fx.store.Client.SIsMember(context.Background(), fx.imp.st.active, id).Result(); ok {
				t.Error("still in the index")
			}
		})
	}
}

// TestChangedLanguageAfterFanOut: the fan-out read German, the person switched to English
// before the delivery ran: the reservation notices and the English series is delivered.
func TestChangedLanguageAfterFanOut(t *testing.T) {
	fx := newFixture(t, redistest.Store(t), fixtureOpts{noLoop: true})
	fx.say("anna", "/impuls abo")
	id := userSubID("test", "anna")
	tm := deliveryTimer(delivery{sub: id, slot: time.Now().UnixMilli(), lang: "de", audience: AudienceLeaders}, time.Now())
	tm.Attempt = 1
	contains(t, fx.say("anna", "/impuls lang en"), "English")
	if err := fx.imp.onDeliver(context.Background(), tm); err != nil {
		t.Fatal(err)
	}
	contains(t, fx.platform.LastTo("anna"), "**The first step**")
}

// TestRateIsSharedByReplicas: two replicas' limiters on one namespace together send no faster
// than the configured rate.
func TestRateIsSharedByReplicas(t *testing.T) {
	store := redistest.Store(t)
	other := redistest.Reopen(t, store)
	const rate, sends = 40.0, 20
	limiters := []*limiter{
		newLimiter(store.Client, store.Key("imp", "rate"), rate),
		newLimiter(other.Client, other.Key("imp", "rate"), rate),
	}
	start := time.Now()
	var wg sync.WaitGroup
	for _, l := range limiters {
		for range sends / 2 {
			wg.Go(func() {
				if err := l.wait(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	if min := time.Duration(float64(sends-1) / rate * float64(time.Second)); elapsed < min {
		t.Errorf("%d sends took %v, at %v/s they need at least %v", sends, elapsed, rate, min)
	}
	if elapsed > 2*time.Second {
		t.Errorf("%d sends took %v at %v/s", sends, elapsed, rate)
	}
}
