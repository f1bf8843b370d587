package bot

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/storage"
)

// Handler is what a feature implements. Serve is called for every command and button click
// routed to the feature. Problems the user caused (bad input, wrong phase, missing role) are
// answered by the handler with a localized reply and reported as nil; an error return means
// the bot failed (Redis, chat), which the router logs and answers with a generic apology.
type Handler interface {
	Serve(ctx context.Context, req *Request) error
}

// HandlerFunc adapts a plain function to [Handler].
type HandlerFunc func(ctx context.Context, req *Request) error

// Serve calls f(ctx, req).
func (f HandlerFunc) Serve(ctx context.Context, req *Request) error { return f(ctx, req) }

// AtomicDeduper is implemented by handlers that record the event id inside their own atomic
// Redis script for some requests (see [Request.DedupeKey]), saving the router's separate
// round trip on hot paths such as votes. For other requests the router dedupes as usual.
type AtomicDeduper interface {
	DedupesAtomically(req *Request) bool
}

// Conversation is implemented by handlers that hold a dialog with a user in a direct
// conversation (an enrolment asks one question after another): a message there whose first
// word is no command is offered to them, so people can simply type their answer.
type Conversation interface {
	// Converses reports whether the user of req has an open dialog with the handler.
	Converses(ctx context.Context, req *Request) bool
}

// Describer is implemented by handlers that appear in the general help.
type Describer interface {
	Describe(lang string) string
}

// Namer is implemented by described handlers whose registered slash command is a word of one
// language ("/daten"): Command says how a reader of lang reaches it ("/wolbot data"), so that
// the help shows no German command word in English.
type Namer interface {
	Command(lang string) string
}

// Options configure [New]. Store and Chat are required.
type Options struct {
	Store  *storage.Store
	Chat   adapters.Chat
	Admins []string // user ids of global admins (cmd/wolbot resolves WOLBOT_ADMINS' handles at start-up)
	Logger zerolog.Logger
	// DedupeTTL is how long an event id is remembered; 0 means 24h.
	DedupeTTL time.Duration
	// Observer is told the outcome and duration of every event, for metrics; nil means none.
	Observer Observer
	// RateLimit limits how fast one user's commands and clicks are handled; the zero value is
	// the default limit (see [RateLimit]).
	RateLimit RateLimit
	// Location is the time zone of dates the core shows (the data export); default
	// Europe/Berlin. Now is the clock; default time.Now.
	Location *time.Location
	Now      func() time.Time
}

// Bot routes events to features. It holds no conversation state of its own: everything lives
// in Redis, so several replicas behave as one.
type Bot struct {
	store     *storage.Store
	chat      adapters.Chat
	admins    map[string]bool
	log       zerolog.Logger
	dedupeTTL time.Duration
	prefs     *prefs
	obs       Observer
	limiter   *limiter // nil: no rate limit
	loc       *time.Location
	now       func() time.Time

	mu       sync.RWMutex
	routes   map[string]route // command word or alias → route
	features []string         // primary names in registration order, for help
}

type route struct {
	name string
	h    Handler
}

// New returns a bot without features; register them with [Bot.Handle].
func New(opts Options) *Bot {
	admins := make(map[string]bool, len(opts.Admins))
	for _, a := range opts.Admins {
		if a = normalizeUser(a); a != "" {
			admins[a] = true
		}
	}
	ttl := opts.DedupeTTL
	if ttl <= 0 {
		ttl = storage.DefaultDedupeTTL
	}
	loc, now := ClockDefaults(opts.Location, opts.Now)
	return &Bot{
		loc:       loc,
		now:       now,
		store:     opts.Store,
		chat:      opts.Chat,
		admins:    admins,
		log:       opts.Logger,
		dedupeTTL: ttl,
		prefs:     newPrefs(opts.Store),
		obs:       opts.Observer,
		limiter:   newLimiter(opts.RateLimit),
		routes:    make(map[string]route),
	}
}

// Handle registers h for the command word name and its aliases ("lc", "leancoffee"). Button
// action ids of the form "name.something" are routed to it too. Registering a word twice
// panics, like http.ServeMux does.
func (b *Bot) Handle(name string, h Handler, aliases ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	name = strings.ToLower(name)
	words := append([]string{name}, aliases...)
	seen := make(map[string]bool, len(words))
	for i, w := range words {
		w = strings.ToLower(w)
		words[i] = w
		if _, dup := b.routes[w]; dup || seen[w] {
			panic("bot: command " + w + " registered twice")
		}
		seen[w] = true
	}
	for _, w := range words { // all checked first: a panic leaves the router unchanged
		b.routes[w] = route{name: name, h: h}
	}
	b.features = append(b.features, name)
}

