package storage

// The timer loop's Redis side: the Lua scripts that claim, acknowledge, retry, give up and
// migrate timers, the batcher that sends many handlers' outcomes in one round trip, and the
// data encoding. Every script that needs "now" asks Redis (TIME), never the replica's clock.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// claim is a delivered timer plus the token that proves the claim.
type claim struct {
	Timer
	lane      *lane // the lane it was claimed from
	token     string
	now       time.Time // Redis' clock when the claim was made
	claimedAt time.Time // this process' clock then (monotonic), to advance now locally
}

// luaNow sets now to Redis' clock in unix ms.
const luaNow = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
`

// claimScript claims up to ARGV[2] timers of one lane (KEYS[1]) that are due by Redis' clock,
// for ARGV[1] ms (the lease). It returns {next, now, id1, data1, token1, ...}: next is how many
// ms after now the earliest score left in the lane falls (a due time or a lease end), "" when
// the lane is empty, so the loop knows how long to sleep without another round trip and
// without trusting its own clock.
var claimScript = redis.NewScript(luaNow + `
local due, data, claims = KEYS[1], KEYS[2], KEYS[3]
local leaseEnd = now + tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', due, '-inf', now, 'LIMIT', 0, ARGV[2])
local out = {'', string.format('%.0f', now)}
for i, id in ipairs(ids) do
  local v = redis.call('HGET', data, id)
  if v then
    local sep = string.find(v, '|', 1, true)
    v = (tonumber(string.sub(v, 1, sep - 1)) + 1) .. string.sub(v, sep)
    local token = ARGV[3] .. '.' .. i
    redis.call('HSET', data, id, v)
    redis.call('HSET', claims, id, token)
    redis.call('ZADD', due, leaseEnd, id)
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
if first[2] then out[1] = string.format('%.0f', tonumber(first[2]) - now) end
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
// at ARGV[3]: unix ms, or with ARGV[5] == "1" ms after Redis' now. ARGV[4] == "1" also takes
// back the attempt the claim counted, for a timer whose handler never ran.
var requeueScript = redis.NewScript(luaNow + `
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
local at = tonumber(ARGV[3])
if ARGV[5] == '1' then at = now + at end
redis.call('ZADD', KEYS[1], at, ARGV[1])
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

// buryScript gives up timer ARGV[1] if claim token ARGV[2] still holds it: the timer leaves its
// lane (KEYS[1]) and its data moves to the dead-letter set (KEYS[4..6]) with "<lane>|<error>"
// (ARGV[3]). The set keeps the newest ARGV[4] timers, none older than ARGV[5] ms.
var buryScript = redis.NewScript(luaNow + `
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
local v = redis.call('HGET', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if not v then return 0 end
redis.call('ZADD', KEYS[4], now, ARGV[1])
redis.call('HSET', KEYS[5], ARGV[1], v)
redis.call('HSET', KEYS[6], ARGV[1], ARGV[3])
local function forget(old)
  for _, id in ipairs(old) do
    redis.call('ZREM', KEYS[4], id)
    redis.call('HDEL', KEYS[5], id)
    redis.call('HDEL', KEYS[6], id)
  end
end
forget(redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now - tonumber(ARGV[5]), 'LIMIT', 0, 100))
local excess = redis.call('ZCARD', KEYS[4]) - tonumber(ARGV[4])
if excess > 0 then forget(redis.call('ZRANGE', KEYS[4], 0, excess - 1)) end
return 1
`)

// migrateScript moves up to ARGV[1] timers from the single due set of older versions (KEYS[1])
// into the lanes (KEYS[4], KEYS[5], ...) with their scores, so leases and due times hold. ARGV
// from 2 on are pairs of kind and lane number (1 is KEYS[4]); unknown kinds go to lane 1. It
// returns {moved, left}.
var migrateScript = redis.NewScript(`
local lanes = {}
for i = 2, #ARGV, 2 do lanes[ARGV[i]] = tonumber(ARGV[i + 1]) end
local items = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
local moved = 0
for i = 1, #items, 2 do
  local id, score = items[i], items[i + 1]
  local v = redis.call('HGET', KEYS[2], id)
  redis.call('ZREM', KEYS[1], id)
  if v then
    local s1 = string.find(v, '|', 1, true)
    local s2 = string.find(v, '|', s1 + 1, true)
    local s3 = string.find(v, '|', s2 + 1, true)
    local lane = lanes[string.sub(v, s2 + 1, s3 - 1)] or 1
    redis.call('ZADD', KEYS[3 + lane], score, id)
    moved = moved + 1
  else
    redis.call('HDEL', KEYS[3], id)
  end
end
return {moved, redis.call('ZCARD', KEYS[1])}
`)

// requeueDeadScript puts dead timer ARGV[1] back into lane KEYS[1], claimable at once by Redis'
// clock with its attempts reset, if its data is still ARGV[2] and no live timer has its id.
var requeueDeadScript = redis.NewScript(luaNow + `
if redis.call('HGET', KEYS[5], ARGV[1]) ~= ARGV[2] then return 0 end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return -1 end
local v = ARGV[2]
local sep = string.find(v, '|', 1, true)
redis.call('HSET', KEYS[2], ARGV[1], '0' .. string.sub(v, sep))
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
redis.call('HDEL', KEYS[6], ARGV[1])
return 1
`)

// maxDead bounds the dead-letter set, the oldest entries going first; maxDeadAge is how long
// an entry is kept at most (timer payloads may name people, so they do not stay forever). Old
// entries are dropped whenever another timer is given up.
const (
	maxDead    = 10000
	maxDeadAge = 30 * 24 * time.Hour
)

// laneKeys is the KEYS layout of the claim, ack and requeue scripts.
func (t *Timers) laneKeys(ln *lane) []string { return []string{ln.dueKey, t.dataKey, t.claims} }

// claim claims up to n due timers of ln and returns them with how long after Redis' now the
// earliest remaining score falls (negative if there are no timers left in the lane).
func (t *Timers) claim(ctx context.Context, ln *lane, n int) ([]claim, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	token := t.instance + "." + strconv.FormatUint(t.seq.Add(1), 10)
	res, err := claimScript.Run(ctx, t.s.Client, t.laneKeys(ln), t.opts.Lease.Milliseconds(), n, token).StringSlice()
	claimedAt := time.Now()
	if err != nil {
		return nil, 0, fmt.Errorf("storage: timers: claim %s: %w", ln.name, err)
	}
	if len(res) < 2 || (len(res)-2)%3 != 0 {
		return nil, 0, fmt.Errorf("storage: timers: claim %s: malformed reply of %d items", ln.name, len(res))
	}
	next := time.Duration(-1)
	if res[0] != "" {
		ms, err := strconv.ParseInt(res[0], 10, 64)
		if err != nil {
			return nil, 0, fmt.Errorf("storage: timers: claim %s: next score %q: %w", ln.name, res[0], err)
		}
		next = max(time.Duration(ms)*time.Millisecond, 0)
	}
	nowMs, err := strconv.ParseInt(res[1], 10, 64)
	if err != nil {
		return nil, 0, fmt.Errorf("storage: timers: claim %s: now %q: %w", ln.name, res[1], err)
	}
	now := time.UnixMilli(nowMs)
	claimed := make([]claim, 0, (len(res)-2)/3)
	for i := 2; i+2 < len(res); i += 3 {
		tm, err := decodeTimer(res[i], res[i+1])
		if err != nil {
			// Leave the undecodable timer claimed: it reappears after the lease and is logged
			// again, which is louder than dropping it.
			t.opts.Logger.Error().Err(err).Str("timer_id", res[i]).Msg("timers: bad timer data")
			continue
		}
		claimed = append(claimed, claim{Timer: tm, lane: ln, token: res[i+2], now: now, claimedAt: claimedAt})
	}
	return claimed, next, nil
}

// eval runs a script of the outcome path: through the running loop's batcher, which sends the
// outcomes of many handlers in one round trip, or directly when no loop runs.
func (t *Timers) eval(ctx context.Context, sc *redis.Script, keys []string, args ...any) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if b := t.batcher.Load(); b != nil {
		return b.do(ctx, sc, keys, args)
	}
	return sc.Run(ctx, t.s.Client, keys, args...).Result()
}

func (t *Timers) ack(ctx context.Context, ln *lane, c claim) error {
	if _, err := t.eval(ctx, ackScript, t.laneKeys(ln), c.ID, c.token); err != nil {
		return fmt.Errorf("storage: timers: ack %s: %w", c.ID, err)
	}
	return nil
}

// requeue ends claim c by making its timer due at ms: unix ms, or ms after Redis' now when
// relative.
func (t *Timers) requeue(ctx context.Context, ln *lane, c claim, ms int64, relative, undoAttempt bool) error {
	undo, rel := "0", "0"
	if undoAttempt {
		undo = "1"
	}
	if relative {
		rel = "1"
	}
	if _, err := t.eval(ctx, requeueScript, t.laneKeys(ln), c.ID, c.token, ms, undo, rel); err != nil {
		return fmt.Errorf("storage: timers: requeue %s: %w", c.ID, err)
	}
	return nil
}

// bury moves claim c's timer to the dead-letter set; false when the claim no longer held.
func (t *Timers) bury(ctx context.Context, ln *lane, c claim, cause error) (bool, error) {
	msg := cause.Error()
	if len(msg) > 300 {
		msg = msg[:300]
	}
	keys := []string{ln.dueKey, t.dataKey, t.claims, t.deadKey, t.deadDataKey, t.deadErrKey}
	v, err := t.eval(ctx, buryScript, keys, c.ID, c.token, string(ln.name)+"|"+msg, maxDead, maxDeadAge.Milliseconds())
	if err != nil {
		return false, fmt.Errorf("storage: timers: give up %s: %w", c.ID, err)
	}
	n, _ := v.(int64)
	return n == 1, nil
}

// migrate moves every timer from the due set of older versions into its lane; it returns how
// many it moved.
func (t *Timers) migrate(ctx context.Context) (int, error) {
	keys := append([]string{t.legacyKey, t.dataKey, t.claims}, t.dueKeys[:len(Lanes)]...)
	args := []any{1000}
	t.mu.RLock()
	for kind, l := range t.kinds {
		for i, name := range Lanes {
			if name == l {
				args = append(args, kind, i+1)
			}
		}
	}
	t.mu.RUnlock()
	total := 0
	// Each call empties up to 1000 entries; the bound only stops a loop against an older
	// replica that schedules faster than this moves.
	for range 1000 {
		cctx, cancel := context.WithTimeout(ctx, opTimeout)
		res, err := migrateScript.Run(cctx, t.s.Client, keys, args...).Int64Slice()
		cancel()
		if err != nil {
			return total, fmt.Errorf("storage: timers: migrate: %w", err)
		}
		if len(res) != 2 {
			return total, fmt.Errorf("storage: timers: migrate: malformed reply of %d items", len(res))
		}
		total += int(res[0])
		if res[1] == 0 {
			return total, nil
		}
	}
	return total, nil
}

// DeadTimer is a timer given up into the dead-letter set.
type DeadTimer struct {
	Timer            // as it was given up; Attempt is the number of attempts it had
	Lane   Lane      // the lane it ran in, and goes back to when requeued
	GaveUp time.Time // when, by Redis' clock
	Err    string    // the last error, at most 300 bytes
}

// splitDeadErr splits the dead-letter set's "<lane>|<error>".
func splitDeadErr(v string) (Lane, string) {
	name, msg, _ := strings.Cut(v, "|")
	l, err := ParseLane(name)
	if err != nil {
		return "", v
	}
	return l, msg
}

// Dead lists up to limit given-up timers, the newest first.
func (t *Timers) Dead(ctx context.Context, limit int) ([]DeadTimer, error) {
	if limit <= 0 {
		return nil, nil
	}
	zs, err := t.s.Client.ZRevRangeWithScores(ctx, t.deadKey, 0, int64(limit)-1).Result()
	if err != nil {
		return nil, fmt.Errorf("storage: timers: dead: %w", err)
	}
	if len(zs) == 0 {
		return nil, nil
	}
	ids := make([]string, len(zs))
	for i, z := range zs {
		ids[i], _ = z.Member.(string)
	}
	var data, errs *redis.SliceCmd
	_, err = t.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		data = p.HMGet(ctx, t.deadDataKey, ids...)
		errs = p.HMGet(ctx, t.deadErrKey, ids...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage: timers: dead: %w", err)
	}
	out := make([]DeadTimer, 0, len(ids))
	for i, id := range ids {
		v, _ := data.Val()[i].(string)
		tm, err := decodeTimer(id, v)
		if err != nil {
			tm = Timer{ID: id}
		}
		v, _ = errs.Val()[i].(string)
		l, msg := splitDeadErr(v)
		out = append(out, DeadTimer{Timer: tm, Lane: l, GaveUp: time.UnixMilli(int64(zs[i].Score)), Err: msg})
	}
	return out, nil
}

// DeadCount is the number of timers in the dead-letter set.
func (t *Timers) DeadCount(ctx context.Context) (int64, error) {
	n, err := t.s.Client.ZCard(ctx, t.deadKey).Result()
	if err != nil {
		return 0, fmt.Errorf("storage: timers: dead count: %w", err)
	}
	return n, nil
}

// ErrTimerExists is returned by RequeueDead when a live timer has the dead timer's id.
var ErrTimerExists = errors.New("a timer with this id is scheduled")

// RequeueDead puts the given-up timer id back into the lane it ran in, due at once, with its
// attempts reset; false when there is no such dead timer. A live timer with the same id wins:
// the dead one stays, and the error is ErrTimerExists. It needs no handlers registered, so a
// command-line tool can call it.
func (t *Timers) RequeueDead(ctx context.Context, id string) (bool, error) {
	var data, lerr *redis.StringCmd
	_, err := t.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		data = p.HGet(ctx, t.deadDataKey, id)
		lerr = p.HGet(ctx, t.deadErrKey, id)
		return nil
	})
	if errors.Is(data.Err(), redis.Nil) {
		return false, nil
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, fmt.Errorf("storage: timers: requeue dead %s: %w", id, err)
	}
	v := data.Val()
	tm, err := decodeTimer(id, v)
	if err != nil {
		return false, fmt.Errorf("storage: timers: requeue dead %s: %w", id, err)
	}
	ln := t.laneOf(tm.Kind)
	if l, _ := splitDeadErr(lerr.Val()); t.lanes[l] != nil {
		ln = t.lanes[l]
	}
	keys := []string{ln.dueKey, t.dataKey, t.claims, t.deadKey, t.deadDataKey, t.deadErrKey}
	n, err := requeueDeadScript.Run(ctx, t.s.Client, keys, id, v).Int64()
	if err != nil {
		return false, fmt.Errorf("storage: timers: requeue dead %s: %w", id, err)
	}
	switch n {
	case 1:
		select {
		case ln.wake <- struct{}{}:
		default:
		}
		return true, nil
	case -1:
		return false, fmt.Errorf("storage: timers: requeue dead %s: %w", id, ErrTimerExists)
	default:
		return false, nil // dropped or requeued meanwhile
	}
}

// DropDead deletes the given-up timer id; false when there was none.
func (t *Timers) DropDead(ctx context.Context, id string) (bool, error) {
	var n *redis.IntCmd
	_, err := t.s.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		n = p.ZRem(ctx, t.deadKey, id)
		p.HDel(ctx, t.deadDataKey, id)
		p.HDel(ctx, t.deadErrKey, id)
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("storage: timers: drop dead %s: %w", id, err)
	}
	return n.Val() == 1, nil
}

// batcher sends script calls that arrive while another batch is on its way as one pipeline:
// with many handlers finishing at once, their acks cost a round trip per batch, not per timer,
// and an idle loop's single ack goes out at once.
type batcher struct {
	client redis.UniversalClient
	ops    chan *batchOp
	done   chan struct{}
}

type batchOp struct {
	sc   *redis.Script
	keys []string
	args []any
	val  any
	err  error
	done chan struct{}
}

// maxBatchOps bounds one pipeline of the batcher.
const maxBatchOps = 128

func newBatcher(client redis.UniversalClient) *batcher {
	b := &batcher{client: client, ops: make(chan *batchOp, maxBatchOps), done: make(chan struct{})}
	go b.loop()
	return b
}

// close stops the batcher once every op sent has been answered; no op may be sent after.
func (b *batcher) close() {
	close(b.ops)
	<-b.done
}

func (b *batcher) do(ctx context.Context, sc *redis.Script, keys []string, args []any) (any, error) {
	op := &batchOp{sc: sc, keys: keys, args: args, done: make(chan struct{})}
	select {
	case b.ops <- op:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	<-op.done // the batcher answers every op it took, with opTimeout of its own
	return op.val, op.err
}

func (b *batcher) loop() {
	defer close(b.done)
	batch := make([]*batchOp, 0, maxBatchOps)
	for op := range b.ops {
		batch = append(batch[:0], op)
	drain:
		for len(batch) < maxBatchOps {
			select {
			case more, ok := <-b.ops:
				if !ok {
					break drain
				}
				batch = append(batch, more)
			default:
				break drain
			}
		}
		b.send(batch)
	}
}

// send runs batch in one pipeline. A script Redis does not know yet (NOSCRIPT: a restarted or
// failed-over server) is run again on its own, which loads it.
func (b *batcher) send(batch []*batchOp) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if len(batch) == 1 {
		op := batch[0]
		op.val, op.err = op.sc.Run(ctx, b.client, op.keys, op.args...).Result()
		close(op.done)
		return
	}
	cmds := make([]*redis.Cmd, len(batch))
	_, _ = b.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, op := range batch {
			cmds[i] = op.sc.EvalSha(ctx, p, op.keys, op.args...)
		}
		return nil
	})
	for i, op := range batch {
		op.val, op.err = cmds[i].Result()
		if op.err != nil && redis.HasErrorPrefix(op.err, "NOSCRIPT") {
			op.val, op.err = op.sc.Run(ctx, b.client, op.keys, op.args...).Result()
		}
		close(op.done)
	}
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
