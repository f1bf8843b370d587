package leancoffee

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wolbot/wolbot/storage"
)

// Key schema. All keys of a round share the hash tag of its channel, so the Lua scripts and
// transactions below stay within one Redis Cluster slot:
//
//	wolbot:<ns>:lc:{<channel key>}:round    HASH    the Round's scalar fields (see roundFields)
//	wolbot:<ns>:lc:{<channel key>}:topics   HASH    topic number → JSON storedTopic
//	wolbot:<ns>:lc:{<channel key>}:votes    HASH    topic number → dots
//	wolbot:<ns>:lc:{<channel key>}:ballots  HASH    user → dots used; "user|n" → dots on topic n
//	wolbot:<ns>:lc:{<channel key>}:people   SET     users taking part (moderator, authors, voters)
//	wolbot:<ns>:lc:{<channel key>}:stats    HASH    "t:<n>" → ms discussed; "x:<n>" → extensions
//	wolbot:<ns>:lc:{<channel key>}:thumbs   HASH    user → up|side|down for the open thumbs vote
//	wolbot:<ns>:lc:{<channel key>}:notes    LIST    "<topic>|<JSON storedNote>"
//	wolbot:<ns>:lc:{<channel key>}:actions  LIST    "<topic>|<JSON storedAction>"; item n is entry n-1
//	wolbot:<ns>:lc:{<channel key>}:actsent  SET     owners whose action items have gone out by DM
//	wolbot:<ns>:seen:{<channel key>}:<id>   STRING  event dedupe, shared with the router
//	wolbot:<ns>:lc:user:{<platform>:<user>}:rounds  SET  channel keys of the rounds the user
//	                                                took part in: the index that finds a person's
//	                                                data for export and deletion (privacy.go)
//
// Every change bumps the round's "ver" field, so a transaction that WATCHes the round key alone
// notices any concurrent change, including those made by the scripts. Changes to anything but
// votes, thumbs and notes also bump "mver", which lets the scripts skip returning the round
// hash to a caller whose cached copy is current.

// retention is how long a running round's keys live after its last change: a round nobody
// ends is gone after it. An ended round's keys live Options.Retention from its end instead.
const retention = 30 * 24 * time.Hour

// DefaultRetention is how long an ended round (its topics, votes, notes) is kept when
// Options.Retention is 0: long enough to look up the summary again, short enough that the
// channel's own copy of the summary is the record.
const DefaultRetention = 30 * 24 * time.Hour

type keys struct {
	chanKey                                                     string
	round, votes, stats, thumbs, topics, ballots, people, notes string
	actions, actsent                                            string
}

func (k keys) all() []string {
	return []string{k.round, k.votes, k.stats, k.thumbs, k.topics, k.ballots, k.people, k.notes, k.actions, k.actsent}
}

// storedTopic and storedNote carry their author so the board can name them and a person's
// data can be found; Anon marks an author removed on request (rendered "(anonym)").
type storedTopic struct {
	Author     string `json:"a"`
	AuthorName string `json:"n"`
	Text       string `json:"t"`
	Anon       bool   `json:"x,omitempty"`
	Into       int    `json:"m,omitempty"` // merged into this topic (merge.go); off the board
}

type storedNote struct {
	Topic      int    `json:"-"`
	Author     string `json:"a,omitempty"` // user id; absent in notes written before it was kept
	AuthorName string `json:"n"`
	Text       string `json:"t"`
	Anon       bool   `json:"x,omitempty"`
}

// store reads and writes rounds. It caches topic texts per round: they never change once
// added, so the hot vote path needs no extra round trip to re-render the board.
type store struct {
	s     *storage.Store
	ended time.Duration // how long an ended round's keys live (Options.Retention)

	mu      sync.Mutex
	topics  map[string][]storedTopic // "<round id>:<anon>" → topics 1..n (index n-1)
	rounds  map[string]*Round        // channel key → last decoded round (see run)
	indexed map[string]time.Time     // "<channel key>|<user>" → when the user index was last written
}

