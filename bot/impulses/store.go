package impulses

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/storage"
)

// Key schema. A subscriber's keys share the hash tag of its id, an impulse's keys the hash tag
// of the impulse id, so every Lua script below stays within one Redis Cluster slot:
//
//	wolbot:<ns>:imp:sub:{<sub>}              HASH    the subscriber (see the fields below)
//	wolbot:<ns>:imp:sub:{<sub>}:archive      ZSET    impulse id → unix ms it was received
//	wolbot:<ns>:imp:active                   SET     ids of active subscribers: an index for the
//	                                                 fan-out; the hash's "active" is the truth
//	wolbot:<ns>:imp:impulse:{<id>}:stats     HASH    delivered, up, down → count
//	wolbot:<ns>:imp:impulse:{<id>}:votes     HASH    "<platform>:<user>" → up|down
//	wolbot:<ns>:imp:schedule                 STRING  cron expression set by an admin; wins
//	                                                 over the start value (Options.Schedule)
//	wolbot:<ns>:imp:rate                     STRING  the rate limiter's next free send time (µs)
//
// A subscriber id is "<platform>:@<user>" (delivered as a direct message) or
// "<platform>:#<channel>" (posted in the channel). Subscriber hash fields:
//
//	kind             user | channel
//	platform, team   where it was subscribed; team is informational
//	target           the user id or channel id delivered to
//	name             display name (a handle or channel name), for admins' lists
//	lang             de | en: the language of the series
//	audience         leaders | planners | all
//	region           a free label, for statistics
//	by               who subscribed it (a user id)
//	active           1 while subscribed, 0 after stopping (the archive is kept)
//	paused_until     unix ms; deliveries before it are skipped without advancing the series
//	created          unix ms of the first subscription
//	last_slot        unix ms of the last slot delivered (or told "all received")
//	inflight_slot    unix ms of the slot being delivered right now, absent otherwise
//	inflight_impulse the impulse id being delivered ("" = the "all received" notice)
//	inflight_at      unix ms when the delivery was reserved
//	told             1 after "you have received all impulses" was sent; cleared by the next impulse
//
// Retention (Options.Retention, DefaultRetention): an active subscription has no TTL. The
// archive (the delivery log) gets the retention as TTL, refreshed by every delivery; a votes
// hash gets it refreshed by every vote (after it expires, a vote on that impulse counts anew;
// the stats hash keeps its counts, which hold no personal data). Stopping a subscription, or
// its end because the recipient is gone, gives the subscriber hash the retention as TTL too;
// subscribing again removes it. privacy.go exports and deletes a person's keys on request.
//
// The index "active" and the hash cannot change atomically together (different slots), so each
// write changes the hash first and the index after: a crash in between leaves an inactive id in
// the index (the delivery script drops it) or an active one missing (subscribing again repairs
// it; so does every "already subscribed" answer).

// Subscriber kinds.
const (
	KindUser    = "user"
	KindChannel = "channel"
)

// subscriber is one recipient of the series: the subscriber hash, decoded.
type subscriber struct {
	ID              string // "<platform>:@<user>" or "<platform>:#<channel>"
	Kind            string // KindUser or KindChannel
	Platform, Team  string
	Target          string // user id or channel id
	Name            string
	Lang, Audience  string
	Region, By      string
	Active          bool
	PausedUntil     time.Time // zero: not paused
	Created         time.Time
	LastSlot        int64 // unix ms
	InflightSlot    int64 // unix ms; 0 when no delivery is under way
	InflightAt      int64 // unix ms
	InflightImpulse string
	Told            bool
}

// Paused reports whether deliveries are skipped at now.
func (s *subscriber) Paused(now time.Time) bool {
	return !s.PausedUntil.IsZero() && s.PausedUntil.After(now)
}

func userSubID(platform, user string) string       { return platform + ":@" + user }
func channelSubID(platform, channel string) string { return platform + ":#" + channel }

