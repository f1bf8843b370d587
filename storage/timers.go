package storage

// Durable timers: everything that happens later (Lean Coffee timeboxes, circle reminders,
// impulse deliveries) is a Timer in Redis, run by a Timers loop in whichever replica claims it.
//
// Key schema. All keys carry the hash tag {timers}, so they share one Redis Cluster slot and a
// Lua script may touch them together:
//
//	wolbot:<ns>:{timers}:due     ZSET  id -> unix ms at which the timer is next claimable: its
//	                                   due time, or the end of its lease while claimed
//	wolbot:<ns>:{timers}:data    HASH  id -> "<attempt>|<due unix ms>|<kind>|<payload>"
//	                                   attempt counts deliveries (0 until first claimed), due is
//	                                   the scheduled time, kind has no '|', payload is raw bytes
//	wolbot:<ns>:{timers}:claims  HASH  id -> token of the current claim; absent when unclaimed
//
// Life of a timer. Schedule writes due and data and drops any claim. The claim script moves
// due ids to now+Lease, counts the attempt and writes a fresh token. The handler's outcome is
// reported with that token: ack deletes the timer, retry moves it to now+backoff, release (on
// stop, before the handler started) puts it back at its due time. When the token no longer
// matches — the timer was rescheduled, cancelled, or re-claimed after its lease ran out — these
// are no-ops, so a stale claim can never delete or move a newer timer.
//
// Delivery is at-least-once: a replica that dies holding a claim leaves the timer to be claimed
// again when the lease ends, so handlers must be idempotent.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Timer is one durable timer.
type Timer struct {
	ID      string // unique; scheduling an existing ID replaces it (upsert)
	Kind    string // routes to the handler registered for it, e.g. "lc.timebox"; no '|'
	Due     time.Time
	Payload []byte
	Attempt int // 1 on first delivery, 2 on the first re-delivery, ... (set by the loop)
}

// TimerHandler runs a due timer. It must be idempotent: a timer may be delivered more than once.
// Returning an error (or panicking) re-delivers the timer after a backoff. Its context ends when
// the claim's lease does, since after that another replica may already run the timer again.
type TimerHandler func(ctx context.Context, t Timer) error

// TimerOptions configure NewTimers. Zero values are documented defaults.
type TimerOptions struct {
	Lease       time.Duration    // how long a claim lasts before re-delivery; default 30s
	MaxWait     time.Duration    // longest sleep between polls; default 1s
	Batch       int              // max timers claimed per round trip; default 32
	Concurrency int              // handlers running at once; default 8
	Logger      zerolog.Logger   // the zero value logs nothing, like zerolog.Nop()
	Now         func() time.Time // default time.Now
	Observer    TimerObserver    // told about every handler run, for metrics; nil means none
}

// TimerObserver is told about every run of a timer handler, for metrics. The loop calls it
// after the handler returned, from the handler's goroutine, so it must be safe for concurrent
// use and quick. kind is the timer's kind (a constant of the feature that scheduled it); lag is
// how late the handler started: its start minus the timer's due time, which for a redelivery
// still counts from the original due time; err is the handler's error (a panic becomes one),
// nil on success. Timers released unstarted on stop, or without a handler, are not reported.
type TimerObserver interface {
	TimerFired(kind string, lag time.Duration, err error)
}

// Timers schedules durable timers and runs the loop that delivers them to handlers. Any number of
// Timers (in one process or in several replicas) may share a namespace: a claim with a lease
// makes sure only one of them runs a timer at a time. Register handlers with Handle, then call
// Run once; Schedule, Cancel, Get and Pending work with or without a running loop.
type Timers struct {
	s                       *Store
	opts                    TimerOptions
	dueKey, dataKey, claims string

	mu       sync.RWMutex
	handlers map[string]TimerHandler

	running atomic.Bool
	// wake lets a local Schedule cut the loop's sleep short; wakeAt is the unix ms the loop
	// plans to poll next (math.MaxInt64 while it is not sleeping), so only an earlier timer
	// wakes it.
	wake   chan struct{}
	wakeAt atomic.Int64

	instance string        // random; prefixes claim tokens, so a token shows who holds a claim
	seq      atomic.Uint64 // numbers claim round trips within this instance
}

