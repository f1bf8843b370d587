package storage

import (
	"context"
	"fmt"
	"time"
)

// DefaultDedupeTTL is how long FirstSeen remembers an event id when given no ttl: longer than
// any platform retries a delivery.
const DefaultDedupeTTL = 24 * time.Hour

// DedupeKey is the key under which an inbound event id is recorded. scope is a hash-tag scope
// (e.g. a channel key) so that Lua scripts working in that scope may record the id atomically
// themselves: "wolbot:<ns>:seen:{<scope>}:<id>".
func (s *Store) DedupeKey(scope, id string) string {
	return s.Key("seen", Tag(scope), id)
}

// FirstSeen records id with SET NX EX ttl and reports whether this is the first time it was seen
// in scope. ttl <= 0 means DefaultDedupeTTL.
func (s *Store) FirstSeen(ctx context.Context, scope, id string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		ttl = DefaultDedupeTTL
	}
	first, err := s.Client.SetNX(ctx, s.DedupeKey(scope, id), "1", ttl).Result()
	if err != nil {
		return false, fmt.Errorf("storage: dedupe %s/%s: %w", scope, id, err)
	}
	return first, nil
}
