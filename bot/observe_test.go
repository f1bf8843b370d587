package bot

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/adapters/chattest"
	"github.com/wolbot/wolbot/storage/redistest"
)

// seen is one EventHandled call.
type seen struct{ feature, kind, outcome string }

// observerSpy records what the router reports.
type observerSpy struct {
	mu    sync.Mutex
	calls []seen
	durs  []time.Duration
}

func (o *observerSpy) EventHandled(feature, kind, outcome string, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, seen{feature, kind, outcome})
	o.durs = append(o.durs, d)
}

func (o *observerSpy) take() ([]seen, []time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, d := o.calls, o.durs
	o.calls, o.durs = nil, nil
	return c, d
}

// panicker is a handler that panics.
type panicker struct{}

func (panicker) Serve(context.Context, *Request) error { panic("boom") }

func TestObserverSeesEachOutcome(t *testing.T) {
	obs := &observerSpy{}
	b := New(Options{
		Store:    redistest.Store(t),
		Chat:     &chattest.Recorder{},
		Logger:   zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.Disabled), // the panic's stack is expected
		Observer: obs,
	})
	b.Handle("lc", &spy{}, "leancoffee")
	b.Handle("fail", &spy{err: errors.New("redis: connection refused")})
	b.Handle("crash", panicker{})

	repeated := command("/lc vote 2")
	tests := []struct {
		name string
		ev   func() adapters.Event
		want []seen // nil: nothing reported
	}{
		{"a command", func() adapters.Event { return repeated }, []seen{{"lc", "command", OutcomeOK}}},
		{"the same event again is a duplicate", func() adapters.Event { return repeated }, []seen{{"lc", "command", OutcomeDuplicate}}},
		{"an alias counts under the feature's name", func() adapters.Event { return command("/leancoffee") }, []seen{{"lc", "command", OutcomeOK}}},
		{"a button click", func() adapters.Event { return click("lc.vote", "r1:2") }, []seen{{"lc", "action", OutcomeOK}}},
		{"a handler error", func() adapters.Event { return command("/fail") }, []seen{{"fail", "command", OutcomeError}}},
		{"a handler panic", func() adapters.Event { return command("/crash now") }, []seen{{"crash", "command", OutcomePanic}}},
		{"an unknown command does not name the typed word", func() adapters.Event { return command("/user4711-secret") },
			[]seen{{"unknown", "command", OutcomeUnknownCommand}}},
		{"help in German counts as help", func() adapters.Event { return command("/hilfe") }, []seen{{"help", "command", OutcomeOK}}},
		{"sprache counts as lang", func() adapters.Event { return command("/sprache") }, []seen{{"lang", "command", OutcomeOK}}},
		{"an empty command is not reported", func() adapters.Event { return command("   ") }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.HandleEvent(context.Background(), tt.ev())
			got, durs := obs.take()
			if !slices.Equal(got, tt.want) {
				t.Fatalf("observed %+v, want %+v", got, tt.want)
			}
			for _, d := range durs {
				if d <= 0 || d > time.Minute {
					t.Errorf("duration %v, want the time the event took", d)
				}
			}
		})
	}
}

func TestNoObserverIsFine(t *testing.T) {
	b, _, _ := newTestBot(t)
	b.Handle("crash", panicker{})
	b.Handle("lc", &spy{})
	b.HandleEvent(context.Background(), command("/lc"))
	b.HandleEvent(context.Background(), command("/nope"))
	b.HandleEvent(context.Background(), command("/crash")) // must not panic through the nil observer
}
