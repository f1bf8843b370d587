package storage

// Durable timers: everything that happens later (Lean Coffee timeboxes, circle reminders,
// impulse deliveries) is a Timer in Redis, run by a Timers loop in whichever replica claims it.
//
// Lanes. Every timer kind belongs to a lane (interactive, companion, bulk; see Lane). Each lane
// has a due set of its own, a claim of its own and handler slots of its own, so a fan-out of
// 10,000 impulse deliveries in the bulk lane never takes a slot a Lean Coffee timebox needs.
//
// Key schema. All keys carry the hash tag {timers}, so they share one Redis Cluster slot and a
// Lua script may touch them together:
//
//	wolbot:<ns>:{timers}:due:<lane> ZSET  id -> unix ms (Redis' clock) at which the timer is
//	                                      next claimable: its due time, or the end of its lease
//	                                      while claimed
//	wolbot:<ns>:{timers}:data       HASH  id -> "<attempt>|<due unix ms>|<kind>|<payload>"
//	                                      attempt counts deliveries (0 until first claimed), due
//	                                      is the scheduled time, kind has no '|', payload is raw
//	wolbot:<ns>:{timers}:claims     HASH  id -> token of the current claim; absent when unclaimed
//	wolbot:<ns>:{timers}:dead       ZSET  id -> unix ms at which the timer was given up
//	wolbot:<ns>:{timers}:dead:data  HASH  id -> the timer's data as it was given up
//	wolbot:<ns>:{timers}:dead:err   HASH  id -> the last error, at most 300 bytes
//	wolbot:<ns>:{timers}:due        ZSET  the single due set of versions before lanes; the loop
//	                                      moves what it finds there into the lanes (migrate)
//
// Life of a timer. Schedule writes the due entry of the kind's lane and the data, and drops any
// claim (and any entry in another lane). The claim script moves due ids to now+Lease, counts
// the attempt and writes a fresh token; "now" is Redis' TIME, so replicas with skewed clocks
// agree when a lease ends. The handler's outcome is reported with that token: ack deletes the
// timer, retry moves it to now+backoff, release (on stop, before the handler started) puts it
// back at its due time, give-up moves it to the dead-letter set. When the token no longer
// matches — the timer was rescheduled, cancelled, or re-claimed after its lease ran out — these
// are no-ops, so a stale claim can never delete or move a newer timer.
//
// Delivery is at-least-once: a replica that dies holding a claim leaves the timer to be claimed
// again when the lease ends, so handlers must be idempotent. Retries are bounded: a handler
// error that is permanent (IsPermanent), or the MaxAttempts-th failure, gives the timer up.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
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
// Returning an error (or panicking) re-delivers the timer after a backoff, up to MaxAttempts
// times; an error marked permanent (see Permanent) gives it up at once. Its context ends when
// the claim's lease does, since after that another replica may already run the timer again.
type TimerHandler func(ctx context.Context, t Timer) error

// GiveUpHandler is told about a timer of its kind that was given up into the dead-letter set,
// with the error that ended it; it may tell a person (a moderator, an admin). It runs once per
// give-up, best effort: its own error is logged, nothing more.
type GiveUpHandler func(ctx context.Context, t Timer, err error) error

// Lane is a class of timers with its own claim and its own handler slots.
type Lane string

// The lanes, from the most to the least latency-sensitive.
const (
	// LaneInteractive is for timers people in a conversation wait for: Lean Coffee timeboxes
	// and thumbs windows. Handle registers kinds here.
	LaneInteractive Lane = "interactive"
	// LaneCompanion is for timers of a longer rhythm: circle reminders, check-ins, purges.
	LaneCompanion Lane = "companion"
	// LaneBulk is for fan-outs: impulse slots and deliveries.
	LaneBulk Lane = "bulk"
)

// Lanes lists every lane.
var Lanes = []Lane{LaneInteractive, LaneCompanion, LaneBulk}