// DefaultRetention is how long delivery logs, feedback and stopped subscriptions are kept when
// Options.Retention is 0: long enough that a pause of months neither repeats the series nor
// loses it.
const DefaultRetention = 180 * 24 * time.Hour

// store reads and writes the feature's keys.
type store struct {
	s                         *storage.Store
	active, schedule, rateKey string
	retention                 time.Duration
}

func newStore(s *storage.Store, retention time.Duration) *store {
	if retention <= 0 {
		retention = DefaultRetention
	}
	return &store{
		s:         s,
		active:    s.Key("imp", "active"),
		schedule:  s.Key("imp", "schedule"),
		rateKey:   s.Key("imp", "rate"),
		retention: retention,
	}
}

// retentionMS is the retention as the scripts take it.
func (st *store) retentionMS() int64 { return st.retention.Milliseconds() }

func (st *store) subKey(id string) string     { return st.s.Key("imp", "sub", storage.Tag(id)) }
func (st *store) archiveKey(id string) string { return st.subKey(id) + ":archive" }
func (st *store) statsKey(imp string) string {
	return st.s.Key("imp", "impulse", storage.Tag(imp), "stats")
}
func (st *store) votesKey(imp string) string {
	return st.s.Key("imp", "impulse", storage.Tag(imp), "votes")
}

// load reads a subscriber and its archive in one round trip; nil when it never subscribed. The
// archive comes both as a map (impulse id -> time received) and as the list of its entries in
// the order received (member: impulse id, score: unix ms).
func (st *store) load(ctx context.Context, id string) (*subscriber, map[string]time.Time, []redis.Z, error) {
	var h *redis.MapStringStringCmd
	var a *redis.ZSliceCmd
	_, err := st.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		h = p.HGetAll(ctx, st.subKey(id))
		a = p.ZRangeWithScores(ctx, st.archiveKey(id), 0, -1)
		return nil
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("impulses: load subscriber %s: %w", id, err)
	}
	if len(h.Val()) == 0 {
		return nil, nil, nil, nil
	}
	sub, err := decodeSubscriber(id, h.Val())
	if err != nil {
		return nil, nil, nil, err
	}
	archive := make(map[string]time.Time, len(a.Val()))
	for _, z := range a.Val() {
		archive[z.Member.(string)] = time.UnixMilli(int64(z.Score))
	}
	return sub, archive, a.Val(), nil
}

func decodeSubscriber(id string, h map[string]string) (*subscriber, error) {
	var bad error
	num := func(f string) int64 {
		if h[f] == "" {
			return 0
		}
		n, err := strconv.ParseInt(h[f], 10, 64)
		if err != nil && bad == nil {
			bad = fmt.Errorf("impulses: subscriber %s: field %s: %w", id, f, err)
		}
		return n
	}
	ms := func(f string) time.Time {
		if n := num(f); n > 0 {
			return time.UnixMilli(n)
		}
		return time.Time{}
	}
	s := &subscriber{
		ID: id, Kind: h["kind"], Platform: h["platform"], Team: h["team"], Target: h["target"],
		Name: h["name"], Lang: h["lang"], Audience: h["audience"], Region: h["region"], By: h["by"],
		Active: h["active"] == "1", PausedUntil: ms("paused_until"), Created: ms("created"),
		LastSlot: num("last_slot"), InflightSlot: num("inflight_slot"), InflightAt: num("inflight_at"),
		InflightImpulse: h["inflight_impulse"], Told: h["told"] == "1",
	}
	return s, bad
}

