package leancoffee

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/storage"
)

// Action items: "/lc aufgabe @person <text>" records, for the topic under discussion, what
// someone will do. Anyone in the channel may record one, as with notes: the round's outcomes
// belong to everyone in it. The person who wrote an item, the moderation and admins may strike
// it out again ("/lc aufgabe löschen <Nr.>") while the discussion lasts; items keep their
// numbers, so a struck item leaves a gap rather than renumbering the others. When the round
// ends, the summary lists the items per topic and every owner gets a direct message with theirs.

// MaxActions is the number of action items one round holds.
const MaxActions = 100

// storedAction is one action item. Owner and Author are user ids; the names are the handles
// at the time. AnonOwner and AnonAuthor mark a person removed on request (privacy.go).
type storedAction struct {
	Topic      int    `json:"-"`
	N          int    `json:"-"` // number within the round, 1-based
	Owner      string `json:"o"`
	OwnerName  string `json:"on"`
	OwnerLang  string `json:"ol,omitempty"` // the owner's platform language, for their DM
	Author     string `json:"a"`
	AuthorName string `json:"n"`
	Text       string `json:"t"`
	Removed    bool   `json:"r,omitempty"`
	AnonOwner  bool   `json:"xo,omitempty"`
	AnonAuthor bool   `json:"xa,omitempty"`
}

// actionScript appends action JSON ARGV[6] written by ARGV[5] to the topic under discussion;
// ARGV[7] is MaxActions. Extra of 'ok' is "<topic>:<item number>".
var actionScript = redis.NewScript(prelude("topic") + `
if r[2] ~= 'discussing' then return snap('phase') end
local len = redis.call('LLEN', KEYS[10])
if len >= tonumber(ARGV[7]) then return snap('full') end
redis.call('RPUSH', KEYS[10], r[4] .. '|' .. ARGV[6])
redis.call('SADD', KEYS[7], ARGV[5])
keep(KEYS[10])
keep(KEYS[7])
return snap('ok', r[4] .. ':' .. (len + 1), redis.call('HINCRBY', KEYS[1], 'ver', 1))
`)

// action serves "/lc aufgabe …": args are the words after the subcommand.
func (f *Feature) action(ctx context.Context, c call, args []string) error {
	if len(args) == 0 {
		return c.reply(ctx, "err_action_arg")
	}
	switch strings.ToLower(args[0]) {
	case "löschen", "loeschen", "entfernen", "remove", "delete":
		if len(args) != 2 {
			return c.reply(ctx, "err_action_remove_arg")
		}
		n, err := strconv.Atoi(strings.TrimPrefix(args[1], "#"))
		if err != nil || n < 1 {
			return c.reply(ctx, "err_action_remove_arg")
		}
		return f.removeAction(ctx, c, n)
	}
	if !strings.HasPrefix(args[0], "@") || len(args[0]) == 1 {
		return c.reply(ctx, "err_action_arg")
	}
	text := strings.TrimSpace(c.Rest(2))
	if text == "" {
		return c.reply(ctx, "err_action_empty")
	}
	if n := utf8.RuneCountInString(text); n > MaxNoteLen {
		return c.reply(ctx, "err_action_long", "len", n, "max", MaxNoteLen)
	}
	name := strings.TrimPrefix(args[0], "@")
	u, err := c.Chat().LookupUser(ctx, args[0])
	if errors.Is(err, adapters.ErrNotFound) {
		return c.reply(ctx, "err_action_unknown", "name", adapters.Escape(name))
	}
	if err != nil {
		return fmt.Errorf("leancoffee: look up action owner: %w", err)
	}
	if u.IsBot {
		return c.reply(ctx, "err_action_bot", "name", adapters.Escape(name))
	}
	js, err := json.Marshal(storedAction{
		Owner: u.ID, OwnerName: u.Name, OwnerLang: bot.NormalizeLang(u.Locale),
		Author: c.Event.User, AuthorName: c.Event.UserName, Text: text,
	})
	if err != nil {
		return fmt.Errorf("leancoffee: encode action: %w", err)
	}
	// Both are indexed before the item exists: their data can then always be found.
	for _, id := range []string{c.Event.User, u.ID} {
		if err := f.st.index(ctx, c.k.chanKey, c.Event.Platform, id); err != nil {
			return err
		}
	}
	res, err := f.st.run(ctx, actionScript, c.k, "", "", "", c.Event.User, string(js), MaxActions)
	if err != nil {
		return err
	}
	switch res.Status {
	case "ok":
		topic, n, _ := strings.Cut(res.Extra, ":")
		return c.reply(ctx, "reply_action", "item", n, "topic", topic, "owner", adapters.Escape(u.Name))
	case "phase":
		return c.reply(ctx, "err_action_phase")
	case "full":
		return c.reply(ctx, "err_actions_full", "max", MaxActions)
	default:
		return f.scriptRefusal(ctx, c, res.Status)
	}
}