// NewTimers returns a Timers on s's namespace.
func NewTimers(s *Store, opts TimerOptions) *Timers {
	if opts.Lease <= 0 {
		opts.Lease = 30 * time.Second
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = time.Second
	}
	if opts.Batch <= 0 {
		opts.Batch = 32
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	tag := Tag("timers")
	return &Timers{
		s:        s,
		opts:     opts,
		dueKey:   s.Key(tag, "due"),
		dataKey:  s.Key(tag, "data"),
		claims:   s.Key(tag, "claims"),
		handlers: make(map[string]TimerHandler),
		wake:     make(chan struct{}, 1),
		instance: hex.EncodeToString(b[:]),
	}
}

// Handle registers h for timers of kind, replacing any earlier handler for it.
func (t *Timers) Handle(kind string, h TimerHandler) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.handlers[kind] = h
}

func (t *Timers) handler(kind string) TimerHandler {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.handlers[kind]
}

// Schedule creates tm or replaces the timer with its ID: new due time, kind and payload, attempt
// count back to zero. A zero Due means now. A running claim of the old timer is dropped, so that
// claim's ack cannot delete the new timer.
func (t *Timers) Schedule(ctx context.Context, tm Timer) error {
	return t.ScheduleMany(ctx, []Timer{tm})
}

// scheduleBatch bounds one MULTI of ScheduleMany: large enough that a fan-out to thousands
// costs a handful of round trips, small enough not to stall Redis for others.
const scheduleBatch = 500

// ScheduleMany is Schedule for many timers, in transactions of up to 500 timers each: a
// fan-out of 10,000 deliveries costs 20 round trips instead of 10,000. Each timer is scheduled
// atomically; on an error, the batches before it are scheduled and the rest are not.
func (t *Timers) ScheduleMany(ctx context.Context, tms []Timer) error {
	now := t.opts.Now()
	earliest := int64(math.MaxInt64)
	for start := 0; start < len(tms); start += scheduleBatch {
		batch := tms[start:min(start+scheduleBatch, len(tms))]
		dues := make([]int64, len(batch))
		for i, tm := range batch {
			if tm.ID == "" {
				return errors.New("storage: timers: schedule: empty id")
			}
			if tm.Kind == "" || strings.Contains(tm.Kind, "|") {
				return fmt.Errorf("storage: timers: schedule %s: kind %q must be non-empty without '|'", tm.ID, tm.Kind)
			}
			due := tm.Due
			if due.IsZero() {
				due = now
			}
			dues[i] = due.UnixMilli()
			earliest = min(earliest, dues[i])
		}
		// Unconditional writes only, so MULTI is enough; the keys share a slot, so it is Cluster-safe.
		_, err := t.s.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for i, tm := range batch {
				p.ZAdd(ctx, t.dueKey, redis.Z{Score: float64(dues[i]), Member: tm.ID})
				p.HSet(ctx, t.dataKey, tm.ID, encodeTimer(0, dues[i], tm.Kind, tm.Payload))
				p.HDel(ctx, t.claims, tm.ID)
			}
			return nil
		})
		if err != nil {
			if len(batch) == 1 {
				return fmt.Errorf("storage: timers: schedule %s: %w", batch[0].ID, err)
			}
			return fmt.Errorf("storage: timers: schedule %d timers from %s: %w", len(batch), batch[0].ID, err)
		}
	}
	if earliest < t.wakeAt.Load() {
		select {
		case t.wake <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	return nil
}

// Cancel deletes the timer with id, claimed or not. Cancelling an unknown id is not an error.
func (t *Timers) Cancel(ctx context.Context, id string) error {
	_, err := t.s.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, t.dueKey, id)
		p.HDel(ctx, t.dataKey, id)
		p.HDel(ctx, t.claims, id)
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: timers: cancel %s: %w", id, err)
	}
	return nil
}

// Get returns the timer with id as scheduled; Attempt is the number of deliveries so far.
func (t *Timers) Get(ctx context.Context, id string) (Timer, bool, error) {
	v, err := t.s.Client.HGet(ctx, t.dataKey, id).Result()
	if errors.Is(err, redis.Nil) {
		return Timer{}, false, nil
	}
	if err != nil {
		return Timer{}, false, fmt.Errorf("storage: timers: get %s: %w", id, err)
	}
	tm, err := decodeTimer(id, v)
	if err != nil {
		return Timer{}, false, fmt.Errorf("storage: timers: get %s: %w", id, err)
	}
	return tm, true, nil
}