func newStore(s *storage.Store, ended time.Duration) *store {
	if ended <= 0 {
		ended = DefaultRetention
	}
	return &store{s: s, ended: ended, topics: make(map[string][]storedTopic), rounds: make(map[string]*Round),
		indexed: make(map[string]time.Time)}
}

func (st *store) keys(chanKey string) keys {
	p := st.s.Key("lc", storage.Tag(chanKey)) + ":"
	return keys{
		chanKey: chanKey,
		round:   p + "round", votes: p + "votes", stats: p + "stats", thumbs: p + "thumbs",
		topics: p + "topics", ballots: p + "ballots", people: p + "people", notes: p + "notes",
		actions: p + "actions", actsent: p + "actsent",
	}
}

// scriptKeys is the fixed KEYS layout every script gets; KEYS[9] is the dedupe key (or the
// round key again when the router has already deduped), KEYS[10] the action items.
func (st *store) scriptKeys(k keys, dedupeKey string) []string {
	if dedupeKey == "" {
		dedupeKey = k.round
	}
	return []string{k.round, k.votes, k.stats, k.thumbs, k.topics, k.ballots, k.people, k.notes, dedupeKey, k.actions}
}

// luaPrelude is shared by all scripts. ARGV[1] is "1" when the script must record the event id
// in KEYS[9] (a redelivery returns {'dup'}), ARGV[2] that record's TTL in seconds, ARGV[3] the
// expected round id ("" for any), ARGV[4] "<round id>:<mver>" of the caller's cached round
// (a new round in the channel starts its mver again, so the id is part of the token). snap returns what the caller needs to render the board without a second round
// trip: the round hash and stats only when the cached copy is stale (they change only through
// transactions, which bump mver), the votes and thumbs that the scripts themselves change
// always.
const luaPrelude = `
if ARGV[1] == '1' and not redis.call('SET', KEYS[9], '1', 'NX', 'EX', ARGV[2]) then
  return {'dup'}
end
local r = redis.call('HMGET', KEYS[1], 'id', 'phase', 'mver', FIELDS)
if not r[1] then return {'none'} end
if ARGV[3] ~= '' and ARGV[3] ~= r[1] then return {'stale'} end
-- keep(key) gives a key the scripts may create (topics, votes, ballots, thumbs, notes) the
-- round's TTL, so that a round abandoned before its next save expires as a whole.
local function keep(key)
  if redis.call('PTTL', key) == -1 then
    local ttl = redis.call('PTTL', KEYS[1])
    if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
  end
end
-- snap(status, extra, ver, mver, thumbs): ver is the new version if the script changed the
-- round, mver the new structural version if it changed that too; thumbs includes the thumbs
-- hash (only the thumbs vote needs it, saving a call on the vote path).
local function snap(status, extra, ver, mver, thumbs)
  ver = ver or redis.call('HGET', KEYS[1], 'ver')
  mver = mver or r[3]
  local round, stats, th = {}, {}, {}
  if r[1] .. ':' .. (mver or '') ~= ARGV[4] then
    round, stats = redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[3])
  end
  if thumbs then th = redis.call('HGETALL', KEYS[4]) end
  return {status, extra or '', ver, mver, round, redis.call('HGETALL', KEYS[2]), stats, th}
end
`

// prelude returns luaPrelude asking HMGET for the script's own round fields, which follow
// id, phase and mver as r[4], r[5], ...
func prelude(fields ...string) string {
	return strings.Replace(luaPrelude, "FIELDS", "'"+strings.Join(fields, "', '")+"'", 1)
}

