package storage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

// tolerance is how late a timer may fire on a busy test machine.
const tolerance = 100 * time.Millisecond

// delivery is one handler call as the test saw it.
type delivery struct {
	storage.Timer
	at time.Time
}

// recorder is a handler that reports every call on a channel.
type recorder struct{ ch chan delivery }

func newRecorder() *recorder { return &recorder{ch: make(chan delivery, 1000)} }

func (r *recorder) handle(_ context.Context, tm storage.Timer) error {
	r.ch <- delivery{tm, time.Now()}
	return nil
}

// next waits for the next delivery.
func (r *recorder) next(t *testing.T, within time.Duration) delivery {
	t.Helper()
	select {
	case d := <-r.ch:
		return d
	case <-time.After(within):
		t.Fatalf("no timer fired within %v", within)
		return delivery{}
	}
}

// none asserts that nothing fires for d.
func (r *recorder) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case got := <-r.ch:
		t.Fatalf("timer %s fired (attempt %d), want none", got.ID, got.Attempt)
	case <-time.After(d):
	}
}

func newTimers(t testing.TB, s *storage.Store, opts storage.TimerOptions) *storage.Timers {
	if reflect.ValueOf(opts.Logger).IsZero() { // no logger of the test's own: log to the test
		opts.Logger = zerolog.New(zerolog.NewTestWriter(t))
	}
	return storage.NewTimers(s, opts)
}

// run starts tm's loop; the returned stop (also run at test end) cancels it and checks that Run
// returns nil promptly.
func run(t testing.TB, tm *storage.Timers) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tm.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run = %v, want nil", err)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("Run did not return 10s after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func schedule(t testing.TB, tm *storage.Timers, timer storage.Timer) {
	t.Helper()
	if err := tm.Schedule(context.Background(), timer); err != nil {
		t.Fatal(err)
	}
}

func pending(t testing.TB, tm *storage.Timers) int64 {
	t.Helper()
	n, err := tm.Pending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// eventually polls cond until it holds or 5s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTimerFiresAtDue(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	tm := newTimers(t, s, storage.TimerOptions{})
	rec := newRecorder()
	tm.Handle("test.due", rec.handle)
	run(t, tm)

	due := time.Now().Add(300 * time.Millisecond)
	schedule(t, tm, storage.Timer{ID: "t1", Kind: "test.due", Due: due, Payload: []byte("hello|world")})
	d := rec.next(t, 2*time.Second)

	// Redis keeps milliseconds, so a timer may fire up to 1ms before its nanosecond due time.
	if early := due.Sub(d.at); early > time.Millisecond {
		t.Errorf("fired %v before due", early)
	}
	if late := d.at.Sub(due); late > tolerance {
		t.Errorf("fired %v after due, want within %v", late, tolerance)
	}
	if d.ID != "t1" || d.Kind != "test.due" || string(d.Payload) != "hello|world" || d.Attempt != 1 {
		t.Errorf("delivered %+v, want t1/test.due/hello|world attempt 1", d.Timer)
	}
	if !d.Due.Equal(due.Truncate(time.Millisecond)) {
		t.Errorf("Due = %v, want %v", d.Due, due.Truncate(time.Millisecond))
	}
	eventually(t, "ack", func() bool { return pending(t, tm) == 0 })
	rec.none(t, 200*time.Millisecond)
}

// Timers that came due while no replica ran (downtime) fire as soon as a loop starts.
func TestTimerPastDueFiresAtOnce(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	tm := newTimers(t, s, storage.TimerOptions{MaxWait: 5 * time.Second})
	rec := newRecorder()
	tm.Handle("test.past", rec.handle)
	schedule(t, tm, storage.Timer{ID: "old", Kind: "test.past", Due: time.Now().Add(-time.Hour)})

	start := time.Now()
	run(t, tm)
	d := rec.next(t, 2*time.Second)
	if late := d.at.Sub(start); late > tolerance {
		t.Errorf("past-due timer fired %v after start, want at once", late)
	}
	// Scheduled while the loop runs, a past-due timer must wake it, not wait for MaxWait.
	time.Sleep(50 * time.Millisecond) // let the loop go to sleep
	start = time.Now()
	schedule(t, tm, storage.Timer{ID: "late", Kind: "test.past", Due: time.Now().Add(-time.Minute)})
	d = rec.next(t, 2*time.Second)
	if late := d.at.Sub(start); d.ID != "late" || late > tolerance {
		t.Errorf("got %s %v after Schedule, want late at once", d.ID, late)
	}
}

