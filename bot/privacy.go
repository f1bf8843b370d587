package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/storage"
)

// Data protection (DSGVO): the right of access (Art. 15) and the right to erasure (Art. 17).
//
// Every feature that stores something about a person implements [DataKeeper]; the bot finds
// them among its registered handlers, in registration order, so a new feature takes part by
// implementing two methods and nothing else changes. [Bot.ExportUserData] asks each for its
// section of the export; [Bot.ForgetUser] asks each to delete (or, where something must stay
// for others, to anonymise) and then deletes the bot's own keys.
//
// Key schema (owned by this file, next to prefs.go's language key under the same hash tag):
//
//	wolbot:<ns>:user:{<platform>:<user>}:forget   STRING  the nonce of a pending deletion
//	                                                      request; expires after forgetTTL

// UserRef names a person across features: the platform, their platform user id, and their
// handle as the platform reports it now. Features key their data by Platform and User; the
// handle matters only where a feature once stored a handle without an id.
type UserRef struct {
	Platform, User, UserName string
	// Texts asks ForgetUser to remove the texts the person wrote (topics, notes) from finished
	// rounds too, instead of keeping them anonymised: "/vergessen bestätigen texte".
	Texts bool
}

// DataKeeper is implemented by features that store personal data. UserData renders everything
// stored about u as one Markdown section (a "### " heading, then the data; dates in the
// feature's time zone, Europe/Berlin by default), or "" when nothing is stored. ForgetUser
// deletes all of it; what must stay for others (a topic in a finished summary) is anonymised
// instead. ForgetUser must be idempotent: the bot calls it again after a partial failure.
type DataKeeper interface {
	UserData(ctx context.Context, u UserRef, lang string) (section string, err error)
	ForgetUser(ctx context.Context, u UserRef) error
}

// forgetTTL is how long a deletion request waits for its confirmation.
const forgetTTL = 10 * time.Minute

// maxDMLen bounds one message of the export. Mattermost takes 16383 characters per post; the
// export is split at section or line breaks below that, and Slack's adapter splits further.
const maxDMLen = 12000

// keepers returns the registered features that keep personal data, in registration order.
func (b *Bot) keepers() []DataKeeper {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []DataKeeper
	for _, name := range b.features {
		if dk, ok := b.routes[name].h.(DataKeeper); ok {
			out = append(out, dk)
		}
	}
	return out
}

// ExportUserData renders everything the bot stores about u, in lang: a heading, one section
// per feature that holds data, the bot's own (the language preference), and a closing line
// on how to have it deleted.
func (b *Bot) ExportUserData(ctx context.Context, u UserRef, lang string) (string, error) {
	var sections []string
	for _, dk := range b.keepers() {
		s, err := dk.UserData(ctx, u, lang)
		if err != nil {
			return "", fmt.Errorf("bot: export user data: %w", err)
		}
		if s = strings.TrimSpace(s); s != "" {
			sections = append(sections, s)
		}
	}
	own, err := b.ownUserData(ctx, u, lang)
	if err != nil {
		return "", err
	}
	if own != "" {
		sections = append(sections, own)
	}
	var sb strings.Builder
	sb.WriteString(privacyMsgs.T(lang, "export_title"))
	now := b.now().In(b.loc)
	date, clock := FormatDate(lang, now), now.Format("15:04")
	sb.WriteString("\n" + privacyMsgs.T(lang, "export_meta", "date", date, "time", clock,
		"platform", adapters.Escape(u.Platform), "user", adapters.Escape(u.User), "name", adapters.Escape(u.UserName)))
	sb.WriteString("\n\n" + privacyMsgs.T(lang, "export_intro"))
	if len(sections) == 0 {
		sb.WriteString("\n\n" + privacyMsgs.T(lang, "export_nothing"))
	}
	for _, s := range sections {
		sb.WriteString("\n\n" + s)
	}
	sb.WriteString("\n\n---\n" + privacyMsgs.T(lang, "export_footer"))
	return sb.String(), nil
}

