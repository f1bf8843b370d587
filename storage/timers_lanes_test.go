package storage_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

// Two replicas whose clocks are 60s apart share one namespace: the one ahead must not take a
// live claim of the other as expired. Leases run on Redis' clock.
func TestTimersClockSkewCannotStealLiveClaim(t *testing.T) {
	t.Parallel()
	s1 := redistest.Store(t)
	s2 := redistest.Reopen(t, s1)
	var running, overlaps, runs atomic.Int32
	release := make(chan struct{})
	handler := func(context.Context, storage.Timer) error {
		runs.Add(1)
		if running.Add(1) > 1 {
			overlaps.Add(1)
		}
		defer running.Add(-1)
		<-release
		return nil
	}
	behind := newTimers(t, s1, storage.TimerOptions{Lease: 30 * time.Second, MaxWait: 20 * time.Millisecond})
	ahead := newTimers(t, s2, storage.TimerOptions{Lease: 30 * time.Second, MaxWait: 20 * time.Millisecond,
		Now: func() time.Time { return time.Now().Add(60 * time.Second) }})
	behind.Handle("test.skew", handler)
	ahead.Handle("test.skew", handler)
	schedule(t, behind, storage.Timer{ID: "skew", Kind: "test.skew", Due: time.Now().Add(-time.Second)})
	run(t, behind)
	eventually(t, "the first run", func() bool { return runs.Load() == 1 })
	run(t, ahead)
	time.Sleep(500 * time.Millisecond) // many polls of the replica ahead
	close(release)
	eventually(t, "ack", func() bool { return pending(t, behind) == 0 })
	if n := runs.Load(); n != 1 || overlaps.Load() != 0 {
		t.Errorf("timer ran %d times (%d at once), want once", n, overlaps.Load())
	}
}

// A bulk fan-out that occupies every handler slot must not delay a timebox.
func TestTimersBulkDoesNotDelayInteractive(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	tm := newTimers(t, s, storage.TimerOptions{Concurrency: 4, MaxWait: 50 * time.Millisecond})
	release := make(chan struct{})
	var mu sync.Mutex
	var lag time.Duration
	got := make(chan struct{})
	tm.HandleLane("test.bulk", storage.LaneBulk, func(ctx context.Context, _ storage.Timer) error {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})
	tm.Handle("test.timebox", func(_ context.Context, timer storage.Timer) error {
		mu.Lock()
		defer mu.Unlock()
		lag = time.Since(timer.Due)
		close(got)
		return nil
	})
	past := time.Now().Add(-time.Second)
	for i := range 50 {
		schedule(t, tm, storage.Timer{ID: "bulk" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Kind: "test.bulk", Due: past})
	}
	run(t, tm)
	due := time.Now().Add(200 * time.Millisecond)
	schedule(t, tm, storage.Timer{ID: "timebox", Kind: "test.timebox", Due: due})
	select {
	case <-got:
	case <-time.After(2 * time.Second):
		t.Error("timebox did not fire while bulk timers held their slots")
	}
	close(release)
	mu.Lock()
	defer mu.Unlock()
	if lag > tolerance {
		t.Errorf("timebox %v late behind bulk work, want within %v", lag, tolerance)
	}
}

// giveUpObserver records given-up timers besides handler runs.
type giveUpObserver struct {
	timerObserver
	mu     sync.Mutex
	gaveUp []string
}

func (o *giveUpObserver) TimerGaveUp(kind string, permanent bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.gaveUp = append(o.gaveUp, fmt.Sprintf("%s permanent=%v", kind, permanent))
}

func (o *giveUpObserver) seenGiveUps() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.gaveUp...)
}

