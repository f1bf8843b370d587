package leancoffee

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/wolbot/wolbot/adapters"
)

// Merging duplicate topics: "/lc zusammenführen 2 5" folds topic 5 into topic 2 while topics
// are collected or voted on. Topic 2's text becomes both texts joined; topic 5 keeps its number
// (people may have written it down) but leaves the board, stored with a pointer to topic 2.
// Dots on topic 5 move to topic 2 within each person's per-topic limit: whoever had dots on
// both keeps at most the limit on topic 2 and gets the rest back to place again. All of it is
// one Lua script, so no vote can slip in between.

// mergeScript folds topic ARGV[7] into ARGV[6] for user ARGV[5]; ARGV[8] is "1" when the user
// is an admin. Extra of 'ok' is "<dots returned>:<people who got dots back>"; of 'gone' the
// topic already merged.
var mergeScript = redis.NewScript(prelude("topics", "pertopic", "mod", "merged") + `
if r[2] ~= 'collecting' and r[2] ~= 'voting' then return snap('phase') end
local mod = r[6] or ''
if mod ~= '' and mod ~= ARGV[5] and ARGV[8] ~= '1' then return snap('denied') end
local keep, drop, count = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(r[4] or '0')
if keep < 1 or drop < 1 or keep > count or drop > count then return snap('notopic') end
if keep == drop then return snap('same') end
local merged = ',' .. (r[7] or '') .. ','
for _, x in ipairs({keep, drop}) do
  if string.find(merged, ',' .. x .. ',', 1, true) then return snap('gone', x) end
end
local tk = cjson.decode(redis.call('HGET', KEYS[5], keep))
local td = cjson.decode(redis.call('HGET', KEYS[5], drop))
tk.t = tk.t .. ' / ' .. td.t
td.m = keep
redis.call('HSET', KEYS[5], keep, cjson.encode(tk), drop, cjson.encode(td))
local per, returned, people = tonumber(r[5]), 0, 0
local suffix = '|' .. drop
local ballots = redis.call('HGETALL', KEYS[6])
for i = 1, #ballots, 2 do
  local f = ballots[i]
  if #f > #suffix and string.sub(f, -#suffix) == suffix then
    local user = string.sub(f, 1, #f - #suffix)
    local mine = tonumber(ballots[i + 1]) or 0
    if mine > 0 then
      local kf = user .. '|' .. keep
      local total = tonumber(redis.call('HGET', KEYS[6], kf) or '0') + mine
      local excess = math.max(total - per, 0)
      redis.call('HSET', KEYS[6], kf, total - excess)
      if excess > 0 then
        redis.call('HINCRBY', KEYS[6], user, -excess)
        returned, people = returned + excess, people + 1
      end
    end
    redis.call('HDEL', KEYS[6], f)
  end
end
local moved = tonumber(redis.call('HGET', KEYS[2], drop) or '0')
if moved - returned ~= 0 then redis.call('HINCRBY', KEYS[2], keep, moved - returned) end
redis.call('HDEL', KEYS[2], drop)
local list = r[7] or ''
if list == '' then list = tostring(drop) else list = list .. ',' .. drop end
redis.call('HSET', KEYS[1], 'merged', list)
local mver = redis.call('HINCRBY', KEYS[1], 'mver', 1)
return snap('ok', returned .. ':' .. people, redis.call('HINCRBY', KEYS[1], 'ver', 1), mver)
`)

// merge serves "/lc zusammenführen <kept> <merged>".
func (f *Feature) merge(ctx context.Context, c call, args []string) error {
	if len(args) != 2 {
		return c.reply(ctx, "err_merge_arg")
	}
	var nums [2]int
	for i, a := range args {
		n, err := strconv.Atoi(strings.TrimPrefix(a, "#"))
		if err != nil || n < 1 || n > MaxTopics {
			return c.reply(ctx, "err_merge_arg")
		}
		nums[i] = n
	}
	keep, drop := nums[0], nums[1]
	admin := "0"
	if c.IsAdmin() {
		admin = "1"
	}
	res, err := f.st.run(ctx, mergeScript, c.k, "", "", "", c.Event.User, keep, drop, admin)
	if err != nil {
		return err
	}
	r := res.Round
	lang := c.Lang(ctx)
	switch res.Status {
	case "ok":
	case "phase":
		return c.reply(ctx, "err_merge_phase", "phase", msgs.T(lang, "phase_"+string(r.Phase)))
	case "denied":
		return c.reply(ctx, "err_not_moderator", "mod", modName(lang, r))
	case "notopic":
		return c.replyN(ctx, "err_merge_notopic", r.Topics)
	case "same":
		return c.reply(ctx, "err_merge_same", "topic", keep)
	case "gone":
		return c.reply(ctx, "err_merge_gone", "topic", res.Extra)
	default:
		return f.scriptRefusal(ctx, c, res.Status)
	}
	c.Log.Info().Str("round", r.ID).Int("kept", keep).Int("merged", drop).Msg("topics merged")
	returned, people := 0, 0
	if a, b, ok := strings.Cut(res.Extra, ":"); ok {
		returned, _ = strconv.Atoi(a)
		people, _ = strconv.Atoi(b)
	}
	text := func(lang string) string {
		s := msgs.T(lang, "ann_merged", "drop", drop, "keep", keep)
		if returned > 0 {
			s += " " + msgs.N(lang, "ann_merged_returned", returned, "keep", keep, "max", r.PerTopic,
				"people", msgs.N(lang, "people", people))
		}
		return s
	}
	if _, err := f.chat.Post(ctx, r.Channel, adapters.Message{Text: text(r.Lang)}); err != nil {
		f.log.Warn().Err(err).Str("round", r.ID).Msg("could not announce the merge")
	}
	if err := f.showBoard(ctx, c.k, r); err != nil {
		return fmt.Errorf("leancoffee: board after merge: %w", err)
	}
	return c.ReplyText(ctx, text(lang))
}
