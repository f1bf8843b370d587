package leancoffee

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/storage"
)

// Data protection: what Lean Coffee keeps about a person, and how it is exported and forgotten.
//
// A round holds a person's user id in people, ballots and thumbs, and their id and handle on
// the topics and notes they wrote and, as moderator, in the round hash. A per-user index (a SET
// of channel keys, see store.go) finds those rounds without scanning the keyspace. It is
// written before the person's first topic, note or round takes effect (so a crash in between
// leaves an entry too many, never one too few), after a vote or thumbs is accepted (so that a
// click on an old button cannot re-create the entry of a person whose data was deleted; the
// voter is in people, so a crash in between is made good at the end), and again for everyone
// taking part when a round ends; its TTL outlives the longest-lived round it can point to.
//
// Forgetting keeps the rounds for the others: the person's topics and notes stay, their author
// replaced by a marker rendered "(anonym)"; their ballot entries, thumbs vote and place in
// people go (the topics' vote totals stay, so the order and the summary do not change); if they
// moderate, the round keeps running without a moderator: anyone in the channel may then steer
// it or take the moderation over with /lc moderator, and admins can as always. The channel is
// told so without a name.
//
// The index trades a Redis round trip on a person's first action in a round (per replica, at
// most once per indexFresh) for exactness; a SCAN over all rounds would need none but touches
// the whole keyspace on every export and deletion.

// indexFresh is how long a replica trusts that it has written a user's index entry for a
// channel. Within it, a repeat (the next vote) costs no round trip.
const indexFresh = 10 * time.Minute

func (st *store) userIndexKey(platform, user string) string {
	return st.s.Key("lc", "user", storage.Tag(platform+":"+user), "rounds")
}

// indexTTL outlives any round the entry can point to: a running round lives retention after
// its last change, an ended one st.ended after its end.
func (st *store) indexTTL() time.Duration { return retention + st.ended }

// index records that user takes part in the round of chanKey.
func (st *store) index(ctx context.Context, chanKey, platform, user string) error {
	if user == "" {
		return nil
	}
	ck := chanKey + "|" + user
	now := time.Now()
	st.mu.Lock()
	last, ok := st.indexed[ck]
	st.mu.Unlock()
	if ok && now.Sub(last) < indexFresh {
		return nil
	}
	key := st.userIndexKey(platform, user)
	_, err := st.s.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, key, chanKey)
		p.Expire(ctx, key, st.indexTTL())
		return nil
	})
	if err != nil {
		return fmt.Errorf("leancoffee: index participant: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.indexed) > 100_000 { // a cache: dropping it costs one round trip per person
		clear(st.indexed)
	}
	st.indexed[ck] = now
	return nil
}

// reindexEnded writes the index entries of everyone who took part in a round that has just
// ended, so that each outlives the round's retention however long the round ran. A failure is
// only logged: the entries written at participation are there already.
func (st *store) reindexEnded(ctx context.Context, k keys, r *Round, more []string, log zerolog.Logger) {
	platform, _, _ := strings.Cut(k.chanKey, ":")
	people, err := st.s.Client.SMembers(ctx, k.people).Result()
	if err != nil {
		log.Warn().Err(err).Str("round", r.ID).Msg("could not refresh the participant index")
		return
	}
	if r.Mod != "" {
		people = append(people, r.Mod)
	}
	people = append(people, more...)
	_, err = st.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, u := range people {
			key := st.userIndexKey(platform, u)
			p.SAdd(ctx, key, k.chanKey)
			p.Expire(ctx, key, st.indexTTL())
		}
		return nil
	})
	if err != nil {
		log.Warn().Err(err).Str("round", r.ID).Msg("could not refresh the participant index")
	}
}

// topicCacheKey names a round's topics in the cache. Topics change only when a person's data
// is anonymised (Anon) or topics are merged (Merged grows), so both are part of the key.
func topicCacheKey(r *Round) string {
	return r.ID + ":" + strconv.FormatInt(r.Anon, 10) + ":" + strconv.Itoa(len(r.Merged))
}

// authorName renders a topic's or note's author, which the texts put in parentheses: the
// handle, or the anonymous marker without its own parentheses ("_(anonym)_").
func authorName(lang, name string, anon bool) string {
	if anon || name == "" {
		return privacyMsgs.T(lang, "anonymous_author")
	}
	return adapters.Escape(name)
}

// modName renders the round's moderator: the handle, or the anonymous marker when the
// moderator had their data deleted.
func modName(lang string, r *Round) string {
	if r.Mod == "" {
		return privacyMsgs.T(lang, "anonymous")
	}
	return adapters.Escape(r.ModName)
}