// removeAction strikes item n out, if the requester wrote it or moderates.
func (f *Feature) removeAction(ctx context.Context, c call, n int) error {
	var reply string
	var replyArgs []any
	txf := func(tx *redis.Tx) error {
		reply, replyArgs = "", nil
		r, err := f.st.load(ctx, tx, c.k)
		if err != nil {
			return err
		}
		if r.Phase != PhaseDiscussing {
			reply = "err_action_phase"
			return nil
		}
		line, err := tx.LIndex(ctx, c.k.actions, int64(n-1)).Result()
		if errors.Is(err, redis.Nil) {
			reply, replyArgs = "err_action_none", []any{"item", n}
			return nil
		}
		if err != nil {
			return err
		}
		a, err := decodeAction(line)
		if err != nil {
			return err
		}
		if a.Removed {
			reply, replyArgs = "err_action_none", []any{"item", n}
			return nil
		}
		if a.Author != c.Event.User && !mayModerate(r, c) {
			reply, replyArgs = "err_action_not_yours", []any{"item", n, "mod", modName(c.Lang(ctx), r)}
			return nil
		}
		a.Removed = true
		out, err := encodeAction(a)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.LSet(ctx, c.k.actions, int64(n-1), out)
			p.HIncrBy(ctx, c.k.round, "ver", 1)
			return nil
		})
		reply, replyArgs = "reply_action_removed", []any{"item", n}
		return err
	}
	if err := f.st.watchRound(ctx, c.k, "remove action in", txf); err != nil {
		return err
	}
	return c.reply(ctx, reply, replyArgs...)
}

func decodeAction(line string) (storedAction, error) {
	topic, js, _ := strings.Cut(line, "|")
	var a storedAction
	if err := json.Unmarshal([]byte(js), &a); err != nil {
		return a, fmt.Errorf("leancoffee: action item: %w", err)
	}
	a.Topic, _ = strconv.Atoi(topic)
	return a, nil
}

func encodeAction(a storedAction) (string, error) {
	js, err := json.Marshal(a)
	if err != nil {
		return "", fmt.Errorf("leancoffee: encode action: %w", err)
	}
	return strconv.Itoa(a.Topic) + "|" + string(js), nil
}

// actions returns all action items of a round, struck ones included, numbered.
func (st *store) actions(ctx context.Context, k keys) ([]storedAction, error) {
	raw, err := st.s.Client.LRange(ctx, k.actions, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("leancoffee: load action items: %w", err)
	}
	out := make([]storedAction, 0, len(raw))
	for i, line := range raw {
		a, err := decodeAction(line)
		if err != nil {
			return nil, err
		}
		a.N = i + 1
		out = append(out, a)
	}
	return out, nil
}

// liveActions drops struck items.
func liveActions(all []storedAction) []storedAction {
	var out []storedAction
	for _, a := range all {
		if !a.Removed {
			out = append(out, a)
		}
	}
	return out
}

// ownerName renders an item's owner for the chat.
func (a storedAction) ownerName(lang string) string {
	return authorName(lang, a.OwnerName, a.AnonOwner)
}