// subscribeScript makes KEYS[1] an active subscriber unless it is one: ARGV[1] is now (unix
// ms), the rest field/value pairs. A former subscriber keeps archive and last slot, so the
// series goes on where it stopped. Returns ok, again (re-subscribed) or already.
var subscribeScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'active') == '1' then return 'already' end
local again = redis.call('EXISTS', KEYS[1]) == 1
redis.call('HSET', KEYS[1], 'active', '1', 'paused_until', '0', unpack(ARGV, 2))
redis.call('PERSIST', KEYS[1])
if again then return 'again' end
redis.call('HSET', KEYS[1], 'created', ARGV[1])
return 'ok'
`)

// changeScript changes an active subscriber: ARGV[1] is the change, ARGV[2] its value, ARGV[3]
// now (unix ms), ARGV[4] the retention (ms) that a stopped subscription and its archive
// (KEYS[2]) get as TTL. Returns none (not an active subscriber), notpaused (resume without a
// pause) or ok.
var changeScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'active') ~= '1' then return 'none' end
local what = ARGV[1]
if what == 'pause' then
  redis.call('HSET', KEYS[1], 'paused_until', ARGV[2])
elseif what == 'resume' then
  if tonumber(redis.call('HGET', KEYS[1], 'paused_until') or '0') <= tonumber(ARGV[3]) then
    return 'notpaused'
  end
  redis.call('HSET', KEYS[1], 'paused_until', '0')
elseif what == 'stop' then
  redis.call('HSET', KEYS[1], 'active', '0', 'paused_until', '0')
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  if redis.call('PTTL', KEYS[2]) == -1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
elseif what == 'lang' then
  redis.call('HSET', KEYS[1], 'lang', ARGV[2])
else
  return redis.error_reply('unknown change ' .. what)
end
return 'ok'
`)

// subscribe runs subscribeScript and then puts the id into the index (also when the answer is
// "already": an index entry lost in a crash is repaired, and an existing one is unchanged).
func (st *store) subscribe(ctx context.Context, sub *subscriber, now time.Time) (string, error) {
	args := []any{now.UnixMilli(),
		"kind", sub.Kind, "platform", sub.Platform, "team", sub.Team, "target", sub.Target,
		"name", sub.Name, "lang", sub.Lang, "audience", sub.Audience, "region", sub.Region, "by", sub.By}
	res, err := subscribeScript.Run(ctx, st.s.Client, []string{st.subKey(sub.ID)}, args...).Text()
	if err != nil {
		return "", fmt.Errorf("impulses: subscribe %s: %w", sub.ID, err)
	}
	if err := st.s.Client.SAdd(ctx, st.active, sub.ID).Err(); err != nil {
		return "", fmt.Errorf("impulses: index %s: %w", sub.ID, err)
	}
	return res, nil
}

// change applies pause, resume, stop or lang to an active subscriber; stop also leaves the
// index.
func (st *store) change(ctx context.Context, id, what, value string, now time.Time) (string, error) {
	res, err := changeScript.Run(ctx, st.s.Client, []string{st.subKey(id), st.archiveKey(id)}, what, value,
		now.UnixMilli(), st.retentionMS()).Text()
	if err != nil {
		return "", fmt.Errorf("impulses: %s %s: %w", what, id, err)
	}
	if what == "stop" && res == "ok" {
		if err := st.s.Client.SRem(ctx, st.active, id).Err(); err != nil {
			return "", fmt.Errorf("impulses: unindex %s: %w", id, err)
		}
	}
	return res, nil
}