// mayModerate reports whether the requester may steer the round: its moderator, an admin, or
// anyone while the round has no moderator (after the moderator's data was deleted).
func mayModerate(r *Round, c call) bool {
	return r.Mod == "" || r.Mod == c.Event.User || c.IsAdmin()
}

// roundData is what one round holds about one person.
type roundData struct {
	r       *Round
	isMod   bool
	wasMod  bool       // handed the moderation over and may take it back (Round.PrevMod)
	topics  []ownTopic // by number
	notes   []storedNote
	owns    []storedAction // action items they own
	wrote   []storedAction // action items they recorded for someone else
	dots    int            // dots in use
	perTop  map[int]int    // topic → their dots on it
	thumb   string         // their vote in the open thumbs vote
	member  bool           // in people
	expires time.Time      // when the round's keys expire; zero if unknown
}

type ownTopic struct {
	n    int
	text string
}

func (d *roundData) any() bool {
	return d.member || d.isMod || d.wasMod || len(d.topics) > 0 || len(d.notes) > 0 || len(d.owns) > 0 || len(d.wrote) > 0 || d.dots > 0 || d.thumb != ""
}

// gather reads what the round of k holds about u; nil when the channel has no round.
func (st *store) gather(ctx context.Context, k keys, u bot.UserRef) (*roundData, error) {
	r, err := st.load(ctx, st.s.Client, k)
	if errors.Is(err, errNoRound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var (
		topics *redis.MapStringStringCmd
		ballot *redis.MapStringStringCmd
		member *redis.BoolCmd
		thumb  *redis.StringCmd
		pttl   *redis.DurationCmd
	)
	_, err = st.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		topics = p.HGetAll(ctx, k.topics)
		ballot = p.HGetAll(ctx, k.ballots)
		member = p.SIsMember(ctx, k.people, u.User)
		thumb = p.HGet(ctx, k.thumbs, u.User)
		pttl = p.PTTL(ctx, k.round)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("leancoffee: read round for export: %w", err)
	}
	notes, err := st.notes(ctx, k)
	if err != nil {
		return nil, err
	}
	actions, err := st.actions(ctx, k)
	if err != nil {
		return nil, err
	}
	d := &roundData{r: r, isMod: r.Mod != "" && r.Mod == u.User, wasMod: r.PrevMod != "" && r.PrevMod == u.User, member: member.Val(), thumb: thumb.Val(), perTop: map[int]int{}}
	if ttl := pttl.Val(); ttl > 0 {
		d.expires = time.Now().Add(ttl)
	}
	for field, js := range topics.Val() {
		var t storedTopic
		n, err := strconv.Atoi(field)
		if err != nil || json.Unmarshal([]byte(js), &t) != nil {
			continue
		}
		if !t.Anon && t.Author == u.User {
			d.topics = append(d.topics, ownTopic{n: n, text: t.Text})
		}
	}
	slices.SortFunc(d.topics, func(a, b ownTopic) int { return a.n - b.n })
	for _, n := range notes {
		if ownNote(n, u) {
			d.notes = append(d.notes, n)
		}
	}
	for _, a := range liveActions(actions) {
		switch {
		case !a.AnonOwner && a.Owner == u.User:
			d.owns = append(d.owns, a)
		case !a.AnonAuthor && a.Author == u.User:
			d.wrote = append(d.wrote, a)
		}
	}
	for field, v := range ballot.Val() {
		x, _ := strconv.Atoi(v)
		switch {
		case field == u.User:
			d.dots = x
		case strings.HasPrefix(field, u.User+"|"):
			if n, err := strconv.Atoi(strings.TrimPrefix(field, u.User+"|")); err == nil && x > 0 {
				d.perTop[n] = x
			}
		}
	}
	return d, nil
}

// ownNote reports whether u wrote note n: by user id, or by handle for notes written before
// the id was kept.
func ownNote(n storedNote, u bot.UserRef) bool {
	if n.Anon {
		return false
	}
	if n.Author != "" {
		return n.Author == u.User
	}
	return u.UserName != "" && n.AuthorName == u.UserName
}