// DefaultConcurrency is the number of handlers that run at once in a lane of one replica
// unless configured. Handlers make their chat calls inside their slot, so a lane's throughput
// is its slots divided by the handler's time, and the defaults are sized for chat calls of
// 50–200 ms: 128 interactive slots run 1,000 timeboxes due at once (two calls each) in about
// 0.8 s at 50 ms and 3 s at 200 ms; 32 bulk slots carry an impulse rate of up to 160 posts a
// second at 200 ms (deliveries waiting for the rate limiter are rescheduled, they hold no
// slot). A slot is a goroutine: idle ones cost nothing.
func DefaultConcurrency(l Lane) int {
	switch l {
	case LaneInteractive:
		return 128
	default:
		return 32
	}
}

// ParseLane returns the lane named s.
func ParseLane(s string) (Lane, error) {
	for _, l := range Lanes {
		if string(l) == s {
			return l, nil
		}
	}
	return "", fmt.Errorf("unknown timer lane %q (want interactive, companion or bulk)", s)
}

// TimerOptions configure NewTimers. Zero values are documented defaults.
type TimerOptions struct {
	Lease   time.Duration // how long a claim lasts before re-delivery; default 30s
	MaxWait time.Duration // longest sleep between polls of a lane; default 1s
	Batch   int           // max timers claimed per round trip; default 32
	// Concurrency is the number of handlers running at once in each lane that LaneConcurrency
	// does not name; 0 means each lane's DefaultConcurrency.
	Concurrency int
	// LaneConcurrency sets the handlers running at once per lane (env WOLBOT_TIMER_CONCURRENCY).
	LaneConcurrency map[Lane]int
	// MaxAttempts is how many failed handler runs give a timer up into the dead-letter set;
	// default 20: with the default backoff about an hour of retries, which rides out a chat
	// platform's outage.
	MaxAttempts int
	// RetryMax is the longest backoff between two attempts (1s, 2s, 4s, ... up to it);
	// default 10×Lease, at most 5 minutes.
	RetryMax time.Duration
	// KeepEvery is how often the loop runs the schedule checks registered with Keep; default
	// 1 minute.
	KeepEvery time.Duration
	Logger    zerolog.Logger   // the zero value logs nothing, like zerolog.Nop()
	Now       func() time.Time // the due time of a timer scheduled with a zero Due; default time.Now
	Observer  TimerObserver    // told about every handler run, for metrics; nil means none
}

// TimerObserver is told about every run of a timer handler, for metrics. The loop calls it
// after the handler returned, from the handler's goroutine, so it must be safe for concurrent
// use and quick. kind is the timer's kind (a constant of the feature that scheduled it); lag is
// how late the handler started: its start minus the timer's due time, on Redis' clock, which
// for a redelivery still counts from the original due time; err is the handler's error (a
// panic becomes one), nil on success. Timers released unstarted on stop, or without a handler,
// are not reported.
type TimerObserver interface {
	TimerFired(kind string, lag time.Duration, err error)
}

// TimerGiveUpObserver may be implemented by a TimerObserver: it is told about every timer
// given up into the dead-letter set; permanent says whether a permanent error ended it (else
// it ran out of attempts).
type TimerGiveUpObserver interface {
	TimerGaveUp(kind string, permanent bool)
}

// KeepObserver may be implemented by a TimerObserver: it is told the outcome of every check
// of a recurring schedule registered with Keep: recreated when the check found the schedule's
// timer missing and made it again, err when the check failed.
type KeepObserver interface {
	ScheduleChecked(name string, recreated bool, err error)
}

// KeepFunc checks one recurring schedule and recreates its timer when it is missing (Redis
// lost its data, the timer was given up); it reports whether it recreated it. It must be
// idempotent: every replica runs it.
type KeepFunc func(ctx context.Context) (recreated bool, err error)

// Timers schedules durable timers and runs the loop that delivers them to handlers. Any number of
// Timers (in one process or in several replicas) may share a namespace: a claim with a lease
// makes sure only one of them runs a timer at a time. Register handlers with Handle or
// HandleLane, then call Run once; Schedule, Cancel, Get and Pending work with or without a
// running loop.
type Timers struct {
	s                                *Store
	opts                             TimerOptions
	legacyKey, dataKey, claims       string
	deadKey, deadDataKey, deadErrKey string
	lanes                            map[Lane]*lane
	dueKeys                          []string // every lane's due key, then the legacy one

	mu       sync.RWMutex
	handlers map[string]TimerHandler
	giveUps  map[string]GiveUpHandler
	kinds    map[string]Lane
	keepers  map[string]KeepFunc

	running atomic.Bool
	batcher atomic.Pointer[batcher] // set while Run runs: coalesces acks and retries

	instance string        // random; prefixes claim tokens, so a token shows who holds a claim
	seq      atomic.Uint64 // numbers claim round trips within this instance
}