// reserveScript starts the delivery of slot ARGV[1] to subscriber KEYS[1] (archive KEYS[2])
// and chooses what to deliver, atomically: the first id of the series ARGV[7] (comma-separated,
// computed by Go from the library for language ARGV[5] and audience ARGV[6]) that is not in the
// archive; "" (none left) means the "all received" notice. ARGV[2] is now (unix ms), ARGV[3]
// "1" to deliver despite a pause (/impuls jetzt), ARGV[4] after how many ms another slot's
// unfinished delivery counts as abandoned. Every reply is {status, slot, impulse, kind, target,
// lang, audience}; status is one of
//
//	gone      no such subscriber
//	done      this slot or a later one is delivered already
//	resume    this slot was reserved before (a redelivery): post what it reserved, same key
//	inactive  unsubscribed: nothing to do
//	paused    paused: nothing to do, nothing skipped
//	busy      another slot's delivery is under way: try again shortly
//	takeover  another slot's delivery was abandoned: finish it first (its slot and impulse)
//	changed   the subscriber's language or audience is not ARGV[5], ARGV[6]: ask again with
//	          the series of the ones replied
//	quiet     the series is exhausted and the subscriber was told so already
//	ok        reserved
var reserveScript = redis.NewScript(`
local h = redis.call('HMGET', KEYS[1], 'active', 'paused_until', 'last_slot', 'inflight_slot',
  'inflight_impulse', 'inflight_at', 'told', 'lang', 'audience', 'kind', 'target')
if not h[1] then return {'gone'} end
local function reply(status, slot, impulse)
  return {status, slot, impulse, h[10] or '', h[11] or '', h[8] or '', h[9] or ''}
end
local slot, now = tonumber(ARGV[1]), tonumber(ARGV[2])
local inflight = tonumber(h[4] or '0')
if tonumber(h[3] or '0') >= slot then return reply('done', '', '') end
if inflight == slot then return reply('resume', h[4], h[5] or '') end
if h[1] ~= '1' then return reply('inactive', '', '') end
if ARGV[3] ~= '1' and tonumber(h[2] or '0') > now then return reply('paused', '', '') end
if inflight ~= 0 then
  if now - tonumber(h[6] or '0') < tonumber(ARGV[4]) then return reply('busy', '', '') end
  return reply('takeover', h[4], h[5] or '')
end
if (h[8] or '') ~= ARGV[5] or (h[9] or '') ~= ARGV[6] then return reply('changed', '', '') end
local pick = ''
for id in string.gmatch(ARGV[7], '[^,]+') do
  if not redis.call('ZSCORE', KEYS[2], id) then
    pick = id
    break
  end
end
if pick == '' and h[7] == '1' then return reply('quiet', '', '') end
redis.call('HSET', KEYS[1], 'inflight_slot', ARGV[1], 'inflight_impulse', pick, 'inflight_at', ARGV[2])
return reply('ok', ARGV[1], pick)
`)

// commitScript finishes the delivery of slot ARGV[1] with impulse ARGV[2] at ARGV[3] (unix ms):
// archive it (refreshing the archive's TTL to ARGV[4] ms), remember the slot, clear the
// reservation. Replies ok, done (finished before, by a
// redelivery or a takeover) or lost (the reservation is gone: nothing was changed).
var commitScript = redis.NewScript(`
local h = redis.call('HMGET', KEYS[1], 'last_slot', 'inflight_slot', 'inflight_impulse')
local slot = tonumber(ARGV[1])
if tonumber(h[2] or '0') == slot and (h[3] or '') == ARGV[2] then
  if ARGV[2] ~= '' then
    redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[2])
    redis.call('PEXPIRE', KEYS[2], ARGV[4])
    redis.call('HDEL', KEYS[1], 'told')
  else
    redis.call('HSET', KEYS[1], 'told', '1')
  end
  if tonumber(h[1] or '0') < slot then redis.call('HSET', KEYS[1], 'last_slot', ARGV[1]) end
  redis.call('HDEL', KEYS[1], 'inflight_slot', 'inflight_impulse', 'inflight_at')
  return 'ok'
end
if tonumber(h[1] or '0') >= slot then return 'done' end
return 'lost'
`)

// releaseScript drops the reservation of slot ARGV[1] without archiving anything: for an
// impulse that left the library, or a recipient that no longer exists. ARGV[2] = "1" also
// ends the subscription (the caller then removes it from the index), which then expires after
// ARGV[3] ms like a stopped one, with its archive KEYS[2].
var releaseScript = redis.NewScript(`
if tonumber(redis.call('HGET', KEYS[1], 'inflight_slot') or '0') ~= tonumber(ARGV[1]) then return 0 end
redis.call('HDEL', KEYS[1], 'inflight_slot', 'inflight_impulse', 'inflight_at')
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], 'active', '0')
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  if redis.call('PTTL', KEYS[2]) == -1 then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
end
return 1
`)