// Retries are bounded: a failing timer runs MaxAttempts times with a backoff, a permanent
// error ends it at once; either way it lands in the dead-letter set with a log line, a metric
// and the kind's give-up hook, and can be requeued from there.
func TestTimersGiveUpIntoDeadLetters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error
		wantRuns  int
		permanent bool
	}{
		{"transient error exhausts attempts", errors.New("chat down"), 3, false},
		{"permanent error is final", storage.Permanent(errors.New("not_in_channel")), 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := redistest.Store(t)
			var logs syncBuffer
			obs := &giveUpObserver{}
			tm := newTimers(t, s, storage.TimerOptions{MaxAttempts: 3, RetryMax: 50 * time.Millisecond,
				MaxWait: 20 * time.Millisecond, Logger: zerolog.New(&logs), Observer: obs})
			var runs atomic.Int32
			fail := atomic.Bool{}
			fail.Store(true)
			tm.HandleLane("test.fail", storage.LaneCompanion, func(context.Context, storage.Timer) error {
				runs.Add(1)
				if fail.Load() {
					return tt.err
				}
				return nil
			})
			told := make(chan error, 4)
			tm.HandleGiveUp("test.fail", func(_ context.Context, timer storage.Timer, err error) error {
				told <- err
				return nil
			})
			run(t, tm)
			schedule(t, tm, storage.Timer{ID: "f", Kind: "test.fail", Payload: []byte("p")})

			select {
			case err := <-told:
				if !errors.Is(err, tt.err) && err.Error() != tt.err.Error() {
					t.Errorf("give-up hook got %v, want %v", err, tt.err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("give-up hook not called")
			}
			time.Sleep(200 * time.Millisecond) // room for a wrong further attempt
			if n := runs.Load(); int(n) != tt.wantRuns {
				t.Errorf("handler ran %d times, want %d", n, tt.wantRuns)
			}
			if n := pending(t, tm); n != 0 {
				t.Errorf("Pending = %d, want 0 (the timer is dead)", n)
			}
			dead, err := tm.Dead(t.Context(), 10)
			if err != nil || len(dead) != 1 {
				t.Fatalf("Dead = %+v, %v; want one timer", dead, err)
			}
			if d := dead[0]; d.ID != "f" || d.Kind != "test.fail" || d.Lane != storage.LaneCompanion || string(d.Payload) != "p" || d.Attempt != tt.wantRuns ||
				!strings.Contains(d.Err, tt.err.Error()) || time.Since(d.GaveUp) > 5*time.Second {
				t.Errorf("dead timer %+v", d)
			}
			if n, _ := tm.DeadCount(t.Context()); n != 1 {
				t.Errorf("DeadCount = %d, want 1", n)
			}
			if got, want := obs.seenGiveUps(), []string{fmt.Sprintf("test.fail permanent=%v", tt.permanent)}; !reflect.DeepEqual(got, want) {
				t.Errorf("observer saw give-ups %v, want %v", got, want)
			}
			for _, want := range []string{"dead-letter", `"timer_id":"f"`, `"kind":"test.fail"`} {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("log lacks %s", want)
				}
			}

			// Requeued by a tool without handlers, it goes back to its lane, runs again from
			// attempt 1 and leaves the dead-letter set.
			fail.Store(false)
			before := runs.Load()
			if ok, err := storage.NewTimers(s, storage.TimerOptions{}).RequeueDead(t.Context(), "f"); !ok || err != nil {
				t.Fatalf("RequeueDead = %v, %v", ok, err)
			}
			eventually(t, "the requeued timer to run", func() bool { return runs.Load() == before+1 && pending(t, tm) == 0 })
			if n, _ := tm.DeadCount(t.Context()); n != 0 {
				t.Errorf("DeadCount after requeue = %d, want 0", n)
			}
			if ok, err := tm.RequeueDead(t.Context(), "f"); ok || err != nil {
				t.Errorf("second RequeueDead = %v, %v; want false, nil", ok, err)
			}
		})
	}
}