// Chat returns the chat the bot answers through.
func (b *Bot) Chat() adapters.Chat { return b.chat }

// Store returns the bot's Redis store.
func (b *Bot) Store() *storage.Store { return b.store }

// IsAdmin reports whether the user id is a global admin's. Handles are never compared: a
// renamed admin's old handle may belong to someone else.
func (b *Bot) IsAdmin(user string) bool {
	return b.admins[normalizeUser(user)]
}

func normalizeUser(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "@"))
}

// ChannelKey identifies a channel across platforms and teams; features use it as the hash-tag
// scope of their keys and the router as the scope of event dedupe.
func ChannelKey(ev adapters.Event) string {
	return ev.Platform + ":" + ev.Team + ":" + ev.Channel
}

// HandleEvent is the pipeline every inbound event takes: parse, route, rate-limit, dedupe,
// serve, and answer failures. It implements [adapters.Handler] and never panics.
func (b *Bot) HandleEvent(ctx context.Context, ev adapters.Event) {
	start := time.Now()
	log := b.log.With().Str("platform", ev.Platform).Str("channel", ev.Channel).
		Str("user", ev.User).Str("event", ev.ID).Str("kind", string(ev.Kind)).Logger()
	req := b.newRequest(ev, &log)
	obs := observation{kind: ev.Kind}
	defer func() {
		if p := recover(); p != nil {
			log.Error().Interface("panic", p).Bytes("stack", debug.Stack()).Msg("handler panicked")
			b.apologize(ctx, req)
			obs.outcome = OutcomePanic
		}
		b.observe(obs, start)
	}()

	rt, ok := b.route(req)
	if b.rateLimited(ctx, req, ok, &obs) {
		return // dropped before dedupe and before any Redis round trip
	}
	if !ok && ev.Direct && ev.Kind == adapters.KindCommand && req.Feature != "" && coreCommands[req.Feature] == "" {
		rt, ok = b.conversation(ctx, req)
	}
	if !ok && req.Feature == "" {
		return // an empty command: nothing to answer
	}
	if ok {
		req.Feature = rt.name // logs and metrics count by feature, not by the alias typed
	}
	obs.feature = featureLabel(req, ok)
	if ad, atomic := rt.h.(AtomicDeduper); ok && atomic && ev.ID != "" && ad.DedupesAtomically(req) {
		req.dedupeKey = b.store.DedupeKey(ChannelKey(ev), ev.ID)
	} else if ev.ID != "" {
		first, err := b.store.FirstSeen(ctx, ChannelKey(ev), ev.ID, b.dedupeTTL)
		switch {
		case err != nil && isOOM(err):
			// Redis is full and refuses writes (maxmemory). Reading commands and erasure,
			// which frees memory, must still work; a redelivery may then run twice, which is
			// harmless for them, and commands that write fail on their own write.
			log.Warn().Err(err).Msg("Redis is out of memory: event handled without dedupe")
			first = true
		case err != nil:
			log.Error().Err(err).Msg("dedupe failed")
			b.apologize(ctx, req)
			obs.outcome = OutcomeError
			return
		}
		if !first {
			log.Debug().Msg("duplicate event dropped")
			obs.outcome = OutcomeDuplicate
			return
		}
	}

	var err error
	obs.outcome = OutcomeOK
	switch {
	case ok:
		err = rt.h.Serve(ctx, req)
	case coreCommands[req.Feature] == "help":
		err = req.Reply(ctx, adapters.Message{Text: b.help(req.Lang(ctx))})
	case coreCommands[req.Feature] == "lang":
		err = b.ServeLang(ctx, req, req.Args)
	case ev.Kind == adapters.KindCommand && isGreeting(req.Feature):
		obs.feature = "help"
		lang := req.Lang(ctx)
		welcome := "welcome_channel" // after a mention: the answer is seen in the channel
		if ev.Direct {
			welcome = "welcome"
		}
		err = req.Reply(ctx, adapters.Message{Text: coreMsgs.T(lang, welcome) + "\n\n" + b.help(lang)})
	default:
		obs.outcome = OutcomeUnknownCommand
		err = req.Reply(ctx, adapters.Message{Text: coreMsgs.T(req.Lang(ctx), "unknown_command",
			"cmd", Quote(req.Feature))})
	}
	lvl := log.Debug()
	if err != nil {
		lvl = log.Error().Err(err)
		b.apologize(ctx, req)
		obs.outcome = OutcomeError
	}
	lvl.Str("feature", req.Feature).Dur("took", time.Since(start)).Msg("event handled")
}