// reservation is reserveScript's answer: what to deliver to whom.
type reservation struct {
	Status   string
	Slot     int64
	Impulse  string // "" = the all-received notice
	Kind     string
	Target   string
	Lang     string
	Audience string
}

func (st *store) reserve(ctx context.Context, id string, slot int64, now time.Time, force bool,
	takeoverAfter time.Duration, lang, audience, series string) (reservation, error) {
	f := "0"
	if force {
		f = "1"
	}
	v, err := reserveScript.Run(ctx, st.s.Client, []string{st.subKey(id), st.archiveKey(id)},
		slot, now.UnixMilli(), f, takeoverAfter.Milliseconds(), lang, audience, series).StringSlice()
	if err != nil {
		return reservation{}, fmt.Errorf("impulses: reserve %s/%d: %w", id, slot, err)
	}
	r := reservation{Status: v[0]}
	if len(v) == 7 {
		r.Slot, _ = strconv.ParseInt(v[1], 10, 64)
		r.Impulse, r.Kind, r.Target, r.Lang, r.Audience = v[2], v[3], v[4], v[5], v[6]
	}
	return r, nil
}

func (st *store) commit(ctx context.Context, id string, slot int64, impulse string, now time.Time) (string, error) {
	res, err := commitScript.Run(ctx, st.s.Client, []string{st.subKey(id), st.archiveKey(id)},
		slot, impulse, now.UnixMilli(), st.retentionMS()).Text()
	if err != nil {
		return "", fmt.Errorf("impulses: commit %s/%d: %w", id, slot, err)
	}
	return res, nil
}

func (st *store) release(ctx context.Context, id string, slot int64, stop bool) error {
	s := "0"
	if stop {
		s = "1"
	}
	if err := releaseScript.Run(ctx, st.s.Client, []string{st.subKey(id), st.archiveKey(id)}, slot, s, st.retentionMS()).Err(); err != nil {
		return fmt.Errorf("impulses: release %s/%d: %w", id, slot, err)
	}
	if stop {
		if err := st.s.Client.SRem(ctx, st.active, id).Err(); err != nil {
			return fmt.Errorf("impulses: unindex %s: %w", id, err)
		}
	}
	return nil
}

// statsFlushDelay is how long delivery counts are gathered before one pipeline writes them.
const statsFlushDelay = 250 * time.Millisecond

// deliveredCounter counts deliveries per impulse for the statistics. The counts are written
// after the commit and in another Redis Cluster slot than the subscriber's keys, so they are
// best effort anyway: a crash loses the counts of at most the last statsFlushDelay, never adds
// one (only a fresh commit counts). Gathering them saves a round trip per delivery in a large
// fan-out.
type deliveredCounter struct {
	st  *store
	log zerolog.Logger

	mu        sync.Mutex
	pending   map[string]int64
	scheduled bool
	flushes   sync.WaitGroup // scheduled flushes, so that close can wait for them
}

// add counts one delivery of impulse and makes sure a flush follows shortly.
func (c *deliveredCounter) add(impulse string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		c.pending = make(map[string]int64)
	}
	c.pending[impulse]++
	if !c.scheduled {
		c.scheduled = true
		c.flushes.Add(1)
		time.AfterFunc(statsFlushDelay, func() {
			defer c.flushes.Done()
			c.flush(context.Background())
		})
	}
}

// close waits for the scheduled flush and writes what is left.
func (c *deliveredCounter) close(ctx context.Context) {
	c.flushes.Wait()
	c.flush(ctx)
}