// A dead timer whose id is in use again is not requeued over the live one; DropDead deletes it.
func TestTimersDeadLetterRequeueKeepsLiveTimer(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	tm := newTimers(t, s, storage.TimerOptions{MaxAttempts: 1})
	tm.Handle("test.dead", func(context.Context, storage.Timer) error { return errors.New("no") })
	schedule(t, tm, storage.Timer{ID: "d", Kind: "test.dead", Due: time.Now().Add(-time.Second)})
	claimed, err := tm.ClaimForTest(t.Context(), 1)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim = %v, %v", claimed, err)
	}
	tm.DeliverForTest(t.Context(), claimed[0])
	if n, _ := tm.DeadCount(t.Context()); n != 1 {
		t.Fatalf("DeadCount = %d, want 1", n)
	}
	schedule(t, tm, storage.Timer{ID: "d", Kind: "test.dead", Due: time.Now().Add(time.Hour), Payload: []byte("new")})
	if ok, err := tm.RequeueDead(t.Context(), "d"); ok || !errors.Is(err, storage.ErrTimerExists) {
		t.Errorf("RequeueDead over a live timer = %v, %v; want ErrTimerExists", ok, err)
	}
	if got, _, _ := tm.Get(t.Context(), "d"); string(got.Payload) != "new" {
		t.Errorf("live timer payload %q, want new", got.Payload)
	}
	if ok, err := tm.DropDead(t.Context(), "d"); !ok || err != nil {
		t.Errorf("DropDead = %v, %v", ok, err)
	}
	if ok, _ := tm.DropDead(t.Context(), "d"); ok {
		t.Error("second DropDead found the timer again")
	}
}

// Timers stored by a version before lanes (one due set) survive the upgrade: after a restart
// they run in their lanes, a live claim of the old version keeps its lease.
func TestTimersMigrateFromSingleDueSet(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	tm := newTimers(t, s, storage.TimerOptions{MaxWait: 20 * time.Millisecond})
	ctx := t.Context()
	now := time.Now()
	leaseEnd := now.Add(700 * time.Millisecond)
	old := []struct {
		id, kind string
		score    time.Time
		attempt  int
		claimed  bool
	}{
		{"lc", "test.lc", now.Add(-time.Minute), 0, false},
		{"imp", "test.imp", now.Add(200 * time.Millisecond), 0, false},
		{"held", "test.imp", leaseEnd, 1, true}, // claimed by an old replica, lease running
		{"orphan", "test.imp", now, 0, false},   // a due entry without data
	}
	dataKey, claimsKey := s.Key("{timers}", "data"), s.Key("{timers}", "claims")
	for _, o := range old {
		s.Client.ZAdd(ctx, tm.LegacyDueKey(), redis.Z{Score: float64(o.score.UnixMilli()), Member: o.id})
		if o.id != "orphan" {
			s.Client.HSet(ctx, dataKey, o.id, fmt.Sprintf("%d|%d|%s|payload", o.attempt, now.Add(-time.Minute).UnixMilli(), o.kind))
		}
		if o.claimed {
			s.Client.HSet(ctx, claimsKey, o.id, "old.1.1")
		}
	}
	if n := pending(t, tm); n != 4 {
		t.Fatalf("Pending before = %d, want the 4 old entries", n)
	}

	rec := newRecorder()
	tm.Handle("test.lc", rec.handle)
	tm.HandleLane("test.imp", storage.LaneBulk, rec.handle)
	run(t, tm)
	got := map[string]delivery{}
	for range 3 {
		d := rec.next(t, 3*time.Second)
		got[d.ID] = d
	}
	rec.none(t, 200*time.Millisecond)
	if d := got["held"]; d.at.Before(leaseEnd.Add(-5 * time.Millisecond)) {
		t.Errorf("held timer ran %v before the old claim's lease ended", leaseEnd.Sub(d.at))
	} else if d.Attempt != 2 {
		t.Errorf("held timer attempt %d, want 2", d.Attempt)
	}
	if d := got["lc"]; d.Attempt != 1 || string(d.Payload) != "payload" {
		t.Errorf("lc delivered %+v", d.Timer)
	}
	if _, ok := got["imp"]; !ok {
		t.Error("imp did not run")
	}
	eventually(t, "all acknowledged", func() bool { return pending(t, tm) == 0 })
	if n := s.Client.Exists(ctx, tm.LegacyDueKey()).Val(); n != 0 {
		t.Error("the old due set is still there")
	}
}

