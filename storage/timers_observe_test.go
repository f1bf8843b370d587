package storage_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

// fired is one TimerFired call.
type fired struct {
	kind string
	lag  time.Duration
	err  error
}

// timerObserver records TimerFired calls.
type timerObserver struct {
	mu    sync.Mutex
	calls []fired
}

func (o *timerObserver) TimerFired(kind string, lag time.Duration, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, fired{kind, lag, err})
}

func (o *timerObserver) seen() []fired {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]fired(nil), o.calls...)
}

func TestTimerObserverSeesLagAndOutcome(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	obs := &timerObserver{}
	tm := newTimers(t, s, storage.TimerOptions{Lease: 300 * time.Millisecond, Observer: obs})
	failing := errors.New("chat down")
	tm.Handle("test.ok", func(context.Context, storage.Timer) error { return nil })
	tm.Handle("test.fail", func(_ context.Context, timer storage.Timer) error {
		if timer.Attempt == 1 {
			return failing
		}
		return nil
	})
	tm.Handle("test.panic", func(_ context.Context, timer storage.Timer) error {
		if timer.Attempt == 1 {
			panic("boom")
		}
		return nil
	})
	run(t, tm)

	// One timer 2s overdue (a downtime), one due shortly: lag measures how late each started.
	overdue := time.Now().Add(-2 * time.Second)
	schedule(t, tm, storage.Timer{ID: "late", Kind: "test.ok", Due: overdue})
	schedule(t, tm, storage.Timer{ID: "soon", Kind: "test.ok", Due: time.Now().Add(100 * time.Millisecond)})
	schedule(t, tm, storage.Timer{ID: "f", Kind: "test.fail"})
	schedule(t, tm, storage.Timer{ID: "p", Kind: "test.panic"})
	eventually(t, "all timers acknowledged", func() bool { return pending(t, tm) == 0 })

	byKind := make(map[string][]fired)
	for _, f := range obs.seen() {
		if f.lag < 0 {
			t.Errorf("%s: lag %v, want ≥ 0", f.kind, f.lag)
		}
		byKind[f.kind] = append(byKind[f.kind], f)
	}
	if got := byKind["test.ok"]; len(got) != 2 || got[0].err != nil || got[1].err != nil {
		t.Errorf("test.ok observed %+v, want two successes", got)
	} else if lateLag := max(got[0].lag, got[1].lag); lateLag < 2*time.Second || lateLag > 2*time.Second+tolerance*5 {
		t.Errorf("lag of the overdue timer %v, want about 2s", lateLag)
	}
	for _, kind := range []string{"test.fail", "test.panic"} {
		got := byKind[kind]
		if len(got) != 2 {
			t.Errorf("%s observed %d times, want 2 (a failure, then the redelivery)", kind, len(got))
			continue
		}
		if got[0].err == nil || got[1].err != nil {
			t.Errorf("%s outcomes %v, %v; want an error, then success", kind, got[0].err, got[1].err)
		}
		// The redelivery counts from the original due time, so it is at least the backoff late.
		if got[1].lag < 290*time.Millisecond {
			t.Errorf("%s redelivery lag %v, want at least the 300ms backoff", kind, got[1].lag)
		}
	}
	if got := byKind["test.fail"]; len(got) > 0 && !errors.Is(got[0].err, failing) {
		t.Errorf("observed error %v, want the handler's", got[0].err)
	}
}

// A timer without a handler, or released unstarted, ran nothing: nothing is observed.
func TestTimerObserverIgnoresUnhandledKinds(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	obs := &timerObserver{}
	tm := newTimers(t, s, storage.TimerOptions{Lease: time.Minute, Observer: obs})
	run(t, tm)
	schedule(t, tm, storage.Timer{ID: "x", Kind: "test.nobody"})
	time.Sleep(300 * time.Millisecond)
	if got := obs.seen(); len(got) != 0 {
		t.Errorf("observed %+v for a timer no handler ran", got)
	}
}
