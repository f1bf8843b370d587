package circles

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/storage"
)

// Name is the command word the feature is registered under; Aliases are the other words.
const Name = "wol"

// Aliases are the other command words of the feature.
var Aliases = []string{"circle", "circles", "kreis"}

// Timer kinds of the weekly companion.
const (
	RemindKind  = "wol.remind"
	CheckinKind = "wol.checkin"
)

// GuidesURL is where the free official circle guides are; the bot links, never copies them.
const GuidesURL = "https://workingoutloud.com/de/circle-guides"

// DefaultWeek is the time between two meetings of a circle.
const DefaultWeek = 7 * 24 * time.Hour

// Options configure [New]. Store, Chat and Timers are required.
type Options struct {
	Store  *storage.Store
	Chat   adapters.Chat
	Timers *storage.Timers
	// Location is the time zone of meeting times (09:00, 12:00, 14:00); default Europe/Berlin,
	// or UTC when the zone database is missing.
	Location *time.Location
	// Week is the time between meetings; 0 means DefaultWeek. A shorter week (a few seconds,
	// for tests and demos) scales all companion timing: the wait for the first meeting, the
	// reminder lead (Week/7) and the meeting length.
	Week   time.Duration
	Logger zerolog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Retention is how long a finished circle (its members, goals, check-ins) is kept after
	// its last meeting, or after it was merged into another (env WOLBOT_RETENTION); 0 means
	// DefaultRetention (180 days). See privacy.go.
	Retention time.Duration
	// MeetingURL is the template of the circles' video room links (WOLBOT_MEETING_URL), e.g.
	// "https://meet.example.de/wol-{circle}"; "{circle}" becomes the circle's id and a random
	// suffix. Empty: no links (meeting.go).
	MeetingURL string
}

// Feature is the Working Out Loud circles feature; register it with the bot's router under
// [Name] with [Aliases].
type Feature struct {
	st     *store
	chat   adapters.Chat
	timers *storage.Timers
	loc    *time.Location
	week   time.Duration
	keep   time.Duration // Options.Retention
	log    zerolog.Logger
	now    func() time.Time
	// meetingURL is Options.MeetingURL.
	meetingURL string
}

// New returns the feature and registers its timer kinds.
func New(opts Options) (*Feature, error) {
	if opts.Store == nil || opts.Chat == nil || opts.Timers == nil {
		return nil, errors.New("circles: Store, Chat and Timers are required")
	}
	if opts.Week < 0 {
		return nil, fmt.Errorf("circles: week %s must not be negative", opts.Week)
	}
	if err := checkMeetingURL(opts.MeetingURL); err != nil {
		return nil, err
	}
	loc, now := bot.ClockDefaults(opts.Location, opts.Now)
	week := opts.Week
	if week == 0 {
		week = DefaultWeek
	}
	f := &Feature{
		st: newStore(opts.Store), chat: opts.Chat, timers: opts.Timers, loc: loc, week: week, keep: retentionOr(opts.Retention),
		log: opts.Logger.With().Str("feature", Name).Logger(), now: now, meetingURL: opts.MeetingURL,
	}
	// Circle timers run in the companion lane: neither behind an impulse fan-out nor in the
	// way of a Lean Coffee timebox.
	opts.Timers.HandleLane(RemindKind, storage.LaneCompanion, f.onRemind)
	opts.Timers.HandleLane(CheckinKind, storage.LaneCompanion, f.onCheckin)
	opts.Timers.HandleLane(PurgeKind, storage.LaneCompanion, f.onPurge)
	opts.Timers.HandleLane(FitKind, storage.LaneCompanion, f.onFit)
	return f, nil
}

// Describe is the line in the general help.
func (f *Feature) Describe(lang string) string { return msgs.T(lang, "describe") }

