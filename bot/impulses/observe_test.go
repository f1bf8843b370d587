package impulses

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/adapters/chattest"
	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

// outcomeSpy records Delivered calls.
type outcomeSpy struct {
	mu       sync.Mutex
	outcomes []string
}

func (s *outcomeSpy) Delivered(outcome string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outcomes = append(s.outcomes, outcome)
}

func (s *outcomeSpy) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.outcomes
	s.outcomes = nil
	return out
}

// TestObserverSeesDeliveryOutcomes drives the delivery handler step by step and checks the one
// outcome each attempt reports.
func TestObserverSeesDeliveryOutcomes(t *testing.T) {
	fx := newFixture(t, redistest.Store(t), fixtureOpts{noLoop: true})
	obs := &outcomeSpy{}
	fx.imp.obs = obs
	fx.say("anna", "/impuls abo")
	id := userSubID("test", "anna")
	slot := time.Now().UnixMilli()
	timer := func(attempt int) storage.Timer {
		slot++
		tm := deliveryTimer(delivery{sub: id, slot: slot, lang: "de", audience: AudienceLeaders}, time.Now())
		tm.Attempt = attempt
		return tm
	}
	deliver := func(tm storage.Timer) error { return fx.imp.onDeliver(context.Background(), tm) }
	expect := func(what string, want ...string) {
		t.Helper()
		if got := obs.take(); !slices.Equal(got, want) {
			t.Errorf("%s: observed %q, want %q", what, got, want)
		}
	}

	first := timer(1)
	if err := deliver(first); err != nil {
		t.Fatal(err)
	}
	expect("a delivery", DeliveryDelivered)

	if err := deliver(first); err != nil {
		t.Fatal(err)
	}
	expect("the same delivery again", DeliveryDuplicateRefused)

	fx.platform.SetFail(func(op chattest.Op) error {
		if op == chattest.OpDM {
			return errors.New("chat down")
		}
		return nil
	})
	failing := timer(1)
	if err := deliver(failing); err == nil {
		t.Fatal("a failed post returned no error")
	}
	expect("a failed post", DeliveryFailed)
	failing.Attempt = maxDeliverAttempts
	if err := deliver(failing); err != nil {
		t.Fatal(err)
	}
	expect("the last attempt", DeliveryGivenUp)

	fx.platform.SetFail(nil)
	if err := deliver(failing); err != nil { // the reservation stayed: a redelivery finishes it
		t.Fatal(err)
	}
	expect("finishing the reserved delivery", DeliveryDelivered)

	contains(t, fx.say("anna", "/impuls pause 1w"), "pausieren bis")
	if err := deliver(timer(1)); err != nil {
		t.Fatal(err)
	}
	expect("a paused subscriber", DeliverySkippedPaused)
	contains(t, fx.say("anna", "/impuls weiter"), "Willkommen zurück")

	fx.platform.SetFail(func(op chattest.Op) error {
		if op == chattest.OpDM {
			return fmt.Errorf("user deactivated: %w", adapters.ErrNotFound)
		}
		return nil
	})
	if err := deliver(timer(1)); err != nil {
		t.Fatal(err)
	}
	expect("a deactivated user", DeliveryRecipientGone)
	if err := deliver(timer(1)); err != nil {
		t.Fatal(err)
	}
	expect("after the subscription ended", DeliverySkippedUnsubscribed)

	if err := deliver(storage.Timer{ID: "imp:x", Kind: DeliverKind, Payload: []byte("garbage")}); err != nil {
		t.Fatal(err)
	}
	expect("an unreadable timer", DeliveryMalformed)
}