// ownUserData is the bot's own section: the language preference, if one is stored.
func (b *Bot) ownUserData(ctx context.Context, u UserRef, lang string) (string, error) {
	chosen, err := b.prefs.stored(ctx, u.Platform, u.User)
	if err != nil || chosen == "" {
		return "", err
	}
	return privacyMsgs.T(lang, "own_title") + "\n" +
		privacyMsgs.T(lang, "own_lang", "lang", privacyMsgs.T(lang, "lang_"+NormalizeLang(chosen))), nil
}

// ForgetUser deletes everything the bot stores about u: first every feature's data, then the
// bot's own keys (language preference, pending deletion request). It is idempotent. When a
// feature fails, the others still forget, the bot's own keys stay (so a confirmed request can
// be retried), and the joined error is returned.
func (b *Bot) ForgetUser(ctx context.Context, u UserRef) error {
	var errs []error
	for _, dk := range b.keepers() {
		if err := dk.ForgetUser(ctx, u); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("bot: forget user: %w", errors.Join(errs...))
	}
	if err := b.store.Client.Del(ctx, b.prefs.keyFor(u.Platform, u.User), b.forgetKey(u)).Err(); err != nil {
		return fmt.Errorf("bot: forget user: %w", err)
	}
	b.prefs.forget(u.Platform, u.User)
	return nil
}

func (b *Bot) forgetKey(u UserRef) string {
	return b.store.Key("user", storage.Tag(u.Platform+":"+u.User), "forget")
}

// Ref is the requester as a [UserRef].
func (r *Request) Ref() UserRef {
	return UserRef{Platform: r.Event.Platform, User: r.Event.User, UserName: r.Event.UserName}
}

// ServeDataRequest answers a request for one's data (Art. 15): the export goes to the requester
// as a direct message, split into several when it is long; asked in a channel, the requester
// is told there that the message is on its way.
func (b *Bot) ServeDataRequest(ctx context.Context, req *Request) error {
	lang := req.Lang(ctx)
	text, err := b.ExportUserData(ctx, req.Ref(), lang)
	if err != nil {
		return err
	}
	for _, part := range splitMessage(text, maxDMLen) {
		if _, err := b.chat.DirectMessage(ctx, req.Event.User, adapters.Message{Text: part}); err != nil {
			return fmt.Errorf("bot: send data export: %w", err)
		}
	}
	req.Log.Info().Msg("user data exported")
	if req.Event.Direct {
		return nil
	}
	return req.ReplyText(ctx, privacyMsgs.T(lang, "data_sent"))
}

// PrivacyCommand says how the deletion command was reached, so that its answers and buttons
// lead back to the same place.
type PrivacyCommand struct {
	// Forget is the text command asking for deletion per language, e.g. "de": "/wol vergessen",
	// "en": "/wol forget". The confirmation is this plus "bestätigen" or "confirm".
	Forget map[string]string
	// Action is the action id of the confirmation buttons, e.g. "wol.forget"; its prefix must
	// route to the handler that calls [Bot.ServeForgetRequest].
	Action string
}

func (pc PrivacyCommand) command(lang string) string {
	if c := pc.Forget[lang]; c != "" {
		return c
	}
	return pc.Forget[DefaultLang]
}

// Words after the deletion command.
var (
	confirmWords = map[string]bool{"bestätigen": true, "bestaetigen": true, "confirm": true, "ja": true, "yes": true}
	cancelWords  = map[string]bool{"abbrechen": true, "cancel": true, "nein": true, "no": true}
)

// forgetCancel is the value of the cancel button.
const forgetCancel = "cancel"

// textsWords, after the confirmation word, ask to delete one's texts too (UserRef.Texts).
var textsWords = map[string]bool{"texte": true, "texts": true}