// ActionsKind is the durable-timer kind that makes sure every owner of an action item hears
// of it. The direct messages go out right after the summary; this timer, scheduled in the
// same transaction that ends the round, sends whatever that missed: a message the platform
// refused, or all of them when the process died before. Owners already told are skipped.
const ActionsKind = "lc.actions"

func actionsID(chanKey, round string) string { return "lc:actions:" + chanKey + ":" + round }

// scheduleActionDMs sets the timer that completes the action DMs of round r, which is ending.
func (f *Feature) scheduleActionDMs(ctx context.Context, k keys, r *Round) error {
	js, err := json.Marshal(timerPayload{Chan: k.chanKey, Round: r.ID})
	if err != nil {
		return fmt.Errorf("leancoffee: encode timer: %w", err)
	}
	return f.timers.Schedule(ctx, storage.Timer{ID: actionsID(k.chanKey, r.ID), Kind: ActionsKind,
		Due: f.now().Add(f.actionsAfter), Payload: js})
}

// onActions sends the action DMs still missing for an ended round; an error retries it.
func (f *Feature) onActions(ctx context.Context, t storage.Timer) error {
	p, k, r, err := f.timerRound(ctx, t)
	if r == nil || err != nil {
		return err
	}
	if r.ID != p.Round || r.Phase != PhaseEnded {
		return nil // the end was never committed, or a new round has replaced this one
	}
	actions, err := f.st.actions(ctx, k)
	if err != nil {
		return err
	}
	return f.sendActionDMs(ctx, k, r, actions)
}

// sendActionDMs tells every owner their items once the round has ended. Each owner gets
// exactly one message: it carries an idempotency key, and it is recorded in actsent once
// posted, so a redelivered timer or a second call after a crash skips those already told.
func (f *Feature) sendActionDMs(ctx context.Context, k keys, r *Round, actions []storedAction) error {
	byOwner := map[string][]storedAction{}
	var owners []string
	for _, a := range liveActions(actions) {
		if a.AnonOwner || a.Owner == "" {
			continue
		}
		if _, ok := byOwner[a.Owner]; !ok {
			owners = append(owners, a.Owner)
		}
		byOwner[a.Owner] = append(byOwner[a.Owner], a)
	}
	if len(owners) == 0 {
		return nil
	}
	v := f.view(ctx, k, r, r.Lang)
	var errs []error
	for _, owner := range owners {
		sent, err := f.st.s.Client.SIsMember(ctx, k.actsent, owner).Result()
		if err != nil {
			return fmt.Errorf("leancoffee: action DMs: %w", err)
		}
		if sent {
			continue
		}
		items := byOwner[owner]
		lang := items[0].OwnerLang
		if lang == "" {
			lang = r.Lang
		}
		ov := v
		ov.lang = lang
		lines := []string{msgs.N(lang, "dm_actions", len(items), "date", bot.FormatDate(lang, r.MeetingStart().In(f.loc)),
			"channel", adapters.Escape(r.ChannelLabel()))}
		for _, a := range items {
			lines = append(lines, msgs.T(lang, "dm_action", "text", adapters.Escape(a.Text), "topic", a.Topic,
				"topictext", ov.topicText(a.Topic), "author", authorName(lang, a.AuthorName, a.AnonAuthor)))
		}
		msg := adapters.Message{Text: strings.Join(lines, "\n"), Key: "lc-actions:" + r.ID + ":" + owner}
		if _, err := f.chat.DirectMessage(ctx, owner, msg); err != nil {
			errs = append(errs, fmt.Errorf("leancoffee: action DM: %w", err))
			continue
		}
		if _, err := f.st.s.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.SAdd(ctx, k.actsent, owner)
			p.Expire(ctx, k.actsent, f.st.ended)
			return nil
		}); err != nil {
			return fmt.Errorf("leancoffee: record action DM: %w", err)
		}
	}
	return errors.Join(errs...)
}