// subcommands maps every accepted word, German first, to its command.
var subcommands = map[string]string{
	"region": "region", "regionen": "region", "regions": "region",
	"admin": "admin", "admins": "admin",
	"runde": "round", "round": "round",
	"vorschau": "preview", "preview": "preview",
	"verschieben": "move", "move": "move",
	"bestätigen": "confirm", "bestaetigen": "confirm", "confirm": "confirm",
	"übersicht": "overview", "uebersicht": "overview", "overview": "overview",
	"zusammenlegen": "merge", "merge": "merge",
	"auflösen": "dissolve", "aufloesen": "dissolve", "dissolve": "dissolve",
	"join": "join", "mitmachen": "join", "anmelden": "join",
	"antwort": "answer", "answer": "answer",
	"abbrechen": "cancel", "cancel": "cancel",
	"me": "me", "ich": "me",
	"ändern": "change", "aendern": "change", "change": "change",
	"pause": "pause", "pausieren": "pause",
	"weiter": "resume", "resume": "resume",
	"verlassen": "leave", "leave": "leave", "austreten": "leave",
	"treffen": "met", "met": "met", "meeting": "met",
	"fortsetzung": "continue", "continue": "continue",
	"passung": "fit", "fit": "fit",
	"termin": "slot", "slot": "slot", "zeit": "slot", "reschedule": "slot",
	"hilfe": "help", "help": "help",
	"lang": "lang", "sprache": "lang", "language": "lang",
	"daten": "data", "data": "data", "meinedaten": "data",
	"vergessen": "forget", "forget": "forget", "löschen": "forget", "loeschen": "forget",
}

// adminOnly commands need a global or regional admin; which region is checked where the
// region is known.
var adminOnly = map[string]bool{
	"region": true, "admin": true, "preview": true, "move": true, "confirm": true, "overview": true, "merge": true, "dissolve": true,
	"slot": true,
}

// userError is a problem the user caused: Serve answers it with the catalogue text.
type userError struct {
	key    string
	args   []any
	plural bool // key names a plural (key.one/key.other) chosen by n
	n      int
}

func (e *userError) Error() string { return "circles: " + e.key }

func refuse(key string, args ...any) error { return &userError{key: key, args: args} }

// refuseN is refuse with a plural text: key.one or key.other chosen by n.
func refuseN(key string, n int, args ...any) error {
	return &userError{key: key, args: args, plural: true, n: n}
}

// call is one request being served.
type call struct {
	*bot.Request
	lang string

	// admin caches the requester's regional-admin record, loaded on first use by
	// regionalAdmin so that one command does one lookup.
	admin       *adminRec
	adminLoaded bool
}

func (c *call) t(key string, args ...any) string { return msgs.T(c.lang, key, args...) }

func (c *call) reply(ctx context.Context, key string, args ...any) error {
	return c.ReplyText(ctx, c.t(key, args...))
}

// person is the requester's person key.
func (c *call) person() string { return personKey(c.Event.Platform, c.Event.User) }

func personKey(platform, user string) string { return platform + ":" + user }

// Serve handles /wol commands, button clicks, and answers in the enrolment dialog.
func (f *Feature) Serve(ctx context.Context, req *bot.Request) error {
	c := &call{Request: req, lang: req.Lang(ctx)}
	err := f.serve(ctx, c)
	var ue *userError
	if errors.As(err, &ue) {
		if ue.plural {
			return c.ReplyText(ctx, msgs.N(c.lang, ue.key, ue.n, ue.args...))
		}
		return c.reply(ctx, ue.key, ue.args...)
	}
	return err
}