// The migration puts each kind into its registered lane.
func TestTimersMigrateIntoRegisteredLanes(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	tm := newTimers(t, s, storage.TimerOptions{})
	tm.HandleLane("test.bulk", storage.LaneBulk, func(context.Context, storage.Timer) error { return nil })
	tm.HandleLane("test.comp", storage.LaneCompanion, func(context.Context, storage.Timer) error { return nil })
	ctx := t.Context()
	dataKey := s.Key("{timers}", "data")
	for i, kind := range []string{"test.bulk", "test.comp", "test.unknown"} {
		id := fmt.Sprint("m", i)
		s.Client.ZAdd(ctx, tm.LegacyDueKey(), redis.Z{Score: 42, Member: id})
		s.Client.HSet(ctx, dataKey, id, "0|42|"+kind+"|")
	}
	if n, err := tm.Migrate(ctx); n != 3 || err != nil {
		t.Fatalf("Migrate = %d, %v; want 3", n, err)
	}
	for id, l := range map[string]storage.Lane{"m0": storage.LaneBulk, "m1": storage.LaneCompanion, "m2": storage.LaneInteractive} {
		if sc, err := s.Client.ZScore(ctx, tm.LaneDueKey(l), id).Result(); err != nil || sc != 42 {
			t.Errorf("%s in lane %s: score %v, %v; want 42", id, l, sc, err)
		}
	}
	byLane, err := tm.PendingByLane(ctx)
	if err != nil || byLane[storage.LaneBulk] != 1 || byLane[storage.LaneCompanion] != 1 || byLane[storage.LaneInteractive] != 1 || byLane[""] != 0 {
		t.Errorf("PendingByLane = %v, %v", byLane, err)
	}
}

// Scheduling an id again with a kind of another lane moves it: it is never in two lanes (two
// claims at once).
func TestTimersRescheduleMovesLane(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	tm := newTimers(t, s, storage.TimerOptions{})
	tm.HandleLane("test.bulk", storage.LaneBulk, func(context.Context, storage.Timer) error { return nil })
	schedule(t, tm, storage.Timer{ID: "x", Kind: "test.bulk", Due: time.Now().Add(time.Hour)})
	schedule(t, tm, storage.Timer{ID: "x", Kind: "test.other", Due: time.Now().Add(time.Hour)})
	byLane, err := tm.PendingByLane(t.Context())
	if err != nil || byLane[storage.LaneBulk] != 0 || byLane[storage.LaneInteractive] != 1 {
		t.Errorf("PendingByLane = %v, %v; want x in the interactive lane only", byLane, err)
	}
	if err := tm.Cancel(t.Context(), "x"); err != nil || pending(t, tm) != 0 {
		t.Errorf("Cancel left %d timers, %v", pending(t, tm), err)
	}
}

// keepObserver records schedule checks.
type keepObserver struct {
	timerObserver
	recreated, failed atomic.Int32
}

func (o *keepObserver) ScheduleChecked(_ string, recreated bool, err error) {
	if recreated {
		o.recreated.Add(1)
	}
	if err != nil {
		o.failed.Add(1)
	}
}