// UserData renders the rounds u moderated or took part in that still exist (see
// [bot.DataKeeper]).
func (f *Feature) UserData(ctx context.Context, u bot.UserRef, lang string) (string, error) {
	chans, err := f.st.s.Client.SMembers(ctx, f.st.userIndexKey(u.Platform, u.User)).Result()
	if err != nil {
		return "", fmt.Errorf("leancoffee: export: %w", err)
	}
	var rounds []*roundData
	for _, ch := range chans {
		d, err := f.st.gather(ctx, f.st.keys(ch), u)
		if err != nil {
			return "", err
		}
		if d != nil && d.any() {
			rounds = append(rounds, d)
		}
	}
	if len(rounds) == 0 {
		return "", nil
	}
	slices.SortFunc(rounds, func(a, b *roundData) int { return b.r.Started.Compare(a.r.Started) })
	t := func(key string, args ...any) string { return privacyMsgs.T(lang, key, args...) }
	lines := []string{t("data_title"), t("data_intro")}
	for _, d := range rounds {
		r := d.r
		mod := ""
		if d.isMod {
			mod = t("data_mod")
		} else if d.wasMod {
			mod = t("data_prevmod")
		}
		lines = append(lines, t("data_round", "date", f.date(lang, r.Started), "channel", adapters.Escape(r.ChannelLabel()),
			"phase", msgs.T(lang, "phase_"+string(r.Phase)), "mod", mod))
		if len(d.topics) > 0 {
			items := make([]string, len(d.topics))
			for i, tp := range d.topics {
				items[i] = t("data_topic", "n", tp.n, "text", adapters.Escape(tp.text))
			}
			lines = append(lines, t("data_topics", "list", strings.Join(items, "; ")))
		}
		if d.dots > 0 {
			var on []string
			for _, n := range slices.Sorted(maps.Keys(d.perTop)) {
				on = append(on, t("data_dots_on", "n", n, "dots", msgs.N(lang, "dots", d.perTop[n])))
			}
			lines = append(lines, t("data_votes", "dots", msgs.N(lang, "dots", d.dots), "list", strings.Join(on, ", ")))
		}
		if len(d.notes) > 0 {
			items := make([]string, len(d.notes))
			for i, n := range d.notes {
				items[i] = t("data_note", "n", n.Topic, "text", adapters.Escape(n.Text))
			}
			lines = append(lines, t("data_notes", "list", strings.Join(items, "; ")))
		}
		for _, list := range []struct {
			key   string
			items []storedAction
		}{{"data_actions_own", d.owns}, {"data_actions_wrote", d.wrote}} {
			if len(list.items) == 0 {
				continue
			}
			items := make([]string, len(list.items))
			for i, a := range list.items {
				items[i] = t("data_action", "n", a.Topic, "text", adapters.Escape(a.Text), "owner", a.ownerName(lang))
			}
			lines = append(lines, t(list.key, "list", strings.Join(items, "; ")))
		}
		if d.thumb != "" {
			lines = append(lines, t("data_thumbs", "thumb", thumbEmoji(d.thumb)))
		}
		if !d.expires.IsZero() {
			lines = append(lines, t("data_expires", "date", f.date(lang, d.expires)))
		}
	}
	return strings.Join(lines, "\n"), nil
}

func (f *Feature) date(lang string, t time.Time) string { return bot.FormatDate(lang, t.In(f.loc)) }

// ForgetUser removes u from every round the index knows (see [bot.DataKeeper] and the comment
// at the top of this file), re-renders the boards, and deletes the index.
func (f *Feature) ForgetUser(ctx context.Context, u bot.UserRef) error {
	idx := f.st.userIndexKey(u.Platform, u.User)
	chans, err := f.st.s.Client.SMembers(ctx, idx).Result()
	if err != nil {
		return fmt.Errorf("leancoffee: forget: %w", err)
	}
	for _, ch := range chans {
		k := f.st.keys(ch)
		changed, freed, err := f.st.anonymise(ctx, k, u)
		if err != nil {
			return err
		}
		if !changed {
			continue
		}
		f.st.forgetCached(ch)
		r, err := f.st.load(ctx, f.st.s.Client, k)
		if errors.Is(err, errNoRound) {
			continue
		}
		if err != nil {
			return err
		}
		// The board in the channel still names the person; it is re-rendered without them. A
		// chat failure leaves the stored data deleted all the same, so it is only logged.
		if freed && r.Phase != PhaseEnded {
			if _, err := f.chat.Post(ctx, r.Channel, adapters.Message{Text: privacyMsgs.T(r.Lang, "ann_mod_free")}); err != nil {
				f.log.Warn().Err(err).Str("round", r.ID).Msg("could not announce the free moderation")
			}
		}
		if r.Board != "" {
			if err := f.showBoard(ctx, k, r); err != nil {
				f.log.Warn().Err(err).Str("round", r.ID).Msg("could not re-render the board after a deletion")
			}
			if r.Phase == PhaseEnded {
				f.boards.forget(k.chanKey + ":" + r.ID) // as postSummary does: no more updates
			}
		}
	}
	if err := f.st.s.Client.Del(ctx, idx).Err(); err != nil {
		return fmt.Errorf("leancoffee: forget: %w", err)
	}
	f.st.mu.Lock()
	defer f.st.mu.Unlock()
	for ck := range f.st.indexed {
		if strings.HasSuffix(ck, "|"+u.User) {
			delete(f.st.indexed, ck)
		}
	}
	return nil
}