// ServeForgetRequest handles a deletion request (Art. 17) in two steps: the command alone
// stores a fresh nonce for forgetTTL and asks for confirmation (buttons carrying the nonce,
// and the text alternative "<command> bestätigen"); the confirmation then deletes everything
// through [Bot.ForgetUser]. A click on an older request's button, a confirmation after the
// time ran out and a second confirmation are refused kindly and change nothing. args are the
// words after the command; for a button click they are ignored.
func (b *Bot) ServeForgetRequest(ctx context.Context, req *Request, args []string, pc PrivacyCommand) error {
	lang := req.Lang(ctx)
	cmd := pc.command(lang)
	u := req.Ref()
	if req.Event.Kind == adapters.KindAction {
		if req.Event.Value == forgetCancel {
			return b.cancelForget(ctx, req, u, cmd)
		}
		return b.confirmForget(ctx, req, u, req.Event.Value, cmd)
	}
	if len(args) > 0 {
		switch w := strings.ToLower(args[0]); {
		case confirmWords[w]:
			if len(args) > 1 {
				if !textsWords[strings.ToLower(args[1])] {
					return req.ReplyText(ctx, privacyMsgs.T(lang, "forget_unknown_arg", "arg", adapters.Escape(args[1]), "cmd", cmd))
				}
				u.Texts = true
			}
			return b.confirmForget(ctx, req, u, "", cmd)
		case cancelWords[w]:
			return b.cancelForget(ctx, req, u, cmd)
		default:
			return req.ReplyText(ctx, privacyMsgs.T(lang, "forget_unknown_arg", "arg", Quote(args[0]), "cmd", cmd))
		}
	}
	nonce := newNonce()
	err := b.store.Client.Set(ctx, b.forgetKey(u), nonce, forgetTTL).Err()
	if err != nil && isOOM(err) {
		// Redis is full (maxmemory), and deleting is what frees memory: Redis 7 lets a script
		// flagged allow-oom write even now.
		err = setAllowOOMScript.Run(ctx, b.store.Client, []string{b.forgetKey(u)}, nonce, forgetTTL.Milliseconds()).Err()
	}
	if err != nil {
		return fmt.Errorf("bot: store deletion request: %w", err)
	}
	confirm := cmd + " " + privacyMsgs.T(lang, "word_confirm")
	confirmTexts := confirm + " " + privacyMsgs.T(lang, "word_texts")
	return req.Reply(ctx, adapters.Message{
		Text: privacyMsgs.T(lang, "forget_ask", "confirm", confirm, "duration", privacyMsgs.N(lang, "minutes", int(forgetTTL/time.Minute))) +
			"\n\n" + privacyMsgs.T(lang, "forget_texts_hint", "confirm", confirmTexts),
		Buttons: []adapters.Button{
			{ID: pc.Action, Label: privacyMsgs.T(lang, "btn_forget"), Value: nonce, Style: adapters.StyleDanger, Command: confirm},
			{ID: pc.Action, Label: privacyMsgs.T(lang, "btn_keep"), Value: forgetCancel, Command: cmd + " " + privacyMsgs.T(lang, "word_cancel")},
		},
	})
}

// setAllowOOMScript is SET KEYS[1] ARGV[1] PX ARGV[2] for a Redis out of memory (Redis 7
// script flag allow-oom); only used after a plain SET was refused, since the embedded Redis
// knows no script flags.
var setAllowOOMScript = redis.NewScript("#!lua flags=allow-oom\nreturn redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])")