func TestTimerScheduleUpserts(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	tm := newTimers(t, s, storage.TimerOptions{})
	rec := newRecorder()
	tm.Handle("test.a", rec.handle)
	tm.Handle("test.b", rec.handle)
	run(t, tm)

	schedule(t, tm, storage.Timer{ID: "x", Kind: "test.a", Due: time.Now().Add(200 * time.Millisecond), Payload: []byte("v1")})
	due := time.Now().Add(600 * time.Millisecond)
	schedule(t, tm, storage.Timer{ID: "x", Kind: "test.b", Due: due, Payload: []byte("v2")})

	got, ok, err := tm.Get(t.Context(), "x")
	if err != nil || !ok {
		t.Fatalf("Get = %v, %v", ok, err)
	}
	if got.Kind != "test.b" || string(got.Payload) != "v2" || !got.Due.Equal(due.Truncate(time.Millisecond)) || got.Attempt != 0 {
		t.Errorf("Get = %+v, want the replacement", got)
	}
	if n := pending(t, tm); n != 1 {
		t.Errorf("Pending = %d, want 1", n)
	}

	d := rec.next(t, 2*time.Second)
	if d.at.Before(due.Add(-time.Millisecond)) {
		t.Errorf("fired %v before the new due time", due.Sub(d.at))
	}
	if d.Kind != "test.b" || string(d.Payload) != "v2" {
		t.Errorf("delivered %s/%s, want test.b/v2", d.Kind, d.Payload)
	}
	rec.none(t, 200*time.Millisecond)
}

// Moving a timer later must not leave the loop waking for the earlier time only to find nothing,
// and moving it earlier must wake the loop.
func TestTimerScheduleEarlierWakesLoop(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	tm := newTimers(t, s, storage.TimerOptions{MaxWait: 10 * time.Second})
	rec := newRecorder()
	tm.Handle("test.wake", rec.handle)
	run(t, tm)

	schedule(t, tm, storage.Timer{ID: "w", Kind: "test.wake", Due: time.Now().Add(time.Hour)})
	time.Sleep(50 * time.Millisecond) // the loop now sleeps its MaxWait
	due := time.Now().Add(200 * time.Millisecond)
	schedule(t, tm, storage.Timer{ID: "w", Kind: "test.wake", Due: due})
	d := rec.next(t, 2*time.Second)
	if late := d.at.Sub(due); late > tolerance {
		t.Errorf("fired %v late, want the loop woken by Schedule", late)
	}
}

