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

// ClaimForTest claims up to n due timers of every lane as the loop does, without running them:
// a claim whose process dies right after.
func (t *Timers) ClaimForTest(ctx context.Context, n int) ([]Claim, error) {
	var all []Claim
	for _, l := range Lanes {
		c, _, err := t.claim(ctx, t.lanes[l], n-len(all))
		if err != nil {
			return nil, err
		}
		all = append(all, c...)
		if len(all) >= n {
			break
		}
	}
	return all, nil
}

// DeliverForTest runs one claimed timer as the loop does; ctx is the loop's context.
func (t *Timers) DeliverForTest(ctx context.Context, c Claim) {
	t.deliver(ctx, c, time.Now().Add(t.opts.Lease))
}

// LegacyDueKey is the single due set of versions before lanes.
func (t *Timers) LegacyDueKey() string { return t.legacyKey }

// LaneDueKey is the due set of lane l.
func (t *Timers) LaneDueKey(l Lane) string { return t.lanes[l].dueKey }

// Migrate runs the migration from the single due set once.
func (t *Timers) Migrate(ctx context.Context) (int, error) { return t.migrate(ctx) }

// EmbeddedServer is the miniredis of a store opened without URL, nil otherwise.
func (s *Store) EmbeddedServer() *miniredis.Miniredis { return s.embedded }

// ClaimLaneForTest claims up to n due timers of lane l, as one claim round trip of the loop.
func (t *Timers) ClaimLaneForTest(ctx context.Context, l Lane, n int) ([]Claim, error) {
	c, _, err := t.claim(ctx, t.lanes[l], n)
	return c, err
}

// AckAllForTest acknowledges claims in one pipeline, as the loop's batcher does.
func (t *Timers) AckAllForTest(ctx context.Context, cs []Claim) error {
	b := newBatcher(t.s.Client)
	batch := make([]*batchOp, len(cs))
	for i, c := range cs {
		batch[i] = &batchOp{sc: ackScript, keys: t.laneKeys(c.lane), args: []any{c.ID, c.token}, done: make(chan struct{})}
	}
	b.send(batch)
	b.close()
	for _, op := range batch {
		if op.err != nil {
			return op.err
		}
	}
	return nil
}