// Exists reports for each of ids whether a timer with that ID is scheduled (claimed ones
// included), in one round trip: out[i] is for ids[i].
func (t *Timers) Exists(ctx context.Context, ids []string) ([]bool, error) {
	out := make([]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	vs, err := t.s.Client.HMGet(ctx, t.dataKey, ids...).Result()
	if err != nil {
		return nil, fmt.Errorf("storage: timers: exists: %w", err)
	}
	for i, v := range vs {
		out[i] = v != nil
	}
	return out, nil
}

// Pending returns the number of scheduled timers, claimed ones included.
func (t *Timers) Pending(ctx context.Context) (int64, error) {
	n, err := t.s.Client.ZCard(ctx, t.dueKey).Result()
	if err != nil {
		return 0, fmt.Errorf("storage: timers: pending: %w", err)
	}
	return n, nil
}

const (
	// opTimeout bounds the loop's own Redis calls, which run on a context that survives stopping
	// (see Run).
	opTimeout     = 5 * time.Second
	errBackoffMin = 100 * time.Millisecond
	errBackoffMax = 5 * time.Second
)

// Run claims due timers and runs their handlers until ctx is cancelled; then it waits for the
// handlers in flight and returns nil. Handlers keep their context when ctx is cancelled (it ends
// with their lease), so stopping takes at most one Lease. Redis errors are logged and retried
// with a backoff; they never end the loop. Run may only be running once per Timers.
func (t *Timers) Run(ctx context.Context) error {
	if !t.running.CompareAndSwap(false, true) {
		return errors.New("storage: timers: run: already running")
	}
	defer t.running.Store(false)
	defer t.wakeAt.Store(0) // nobody sleeps: Schedule need not wake anyone

	slots := make(chan struct{}, t.opts.Concurrency) // one token per running handler
	var wg sync.WaitGroup
	defer wg.Wait()

	var errWait time.Duration
	for {
		// Reserve handler slots before claiming: a lease starts running the moment a timer is
		// claimed, so the loop claims only what it can start right away and leaves the rest
		// claimable by other replicas.
		n := t.reserve(ctx, slots)
		if n == 0 {
			return nil
		}
		// Not sleeping now: a Schedule from here on must cut the coming sleep short, as this
		// claim may already have missed its timer.
		t.wakeAt.Store(math.MaxInt64)

		// The claim runs on a context that survives ctx, so we always learn what we claimed and
		// can release it (deliver does) instead of leaving it locked for a whole lease.
		leaseEnd := time.Now().Add(t.opts.Lease)
		claimed, next, err := t.claim(context.WithoutCancel(ctx), n)
		for range n - len(claimed) {
			<-slots
		}
		if err != nil {
			errWait = min(max(2*errWait, errBackoffMin), errBackoffMax)
			t.opts.Logger.Error().Err(err).Dur("retry_in", errWait).Msg("timers: claim failed")
			if !sleep(ctx, errWait) {
				return nil
			}
			continue
		}
		errWait = 0

		for _, c := range claimed {
			wg.Go(func() {
				defer func() { <-slots }()
				t.deliver(ctx, c, leaseEnd)
			})
		}
		if len(claimed) == n {
			continue // a full batch: more timers may be due right now
		}

		// Sleep until the earliest timer (a due time or the end of a lease) but at most MaxWait:
		// other replicas' Schedules cannot wake us, so we poll for them.
		wait := t.opts.MaxWait
		if !next.IsZero() {
			wait = min(wait, next.Sub(t.opts.Now()))
		}
		if wait <= 0 {
			continue
		}
		t.wakeAt.Store(t.opts.Now().Add(wait).UnixMilli())
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-t.wake:
			timer.Stop()
		case <-timer.C:
		}
	}
}

// reserve waits for a free handler slot and then takes up to Batch free slots without waiting.
// It returns how many it took: 0 when ctx ended.
func (t *Timers) reserve(ctx context.Context, slots chan struct{}) int {
	if ctx.Err() != nil {
		return 0
	}
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return 0
	}
	n := 1
	for n < t.opts.Batch {
		select {
		case slots <- struct{}{}:
			n++
		default:
			return n
		}
	}
	return n
}