// takeNonceScript consumes the pending request KEYS[1] if it matches ARGV[1] ("" matches any):
// 'ok' (consumed), 'none' (nothing pending: expired or done) or 'stale' (another is pending).
var takeNonceScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then return 'none' end
if ARGV[1] ~= '' and ARGV[1] ~= v then return 'stale' end
redis.call('DEL', KEYS[1])
return 'ok'
`)

func (b *Bot) confirmForget(ctx context.Context, req *Request, u UserRef, nonce, cmd string) error {
	lang := req.Lang(ctx)
	res, err := takeNonceScript.Run(ctx, b.store.Client, []string{b.forgetKey(u)}, nonce).Text()
	if err != nil {
		return fmt.Errorf("bot: confirm deletion: %w", err)
	}
	switch res {
	case "none":
		return req.ReplyText(ctx, privacyMsgs.T(lang, "forget_none", "cmd", cmd, "duration", privacyMsgs.N(lang, "minutes", int(forgetTTL/time.Minute))))
	case "stale":
		return req.ReplyText(ctx, privacyMsgs.T(lang, "forget_stale", "cmd", cmd))
	}
	if err := b.ForgetUser(ctx, u); err != nil {
		// Put the request back, so that confirming again finishes the job.
		restore := context.WithoutCancel(ctx)
		if e := b.store.Client.SetNX(restore, b.forgetKey(u), newNonce(), forgetTTL).Err(); e != nil {
			req.Log.Warn().Err(e).Msg("could not keep the deletion request for a retry")
		}
		return err
	}
	req.Log.Info().Msg("user data deleted on request")
	return req.ReplyText(ctx, privacyMsgs.T(lang, "forget_done"))
}

func (b *Bot) cancelForget(ctx context.Context, req *Request, u UserRef, cmd string) error {
	lang := req.Lang(ctx)
	n, err := b.store.Client.Del(ctx, b.forgetKey(u)).Result()
	if err != nil {
		return fmt.Errorf("bot: cancel deletion: %w", err)
	}
	if n == 0 {
		return req.ReplyText(ctx, privacyMsgs.T(lang, "forget_none", "cmd", cmd, "duration", privacyMsgs.N(lang, "minutes", int(forgetTTL/time.Minute))))
	}
	return req.ReplyText(ctx, privacyMsgs.T(lang, "forget_cancelled"))
}

func newNonce() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// DataCommand is the top-level data export command. Register it as
//
//	b.Handle("daten", bot.DataCommand(), "data")
func DataCommand() Handler { return dataCommand{} }

type dataCommand struct{}

func (dataCommand) Serve(ctx context.Context, req *Request) error {
	return req.Bot().ServeDataRequest(ctx, req)
}

func (dataCommand) Describe(lang string) string { return privacyMsgs.T(lang, "describe_data") }

// Command is "/daten" in German; in English "/wolbot data", as only /daten is registered.
func (dataCommand) Command(lang string) string { return privacyMsgs.T(lang, "cmd_data") }

// ForgetAction is the action id of the top-level deletion command's buttons; its prefix is the
// command word the command must be registered under (primary or alias).
const ForgetAction = "vergessen.confirm"

// ForgetCommand is the top-level deletion command. Register it as
//
//	b.Handle("vergessen", bot.ForgetCommand(), "forget")
//
// (its buttons carry the action id [ForgetAction], routed by the word "vergessen").
func ForgetCommand() Handler { return forgetCommand{} }

type forgetCommand struct{}

// topLevelForget: only /vergessen is a registered slash command; English readers reach it as
// "/wolbot forget" (the router's /wolbot passes "forget" on).
var topLevelForget = PrivacyCommand{Forget: map[string]string{"de": "/vergessen", "en": "/wolbot forget"}, Action: ForgetAction}

func (forgetCommand) Serve(ctx context.Context, req *Request) error {
	return req.Bot().ServeForgetRequest(ctx, req, req.Args, topLevelForget)
}

func (forgetCommand) Describe(lang string) string { return privacyMsgs.T(lang, "describe_forget") }

// Command is "/vergessen" in German; in English "/wolbot forget", as only /vergessen is registered.
func (forgetCommand) Command(lang string) string { return topLevelForget.command(lang) }

// splitMessage cuts text into parts of at most max bytes, preferring a section break (a blank
// line), then a line break; a single longer line is cut at a rune boundary.
func splitMessage(text string, max int) []string {
	var parts []string
	for len(text) > max {
		cut := strings.LastIndex(text[:max], "\n\n")
		if cut <= 0 {
			cut = strings.LastIndex(text[:max], "\n")
		}
		if cut <= 0 {
			cut = max
			for cut > 0 && !utf8.RuneStart(text[cut]) {
				cut--
			}
		}
		parts = append(parts, strings.TrimRight(text[:cut], "\n"))
		text = strings.TrimLeft(text[cut:], "\n")
	}
	return append(parts, text)
}