// lane is one lane's due set, slots and wake-up.
type lane struct {
	name        Lane
	dueKey      string
	concurrency int
	// wake lets a local Schedule cut the lane loop's sleep short; wakeAt is the unix ms the
	// loop plans to poll next (math.MaxInt64 while it is not sleeping), so only an earlier
	// timer wakes it.
	wake   chan struct{}
	wakeAt atomic.Int64
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
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 20
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = min(10*opts.Lease, 5*time.Minute)
	}
	if opts.KeepEvery <= 0 {
		opts.KeepEvery = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	tag := Tag("timers")
	t := &Timers{
		s:           s,
		opts:        opts,
		legacyKey:   s.Key(tag, "due"),
		dataKey:     s.Key(tag, "data"),
		claims:      s.Key(tag, "claims"),
		deadKey:     s.Key(tag, "dead"),
		deadDataKey: s.Key(tag, "dead", "data"),
		deadErrKey:  s.Key(tag, "dead", "err"),
		lanes:       make(map[Lane]*lane, len(Lanes)),
		handlers:    make(map[string]TimerHandler),
		giveUps:     make(map[string]GiveUpHandler),
		kinds:       make(map[string]Lane),
		keepers:     make(map[string]KeepFunc),
		instance:    hex.EncodeToString(b[:]),
	}
	for _, name := range Lanes {
		n := opts.LaneConcurrency[name]
		if n <= 0 {
			n = opts.Concurrency
		}
		if n <= 0 {
			n = DefaultConcurrency(name)
		}
		ln := &lane{name: name, dueKey: s.Key(tag, "due", string(name)), concurrency: n, wake: make(chan struct{}, 1)}
		t.lanes[name] = ln
		t.dueKeys = append(t.dueKeys, ln.dueKey)
	}
	t.dueKeys = append(t.dueKeys, t.legacyKey)
	return t
}

// Handle registers h for timers of kind in the interactive lane, replacing any earlier handler
// for it.
func (t *Timers) Handle(kind string, h TimerHandler) { t.HandleLane(kind, LaneInteractive, h) }

// HandleLane registers h for timers of kind and puts the kind in lane l: timers of kind
// scheduled from now on are claimed by that lane's loop with that lane's slots. Register
// before scheduling. An unknown lane is the interactive one.
func (t *Timers) HandleLane(kind string, l Lane, h TimerHandler) {
	if t.lanes[l] == nil {
		l = LaneInteractive
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.handlers[kind] = h
	t.kinds[kind] = l
}

// HandleGiveUp registers h to be told when a timer of kind is given up; kind "" registers a
// hook for every kind without one of its own.
func (t *Timers) HandleGiveUp(kind string, h GiveUpHandler) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.giveUps[kind] = h
}

// Keep registers a check of the recurring schedule name: a running loop calls check every
// KeepEvery, so a schedule whose timer went missing comes back without a restart. Registering
// a name again replaces its check.
func (t *Timers) Keep(name string, check KeepFunc) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.keepers[name] = check
}

func (t *Timers) handler(kind string) TimerHandler {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.handlers[kind]
}

// laneOf is the lane of kind: where it was registered, else the interactive lane.
func (t *Timers) laneOf(kind string) *lane {
	t.mu.RLock()
	l, ok := t.kinds[kind]
	t.mu.RUnlock()
	if !ok {
		l = LaneInteractive
	}
	return t.lanes[l]
}

