package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wolbot/wolbot/adapters"
)

// RateLimit configures the per-user limit that protects the bot against floods (a script
// posting a hundred topics in a second). Every user has a token bucket of Burst events that
// refills at PerSecond; a command or click with no token left is dropped. The zero value is the
// default limit: a burst of [DefaultRateBurst] refilled at [DefaultRatePerSecond].
//
// The limit lives in each process's memory and costs no Redis round trip. With several
// replicas each counts on its own: where every replica sees every event (a WebSocket or Socket
// Mode connection per replica) they count the same and agree; where a load balancer spreads
// HTTP callbacks over N replicas, a user may get up to N times the limit through — enough
// against spam. Admins are limited like everyone else.
type RateLimit struct {
	// Burst is how many events a user may send in one go; 0 or less means DefaultRateBurst.
	Burst int
	// PerSecond is how many events per second the allowance refills; 0 or less means
	// DefaultRatePerSecond.
	PerSecond float64
	// Disabled turns the limit off: every event is handled.
	Disabled bool
}

// The default rate limit: someone clicking vote buttons as fast as they can, or a moderator
// running a round, is never stopped; a hundred topics in a second are (the first 20 pass).
const (
	DefaultRateBurst     = 20
	DefaultRatePerSecond = 5.0
)

const (
	// rateIdleTTL is how long a user's bucket is kept after their last event; a bucket that has
	// refilled completely is the same as none, so dropping it changes nothing. (When Burst
	// refills more slowly than that, buckets are kept until they would be full.)
	rateIdleTTL = 10 * time.Minute
	// rateSweepEvery is how often an event triggers the sweep of idle buckets.
	rateSweepEvery = time.Minute
	// rateNoticeEvery is how often a user who keeps flooding is reminded; one who pauses until
	// their bucket is full again is told at once the next time.
	rateNoticeEvery = time.Minute
)

// limiter holds the users' token buckets. It is a cache: losing it (a restart) only grants a
// fresh burst. A nil *limiter allows everything.
type limiter struct {
	burst float64       // bucket size
	rate  float64       // tokens per second
	idle  time.Duration // buckets unused this long are dropped
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket // platform + "\x00" + user id
	swept   time.Time
}

type bucket struct {
	tokens  float64
	last    time.Time // the user's last event, when tokens was computed
	noticed time.Time // when the user was last told; zero: not yet in this flood
	dropped int       // events dropped since the last notice
}

// rateVerdict is the limiter's answer for one event.
type rateVerdict struct {
	allowed bool
	notify  bool // dropped, and the user is to be told (once per flood, see rateNoticeEvery)
	dropped int  // with notify: events dropped since the previous notice, this one included
}

// newLimiter returns the limiter for cfg, nil when it is disabled.
func newLimiter(cfg RateLimit) *limiter {
	if cfg.Disabled {
		return nil
	}
	burst, rate := cfg.Burst, cfg.PerSecond
	if burst <= 0 {
		burst = DefaultRateBurst
	}
	if !(rate > 0) { // NaN too
		rate = DefaultRatePerSecond
	}
	idle := rateIdleTTL
	if fill := float64(burst) / rate; fill > idle.Seconds() {
		idle = time.Duration(min(fill, 1e9) * float64(time.Second))
	}
	return &limiter{burst: float64(burst), rate: rate, idle: idle, now: time.Now,
		buckets: make(map[string]*bucket)}
}

// take spends one of the user's tokens, if they have one left.
func (l *limiter) take(platform, user string) rateVerdict {
	if l == nil {
		return rateVerdict{allowed: true}
	}
	now := l.now()
	key := platform + "\x00" + user
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) >= rateSweepEvery {
		for k, bk := range l.buckets {
			if now.Sub(bk.last) > l.idle {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	bk := l.buckets[key]
	if bk == nil {
		bk = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = bk
	} else if d := now.Sub(bk.last); d > 0 {
		bk.tokens = min(l.burst, bk.tokens+d.Seconds()*l.rate)
		bk.last = now
	}
	if bk.tokens >= l.burst {
		bk.noticed = time.Time{} // the user paused: a new flood is a new story
	}
	if bk.tokens >= 1 {
		bk.tokens--
		return rateVerdict{allowed: true}
	}
	bk.dropped++
	if !bk.noticed.IsZero() && now.Sub(bk.noticed) < rateNoticeEvery {
		return rateVerdict{}
	}
	v := rateVerdict{notify: true, dropped: bk.dropped}
	bk.noticed, bk.dropped = now, 0
	return v
}

// rateLimited applies the per-user rate limit to a parsed command or click (an empty command
// is not counted). A refused event is dropped before dedupe: it is not recorded as seen, so a
// platform's redelivery of it later is a new chance, not a duplicate. The user is told once
// per flood, with an ephemeral reply in their language; the log line at info carries the
// event's fields and a count, never its contents.
func (b *Bot) rateLimited(ctx context.Context, req *Request, routed bool, obs *observation) bool {
	if req.Feature == "" {
		return false
	}
	v := b.limiter.take(req.Event.Platform, req.Event.User)
	if v.allowed {
		return false
	}
	obs.feature, obs.outcome = featureLabel(req, routed), OutcomeRateLimited
	if !v.notify {
		req.Log.Debug().Msg("rate limited: event dropped")
		return true
	}
	req.Log.Info().Int("dropped", v.dropped).Msg("rate limited: events dropped, user told")
	if err := req.Reply(ctx, adapters.Message{Text: coreMsgs.T(req.Lang(ctx), "rate_limited")}); err != nil {
		req.Log.Error().Err(err).Msg("could not tell the user about the rate limit")
	}
	return true
}

// ParseRateLimit reads a rate limit as people write it: "<n>/<duration>", n commands and
// clicks per duration as a burst that refills evenly ("20/4s" is the default: a burst of 20,
// 5 per second; "60/1m"; a bare unit means one of it: "5/s"), or "off" for no limit. "" is
// the zero value, the default limit.
func ParseRateLimit(s string) (RateLimit, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "":
		return RateLimit{}, nil
	case "off", "aus", "none", "0":
		return RateLimit{Disabled: true}, nil
	}
	count, per, ok := strings.Cut(s, "/")
	n, err := strconv.Atoi(strings.TrimSpace(count))
	if !ok || err != nil || n <= 0 {
		return RateLimit{}, fmt.Errorf("rate limit %q: want <count>/<duration> such as 20/4s, or off", s)
	}
	per = strings.TrimSpace(per)
	if per != "" && (per[0] < '0' || per[0] > '9') {
		per = "1" + per // "5/s" is five per second
	}
	d, err := time.ParseDuration(per)
	if err != nil || d <= 0 {
		return RateLimit{}, fmt.Errorf("rate limit %q: want a positive duration after the slash, such as 4s or 1m", s)
	}
	return RateLimit{Burst: n, PerSecond: float64(n) / d.Seconds()}, nil
}