// CoreCommand is the slash command that `wolbot mattermost setup` and the Slack manifest
// register for the router itself: "/wolbot" alone shows the general help, "/wolbot sprache en"
// sets the language, and "/wolbot <word> …" is the same as "<word> …" (so "/wolbot data"
// reaches the data export in English, "/wolbot lc start" Lean Coffee). Replies point only at
// registered commands: the features' own (/lc, /wol, /impuls, /daten, /vergessen) and this one.
const CoreCommand = "wolbot"

// coreCommands are the words the router answers itself (word → command); they are never
// handed to a conversation and are counted under their command in metrics. In a direct
// conversation and after a mention they work without /wolbot too ("hilfe", "@wolbot hilfe").
var coreCommands = map[string]string{"help": "help", "hilfe": "help", "lang": "lang", "sprache": "lang",
	"language": "lang", CoreCommand: "help"}

// greetings are first words that open a conversation rather than name a command ("Guten Tag,
// wie funktioniert das?", "Hallo", "hi"): they are answered with a welcome and the help.
var greetings = map[string]bool{
	"hallo": true, "hallöchen": true, "hello": true, "hi": true, "hey": true, "hej": true, "huhu": true,
	"moin": true, "servus": true, "guten": true, "gute": true, "grüß": true, "grüss": true, "gruß": true,
	"grüezi": true, "tag": true, "morgen": true, "abend": true, "good": true, "howdy": true,
	"wie": true, "was": true, "how": true, "what": true, "?": true,
}

// isGreeting reports whether a command word (lower-cased, "guten," or "hallo!") is a greeting.
func isGreeting(word string) bool {
	w := strings.TrimRightFunc(word, func(r rune) bool { return unicode.IsPunct(r) && r != '?' })
	if w != "?" {
		w = strings.TrimRight(w, "?")
	}
	return greetings[w]
}

// conversation finds the feature holding an open dialog with the event's user, if any.
func (b *Bot) conversation(ctx context.Context, req *Request) (route, bool) {
	b.mu.RLock()
	var candidates []route
	for _, name := range b.features {
		if _, ok := b.routes[name].h.(Conversation); ok {
			candidates = append(candidates, b.routes[name])
		}
	}
	b.mu.RUnlock()
	for _, rt := range candidates {
		if rt.h.(Conversation).Converses(ctx, req) {
			return rt, true
		}
	}
	return route{}, false
}

// route finds the handler for a command word or an action id prefix.
func (b *Bot) route(req *Request) (route, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	rt, ok := b.routes[req.Feature]
	return rt, ok
}

func (b *Bot) apologize(ctx context.Context, req *Request) {
	if err := req.Reply(ctx, adapters.Message{Text: coreMsgs.T(req.Lang(ctx), "internal_error")}); err != nil {
		req.Log.Error().Err(err).Msg("could not tell the user about a failure")
	}
}

func (b *Bot) help(lang string) string {
	b.mu.RLock()
	var described []route
	for _, name := range b.features {
		if _, ok := b.routes[name].h.(Describer); ok {
			described = append(described, b.routes[name])
		}
	}
	b.mu.RUnlock()
	var sb strings.Builder
	sb.WriteString(coreMsgs.T(lang, "help_intro"))
	for _, rt := range described {
		cmd := "/" + rt.name
		if n, ok := rt.h.(Namer); ok {
			cmd = n.Command(lang)
		}
		fmt.Fprintf(&sb, "\n- `%s` — %s", cmd, rt.h.(Describer).Describe(lang))
	}
	sb.WriteString("\n" + coreMsgs.T(lang, "help_lang"))
	return sb.String()
}

// ServeLang handles "lang [de|en]" for any feature: it shows or sets the user's language.
func (b *Bot) ServeLang(ctx context.Context, req *Request, args []string) error {
	if len(args) == 0 {
		return req.Reply(ctx, adapters.Message{Text: coreMsgs.T(req.Lang(ctx), "lang_current")})
	}
	lang := NormalizeLang(args[0])
	if lang == "" {
		return req.Reply(ctx, adapters.Message{Text: coreMsgs.T(req.Lang(ctx), "lang_unknown",
			"lang", Quote(args[0]))})
	}
	if err := b.prefs.setLang(ctx, req.Event, lang); err != nil {
		return err
	}
	req.lang = lang
	return req.Reply(ctx, adapters.Message{Text: coreMsgs.T(lang, "lang_set")})
}

// isOOM reports whether err is Redis refusing a write for lack of memory ("OOM command not
// allowed when used memory > 'maxmemory'").
func isOOM(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && strings.HasPrefix(re.Error(), "OOM ")
}