// addTopicScript: ARGV[5] user, ARGV[6] topic JSON, ARGV[7] max topics. Topics are taken while
// collecting, and while voting in a round planned with voting ahead ("open"). A topic changes
// the board's structure, so it bumps mver too.
var addTopicScript = redis.NewScript(prelude("topics", "open") + `
if r[2] ~= 'collecting' and not (r[2] == 'voting' and r[5] == '1') then return snap('phase') end
if tonumber(r[4] or '0') >= tonumber(ARGV[7]) then return snap('full') end
local n = redis.call('HINCRBY', KEYS[1], 'topics', 1)
redis.call('HSET', KEYS[5], n, ARGV[6])
redis.call('SADD', KEYS[7], ARGV[5])
keep(KEYS[5])
keep(KEYS[7])
local mver = redis.call('HINCRBY', KEYS[1], 'mver', 1)
return snap('ok', n, redis.call('HINCRBY', KEYS[1], 'ver', 1), mver)
`)

// voteScript puts (ARGV[7] = "1") or takes back (ARGV[7] = "-1") one dot of user ARGV[5] on
// topic ARGV[6], within the person's limits. Extra of 'ok' is the dots the user has used.
var voteScript = redis.NewScript(prelude("dots", "pertopic", "topics", "merged") + `
if r[2] ~= 'voting' then return snap('phase') end
local n = tonumber(ARGV[6])
if not n or n < 1 or n > tonumber(r[6] or '0') then return snap('notopic') end
if ARGV[7] == '1' and string.find(',' .. (r[7] or '') .. ',', ',' .. n .. ',', 1, true) then
  return snap('merged', cjson.decode(redis.call('HGET', KEYS[5], n)).m)
end
local user, ballot = ARGV[5], ARGV[5] .. '|' .. ARGV[6]
local b = redis.call('HMGET', KEYS[6], user, ballot)
local used, mine = tonumber(b[1] or '0'), tonumber(b[2] or '0')
if ARGV[7] == '1' then
  if used >= tonumber(r[4]) then return snap('limit', used) end
  if mine >= tonumber(r[5]) then return snap('topiclimit', mine) end
  if used == 0 then redis.call('SADD', KEYS[7], user) end
  used = used + 1
  redis.call('HSET', KEYS[6], user, used, ballot, mine + 1)
  redis.call('HINCRBY', KEYS[2], ARGV[6], 1)
  keep(KEYS[6])
  keep(KEYS[2])
  keep(KEYS[7])
else
  if mine <= 0 then return snap('novote', used) end
  used = used - 1
  redis.call('HSET', KEYS[6], user, used, ballot, mine - 1)
  redis.call('HINCRBY', KEYS[2], ARGV[6], -1)
end
return snap('ok', used, redis.call('HINCRBY', KEYS[1], 'ver', 1))
`)

// thumbsScript records user ARGV[5]'s thumbs vote ARGV[6] for the open vote; ARGV[7] is the
// expected seq ("" for any). Extra of 'ok' is the number of people taking part.
var thumbsScript = redis.NewScript(prelude("stage", "seq") + `
if r[2] ~= 'discussing' or r[4] ~= 'thumbs' then return snap('phase', '', nil, nil, true) end
if ARGV[7] ~= '' and ARGV[7] ~= r[5] then return snap('stalepoll', '', nil, nil, true) end
redis.call('HSET', KEYS[4], ARGV[5], ARGV[6])
redis.call('SADD', KEYS[7], ARGV[5])
keep(KEYS[4])
keep(KEYS[7])
local ver = redis.call('HINCRBY', KEYS[1], 'ver', 1)
return snap('ok', redis.call('SCARD', KEYS[7]), ver, nil, true)
`)

// noteScript appends note JSON ARGV[6] of user ARGV[5] to the topic under discussion; ARGV[7]
// is the maximum number of notes. Extra of 'ok' is the topic number.
var noteScript = redis.NewScript(prelude("topic") + `
if r[2] ~= 'discussing' then return snap('phase') end
if redis.call('LLEN', KEYS[8]) >= tonumber(ARGV[7]) then return snap('full') end
redis.call('RPUSH', KEYS[8], r[4] .. '|' .. ARGV[6])
redis.call('SADD', KEYS[7], ARGV[5])
keep(KEYS[8])
keep(KEYS[7])
return snap('ok', r[4], redis.call('HINCRBY', KEYS[1], 'ver', 1))
`)