func (f *Feature) serve(ctx context.Context, c *call) error {
	if c.Event.Kind == adapters.KindAction {
		return f.serveAction(ctx, c)
	}
	text := strings.TrimPrefix(strings.TrimSpace(c.Event.Text), "/")
	first, _, _ := strings.Cut(text, " ")
	first = strings.ToLower(first)
	if first != Name && !slices.Contains(Aliases, first) {
		// The router handed over a message of a direct conversation whose first word is no
		// command, because this feature holds a dialog with the person (see Converses).
		return f.answer(ctx, c, text, "")
	}
	sub := ""
	if len(c.Args) > 0 {
		sub = subcommands[strings.ToLower(c.Args[0])]
	}
	// dialog is whether a direct message without a known subcommand belongs to an open
	// enrolment dialog; looked up once and reused below (not for a bare "/wol", which is help).
	dialog := false
	if sub == "" && c.Event.Direct && (first == "kreis" || len(c.Args) > 0) {
		open, err := f.dialogOpen(ctx, c.person())
		if err != nil {
			return err
		}
		dialog = open
	}
	if dialog && first == "kreis" {
		// "Kreis Düren" (or just "Kreis") in a dialog reaches us through the alias "kreis".
		return f.answer(ctx, c, text, "")
	}
	if len(c.Args) == 0 {
		return f.help(ctx, c)
	}
	args := splitArgs(c.Rest(1))
	if sub == "" {
		if dialog {
			// "/wol Stadt Köln" in a dialog is an answer too.
			return f.answer(ctx, c, c.Rest(0), "")
		}
		return refuse("err_unknown_sub", "sub", adapters.Escape(c.Args[0]))
	}
	if adminOnly[sub] {
		ok, err := f.isAnyAdmin(ctx, c)
		if err != nil {
			return err
		}
		if !ok {
			return refuse("err_admin_only")
		}
	}
	switch sub {
	case "region":
		return f.regionCmd(ctx, c, args)
	case "admin":
		return f.adminCmd(ctx, c, args)
	case "round":
		return f.roundCmd(ctx, c, args)
	case "preview":
		return f.previewCmd(ctx, c, args)
	case "move":
		return f.moveCmd(ctx, c, args)
	case "confirm":
		return f.confirmCmd(ctx, c, args)
	case "overview":
		return f.overviewCmd(ctx, c, args)
	case "merge":
		return f.mergeCmd(ctx, c, args)
	case "dissolve":
		return f.dissolveCmd(ctx, c, args)
	case "join":
		return f.join(ctx, c)
	case "answer":
		return f.answer(ctx, c, c.Rest(1), "")
	case "cancel":
		return f.cancelDialog(ctx, c)
	case "me":
		return f.me(ctx, c)
	case "change":
		return f.change(ctx, c, args)
	case "pause", "resume":
		return f.pause(ctx, c, sub == "pause")
	case "leave":
		return f.leave(ctx, c, args)
	case "met":
		return f.metCmd(ctx, c, args)
	case "continue":
		return f.continueCmd(ctx, c, args)
	case "fit":
		return f.fitCmd(ctx, c, args)
	case "slot":
		return f.slotCmd(ctx, c, args)
	case "help":
		return f.help(ctx, c)
	case "data":
		return f.dataCmd(ctx, c)
	case "forget":
		return f.forgetCmd(ctx, c, c.Args[1:])
	default: // "lang"
		return c.Bot().ServeLang(ctx, c.Request, c.Args[1:])
	}
}