func TestTimerExists(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	tm := newTimers(t, s, storage.TimerOptions{})
	ctx := t.Context()

	if got, err := tm.Exists(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("Exists(nil) = %v, %v; want [], nil", got, err)
	}
	schedule(t, tm, storage.Timer{ID: "a", Kind: "test.exists", Due: time.Now().Add(time.Hour)})
	schedule(t, tm, storage.Timer{ID: "c", Kind: "test.exists", Due: time.Now().Add(time.Hour)})
	if err := tm.Cancel(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	got, err := tm.Exists(ctx, []string{"a", "b", "c", "a"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false, false, true}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Exists = %v, want %v", got, want)
	}
}

func TestTimerCancel(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	tm := newTimers(t, s, storage.TimerOptions{})
	rec := newRecorder()
	tm.Handle("test.cancel", rec.handle)
	run(t, tm)

	schedule(t, tm, storage.Timer{ID: "c", Kind: "test.cancel", Due: time.Now().Add(200 * time.Millisecond)})
	schedule(t, tm, storage.Timer{ID: "keep", Kind: "test.cancel", Due: time.Now().Add(300 * time.Millisecond)})
	if err := tm.Cancel(t.Context(), "c"); err != nil {
		t.Fatal(err)
	}
	if err := tm.Cancel(t.Context(), "never-scheduled"); err != nil {
		t.Errorf("Cancel of unknown id: %v", err)
	}
	if _, ok, _ := tm.Get(t.Context(), "c"); ok {
		t.Error("Get finds the cancelled timer")
	}
	if d := rec.next(t, 2*time.Second); d.ID != "keep" {
		t.Errorf("fired %s, want only keep", d.ID)
	}
	rec.none(t, 300*time.Millisecond)
	if n := pending(t, tm); n != 0 {
		t.Errorf("Pending = %d, want 0", n)
	}
}

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestTimerHandlerFailureIsRedelivered(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fail    func() error
		logWant string
	}{
		{"error", func() error { return errors.New("chat down") }, `"error":"chat down"`},
		{"panic", func() error { panic("boom") }, `"error":"panic: boom"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := redistest.Store(t)
			var logs syncBuffer
			tm := newTimers(t, s, storage.TimerOptions{Lease: 300 * time.Millisecond, Logger: zerolog.New(&logs)})
			rec := newRecorder()
			tm.Handle("test.flaky", func(ctx context.Context, timer storage.Timer) error {
				_ = rec.handle(ctx, timer)
				if timer.Attempt == 1 {
					return tt.fail()
				}
				return nil
			})
			run(t, tm)
			schedule(t, tm, storage.Timer{ID: "f", Kind: "test.flaky"})

			first := rec.next(t, 2*time.Second)
			second := rec.next(t, 2*time.Second)
			if first.Attempt != 1 || second.Attempt != 2 {
				t.Errorf("attempts %d, %d; want 1, 2", first.Attempt, second.Attempt)
			}
			// The backoff after attempt 1 is min(1s, Lease).
			if gap := second.at.Sub(first.at); gap < 290*time.Millisecond {
				t.Errorf("re-delivered after %v, want a backoff of 300ms", gap)
			}
			eventually(t, "ack of attempt 2", func() bool { return pending(t, tm) == 0 })
			rec.none(t, 400*time.Millisecond)

			for _, want := range []string{`"timer_id":"f"`, `"kind":"test.flaky"`, `"attempt":1`, tt.logWant} {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("log lacks %s:\n%s", want, logs.String())
				}
			}
		})
	}
}

// A replica that dies holding a claim (claimed, never acknowledged) leaves the timer to another
// replica once the lease ends — not before.
func TestTimerDeadClaimIsRedeliveredAfterLease(t *testing.T) {
	t.Parallel()
	const lease = 300 * time.Millisecond
	s1 := redistest.Store(t)
	dead := newTimers(t, s1, storage.TimerOptions{Lease: lease})
	schedule(t, dead, storage.Timer{ID: "d", Kind: "test.dead", Due: time.Now().Add(-time.Second)})
	claimedAt := time.Now()
	claimed, err := dead.ClaimForTest(t.Context(), 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim = %d timers, %v; want 1", len(claimed), err)
	}
	_ = s1.Close() // the process "dies"

	s2 := redistest.Reopen(t, s1)
	alive := newTimers(t, s2, storage.TimerOptions{Lease: lease, MaxWait: 50 * time.Millisecond})
	rec := newRecorder()
	alive.Handle("test.dead", rec.handle)
	run(t, alive)

	d := rec.next(t, 3*time.Second)
	if since := d.at.Sub(claimedAt); since < lease-5*time.Millisecond {
		t.Errorf("re-delivered %v after the claim, before the %v lease ended", since, lease)
	}
	if d.Attempt != 2 {
		t.Errorf("Attempt = %d, want 2", d.Attempt)
	}
	eventually(t, "ack", func() bool { return pending(t, alive) == 0 })
}

// A kind nobody handles is kept (a replica that knows it may come), re-delivered after the lease,
// and the claims that found no handler do not count as attempts.
func TestTimerUnknownKindWaitsForHandler(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	var logs syncBuffer
	tm := newTimers(t, s, storage.TimerOptions{Lease: 300 * time.Millisecond, MaxWait: 50 * time.Millisecond, Logger: zerolog.New(&logs)})
	run(t, tm)
	schedule(t, tm, storage.Timer{ID: "u", Kind: "test.later"})

	eventually(t, "a claim without handler", func() bool { return strings.Contains(logs.String(), "no handler for kind") })
	if got, ok, _ := tm.Get(t.Context(), "u"); !ok || got.Attempt != 0 {
		t.Errorf("Get = %+v, %v; want kept with attempt 0", got, ok)
	}
	rec := newRecorder()
	tm.Handle("test.later", rec.handle)
	if d := rec.next(t, 2*time.Second); d.Attempt != 1 {
		t.Errorf("Attempt = %d, want 1", d.Attempt)
	}
	if !strings.Contains(logs.String(), `"kind":"test.later"`) {
		t.Errorf("unknown kind not logged:\n%s", logs.String())
	}
}

// Two replicas on one namespace share the work; the lease makes sure no timer runs twice.
func TestTimersTwoLoopsRunEachTimerOnce(t *testing.T) {
	t.Parallel()
	const n = 200
	s1 := redistest.Store(t)
	s2 := redistest.Reopen(t, s1)

	var mu sync.Mutex
	runs := make(map[string]int)
	byLoop := make(map[string]int)
	handler := func(loop string) storage.TimerHandler {
		return func(_ context.Context, tm storage.Timer) error {
			time.Sleep(time.Millisecond) // some work, so both loops get a share
			mu.Lock()
			defer mu.Unlock()
			runs[tm.ID]++
			byLoop[loop]++
			return nil
		}
	}
	loops := []*storage.Timers{
		newTimers(t, s1, storage.TimerOptions{Batch: 8, Concurrency: 4}),
		newTimers(t, s2, storage.TimerOptions{Batch: 8, Concurrency: 4}),
	}
	for i, l := range loops {
		l.Handle("test.once", handler(fmt.Sprint("loop", i)))
	}

	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(i) * time.Millisecond)
		schedule(t, loops[i%2], storage.Timer{ID: fmt.Sprint("t", i), Kind: "test.once", Due: due})
	}
	for _, l := range loops {
		run(t, l)
	}

	eventually(t, "all timers to run", func() bool { return pending(t, loops[0]) == 0 })
	time.Sleep(300 * time.Millisecond) // room for a wrong second run to show up

	mu.Lock()
	defer mu.Unlock()
	for i := range n {
		if id := fmt.Sprint("t", i); runs[id] != 1 {
			t.Errorf("timer %s ran %d times, want 1", id, runs[id])
		}
	}
	t.Logf("runs per loop: %v", byLoop)
}

// Rescheduling a timer while its handler runs creates a new timer the old claim's ack must leave.
func TestTimerRescheduleDuringHandlingSurvivesAck(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	tm := newTimers(t, s, storage.TimerOptions{})
	rec := newRecorder()
	started, release := make(chan struct{}), make(chan struct{})
	tm.Handle("test.resched", func(ctx context.Context, timer storage.Timer) error {
		if string(timer.Payload) == "v1" {
			close(started)
			<-release
		}
		return rec.handle(ctx, timer)
	})
	run(t, tm)

	schedule(t, tm, storage.Timer{ID: "r", Kind: "test.resched", Payload: []byte("v1")})
	<-started
	due := time.Now().Add(200 * time.Millisecond)
	schedule(t, tm, storage.Timer{ID: "r", Kind: "test.resched", Due: due, Payload: []byte("v2")})
	close(release)

	if d := rec.next(t, time.Second); string(d.Payload) != "v1" {
		t.Fatalf("first delivery %q, want v1", d.Payload)
	}
	d := rec.next(t, 2*time.Second)
	if string(d.Payload) != "v2" || d.Attempt != 1 {
		t.Errorf("second delivery %q attempt %d, want v2 attempt 1", d.Payload, d.Attempt)
	}
	if d.at.Before(due.Add(-time.Millisecond)) {
		t.Errorf("v2 fired %v before its due time", due.Sub(d.at))
	}
	eventually(t, "ack of v2", func() bool { return pending(t, tm) == 0 })
}

// Stopping the loop lets running handlers finish (their context stays alive) and leaves timers
// it has not started claimable at once by another replica, not only after a lease.
func TestTimersGracefulStop(t *testing.T) {
	t.Parallel()
	s1 := redistest.Store(t)
	first := newTimers(t, s1, storage.TimerOptions{Concurrency: 1, Batch: 10})
	started, release := make(chan struct{}), make(chan struct{})
	handlerErr := make(chan error, 1)
	first.Handle("test.stop", func(ctx context.Context, timer storage.Timer) error {
		close(started)
		<-release
		handlerErr <- ctx.Err()
		return nil
	})
	for i := range 5 {
		schedule(t, first, storage.Timer{ID: fmt.Sprint("s", i), Kind: "test.stop", Due: time.Now().Add(-time.Second)})
	}
	stop := run(t, first)
	<-started

	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("Run returned while a handler was still running")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	<-stopped
	if err := <-handlerErr; err != nil {
		t.Errorf("handler context ended on stop: %v", err)
	}
	if n := pending(t, first); n != 4 {
		t.Errorf("Pending = %d, want the 4 unstarted timers", n)
	}

	s2 := redistest.Reopen(t, s1)
	second := newTimers(t, s2, storage.TimerOptions{})
	rec := newRecorder()
	second.Handle("test.stop", rec.handle)
	start := time.Now()
	run(t, second)
	for range 4 {
		d := rec.next(t, time.Second)
		if d.Attempt != 1 {
			t.Errorf("timer %s: Attempt = %d, want 1 (never started before)", d.ID, d.Attempt)
		}
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("unstarted timers took %v to run elsewhere, want at once", took)
	}
}

// Timers claimed in the moment the loop stops are handed back at their due time, with the
// attempt count undone.
func TestTimersStopReleasesClaimedButUnstarted(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	tm := newTimers(t, s, storage.TimerOptions{})
	ran := false
	tm.Handle("test.release", func(context.Context, storage.Timer) error { ran = true; return nil })
	due := time.Now().Add(-time.Minute)
	for i := range 3 {
		schedule(t, tm, storage.Timer{ID: fmt.Sprint("c", i), Kind: "test.release", Due: due})
	}
	claimed, err := tm.ClaimForTest(t.Context(), 10)
	if err != nil || len(claimed) != 3 {
		t.Fatalf("claim = %d, %v; want 3", len(claimed), err)
	}
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range claimed {
		tm.DeliverForTest(stopped, c)
	}
	if ran {
		t.Error("handler ran although the loop was stopping")
	}
	for _, c := range claimed {
		got, ok, err := tm.Get(t.Context(), c.ID)
		if err != nil || !ok || got.Attempt != 0 || !got.Due.Equal(due.Truncate(time.Millisecond)) {
			t.Errorf("Get(%s) = %+v, %v, %v; want attempt 0 at its due time", c.ID, got, ok, err)
		}
		score := s.Client.ZScore(t.Context(), tm.LaneDueKey(storage.LaneInteractive), c.ID).Val()
		if int64(score) != due.UnixMilli() {
			t.Errorf("%s claimable at %v, want its due time %v", c.ID, int64(score), due.UnixMilli())
		}
	}
	again, err := tm.ClaimForTest(t.Context(), 10)
	if err != nil || len(again) != 3 {
		t.Errorf("claim after release = %d, %v; want all 3 claimable at once", len(again), err)
	}
}

// The loop must outlive Redis errors: it logs, backs off and carries on.
func TestTimersSurviveRedisErrors(t *testing.T) {
	t.Parallel()
	s, err := storage.Open(t.Context(), storage.Options{}) // embedded: lets the test break the server
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	var logs syncBuffer
	tm := newTimers(t, s, storage.TimerOptions{MaxWait: 50 * time.Millisecond, Logger: zerolog.New(&logs)})
	rec := newRecorder()
	tm.Handle("test.err", rec.handle)
	schedule(t, tm, storage.Timer{ID: "e", Kind: "test.err", Due: time.Now().Add(300 * time.Millisecond)})
	s.EmbeddedServer().SetError("LOADING Redis is loading the dataset in memory")
	run(t, tm)

	eventually(t, "a logged claim error", func() bool { return strings.Contains(logs.String(), "claim failed") })
	rec.none(t, 500*time.Millisecond)
	s.EmbeddedServer().SetError("")
	if d := rec.next(t, 5*time.Second); d.ID != "e" {
		t.Errorf("fired %s, want e", d.ID)
	}
}

// The scripts run on the embedded server too (miniredis' Lua), not only on redis-server.
func TestTimersEmbedded(t *testing.T) {
	t.Parallel()
	s, err := storage.Open(t.Context(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	tm := newTimers(t, s, storage.TimerOptions{Lease: 200 * time.Millisecond})
	rec := newRecorder()
	tm.Handle("test.emb", func(ctx context.Context, timer storage.Timer) error {
		_ = rec.handle(ctx, timer)
		if timer.Attempt == 1 {
			return errors.New("once")
		}
		return nil
	})
	run(t, tm)
	schedule(t, tm, storage.Timer{ID: "m", Kind: "test.emb", Due: time.Now().Add(100 * time.Millisecond), Payload: []byte{0, '|', 0xff}})
	for want := 1; want <= 2; want++ {
		d := rec.next(t, 3*time.Second)
		if d.Attempt != want || !bytes.Equal(d.Payload, []byte{0, '|', 0xff}) {
			t.Errorf("delivery %d: attempt %d payload %q", want, d.Attempt, d.Payload)
		}
	}
	eventually(t, "ack", func() bool { return pending(t, tm) == 0 })
}

func TestTimersRejects(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	tm := newTimers(t, s, storage.TimerOptions{})
	tests := []struct {
		name  string
		timer storage.Timer
	}{
		{"empty id", storage.Timer{Kind: "k"}},
		{"empty kind", storage.Timer{ID: "x"}},
		{"kind with separator", storage.Timer{ID: "x", Kind: "a|b"}},
	}
	for _, tt := range tests {
		if err := tm.Schedule(t.Context(), tt.timer); err == nil {
			t.Errorf("%s: Schedule succeeded, want error", tt.name)
		}
	}
	if _, ok, err := tm.Get(t.Context(), "nope"); ok || err != nil {
		t.Errorf("Get(unknown) = %v, %v; want false, nil", ok, err)
	}

	run(t, tm)
	time.Sleep(20 * time.Millisecond)
	if err := tm.Run(t.Context()); err == nil {
		t.Error("second concurrent Run succeeded, want error")
	}
}

func TestTimerHandlerContextEndsWithLease(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	const lease = 400 * time.Millisecond
	tm := newTimers(t, s, storage.TimerOptions{Lease: lease})
	deadlines := make(chan time.Duration, 1)
	tm.Handle("test.deadline", func(ctx context.Context, _ storage.Timer) error {
		dl, ok := ctx.Deadline()
		if !ok {
			deadlines <- -1
			return nil
		}
		deadlines <- time.Until(dl)
		return nil
	})
	run(t, tm)
	schedule(t, tm, storage.Timer{ID: "dl", Kind: "test.deadline"})
	select {
	case left := <-deadlines:
		if left <= 0 || left > lease {
			t.Errorf("handler deadline in %v, want within the %v lease", left, lease)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("handler not called")
	}
}

func BenchmarkSchedule(b *testing.B) {
	s := redistest.Store(b)
	tm := storage.NewTimers(s, storage.TimerOptions{})
	due := time.Now().Add(time.Hour)
	payload := []byte(`{"channel":"C1","round":"r1"}`)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		schedule(b, tm, storage.Timer{ID: fmt.Sprint("b", i%1000), Kind: "bench", Due: due, Payload: payload})
		i++
	}
}

// BenchmarkClaimAck measures the loop's throughput: past-due timers claimed, handled (no-op) and
// acknowledged.
func BenchmarkClaimAck(b *testing.B) {
	s := redistest.Store(b)
	tm := storage.NewTimers(s, storage.TimerOptions{})
	done := make(chan struct{}, 1024)
	tm.Handle("bench", func(context.Context, storage.Timer) error { done <- struct{}{}; return nil })

	due := time.Now().Add(-time.Minute)
	for i := range b.N {
		schedule(b, tm, storage.Timer{ID: fmt.Sprint("b", i), Kind: "bench", Due: due})
	}
	b.ResetTimer()
	run(b, tm)
	for range b.N {
		<-done
	}
	b.StopTimer()
	for pending(b, tm) > 0 { // the last acks may still be on their way
		time.Sleep(time.Millisecond)
	}
}

// TestScheduleManyFiresEachOnce schedules more timers than one batch holds: every one fires
// exactly once, and a rescheduled id keeps one timer.
func TestScheduleManyFiresEachOnce(t *testing.T) {
	s := redistest.Store(t)
	tm := storage.NewTimers(s, storage.TimerOptions{MaxWait: 50 * time.Millisecond, Concurrency: 32, Batch: 64})
	var mu sync.Mutex
	fired := map[string]int{}
	tm.Handle("many", func(ctx context.Context, t storage.Timer) error {
		mu.Lock()
		defer mu.Unlock()
		fired[t.ID]++
		return nil
	})
	const n = 1200 // more than two batches of scheduleBatch
	batch := make([]storage.Timer, n)
	for i := range batch {
		batch[i] = storage.Timer{ID: fmt.Sprintf("m%d", i), Kind: "many", Due: time.Now().Add(100 * time.Millisecond)}
	}
	batch = append(batch, storage.Timer{ID: "m0", Kind: "many"}) // the same id again: still one timer
	ctx := context.Background()
	if err := tm.ScheduleMany(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if p, _ := tm.Pending(ctx); p != n {
		t.Fatalf("%d pending, want %d", p, n)
	}
	if err := tm.ScheduleMany(ctx, []storage.Timer{{ID: "bad"}}); err == nil {
		t.Error("a timer without kind was accepted")
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = tm.Run(runCtx) }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		got := len(fired)
		mu.Unlock()
		if got == n || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(fired) != n {
		t.Fatalf("%d of %d timers fired", len(fired), n)
	}
	for id, c := range fired {
		if c != 1 {
			t.Errorf("%s fired %d times", id, c)
		}
	}
}
