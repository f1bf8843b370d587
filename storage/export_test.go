package storage

import (
	"context"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// Hooks for storage_test, which cannot reach unexported names (and cannot be package storage,
// because redistest imports storage).

// Claim is a claimed timer with its token.
type Claim = claim

// ClaimForTest claims up to n due timers as the loop does, without running them: a claim whose
// process dies right after.
func (t *Timers) ClaimForTest(ctx context.Context, n int) ([]Claim, error) {
	c, _, err := t.claim(ctx, n)
	return c, err
}

// DeliverForTest runs one claimed timer as the loop does; ctx is the loop's context.
func (t *Timers) DeliverForTest(ctx context.Context, c Claim) {
	t.deliver(ctx, c, time.Now().Add(t.opts.Lease))
}

// EmbeddedServer is the miniredis of a store opened without URL, nil otherwise.
func (s *Store) EmbeddedServer() *miniredis.Miniredis { return s.embedded }