// serveAction handles button clicks; each button's value says what it belongs to, so a click
// on an old message is recognised.
func (f *Feature) serveAction(ctx context.Context, c *call) error {
	switch c.Event.ActionID {
	case "wol.answer":
		step, value, ok := strings.Cut(c.Event.Value, "|")
		if !ok {
			return refuse("err_stale_button")
		}
		return f.answer(ctx, c, value, step)
	case "wol.met":
		id, week, yes, ok := parseCheckinValue(c.Event.Value)
		if !ok {
			return refuse("err_stale_button")
		}
		return f.checkin(ctx, c, id, week, yes)
	case "wol.next":
		id, choice, ok := strings.Cut(c.Event.Value, "|")
		if !ok || continueWords[choice] == "" {
			return refuse("err_stale_button")
		}
		return f.recordContinue(ctx, c, id, continueWords[choice])
	case "wol.leave":
		id, choice, ok := strings.Cut(c.Event.Value, "|")
		if !ok {
			return refuse("err_stale_button")
		}
		return f.leaveAnswer(ctx, c, id, choice == "yes")
	case "wol.fit":
		id, answer, ok := strings.Cut(c.Event.Value, "|")
		if !ok || (answer != fitGood && answer != fitUnsure && answer != fitNo) {
			return refuse("err_stale_button")
		}
		return f.recordFit(ctx, c, id, answer, false)
	case forgetAction:
		return f.forgetCmd(ctx, c, nil)
	case "wol.dissolve":
		id, how, ok := strings.Cut(c.Event.Value, "|")
		if !ok || (how != "wait" && how != "end") {
			return refuse("err_stale_button")
		}
		args := []string{id}
		if how == "wait" {
			args = append(args, "warteliste")
		}
		return f.dissolveCmd(ctx, c, args)
	case "wol.merge":
		a, b, ok := strings.Cut(c.Event.Value, "|")
		if !ok {
			return refuse("err_stale_button")
		}
		return f.mergeCmd(ctx, c, []string{a, b})
	default:
		return refuse("err_unknown_sub", "sub", adapters.Escape(c.Event.ActionID))
	}
}

// Converses reports whether the requester has an open enrolment dialog with the bot. The
// router asks it for messages in a direct conversation whose first word is no command, so that
// "Kreis Düren" or "mo-vm, do-nm" reaches the dialog. A Redis failure counts as "no dialog"
// (the person gets the router's "unknown command" and can answer with /wol antwort).
func (f *Feature) Converses(ctx context.Context, req *bot.Request) bool {
	open, err := f.dialogOpen(ctx, personKey(req.Event.Platform, req.Event.User))
	if err != nil {
		req.Log.Warn().Err(err).Msg("circles: dialog state unavailable")
		return false
	}
	return open
}

func (f *Feature) help(ctx context.Context, c *call) error {
	text := c.t("help", "guides", GuidesURL) + c.t("help_fit") + privacyMsgs.T(c.lang, "help_privacy")
	ok, err := f.isAnyAdmin(ctx, c)
	if err != nil {
		return err
	}
	if ok {
		text += c.t("help_admin") + c.t("help_slot")
	}
	return c.ReplyText(ctx, text)
}

// isAnyAdmin reports whether the requester is a global admin or a regional admin of any region.
func (f *Feature) isAnyAdmin(ctx context.Context, c *call) (bool, error) {
	if c.IsAdmin() {
		return true, nil
	}
	a, err := f.regionalAdmin(ctx, c)
	return a != nil && len(a.Regions) > 0, err
}

// regionalAdmin is the requester's regional-admin record (nil if none), looked up once per
// call; errors are not cached.
func (f *Feature) regionalAdmin(ctx context.Context, c *call) (*adminRec, error) {
	if c.adminLoaded {
		return c.admin, nil
	}
	a, err := f.st.regionalAdmin(ctx, c.person())
	if err != nil {
		return nil, err
	}
	c.admin, c.adminLoaded = a, true
	return a, nil
}

// mayAdmin reports whether the requester may run admin commands for region.
func (f *Feature) mayAdmin(ctx context.Context, c *call, region string) (bool, error) {
	if c.IsAdmin() {
		return true, nil
	}
	a, err := f.regionalAdmin(ctx, c)
	if err != nil || a == nil {
		return false, err
	}
	return slices.Contains(a.Regions, region), nil
}

// adminRegion loads region id for an admin command: unknown regions and regions the requester
// does not administer are refused.
func (f *Feature) adminRegion(ctx context.Context, c *call, id string) (*regionRec, error) {
	id = strings.ToLower(id)
	ok, err := f.mayAdmin(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, refuse("err_not_region_admin", "region", adapters.Escape(id))
	}
	r, err := f.st.region(ctx, id)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, refuse("err_unknown_region", "region", adapters.Escape(id))
	}
	return r, nil
}