// markScript records in field ARGV[3] ("announced" or "warned") that step ARGV[2] of round
// ARGV[1] has been posted. It never lowers the mark: a timer that finishes posting after a
// person's newer step was committed (and recorded as announced with it) must not make that
// step look unannounced, or the timer it superseded would announce it again. Bumps ver and
// mver like setField.
var markScript = redis.NewScript(`
local r = redis.call('HMGET', KEYS[1], 'id', ARGV[3])
if r[1] ~= ARGV[1] or tonumber(r[2] or '0') >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[3], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'ver', 1)
redis.call('HINCRBY', KEYS[1], 'mver', 1)
return 1
`)

// markAnnounced records r's current step as announced, unless a later one already is.
func (st *store) markAnnounced(ctx context.Context, k keys, r *Round) error {
	return st.mark(ctx, k, r, "announced")
}

// markWarned records that the warning before r's current timebox ends has been posted.
func (st *store) markWarned(ctx context.Context, k keys, r *Round) error {
	return st.mark(ctx, k, r, "warned")
}

func (st *store) mark(ctx context.Context, k keys, r *Round, field string) error {
	if err := markScript.Run(ctx, st.s.Client, []string{k.round}, r.ID, r.Seq, field).Err(); err != nil {
		return fmt.Errorf("leancoffee: mark step %d %s: %w", r.Seq, field, err)
	}
	return nil
}

// scriptResult is what every script returns: a status word, an extra value, and (for most
// statuses) the round as it is after the script ran.
type scriptResult struct {
	Status string
	Extra  string
	Round  *Round // nil for 'dup', 'none', 'stale'
}

// run calls a script with the fixed key layout. One EVALSHA, one round trip. The round's
// structural fields come from the reply when they changed since the cached copy, else from it.
func (st *store) run(ctx context.Context, sc *redis.Script, k keys, dedupeKey, ttl, roundID string, args ...any) (scriptResult, error) {
	flag := "0"
	if dedupeKey != "" {
		flag = "1"
	}
	cached := st.cachedRound(k.chanKey)
	cachedMVer := ""
	if cached != nil {
		cachedMVer = cached.ID + ":" + strconv.FormatInt(cached.MVer, 10)
	}
	argv := append([]any{flag, ttl, roundID, cachedMVer}, args...)
	v, err := sc.Run(ctx, st.s.Client, st.scriptKeys(k, dedupeKey), argv...).Slice()
	if err != nil {
		return scriptResult{}, fmt.Errorf("leancoffee: script: %w", err)
	}
	res := scriptResult{Status: str(v[0])}
	if len(v) < 8 {
		return res, nil
	}
	res.Extra = str(v[1])
	ver, _ := strconv.ParseInt(str(v[2]), 10, 64)
	round, votes, stats, thumbs := flatToMap(v[4]), flatToMap(v[5]), flatToMap(v[6]), flatToMap(v[7])
	var r *Round
	if len(round) > 0 || cached == nil {
		if r, err = decodeRound(k.chanKey, round, votes, stats, thumbs); err != nil {
			return scriptResult{}, err
		}
		st.cacheRound(k.chanKey, r)
	} else {
		copied := *cached
		r = &copied
		r.Votes, r.Thumbs = decodeVotes(votes), thumbs // thumbs: only the thumbs script returns them
	}
	r.Ver = ver
	res.Round = r
	return res, nil
}

// cachedRound and cacheRound keep the last decoded round per channel. Its maps other than
// Votes and Thumbs are shared by copies and must be treated as read-only.
func (st *store) cachedRound(chanKey string) *Round {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.rounds[chanKey]
}

func (st *store) cacheRound(chanKey string, r *Round) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.rounds) > 1000 {
		clear(st.rounds) // a cache: dropping it costs one fuller reply per channel
	}
	copied := *r
	st.rounds[chanKey] = &copied
}