// Concurrency is the number of handler slots of lane l.
func (t *Timers) Concurrency(l Lane) int {
	if ln := t.lanes[l]; ln != nil {
		return ln.concurrency
	}
	return 0
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
	earliest := make(map[*lane]int64, len(t.lanes))
	for start := 0; start < len(tms); start += scheduleBatch {
		batch := tms[start:min(start+scheduleBatch, len(tms))]
		dues := make([]int64, len(batch))
		lanes := make([]*lane, len(batch))
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
			lanes[i] = t.laneOf(tm.Kind)
			if e, ok := earliest[lanes[i]]; !ok || dues[i] < e {
				earliest[lanes[i]] = dues[i]
			}
		}
		// Unconditional writes only, so MULTI is enough; the keys share a slot, so it is
		// Cluster-safe. The id leaves every other due set: one timer is in one lane only.
		_, err := t.s.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for i, tm := range batch {
				for _, k := range t.dueKeys {
					if k != lanes[i].dueKey {
						p.ZRem(ctx, k, tm.ID)
					}
				}
				p.ZAdd(ctx, lanes[i].dueKey, redis.Z{Score: float64(dues[i]), Member: tm.ID})
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
	for ln, e := range earliest {
		if e < ln.wakeAt.Load() {
			select {
			case ln.wake <- struct{}{}:
			default: // a wake-up is already pending
			}
		}
	}
	return nil
}

// Cancel deletes the timer with id, claimed or not. Cancelling an unknown id is not an error.
func (t *Timers) Cancel(ctx context.Context, id string) error {
	_, err := t.s.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range t.dueKeys {
			p.ZRem(ctx, k, id)
		}
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

// Pending returns the number of scheduled timers, claimed ones included, in all lanes.
func (t *Timers) Pending(ctx context.Context) (int64, error) {
	byLane, err := t.PendingByLane(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, c := range byLane {
		n += c
	}
	return n, nil
}

// PendingByLane returns the number of scheduled timers per lane, claimed ones included; timers
// still in the due set of an older version (not yet migrated) count under the lane "".
func (t *Timers) PendingByLane(ctx context.Context) (map[Lane]int64, error) {
	cmds := make([]*redis.IntCmd, len(t.dueKeys))
	_, err := t.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range t.dueKeys {
			cmds[i] = p.ZCard(ctx, k)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage: timers: pending: %w", err)
	}
	out := make(map[Lane]int64, len(cmds))
	for i, c := range cmds {
		name := Lane("")
		if i < len(Lanes) {
			name = Lanes[i]
		}
		out[name] = c.Val()
	}
	return out, nil
}

const (
	// opTimeout bounds the loop's own Redis calls, which run on a context that survives stopping
	// (see Run).
	opTimeout     = 5 * time.Second
	errBackoffMin = 100 * time.Millisecond
	errBackoffMax = 5 * time.Second
	// migrateEvery is how often a running loop looks for timers an older version scheduled into
	// the single due set (a rolling deploy), besides once at start.
	migrateEvery = 10 * time.Second
)

// Run claims due timers and runs their handlers until ctx is cancelled; then it waits for the
// handlers in flight and returns nil. Each lane has a loop of its own. Handlers keep their
// context when ctx is cancelled (it ends with their lease), so stopping takes at most one
// Lease. Redis errors are logged and retried with a backoff; they never end the loop. Run may
// only be running once per Timers.
func (t *Timers) Run(ctx context.Context) error {
	if !t.running.CompareAndSwap(false, true) {
		return errors.New("storage: timers: run: already running")
	}
	defer t.running.Store(false)

	// Handlers report outcomes through the batcher, so it stops after all of them.
	bt := newBatcher(t.s.Client)
	t.batcher.Store(bt)
	defer func() {
		t.batcher.Store(nil)
		bt.close()
	}()
	var handlers sync.WaitGroup
	defer handlers.Wait()

	var loops sync.WaitGroup
	loops.Go(func() { t.migrateLoop(ctx) })
	loops.Go(func() { t.keepLoop(ctx) })
	for _, name := range Lanes {
		ln := t.lanes[name]
		loops.Go(func() { t.runLane(ctx, ln, &handlers) })
	}
	loops.Wait()
	return nil
}

// migrateLoop moves timers from the due set of older versions into the lanes: at start and
// then every migrateEvery, since during a rolling deploy older replicas still schedule there.
func (t *Timers) migrateLoop(ctx context.Context) {
	for {
		if n, err := t.migrate(context.WithoutCancel(ctx)); err != nil {
			t.opts.Logger.Error().Err(err).Msg("timers: migrating timers of an older version failed")
		} else if n > 0 {
			t.opts.Logger.Info().Int("timers", n).Msg("timers: moved timers of an older version into their lanes")
		}
		if !sleep(ctx, migrateEvery) {
			return
		}
	}
}

// keepLoop runs the schedule checks every KeepEvery until ctx ends.
func (t *Timers) keepLoop(ctx context.Context) {
	for sleep(ctx, t.opts.KeepEvery) {
		t.mu.RLock()
		checks := make(map[string]KeepFunc, len(t.keepers))
		for name, f := range t.keepers {
			checks[name] = f
		}
		t.mu.RUnlock()
		for name, check := range checks {
			cctx, cancel := context.WithTimeout(ctx, opTimeout)
			recreated, err := callKeep(cctx, check)
			cancel()
			if o, ok := t.opts.Observer.(KeepObserver); ok {
				o.ScheduleChecked(name, recreated, err)
			}
			switch {
			case err != nil:
				t.opts.Logger.Error().Err(err).Str("schedule", name).Msg("timers: schedule check failed")
			case recreated:
				t.opts.Logger.Warn().Str("schedule", name).Msg("timers: the timer of a recurring schedule was missing; recreated")
			}
		}
	}
}

func callKeep(ctx context.Context, check KeepFunc) (recreated bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return check(ctx)
}

// runLane claims and runs the due timers of one lane until ctx ends.
func (t *Timers) runLane(ctx context.Context, ln *lane, handlers *sync.WaitGroup) {
	defer ln.wakeAt.Store(0)                     // nobody sleeps: Schedule need not wake anyone
	slots := make(chan struct{}, ln.concurrency) // one token per running handler
	var errWait time.Duration
	for {
		// Reserve handler slots before claiming: a lease starts running the moment a timer is
		// claimed, so the loop claims only what it can start right away and leaves the rest
		// claimable by other replicas.
		n := t.reserve(ctx, slots)
		if n == 0 {
			return
		}
		// Not sleeping now: a Schedule from here on must cut the coming sleep short, as this
		// claim may already have missed its timer.
		ln.wakeAt.Store(math.MaxInt64)

		// The claim runs on a context that survives ctx, so we always learn what we claimed and
		// can release it (deliver does) instead of leaving it locked for a whole lease.
		leaseEnd := time.Now().Add(t.opts.Lease)
		claimed, next, err := t.claim(context.WithoutCancel(ctx), ln, n)
		for range n - len(claimed) {
			<-slots
		}
		if err != nil {
			errWait = min(max(2*errWait, errBackoffMin), errBackoffMax)
			t.opts.Logger.Error().Err(err).Str("lane", string(ln.name)).Dur("retry_in", errWait).Msg("timers: claim failed")
			if !sleep(ctx, errWait) {
				return
			}
			continue
		}
		errWait = 0

		for _, c := range claimed {
			handlers.Go(func() {
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
		if next >= 0 {
			wait = min(wait, next)
		}
		if wait <= 0 {
			continue
		}
		ln.wakeAt.Store(time.Now().Add(wait).UnixMilli())
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-ln.wake:
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

// errAttemptsExhausted ends a timer whose earlier attempts all ended without an outcome (the
// process died, or the lease ran out): running it again is likely to do the same.
var errAttemptsExhausted = errors.New("storage: timers: attempts exhausted without an outcome")

// deliver runs one claimed timer's handler and reports the outcome with the claim's token.
func (t *Timers) deliver(ctx context.Context, c claim, leaseEnd time.Time) {
	ln := c.lane
	opCtx := context.WithoutCancel(ctx) // outcomes are reported even while stopping
	if ctx.Err() != nil {
		// Stopping before the handler started: give the timer back at its due time, so another
		// replica (or our restart) runs it at once rather than after the lease.
		if err := t.requeue(opCtx, ln, c, c.Due.UnixMilli(), false, true); err != nil {
			t.logTimer(t.opts.Logger.Error(), c.Timer).Err(err).Msg("timers: release failed; re-delivered after the lease")
		}
		return
	}
	h := t.handler(c.Kind)
	if h == nil {
		// Another replica may know the kind (a rolling deploy), so keep the timer, claimable
		// again after a lease, rather than drop it; the attempt is taken back, since nothing ran.
		t.logTimer(t.opts.Logger.Error(), c.Timer).Msg("timers: no handler for kind; re-delivered after the lease")
		if err := t.requeue(opCtx, ln, c, t.opts.Lease.Milliseconds(), true, true); err != nil {
			t.logTimer(t.opts.Logger.Error(), c.Timer).Err(err).Msg("timers: release failed; re-delivered after the lease")
		}
		return
	}
	if c.Attempt > t.opts.MaxAttempts {
		t.giveUp(opCtx, ln, c, errAttemptsExhausted)
		return
	}

	hctx, cancel := context.WithDeadline(opCtx, leaseEnd)
	started := c.now.Add(time.Since(c.claimedAt)) // Redis' clock at the start
	err := callHandler(hctx, h, c.Timer)
	cancel()
	if t.opts.Observer != nil {
		t.opts.Observer.TimerFired(c.Kind, started.Sub(c.Due), err)
	}
	if err == nil {
		if err := t.ack(opCtx, ln, c); err != nil {
			t.logTimer(t.opts.Logger.Error(), c.Timer).Err(err).Msg("timers: ack failed; re-delivered after the lease")
		}
		return
	}
	if IsPermanent(err) || c.Attempt >= t.opts.MaxAttempts {
		t.giveUp(opCtx, ln, c, err)
		return
	}
	wait := t.retryBackoff(c.Attempt)
	t.logTimer(t.opts.Logger.Error(), c.Timer).Err(err).Dur("retry_in", wait).Msg("timers: handler failed")
	if err := t.requeue(opCtx, ln, c, wait.Milliseconds(), true, false); err != nil {
		t.logTimer(t.opts.Logger.Error(), c.Timer).Err(err).Msg("timers: retry failed; re-delivered after the lease")
	}
}

// giveUp moves a claimed timer to the dead-letter set, logs it, tells the observer and the
// kind's GiveUpHandler.
func (t *Timers) giveUp(ctx context.Context, ln *lane, c claim, cause error) {
	permanent := IsPermanent(cause)
	moved, err := t.bury(ctx, ln, c, cause)
	if err != nil {
		t.logTimer(t.opts.Logger.Error(), c.Timer).Err(err).Msg("timers: give-up failed; re-delivered after the lease")
		return
	}
	if !moved {
		return // rescheduled or cancelled meanwhile: the newer timer lives on
	}
	t.logTimer(t.opts.Logger.Error(), c.Timer).Err(cause).Bool("permanent", permanent).Str("lane", string(ln.name)).
		Msg("timers: timer given up; moved to the dead-letter set")
	if o, ok := t.opts.Observer.(TimerGiveUpObserver); ok {
		o.TimerGaveUp(c.Kind, permanent)
	}
	t.mu.RLock()
	h, ok := t.giveUps[c.Kind]
	if !ok {
		h = t.giveUps[""]
	}
	t.mu.RUnlock()
	if h == nil {
		return
	}
	hctx, cancel := context.WithTimeout(ctx, t.opts.Lease)
	defer cancel()
	if err := callGiveUp(hctx, h, c.Timer, cause); err != nil {
		t.logTimer(t.opts.Logger.Warn(), c.Timer).Err(err).Msg("timers: give-up handler failed")
	}
}

func (t *Timers) logTimer(e *zerolog.Event, tm Timer) *zerolog.Event {
	return e.Str("timer_id", tm.ID).Str("kind", tm.Kind).Int("attempt", tm.Attempt)
}

// retryBackoff is 1s, 2s, 4s, ... for attempts 1, 2, 3, ..., never longer than RetryMax.
func (t *Timers) retryBackoff(attempt int) time.Duration {
	if attempt < 1 || attempt > 30 {
		return t.opts.RetryMax
	}
	return min(time.Second<<(attempt-1), t.opts.RetryMax)
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

func callGiveUp(ctx context.Context, h GiveUpHandler, tm Timer, cause error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return h(ctx, tm, cause)
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

// permanentError marks an error as final for the timer loop.
type permanentError struct{ err error }

func (e permanentError) Error() string   { return e.err.Error() }
func (e permanentError) Unwrap() error   { return e.err }
func (e permanentError) Permanent() bool { return true }

// Permanent marks err as permanent: a handler returning it is not retried, its timer is given
// up into the dead-letter set at once. nil stays nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err, or an error it wraps, has a method Permanent() bool that
// returns true: errors made by Permanent, and the chat port's adapters.ErrPermanent (a channel
// the bot cannot post in, an archived channel, a deactivated user).
func IsPermanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}