// deliver runs one claimed timer's handler and reports the outcome with the claim's token.
func (t *Timers) deliver(ctx context.Context, c claim, leaseEnd time.Time) {
	opCtx := context.WithoutCancel(ctx) // outcomes are reported even while stopping
	if ctx.Err() != nil {
		// Stopping before the handler started: give the timer back at its due time, so another
		// replica (or our restart) runs it at once rather than after the lease.
		if err := t.requeue(opCtx, c, c.Due, true); err != nil {
			t.logTimer(t.opts.Logger.Error(), c.Timer).Err(err).Msg("timers: release failed; re-delivered after the lease")
		}
		return
	}
	h := t.handler(c.Kind)
	if h == nil {
		// Another replica may know the kind (a rolling deploy), so leave the timer to be
		// re-delivered when the lease ends rather than drop it.
		t.logTimer(t.opts.Logger.Error(), c.Timer).Msg("timers: no handler for kind; re-delivered after the lease")
		return
	}

	hctx, cancel := context.WithDeadline(opCtx, leaseEnd)
	started := t.opts.Now()
	err := callHandler(hctx, h, c.Timer)
	cancel()
	if t.opts.Observer != nil {
		t.opts.Observer.TimerFired(c.Kind, started.Sub(c.Due), err)
	}
	if err == nil {
		if err := t.ack(opCtx, c); err != nil {
			t.logTimer(t.opts.Logger.Error(), c.Timer).Err(err).Msg("timers: ack failed; re-delivered after the lease")
		}
		return
	}
	wait := t.retryBackoff(c.Attempt)
	t.logTimer(t.opts.Logger.Error(), c.Timer).Err(err).Dur("retry_in", wait).Msg("timers: handler failed")
	if err := t.requeue(opCtx, c, t.opts.Now().Add(wait), false); err != nil {
		t.logTimer(t.opts.Logger.Error(), c.Timer).Err(err).Msg("timers: retry failed; re-delivered after the lease")
	}
}

func (t *Timers) logTimer(e *zerolog.Event, tm Timer) *zerolog.Event {
	return e.Str("timer_id", tm.ID).Str("kind", tm.Kind).Int("attempt", tm.Attempt)
}

// retryBackoff is 1s, 2s, 4s, ... for attempts 1, 2, 3, ..., never longer than the lease.
func (t *Timers) retryBackoff(attempt int) time.Duration {
	if attempt < 1 || attempt > 30 {
		return t.opts.Lease
	}
	return min(time.Second<<(attempt-1), t.opts.Lease)
}

// callHandler runs h, turning a panic into an error so one bad timer cannot take the loop down.
func callHandler(ctx context.Context, h TimerHandler, tm Timer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return h(ctx, tm)
}

// sleep waits for d and reports false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// claim is a delivered timer plus the token that proves the claim.
type claim struct {
	Timer
	token string
}

// claimScript claims up to ARGV[3] timers due at ARGV[1] (unix ms) until ARGV[2] (the lease end).
// It returns {next, id1, data1, token1, ...}; next is the earliest score left afterwards (a due
// time or a lease end) or "" when there are no timers, so the loop knows how long to sleep
// without another round trip.
var claimScript = redis.NewScript(`
local due, data, claims = KEYS[1], KEYS[2], KEYS[3]
local ids = redis.call('ZRANGEBYSCORE', due, '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
local out = {''}
for i, id in ipairs(ids) do
  local v = redis.call('HGET', data, id)
  if v then
    local sep = string.find(v, '|', 1, true)
    v = (tonumber(string.sub(v, 1, sep - 1)) + 1) .. string.sub(v, sep)
    local token = ARGV[4] .. '.' .. i
    redis.call('HSET', data, id, v)
    redis.call('HSET', claims, id, token)
    redis.call('ZADD', due, ARGV[2], id)
    out[#out + 1] = id
    out[#out + 1] = v
    out[#out + 1] = token
  else
    -- a due entry without data cannot be run; drop it instead of claiming it forever
    redis.call('ZREM', due, id)
    redis.call('HDEL', claims, id)
  end
end
local first = redis.call('ZRANGE', due, 0, 0, 'WITHSCORES')
if first[2] then out[1] = first[2] end
return out
`)

// ackScript deletes timer ARGV[1] if claim token ARGV[2] still holds it.
var ackScript = redis.NewScript(`
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
`)