// flush writes the gathered counts; the statistics command calls it too, so that an admin
// sees this replica's latest deliveries.
func (c *deliveredCounter) flush(ctx context.Context) {
	c.mu.Lock()
	pending := c.pending
	c.pending, c.scheduled = nil, false
	c.mu.Unlock()
	if len(pending) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := c.st.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for imp, n := range pending {
			p.HIncrBy(ctx, c.st.statsKey(imp), "delivered", n)
		}
		return nil
	})
	if err != nil {
		c.log.Warn().Err(err).Int("impulses", len(pending)).Msg("delivery counts lost for the statistics")
	}
}

// feedbackScript records user ARGV[1]'s vote ARGV[2] (up|down) on the impulse whose votes and
// stats are KEYS[1] and KEYS[2]; the votes hash expires ARGV[3] ms after the last vote. A
// changed vote moves the count; the same vote again changes nothing. Replies ok, changed or
// same.
var feedbackScript = redis.NewScript(`
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old == ARGV[2] then return 'same' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if old then redis.call('HINCRBY', KEYS[2], old, -1) end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
if old then return 'changed' end
return 'ok'
`)

func (st *store) feedback(ctx context.Context, impulse, voter, vote string) (string, error) {
	res, err := feedbackScript.Run(ctx, st.s.Client, []string{st.votesKey(impulse), st.statsKey(impulse)}, voter, vote, st.retentionMS()).Text()
	if err != nil {
		return "", fmt.Errorf("impulses: feedback on %s: %w", impulse, err)
	}
	return res, nil
}

// impulseStats is one line of the statistics.
type impulseStats struct{ Delivered, Up, Down int64 }

func (st *store) stats(ctx context.Context, ids []string) (map[string]impulseStats, error) {
	cmds := make([]*redis.SliceCmd, len(ids))
	_, err := st.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HMGet(ctx, st.statsKey(id), "delivered", "up", "down")
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("impulses: statistics: %w", err)
	}
	out := make(map[string]impulseStats, len(ids))
	for i, id := range ids {
		v := cmds[i].Val()
		n := func(j int) int64 {
			s, _ := v[j].(string)
			x, _ := strconv.ParseInt(s, 10, 64)
			return x
		}
		out[id] = impulseStats{Delivered: n(0), Up: n(1), Down: n(2)}
	}
	return out, nil
}

// eachActive calls fn with batches of active subscriber ids, scanning the index so that a large
// one is never read in one reply.
func (st *store) eachActive(ctx context.Context, fn func(ids []string) error) error {
	var cursor uint64
	for {
		ids, next, err := st.s.Client.SScan(ctx, st.active, cursor, "", 1000).Result()
		if err != nil {
			return fmt.Errorf("impulses: scan subscribers: %w", err)
		}
		if len(ids) > 0 {
			if err := fn(ids); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// fields reads some fields of many subscribers in one round trip.
func (st *store) fields(ctx context.Context, ids []string, fields ...string) ([][]any, error) {
	cmds := make([]*redis.SliceCmd, len(ids))
	_, err := st.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HMGet(ctx, st.subKey(id), fields...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("impulses: read subscribers: %w", err)
	}
	out := make([][]any, len(ids))
	for i := range cmds {
		out[i] = cmds[i].Val()
	}
	return out, nil
}

// storedSchedule is the admins' schedule, or "" when none is set.
func (st *store) storedSchedule(ctx context.Context) (string, error) {
	v, err := st.s.Client.Get(ctx, st.schedule).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("impulses: read schedule: %w", err)
	}
	return v, nil
}

func (st *store) setSchedule(ctx context.Context, expr string) error {
	var err error
	if expr == "" {
		err = st.s.Client.Del(ctx, st.schedule).Err()
	} else {
		err = st.s.Client.Set(ctx, st.schedule, expr, 0).Err()
	}
	if err != nil {
		return fmt.Errorf("impulses: store schedule: %w", err)
	}
	return nil
}

// str converts a reply element; missing fields arrive as nil.
func str(v any) string {
	s, _ := v.(string)
	return s
}
