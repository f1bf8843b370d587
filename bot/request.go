package bot

import (
	"context"
	"strings"
	"unicode"

	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
)

// Request is one event on its way through a feature: the event, its parsed words, and the
// means to answer.
type Request struct {
	Event adapters.Event
	// Feature is the feature's registered name once routed ("lc" also for "/leancoffee"); for
	// an unknown command it is the word typed, for an action the action id's prefix.
	Feature string
	// Args are the words after the feature word: "/lc vote 2" → ["vote", "2"].
	Args []string
	// Log carries the event's fields; no message contents are logged at info level.
	Log *zerolog.Logger

	bot       *Bot
	lang      string
	dedupeKey string
}

func (b *Bot) newRequest(ev adapters.Event, log *zerolog.Logger) *Request {
	req := &Request{Event: ev, Log: log, bot: b}
	switch ev.Kind {
	case adapters.KindAction:
		feature, _, _ := strings.Cut(ev.ActionID, ".")
		req.Feature = strings.ToLower(feature)
	default:
		words := strings.Fields(ev.Text)
		if len(words) > 1 && strings.ToLower(strings.TrimPrefix(words[0], "/")) == CoreCommand {
			// "/wolbot lc start" is "lc start": the registered /wolbot reaches every word.
			req.Event.Text = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(ev.Text), words[0]))
			words = words[1:]
		}
		if len(words) > 0 {
			req.Feature = strings.ToLower(strings.TrimPrefix(words[0], "/"))
			req.Args = words[1:]
		}
	}
	return req
}

// Rest returns the command text after the first n args, with the user's spacing kept:
// for "/lc topic Wie  geht's?" Rest(1) is "Wie  geht's?".
func (r *Request) Rest(n int) string {
	s := strings.TrimSpace(r.Event.Text)
	for i := 0; i <= n && s != ""; i++ { // skip the feature word and n args
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		if j := strings.IndexFunc(s, unicode.IsSpace); j >= 0 {
			s = s[j:]
		} else {
			s = ""
		}
	}
	return strings.TrimSpace(s)
}

// Lang is the language to answer this user in: their own choice, else their platform's
// locale, else German. It is resolved on first use.
func (r *Request) Lang(ctx context.Context) string {
	if r.lang == "" {
		r.lang = r.bot.prefs.lang(ctx, r.Event, r.Log)
	}
	return r.lang
}

// IsAdmin reports whether the user is a global admin.
func (r *Request) IsAdmin() bool { return r.bot.IsAdmin(r.Event.User) }

// Chat is the chat to answer through.
func (r *Request) Chat() adapters.Chat { return r.bot.chat }

// Bot is the bot serving this request.
func (r *Request) Bot() *Bot { return r.bot }

// DedupeKey is set when the handler promised (via [AtomicDeduper]) to record the event id in
// its own atomic script: the script must SET this key NX and treat an existing key as a
// redelivery. Empty otherwise: the router has already deduped.
func (r *Request) DedupeKey() string { return r.dedupeKey }

// DedupeTTL is how long event ids are remembered.
func (r *Request) DedupeTTL() int64 { return int64(r.bot.dedupeTTL.Seconds()) }

// Reply answers only the user: ephemerally in a channel, as a post in a direct conversation.
func (r *Request) Reply(ctx context.Context, msg adapters.Message) error {
	if r.Event.Direct {
		_, err := r.bot.chat.Post(ctx, r.Event.Channel, msg)
		return err
	}
	return r.bot.chat.Ephemeral(ctx, r.Event.Channel, r.Event.User, msg)
}

// ReplyText is Reply with a plain text.
func (r *Request) ReplyText(ctx context.Context, text string) error {
	return r.Reply(ctx, adapters.Message{Text: text})
}