// metaString is the i-th value of an HMGET, "" when missing.
func metaString(cmd *redis.SliceCmd, i int) string {
	v := cmd.Val()
	if i >= len(v) {
		return ""
	}
	s, _ := v[i].(string)
	return s
}

// forgetCached drops the in-process copies of a channel's round and topics, which may carry
// an author that was just anonymised. Other replicas' topic caches are keyed by the round's
// Anon counter, which the anonymisation bumped, so they read the topics again.
func (st *store) forgetCached(chanKey string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if r := st.rounds[chanKey]; r != nil {
		for ck := range st.topics {
			if strings.HasPrefix(ck, r.ID+":") {
				delete(st.topics, ck)
			}
		}
	}
	delete(st.rounds, chanKey)
}

// anonymiseScript writes what anonymise computed, unless the round changed since it was read:
// it compares the phase (ARGV[2], "" without a round hash), the number of topics (ARGV[3]) and
// notes (ARGV[4]) and each rewritten topic and note with what was read. ARGV[1] is the user;
// then the count of topics and (field, old, new) per topic, then the count of notes and
// (index, old, new) per note; then the length of the action items (KEYS[7]), their count and
// (index, old, new) per item. It forgets that the user was sent their items (KEYS[8]), deletes
// the user's ballot entries, place in people and thumbs vote, blanks them as moderator or
// previous moderator, and, if anything changed in a round that still has its hash, bumps anon,
// ver and mver. It returns {'stale'}, or {'ok',
// changed, freed} with freed 1 when the user was the moderator.
var anonymiseScript = bot.NewEraseScript(`
local u = ARGV[1]
if (redis.call('HGET', KEYS[1], 'phase') or '') ~= ARGV[2]
  or redis.call('HLEN', KEYS[2]) ~= tonumber(ARGV[3]) or redis.call('LLEN', KEYS[3]) ~= tonumber(ARGV[4]) then
  return {'stale'}
end
local nt = tonumber(ARGV[5])
local nn = tonumber(ARGV[6 + 3 * nt])
for j = 0, nt - 1 do
  local a = 6 + 3 * j
  if redis.call('HGET', KEYS[2], ARGV[a]) ~= ARGV[a + 1] then return {'stale'} end
end
for j = 0, nn - 1 do
  local a = 7 + 3 * nt + 3 * j
  if redis.call('LINDEX', KEYS[3], ARGV[a]) ~= ARGV[a + 1] then return {'stale'} end
end
local pa = 7 + 3 * nt + 3 * nn
if redis.call('LLEN', KEYS[7]) ~= tonumber(ARGV[pa]) then return {'stale'} end
local na = tonumber(ARGV[pa + 1])
for j = 0, na - 1 do
  local a = pa + 2 + 3 * j
  if redis.call('LINDEX', KEYS[7], ARGV[a]) ~= ARGV[a + 1] then return {'stale'} end
end
for j = 0, nt - 1 do
  local a = 6 + 3 * j
  redis.call('HSET', KEYS[2], ARGV[a], ARGV[a + 2])
end
for j = 0, nn - 1 do
  local a = 7 + 3 * nt + 3 * j
  redis.call('LSET', KEYS[3], ARGV[a], ARGV[a + 2])
end
for j = 0, na - 1 do
  local a = pa + 2 + 3 * j
  redis.call('LSET', KEYS[7], ARGV[a], ARGV[a + 2])
end
local changed = nt + nn + na + redis.call('SREM', KEYS[8], u)
for _, f in ipairs(redis.call('HKEYS', KEYS[4])) do
  if f == u or string.sub(f, 1, #u + 1) == u .. '|' then changed = changed + redis.call('HDEL', KEYS[4], f) end
end
changed = changed + redis.call('SREM', KEYS[5], u) + redis.call('HDEL', KEYS[6], u)
local freed = 0
if u ~= '' and redis.call('HGET', KEYS[1], 'mod') == u then
  redis.call('HSET', KEYS[1], 'mod', '', 'modname', '')
  freed = 1
  changed = changed + 1
end
if u ~= '' and redis.call('HGET', KEYS[1], 'prevmod') == u then
  redis.call('HSET', KEYS[1], 'prevmod', '')
  changed = changed + 1
end
if changed > 0 and ARGV[2] ~= '' then
  redis.call('HINCRBY', KEYS[1], 'anon', 1)
  redis.call('HINCRBY', KEYS[1], 'ver', 1)
  redis.call('HINCRBY', KEYS[1], 'mver', 1)
end
return {'ok', changed, freed}
`)

