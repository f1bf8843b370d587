package impulses

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRate is how many impulses per second all replicas together send when Options.Rate is
// not set: well below what Mattermost and Slack allow a bot, so the adapters' own 429 handling
// stays the exception.
const DefaultRate = 10.0

// limiter spaces sends evenly across all replicas: every send takes the next free time in a
// shared Redis key (the generic cell rate algorithm without bursts). A delivery whose time is
// more than a moment away is rescheduled to it rather than waiting in a timer slot (see
// onDeliver). One round trip per send, no polling, and the time comes from the Redis
// server's clock, so replicas with skewed clocks still share one rate.
type limiter struct {
	client   redis.UniversalClient
	key      string
	interval time.Duration
}

// limiterScript: KEYS[1] holds the next free send time in µs; ARGV[1] is the interval in µs.
// It takes the next free time (or now, if that has passed), moves the key one interval on, and
// returns how many µs the caller must wait before sending and the send time itself (unix µs
// on Redis' clock).
var limiterScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local at = tonumber(redis.call('GET', KEYS[1]) or '0')
if at < now then at = now end
local nextAt = at + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', nextAt), 'PX', math.ceil((nextAt - now) / 1000) + 1000)
return {string.format('%.0f', at - now), string.format('%.0f', at)}
`)

func newLimiter(client redis.UniversalClient, key string, perSecond float64) *limiter {
	interval := time.Duration(float64(time.Second) / perSecond)
	return &limiter{client: client, key: key, interval: max(interval, time.Microsecond)}
}

// take reserves the next send time for this caller: at is that time on Redis' clock, wait how
// long from now until then (0 when the caller may send at once). The reservation is made; a
// caller that does not send at it wastes one interval of the rate, nothing more.
func (l *limiter) take(ctx context.Context) (at time.Time, wait time.Duration, err error) {
	res, err := limiterScript.Run(ctx, l.client, []string{l.key}, l.interval.Microseconds()).Int64Slice()
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("impulses: rate limiter: %w", err)
	}
	if len(res) != 2 {
		return time.Time{}, 0, fmt.Errorf("impulses: rate limiter: malformed reply of %d items", len(res))
	}
	return time.UnixMicro(res[1]), max(time.Duration(res[0])*time.Microsecond, 0), nil
}

// wait blocks until this caller may send one message, or ctx ends.
func (l *limiter) wait(ctx context.Context) error {
	_, wait, err := l.take(ctx)
	if err != nil {
		return err
	}
	return sleepCtx(ctx, wait)
}

// sleepCtx waits for d, or returns ctx's error if it ends first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// validRate returns rate, or DefaultRate for zero, negative, NaN or infinite values.
func validRate(rate float64) float64 {
	if !(rate > 0) || math.IsInf(rate, 0) {
		return DefaultRate
	}
	return rate
}
