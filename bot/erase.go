package bot

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// Erasure at maxmemory. A deletion request (Art. 17 GDPR) must succeed when Redis is full
// (maxmemory with noeviction): deleting is what frees memory. Redis then refuses every
// command flagged denyoom (HSET, LSET, HINCRBY, SET, …) and every command queued in a
// MULTI, deletes included, while DEL, HDEL, SREM and ZREM outside a transaction still run. So
// an erasure deletes with plain commands or pipelines, and makes its remaining writes (an
// author replaced by the anonymous marker, a blanked moderator) through an [EraseScript]: a
// script that compares what it read before (instead of WATCH, which needs MULTI) and writes
// atomically. Redis 7 runs a script flagged allow-oom even at maxmemory.

// EraseScript is a Lua script of an erasure that also runs when Redis is out of memory.
type EraseScript struct {
	plain, allowOOM *redis.Script
}

// NewEraseScript returns the script src (without a shebang line).
func NewEraseScript(src string) *EraseScript {
	return &EraseScript{plain: redis.NewScript(src), allowOOM: redis.NewScript("#!lua flags=allow-oom\n" + src)}
}

// Run runs the script. When Redis refuses it for lack of memory, Run runs it again flagged
// allow-oom (Redis 7 and later). The plain script comes first because not every server knows
// the flag (miniredis, Redis 6); without maxmemory they never refuse a script. A script that
// failed for OOM has written nothing: Redis refuses a script's denyoom command only while the
// script has not written yet.
func (s *EraseScript) Run(ctx context.Context, c redis.Scripter, keys []string, args ...any) *redis.Cmd {
	cmd := s.plain.Run(ctx, c, keys, args...)
	if IsOOM(cmd.Err()) {
		return s.allowOOM.Run(ctx, c, keys, args...)
	}
	return cmd
}

// IsOOM reports whether err (or an error it wraps) is Redis refusing a command for lack of
// memory ("OOM command not allowed when used memory > 'maxmemory'").
func IsOOM(err error) bool { return isOOM(err) }