// anonymise removes u from the round of k: it reads the round, computes the anonymised topics
// and notes, and writes them with anonymiseScript, which checks that nothing changed in
// between (reading again if it did) and also runs when Redis is full (see [bot.EraseScript]).
// It reports whether anything changed and whether u was the moderator.
func (st *store) anonymise(ctx context.Context, k keys, u bot.UserRef) (changed, freed bool, err error) {
	for range maxTxRetries {
		var (
			meta   *redis.SliceCmd // phase, lang
			topics *redis.MapStringStringCmd
			notes  *redis.StringSliceCmd
			acts   *redis.StringSliceCmd
		)
		_, err := st.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
			meta = p.HMGet(ctx, k.round, "phase", "lang")
			topics = p.HGetAll(ctx, k.topics)
			notes = p.LRange(ctx, k.notes, 0, -1)
			acts = p.LRange(ctx, k.actions, 0, -1)
			return nil
		})
		if err != nil {
			return false, false, fmt.Errorf("leancoffee: anonymise in %s: %w", k.chanKey, err)
		}
		// Without a round hash (expired first), its other keys are orphans still worth
		// cleaning, but the round hash must not be recreated by the counters.
		phase, lang := metaString(meta, 0), metaString(meta, 1)
		// Asked to (u.Texts), the texts go too where the round is over: the summary is out.
		text := func(t string) string { return t }
		if u.Texts && (phase == "" || phase == string(PhaseEnded)) {
			removed := msgs.T(lang, "text_removed")
			text = func(string) string { return removed }
		}
		var topicArgs []any
		for field, js := range topics.Val() {
			var t storedTopic
			if json.Unmarshal([]byte(js), &t) != nil || t.Anon || t.Author != u.User {
				continue
			}
			out, err := json.Marshal(storedTopic{Text: text(t.Text), Anon: true, Into: t.Into})
			if err != nil {
				return false, false, err
			}
			topicArgs = append(topicArgs, field, js, string(out))
		}
		var noteArgs []any
		for i, line := range notes.Val() {
			topic, js, _ := strings.Cut(line, "|")
			var n storedNote
			if json.Unmarshal([]byte(js), &n) != nil || !ownNote(n, u) {
				continue
			}
			out, err := json.Marshal(storedNote{Text: text(n.Text), Anon: true})
			if err != nil {
				return false, false, err
			}
			noteArgs = append(noteArgs, i, line, topic+"|"+string(out))
		}
		var actArgs []any
		for i, line := range acts.Val() {
			a, err := decodeAction(line)
			if err != nil {
				continue
			}
			own, wrote := !a.AnonOwner && a.Owner == u.User, !a.AnonAuthor && a.Author == u.User
			if !own && !wrote {
				continue
			}
			if own {
				a.Owner, a.OwnerName, a.OwnerLang, a.AnonOwner = "", "", "", true
			}
			if wrote {
				a.Author, a.AuthorName, a.AnonAuthor = "", "", true
				a.Text = text(a.Text)
			}
			out, err := encodeAction(a)
			if err != nil {
				return false, false, err
			}
			actArgs = append(actArgs, i, line, out)
		}
		args := []any{u.User, phase, len(topics.Val()), len(notes.Val()), len(topicArgs) / 3}
		args = append(append(append(args, topicArgs...), len(noteArgs)/3), noteArgs...)
		args = append(append(append(args, len(acts.Val())), len(actArgs)/3), actArgs...)
		res, err := anonymiseScript.Run(ctx, st.s.Client,
			[]string{k.round, k.topics, k.notes, k.ballots, k.people, k.thumbs, k.actions, k.actsent}, args...).Slice()
		if err != nil {
			return false, false, fmt.Errorf("leancoffee: anonymise in %s: %w", k.chanKey, err)
		}
		if len(res) == 3 && res[0] == "ok" {
			return res[1].(int64) > 0, res[2].(int64) == 1, nil
		}
	}
	return false, false, fmt.Errorf("leancoffee: anonymise in %s: too much contention", k.chanKey)
}