func flatToMap(v any) map[string]string {
	list, _ := v.([]any)
	m := make(map[string]string, len(list)/2)
	for i := 0; i+1 < len(list); i += 2 {
		m[str(list[i])] = str(list[i+1])
	}
	return m
}

// str converts a script reply element; bulk strings arrive as string, numbers as int64.
func str(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	default:
		return fmt.Sprint(v)
	}
}

// load reads a round; it returns errNoRound when the channel has none.
func (st *store) load(ctx context.Context, c redis.Cmdable, k keys) (*Round, error) {
	var cmds [4]*redis.MapStringStringCmd
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, key := range []string{k.round, k.votes, k.stats, k.thumbs} {
			cmds[i] = p.HGetAll(ctx, key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("leancoffee: load round: %w", err)
	}
	return decodeRound(k.chanKey, cmds[0].Val(), cmds[1].Val(), cmds[2].Val(), cmds[3].Val())
}

// maxTxRetries bounds optimistic retries; contention on one round is a handful of people.
const maxTxRetries = 50

// update applies fn to the round under optimistic locking and saves it. Before the commit,
// beforeSave may schedule a timer: should the commit then fail, the timer finds a stale Seq
// and does nothing, so a crash between the two never leaves a round without its timer.
func (st *store) update(ctx context.Context, k keys, fn func(r *Round) error, beforeSave func(ctx context.Context, r *Round) error) (*Round, error) {
	var out *Round
	txf := func(tx *redis.Tx) error {
		r, err := st.load(ctx, tx, k)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
		r.Ver++
		r.MVer++
		if beforeSave != nil {
			if err := beforeSave(ctx, r); err != nil {
				return err
			}
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			st.save(ctx, p, k, r)
			return nil
		})
		out = r
		return err
	}
	if err := st.watchRound(ctx, k, "update", txf); err != nil {
		return nil, err
	}
	return out, nil
}

// watchRound runs txf as an optimistic transaction on the round key, again while another
// change got in between (at most maxTxRetries times). txf's own errors come back unchanged.
func (st *store) watchRound(ctx context.Context, k keys, op string, txf func(*redis.Tx) error) error {
	for range maxTxRetries {
		err := st.s.Client.Watch(ctx, txf, k.round)
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
	}
	return fmt.Errorf("leancoffee: %s %s: too much contention", op, k.chanKey)
}

// create starts a new round unless one is active in the channel; it then returns the active
// one with errActive. Keys of an ended round are replaced.
func (st *store) create(ctx context.Context, k keys, r *Round) (*Round, error) {
	var existing *Round
	err := st.s.Client.Watch(ctx, func(tx *redis.Tx) error {
		old, err := st.load(ctx, tx, k)
		if err != nil && !errors.Is(err, errNoRound) {
			return err
		}
		if old != nil && old.Phase != PhaseEnded {
			existing = old
			return nil
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, k.all()...)
			st.save(ctx, p, k, r)
			p.SAdd(ctx, k.people, r.Mod)
			p.Expire(ctx, k.people, retention)
			return nil
		})
		return err
	}, k.round)
	if err != nil {
		return nil, fmt.Errorf("leancoffee: create round: %w", err)
	}
	if existing != nil {
		return existing, errActive
	}
	return r, nil
}

var errActive = &userError{"err_active"}

// setField sets one bookkeeping field (board, prompt) and bumps ver, so that a
// transaction that loaded the round before is retried instead of overwriting it.
func (st *store) setField(ctx context.Context, k keys, field, value string) error {
	_, err := st.s.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, k.round, field, value)
		p.HIncrBy(ctx, k.round, "ver", 1)
		p.HIncrBy(ctx, k.round, "mver", 1)
		return nil
	})
	if err != nil {
		return fmt.Errorf("leancoffee: set %s: %w", field, err)
	}
	return nil
}

