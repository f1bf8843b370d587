package adapters_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/storage"
)

// The timer loop recognises the port's permanent errors, however deeply wrapped.
func TestErrPermanentIsPermanentForTimers(t *testing.T) {
	err := fmt.Errorf("leancoffee: announce: %w", fmt.Errorf("%w: %w", adapters.ErrPermanent, errors.New("not_in_channel")))
	if !adapters.IsPermanent(err) || !storage.IsPermanent(err) {
		t.Errorf("IsPermanent(%v): adapters %v, storage %v; want true", err, adapters.IsPermanent(err), storage.IsPermanent(err))
	}
	plain := errors.New("timeout")
	if adapters.IsPermanent(plain) || storage.IsPermanent(plain) {
		t.Error("a plain error counts as permanent")
	}
}
