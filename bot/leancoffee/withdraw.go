package leancoffee

import (
	"context"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Withdrawing a topic (issue 11.10): while topics are collected, a person may take back a topic
// of their own with "/lc zurückziehen <n>" (alias "withdraw"). The topics after it move up one
// number; nothing else refers to topic numbers yet (votes, notes and discussion come later).

// withdrawScript: ARGV[5] user, ARGV[6] topic number. It bumps anon, the key of every
// replica's topic cache, so that all of them read the renumbered topics, and mver, since the
// board's structure changes.
var withdrawScript = redis.NewScript(prelude("topics") + `
if r[2] ~= 'collecting' then return snap('phase') end
local n, count = tonumber(ARGV[6]), tonumber(r[4] or '0')
if not n or n < 1 or n > count then return snap('notopic', count) end
local ok, t = pcall(cjson.decode, redis.call('HGET', KEYS[5], n) or '')
if not ok or type(t) ~= 'table' or t['a'] ~= ARGV[5] or t['x'] then return snap('notown') end
for i = n, count - 1 do
  redis.call('HSET', KEYS[5], i, redis.call('HGET', KEYS[5], i + 1))
end
redis.call('HDEL', KEYS[5], count)
redis.call('HINCRBY', KEYS[1], 'topics', -1)
redis.call('HINCRBY', KEYS[1], 'anon', 1)
local mver = redis.call('HINCRBY', KEYS[1], 'mver', 1)
return snap('ok', n, redis.call('HINCRBY', KEYS[1], 'ver', 1), mver)
`)

// withdraw handles "/lc zurückziehen <n>".
func (f *Feature) withdraw(ctx context.Context, c call, args []string) error {
	if len(args) != 1 {
		return c.reply(ctx, "err_withdraw_arg")
	}
	n, err := strconv.Atoi(strings.TrimPrefix(args[0], "#"))
	if err != nil || n < 1 {
		return c.reply(ctx, "err_withdraw_arg")
	}
	res, err := f.st.run(ctx, withdrawScript, c.k, "", "", "", c.Event.User, strconv.Itoa(n))
	if err != nil {
		return err
	}
	switch res.Status {
	case "ok":
		c.Log.Info().Str("round", res.Round.ID).Int("topic", n).Msg("lean coffee topic withdrawn")
		if err := f.showBoard(ctx, c.k, res.Round); err != nil {
			return err
		}
		return c.reply(ctx, "reply_withdrawn", "n", n)
	case "phase":
		return c.reply(ctx, "err_withdraw_phase")
	case "notopic":
		return c.replyN(ctx, "err_vote_notopic", res.Round.Topics, "topic", n)
	case "notown":
		return c.reply(ctx, "err_withdraw_notown", "n", n)
	default:
		return f.scriptRefusal(ctx, c, res.Status)
	}
}

// withdrawMsgs are the texts of withdrawing (and the marker of a text deleted on request,
// privacy.go), added to msgs.
var withdrawMsgs = map[string]map[string]string{
	"de": {
		"reply_withdrawn":     "Ihr Thema Nr. {n} ist zurückgezogen; die Themen danach sind um eine Nummer aufgerückt.",
		"err_withdraw_arg":    "Bitte geben Sie die Nummer Ihres Themas an, zum Beispiel `/lc zurückziehen 2`.",
		"err_withdraw_notown": "Thema Nr. {n} ist nicht von Ihnen – Sie können nur Ihre eigenen Themen zurückziehen.",
		"err_withdraw_phase":  "Themen lassen sich nur zurückziehen, solange die Runde Themen sammelt.",
		"text_removed":        "(Text auf Wunsch gelöscht)",
	},
	"en": {
		"reply_withdrawn":     "Your topic no. {n} is withdrawn; the topics after it have moved up one number.",
		"err_withdraw_arg":    "Please give the number of your topic, for example `/lc withdraw 2`.",
		"err_withdraw_notown": "Topic no. {n} is not yours – you can only withdraw your own topics.",
		"err_withdraw_phase":  "Topics can only be withdrawn while the round is collecting them.",
		"text_removed":        "(text deleted on request)",
	},
}

func init() {
	for lang, m := range withdrawMsgs {
		for k, v := range m {
			msgs[lang][k] = v
		}
	}
	subcommands["zurückziehen"] = "withdraw"
	subcommands["zurueckziehen"] = "withdraw"
	subcommands["withdraw"] = "withdraw"
}