func (st *store) save(ctx context.Context, p redis.Pipeliner, k keys, r *Round) {
	p.HSet(ctx, k.round, encodeRound(r))
	if len(r.Spent)+len(r.ExtCount) > 0 {
		stats := make(map[string]any, len(r.Spent)+len(r.ExtCount))
		for n, d := range r.Spent {
			stats["t:"+strconv.Itoa(n)] = d.Milliseconds()
		}
		for n, x := range r.ExtCount {
			stats["x:"+strconv.Itoa(n)] = x
		}
		p.HSet(ctx, k.stats, stats)
	}
	if len(r.Thumbs) == 0 {
		p.Del(ctx, k.thumbs)
	}
	ttl := retention
	if r.Phase == PhaseEnded {
		ttl = st.ended // from the end on, the configured retention counts
	}
	for _, key := range k.all() {
		p.Expire(ctx, key, ttl)
	}
}

// topicTexts returns the topics of a round, from the cache when it already knows them all.
func (st *store) topicTexts(ctx context.Context, k keys, r *Round) ([]storedTopic, error) {
	ck := topicCacheKey(r)
	st.mu.Lock()
	cached := st.topics[ck]
	st.mu.Unlock()
	if len(cached) >= r.Topics {
		return cached[:r.Topics], nil
	}
	raw, err := st.s.Client.HGetAll(ctx, k.topics).Result()
	if err != nil {
		return nil, fmt.Errorf("leancoffee: load topics: %w", err)
	}
	topics := make([]storedTopic, len(raw))
	for field, js := range raw {
		n, err := strconv.Atoi(field)
		if err != nil || n < 1 || n > len(raw) {
			return nil, fmt.Errorf("leancoffee: topic field %q out of range", field)
		}
		if err := json.Unmarshal([]byte(js), &topics[n-1]); err != nil {
			return nil, fmt.Errorf("leancoffee: topic %d: %w", n, err)
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.topics) > 1000 { // a cache, not state: dropping it costs one round trip per round
		clear(st.topics)
	}
	if len(topics) > len(st.topics[ck]) {
		st.topics[ck] = topics
	}
	if len(topics) < r.Topics {
		return topics, nil
	}
	return topics[:r.Topics], nil
}

func (st *store) notes(ctx context.Context, k keys) ([]storedNote, error) {
	raw, err := st.s.Client.LRange(ctx, k.notes, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("leancoffee: load notes: %w", err)
	}
	notes := make([]storedNote, 0, len(raw))
	for _, line := range raw {
		topic, js, _ := strings.Cut(line, "|")
		var n storedNote
		if err := json.Unmarshal([]byte(js), &n); err != nil {
			return nil, fmt.Errorf("leancoffee: note: %w", err)
		}
		n.Topic, _ = strconv.Atoi(topic)
		notes = append(notes, n)
	}
	return notes, nil
}

// encodeRound and decodeRound map a Round to the round hash. Times are unix milliseconds,
// durations milliseconds, lists comma-separated.
func encodeRound(r *Round) map[string]any {
	return map[string]any{
		"id": r.ID, "ch": r.Channel, "chname": r.ChannelName, "phase": string(r.Phase), "mod": r.Mod, "modname": r.ModName, "prevmod": r.PrevMod,
		"lang": r.Lang, "dots": r.Dots, "pertopic": r.PerTopic, "timebox": r.Timebox.Milliseconds(),
		"ext": joinDurations(r.Extensions), "thumbswin": r.ThumbsWindow.Milliseconds(),
		"board": r.Board, "prompt": r.Prompt, "topics": r.Topics, "order": joinInts(r.Order),
		"cur": r.Cur, "topic": r.Topic, "extused": r.ExtUsed, "stage": string(r.Stage), "seq": r.Seq,
		"due": ms(r.Due), "tstart": ms(r.TopicStart), "started": ms(r.Started), "ended": ms(r.Ended),
		"ver": r.Ver, "mver": r.MVer, "announced": r.Announced, "anon": r.Anon,
		"warn": r.Warning.Milliseconds(), "warned": r.Warned, "merged": joinInts(r.Merged),
		"begin": ms(r.Begin), "open": boolInt(r.Open),
	}
}

func decodeRound(chanKey string, h, votes, stats, thumbs map[string]string) (*Round, error) {
	if h["id"] == "" {
		return nil, errNoRound
	}
	d := decoder{h: h}
	r := &Round{
		ID: h["id"], Channel: h["ch"], ChannelName: h["chname"], Phase: Phase(h["phase"]), Mod: h["mod"], ModName: h["modname"], PrevMod: h["prevmod"],
		Lang: h["lang"], Board: h["board"], Prompt: h["prompt"], Stage: Stage(h["stage"]),
		Settings: Settings{
			Dots: d.int("dots"), PerTopic: d.int("pertopic"), Timebox: d.dur("timebox"),
			Extensions: d.durs("ext"), ThumbsWindow: d.dur("thumbswin"), Warning: d.dur("warn"),
		},
		Topics: d.int("topics"), Order: d.ints("order"), Cur: d.int("cur"), Topic: d.int("topic"),
		ExtUsed: d.int("extused"), Seq: d.int64("seq"), Due: d.time("due"),
		TopicStart: d.time("tstart"), Started: d.time("started"), Ended: d.time("ended"),
		Ver: d.int64("ver"), MVer: d.int64("mver"), Announced: d.int64("announced"), Anon: d.int64("anon"),
		Warned: d.int64("warned"), Merged: d.ints("merged"),
		Begin: d.time("begin"), Open: d.int("open") == 1,
		Votes: decodeVotes(votes), Spent: map[int]time.Duration{}, ExtCount: map[int]int{}, Thumbs: thumbs,
	}
	for f, v := range stats {
		kind, num, _ := strings.Cut(f, ":")
		n, _ := strconv.Atoi(num)
		x, _ := strconv.ParseInt(v, 10, 64)
		switch kind {
		case "t":
			r.Spent[n] = time.Duration(x) * time.Millisecond
		case "x":
			r.ExtCount[n] = int(x)
		}
	}
	if d.err != nil {
		return nil, fmt.Errorf("leancoffee: round %s in %s: %w", r.ID, chanKey, d.err)
	}
	return r, nil
}

func decodeVotes(votes map[string]string) map[int]int {
	m := make(map[int]int, len(votes))
	for f, v := range votes {
		n, _ := strconv.Atoi(f)
		m[n], _ = strconv.Atoi(v)
	}
	return m
}

// decoder reads typed fields and keeps the first error, so decodeRound stays one readable block.
type decoder struct {
	h   map[string]string
	err error
}

func (d *decoder) int64(f string) int64 {
	s := d.h[f]
	if s == "" {
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil && d.err == nil {
		d.err = fmt.Errorf("field %s: %w", f, err)
	}
	return v
}

func (d *decoder) int(f string) int           { return int(d.int64(f)) }
func (d *decoder) dur(f string) time.Duration { return time.Duration(d.int64(f)) * time.Millisecond }
func (d *decoder) time(f string) time.Time    { return fromMS(d.int64(f)) }
func (d *decoder) ints(f string) []int        { return splitInts(d.h[f], &d.err) }
func (d *decoder) durs(f string) (o []time.Duration) {
	for _, n := range splitInts(d.h[f], &d.err) {
		o = append(o, time.Duration(n)*time.Millisecond)
	}
	return o
}

func splitInts(s string, errp *error) []int {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := make([]int, 0, len(parts))
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil && *errp == nil {
			*errp = fmt.Errorf("list %q: %w", s, err)
		}
		out = append(out, n)
	}
	return out
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

func joinDurations(ds []time.Duration) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = strconv.FormatInt(d.Milliseconds(), 10)
	}
	return strings.Join(s, ",")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}

// redisNil is the "no such key" reply.
var redisNil = redis.Nil