// A registered schedule check runs periodically while the loop runs and brings a lost timer back.
func TestTimersKeepRecreatesMissingSchedule(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	obs := &keepObserver{}
	tm := newTimers(t, s, storage.TimerOptions{KeepEvery: 50 * time.Millisecond, Observer: obs})
	tm.Handle("test.weekly", func(context.Context, storage.Timer) error { return nil })
	tm.Keep("weekly", func(ctx context.Context) (bool, error) {
		ok, err := tm.Exists(ctx, []string{"weekly"})
		if err != nil || ok[0] {
			return false, err
		}
		return true, tm.Schedule(ctx, storage.Timer{ID: "weekly", Kind: "test.weekly", Due: time.Now().Add(time.Hour)})
	})
	run(t, tm)
	eventually(t, "the schedule to be created", func() bool { _, ok, _ := tm.Get(t.Context(), "weekly"); return ok })
	if err := tm.Cancel(t.Context(), "weekly"); err != nil { // Redis lost it
		t.Fatal(err)
	}
	eventually(t, "the schedule to come back", func() bool { _, ok, _ := tm.Get(t.Context(), "weekly"); return ok })
	// The observer hears of a recreation after the check returns, which may be a moment after
	// the timer is visible; once it has, the present timer is never recreated again.
	eventually(t, "the second recreation reported", func() bool { return obs.recreated.Load() >= 2 })
	time.Sleep(200 * time.Millisecond) // four more checks
	if n := obs.recreated.Load(); n != 2 {
		t.Errorf("observer saw %d recreations, want 2", n)
	}
}

// The dead-letter set forgets entries older than 30 days when another timer is given up.
func TestTimersDeadLettersExpire(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	tm := newTimers(t, s, storage.TimerOptions{})
	tm.Handle("test.dead", func(context.Context, storage.Timer) error { return storage.Permanent(errors.New("gone")) })
	ctx := t.Context()
	old := time.Now().Add(-31 * 24 * time.Hour).UnixMilli()
	s.Client.ZAdd(ctx, s.Key("{timers}", "dead"), redis.Z{Score: float64(old), Member: "ancient"})
	s.Client.HSet(ctx, s.Key("{timers}", "dead", "data"), "ancient", "3|1|test.dead|")
	s.Client.HSet(ctx, s.Key("{timers}", "dead", "err"), "ancient", "interactive|x")
	schedule(t, tm, storage.Timer{ID: "new", Kind: "test.dead", Due: time.Now().Add(-time.Second)})
	claimed, err := tm.ClaimForTest(ctx, 1)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim = %v, %v", claimed, err)
	}
	tm.DeliverForTest(ctx, claimed[0])
	dead, err := tm.Dead(ctx, 10)
	if err != nil || len(dead) != 1 || dead[0].ID != "new" {
		t.Errorf("Dead = %+v, %v; want only the new one", dead, err)
	}
	if n := s.Client.HLen(ctx, s.Key("{timers}", "dead", "data")).Val(); n != 1 {
		t.Errorf("%d dead data entries, want 1", n)
	}
}

// Per-lane settings win over Concurrency, which wins over the defaults.
func TestTimersLaneConcurrency(t *testing.T) {
	s := redistest.Store(t)
	tests := []struct {
		opts storage.TimerOptions
		want [3]int // interactive, companion, bulk
	}{
		{storage.TimerOptions{}, [3]int{128, 32, 32}},
		{storage.TimerOptions{Concurrency: 4}, [3]int{4, 4, 4}},
		{storage.TimerOptions{Concurrency: 4, LaneConcurrency: map[storage.Lane]int{storage.LaneBulk: 2}}, [3]int{4, 4, 2}},
		{storage.TimerOptions{LaneConcurrency: map[storage.Lane]int{storage.LaneInteractive: 256}}, [3]int{256, 32, 32}},
	}
	for _, tt := range tests {
		tm := storage.NewTimers(s, tt.opts)
		got := [3]int{tm.Concurrency(storage.LaneInteractive), tm.Concurrency(storage.LaneCompanion), tm.Concurrency(storage.LaneBulk)}
		if got != tt.want {
			t.Errorf("%+v: slots %v, want %v", tt.opts, got, tt.want)
		}
	}
}