// requeueScript ends claim ARGV[2] of timer ARGV[1], if it still holds, by making the timer due
// at ARGV[3] (unix ms); ARGV[4] == "1" also takes back the attempt the claim counted, for a
// timer whose handler never ran.
var requeueScript = redis.NewScript(`
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if ARGV[4] == '1' then
  local v = redis.call('HGET', KEYS[2], ARGV[1])
  if v then
    local sep = string.find(v, '|', 1, true)
    redis.call('HSET', KEYS[2], ARGV[1], (tonumber(string.sub(v, 1, sep - 1)) - 1) .. string.sub(v, sep))
  end
end
return 1
`)

func (t *Timers) keys() []string { return []string{t.dueKey, t.dataKey, t.claims} }

// claim claims up to n due timers and returns them with the earliest remaining score (zero if
// there are no timers left).
func (t *Timers) claim(ctx context.Context, n int) ([]claim, time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	now := t.opts.Now()
	token := t.instance + "." + strconv.FormatUint(t.seq.Add(1), 10)
	res, err := claimScript.Run(ctx, t.s.Client, t.keys(),
		now.UnixMilli(), now.Add(t.opts.Lease).UnixMilli(), n, token).StringSlice()
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("storage: timers: claim: %w", err)
	}
	if len(res) == 0 || (len(res)-1)%3 != 0 {
		return nil, time.Time{}, fmt.Errorf("storage: timers: claim: malformed reply of %d items", len(res))
	}
	var next time.Time
	if res[0] != "" {
		ms, err := strconv.ParseFloat(res[0], 64)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("storage: timers: claim: next score %q: %w", res[0], err)
		}
		next = time.UnixMilli(int64(ms))
	}
	claimed := make([]claim, 0, (len(res)-1)/3)
	for i := 1; i+2 < len(res); i += 3 {
		tm, err := decodeTimer(res[i], res[i+1])
		if err != nil {
			// Leave the undecodable timer claimed: it reappears after the lease and is logged
			// again, which is louder than dropping it.
			t.opts.Logger.Error().Err(err).Str("timer_id", res[i]).Msg("timers: bad timer data")
			continue
		}
		claimed = append(claimed, claim{Timer: tm, token: res[i+2]})
	}
	return claimed, next, nil
}

func (t *Timers) ack(ctx context.Context, c claim) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if err := ackScript.Run(ctx, t.s.Client, t.keys(), c.ID, c.token).Err(); err != nil {
		return fmt.Errorf("storage: timers: ack %s: %w", c.ID, err)
	}
	return nil
}

func (t *Timers) requeue(ctx context.Context, c claim, due time.Time, undoAttempt bool) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	undo := "0"
	if undoAttempt {
		undo = "1"
	}
	if err := requeueScript.Run(ctx, t.s.Client, t.keys(), c.ID, c.token, due.UnixMilli(), undo).Err(); err != nil {
		return fmt.Errorf("storage: timers: requeue %s: %w", c.ID, err)
	}
	return nil
}

// encodeTimer builds the data hash value: "<attempt>|<due unix ms>|<kind>|<payload>". The claim
// script rewrites only the attempt, the part before the first '|'.
func encodeTimer(attempt int, dueMs int64, kind string, payload []byte) string {
	var b strings.Builder
	b.Grow(24 + len(kind) + len(payload))
	b.WriteString(strconv.Itoa(attempt))
	b.WriteByte('|')
	b.WriteString(strconv.FormatInt(dueMs, 10))
	b.WriteByte('|')
	b.WriteString(kind)
	b.WriteByte('|')
	b.Write(payload)
	return b.String()
}

func decodeTimer(id, v string) (Timer, error) {
	parts := strings.SplitN(v, "|", 4) // the payload may contain '|'
	if len(parts) != 4 {
		return Timer{}, fmt.Errorf("timer %s: malformed data %q", id, v)
	}
	attempt, err := strconv.Atoi(parts[0])
	if err != nil {
		return Timer{}, fmt.Errorf("timer %s: attempt: %w", id, err)
	}
	dueMs, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return Timer{}, fmt.Errorf("timer %s: due: %w", id, err)
	}
	var payload []byte
	if parts[3] != "" {
		payload = []byte(parts[3])
	}
	return Timer{ID: id, Kind: parts[2], Due: time.UnixMilli(dueMs), Payload: payload, Attempt: attempt}, nil
}
