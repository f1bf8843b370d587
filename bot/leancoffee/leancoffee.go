package leancoffee

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/storage"
)

// TimerKind is the durable-timer kind of timebox and thumbs-vote ends.
const TimerKind = "lc.tick"

// Options configure [New]. Store, Chat and Timers are required.
type Options struct {
	Store  *storage.Store
	Chat   adapters.Chat
	Timers *storage.Timers
	// Location is the time zone of the clock times shown ("bis 14:32 Uhr"); default
	// Europe/Berlin, or UTC when the zone database is missing.
	Location *time.Location
	Logger   zerolog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Retention is how long an ended round (topics, votes, notes, authors) stays in Redis after
	// its end (env WOLBOT_RETENTION); 0 means DefaultRetention (30 days).
	Retention time.Duration
}

// Feature is the Lean Coffee feature; register it with the bot's router under "lc".
type Feature struct {
	st     *store
	chat   adapters.Chat
	timers *storage.Timers
	loc    *time.Location
	log    zerolog.Logger
	now    func() time.Time
	boards *coalescer
	// actionsAfter is how long after a round's end the durable check runs that every owner
	// has their action items (see scheduleActionDMs).
	actionsAfter time.Duration
}

// New returns the feature and registers its timer handler.
func New(opts Options) *Feature {
	loc, now := bot.ClockDefaults(opts.Location, opts.Now)
	f := &Feature{
		st: newStore(opts.Store, opts.Retention), chat: opts.Chat, timers: opts.Timers, loc: loc,
		log: opts.Logger.With().Str("feature", "lc").Logger(), now: now, boards: newCoalescer(),
		actionsAfter: 30 * time.Second,
	}
	opts.Timers.Handle(TimerKind, f.onTimer)
	opts.Timers.Handle(WarningKind, f.onWarning)
	opts.Timers.Handle(RemindKind, f.onRemind)
	opts.Timers.Handle(BeginKind, f.onBegin)
	opts.Timers.Handle(ActionsKind, f.onActions)
	return f
}

// Describe is the line in the general help.
func (f *Feature) Describe(lang string) string { return msgs.T(lang, "describe") }

// subcommands maps every accepted word, German aliases included, to its command.
var subcommands = map[string]string{
	"start": "start", "starte": "start", "starten": "start", "neu": "start",
	"topic": "topic", "thema": "topic",
	"next": "next", "weiter": "next", "skip": "next", "überspringen": "next", "ueberspringen": "next",
	"vote": "vote", "stimme": "vote", "punkt": "vote",
	"unvote": "unvote", "zurück": "unvote", "zurueck": "unvote",
	"thumbs": "thumbs", "daumen": "thumbs",
	"extend": "extend", "verlängern": "extend", "verlaengern": "extend",
	"note": "note", "notiz": "note",
	"action": "action", "aufgabe": "action",
	"merge": "merge", "zusammenführen": "merge", "zusammenfuehren": "merge",
	"moderator": "moderator", "moderation": "moderator",
	"status": "status", "stand": "status",
	"end": "end", "ende": "end", "beenden": "end", "stop": "end",
	"help": "help", "hilfe": "help",
	"lang": "lang", "sprache": "lang", "language": "lang",
}

var thumbWords = map[string]string{
	"up": ThumbUp, "hoch": ThumbUp, "👍": ThumbUp, "+": ThumbUp, "+1": ThumbUp,
	"side": ThumbSide, "sideways": ThumbSide, "seitlich": ThumbSide, "egal": ThumbSide, "✋": ThumbSide, "0": ThumbSide,
	"down": ThumbDown, "runter": ThumbDown, "👎": ThumbDown, "-": ThumbDown, "-1": ThumbDown,
}

// DedupesAtomically tells the router that votes and thumbs record their event id inside
// their own script: one Redis round trip per vote instead of two.
func (f *Feature) DedupesAtomically(req *bot.Request) bool {
	if req.Event.Kind == adapters.KindAction {
		return req.Event.ActionID == "lc.vote" || req.Event.ActionID == "lc.thumbs"
	}
	if len(req.Args) == 0 {
		return false
	}
	switch subcommands[strings.ToLower(req.Args[0])] {
	case "vote", "unvote", "thumbs":
		return true
	}
	return false
}

// call is one request being served: the request plus the round's keys.
type call struct {
	*bot.Request
	k keys
}

// reply answers the requester in their language.
func (c call) reply(ctx context.Context, key string, args ...any) error {
	return c.ReplyText(ctx, msgs.T(c.Lang(ctx), key, args...))
}

// replyN answers with the plural variant of key for count n ({n} in the text).
func (c call) replyN(ctx context.Context, key string, n int, args ...any) error {
	return c.ReplyText(ctx, msgs.N(c.Lang(ctx), key, n, args...))
}

// Serve handles /lc commands and Lean Coffee buttons.
func (f *Feature) Serve(ctx context.Context, req *bot.Request) error {
	c := call{Request: req, k: f.st.keys(bot.ChannelKey(req.Event))}
	err := f.serve(ctx, c)
	var ue *userError
	if errors.As(err, &ue) {
		return c.reply(ctx, ue.Key)
	}
	return err
}

func (f *Feature) serve(ctx context.Context, c call) error {
	if c.Event.Kind == adapters.KindAction {
		return f.serveAction(ctx, c)
	}
	if len(c.Args) == 0 {
		return c.reply(ctx, "help")
	}
	args := c.Args[1:]
	sub := subcommands[strings.ToLower(c.Args[0])]
	if c.Event.Direct && sub != "" && sub != "help" && sub != "lang" {
		// A round belongs to a channel of people; in the direct conversation with the bot it
		// would be a round of one.
		return c.reply(ctx, "err_direct")
	}
	switch sub {
	case "start":
		return f.start(ctx, c, args)
	case "topic":
		return f.addTopic(ctx, c, c.Rest(1))
	case "vote", "unvote":
		if len(args) != 1 {
			return c.reply(ctx, "err_vote_arg")
		}
		n, err := strconv.Atoi(strings.TrimPrefix(args[0], "#"))
		if err != nil {
			return c.reply(ctx, "err_vote_arg")
		}
		return f.vote(ctx, c, "", n, sub == "vote")
	case "thumbs":
		if len(args) != 1 || thumbWords[strings.ToLower(args[0])] == "" {
			return c.reply(ctx, "err_thumbs_arg")
		}
		return f.thumbs(ctx, c, "", "", thumbWords[strings.ToLower(args[0])])
	case "note":
		return f.note(ctx, c, c.Rest(1))
	case "withdraw":
		return f.withdraw(ctx, c, args)
	case "action":
		return f.action(ctx, c, args)
	case "merge":
		return f.merge(ctx, c, args)
	case "next", "extend", "end":
		return f.steer(ctx, c, sub, "")
	case "moderator":
		return f.handover(ctx, c, args)
	case "status":
		return f.status(ctx, c)
	case "help":
		return c.reply(ctx, "help")
	case "lang":
		return c.Bot().ServeLang(ctx, c.Request, args)
	default:
		return c.reply(ctx, "err_unknown_sub", "sub", adapters.Escape(c.Args[0]))
	}
}

// serveAction handles button clicks. Values carry the round id (and, for steering and thumbs,
// the step), so clicks on an older board are recognised instead of acting on the new round.
func (f *Feature) serveAction(ctx context.Context, c call) error {
	parts := strings.Split(c.Event.Value, ":")
	switch c.Event.ActionID {
	case "lc.vote":
		if len(parts) != 2 {
			return c.reply(ctx, "err_round_stale")
		}
		n, err := strconv.Atoi(parts[1])
		if err != nil {
			return c.reply(ctx, "err_round_stale")
		}
		return f.vote(ctx, c, parts[0], n, true)
	case "lc.thumbs":
		if len(parts) != 3 || thumbWords[parts[2]] == "" {
			return c.reply(ctx, "err_round_stale")
		}
		return f.thumbs(ctx, c, parts[0], parts[1], thumbWords[parts[2]])
	case "lc.next", "lc.extend", "lc.end":
		return f.steer(ctx, c, strings.TrimPrefix(c.Event.ActionID, "lc."), c.Event.Value)
	default:
		return c.reply(ctx, "err_unknown_sub", "sub", adapters.Escape(c.Event.ActionID))
	}
}

func newRoundID() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.EncodeToString(b[:]))
}

func (f *Feature) start(ctx context.Context, c call, args []string) error {
	args, plan, oe := splitPlan(args)
	var err error
	if oe == nil {
		var settings Settings
		settings, err = ParseSettings(args)
		if err == nil {
			return f.startWith(ctx, c, settings, plan)
		}
	}
	if oe != nil || errors.As(err, &oe) {
		lang := c.Lang(ctx)
		return c.reply(ctx, oe.key, "name", adapters.Escape(oe.name), "value", adapters.Escape(oe.value),
			"max", oe.dots, "dots", msgs.N(lang, "dots", oe.dots))
	}
	return err
}

// startWith opens a round with settings, now or planned ahead.
func (f *Feature) startWith(ctx context.Context, c call, settings Settings, p plan) error {
	now := f.now()
	r := &Round{
		ID: newRoundID(), Channel: c.Event.Channel, ChannelName: strings.TrimPrefix(c.Event.ChannelName, "#"), Phase: PhaseCollecting,
		Mod: c.Event.User, ModName: c.Event.UserName, Lang: c.Lang(ctx), Settings: settings,
		Started: now, Ver: 1,
		Votes: map[int]int{}, Spent: map[int]time.Duration{}, ExtCount: map[int]int{},
	}
	var timers []storage.Timer
	if p.begin != "" {
		begin, err := ParseBegin(p.begin, now, f.loc)
		if err != nil {
			return f.beginRefusal(ctx, c, err, p)
		}
		r.Begin, r.Open = begin, p.votingNow
		if p.votingNow {
			r.Phase = PhaseVoting
		}
		if timers, err = f.planTimers(c.k, r); err != nil {
			return err
		}
	}
	if err := f.st.index(ctx, c.k.chanKey, c.Event.Platform, c.Event.User); err != nil {
		return err
	}
	// The timers go in before the round: should the process die in between, they find no
	// round of theirs and do nothing, while a round is never left without them.
	if err := f.timers.ScheduleMany(ctx, timers); err != nil {
		return fmt.Errorf("leancoffee: schedule planned round: %w", err)
	}
	got, err := f.st.create(ctx, c.k, r)
	if err != nil {
		for _, t := range timers {
			if cerr := f.timers.Cancel(ctx, t.ID); cerr != nil {
				f.log.Warn().Err(cerr).Str("timer", t.ID).Msg("could not cancel the timer of a round not created")
			}
		}
	}
	if errors.Is(err, errActive) {
		return c.reply(ctx, "err_active", "mod", modName(c.Lang(ctx), got))
	}
	if err != nil {
		return err
	}
	c.Log.Info().Str("round", r.ID).Int("dots", settings.Dots).Dur("timebox", settings.Timebox).
		Bool("planned", !r.Begin.IsZero()).Msg("lean coffee round started")
	if err := f.showBoard(ctx, c.k, r); err != nil {
		return err
	}
	if r.Begin.IsZero() {
		return c.reply(ctx, "reply_started")
	}
	key := "reply_planned"
	if r.Open {
		key = "reply_planned_voting"
	}
	lang := c.Lang(ctx)
	return c.reply(ctx, key, "when", bot.FormatDayTime(lang, r.Begin.In(f.loc)), "lead", (view{lang: lang}).dur(RemindBefore))
}

func (f *Feature) addTopic(ctx context.Context, c call, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return c.reply(ctx, "err_topic_empty")
	}
	if n := utf8.RuneCountInString(text); n > MaxTopicLen {
		return c.reply(ctx, "err_topic_long", "len", n, "max", MaxTopicLen)
	}
	js, err := json.Marshal(storedTopic{Author: c.Event.User, AuthorName: c.Event.UserName, Text: text})
	if err != nil {
		return fmt.Errorf("leancoffee: encode topic: %w", err)
	}
	if err := f.st.index(ctx, c.k.chanKey, c.Event.Platform, c.Event.User); err != nil {
		return err
	}
	res, err := f.st.run(ctx, addTopicScript, c.k, "", "", "", c.Event.User, string(js), MaxTopics)
	if err != nil {
		return err
	}
	switch res.Status {
	case "ok":
		if err := f.showBoard(ctx, c.k, res.Round); err != nil {
			return err
		}
		return c.reply(ctx, "reply_topic", "n", res.Extra)
	case "phase":
		return c.reply(ctx, "err_topic_phase", "phase", msgs.T(c.Lang(ctx), "phase_"+string(res.Round.Phase)))
	case "full":
		return c.reply(ctx, "err_topics_full", "max", MaxTopics)
	default:
		return f.scriptRefusal(ctx, c, res.Status)
	}
}

// scriptRefusal answers the statuses every script may return.
func (f *Feature) scriptRefusal(ctx context.Context, c call, status string) error {
	switch status {
	case "dup":
		return nil // a redelivery: the first delivery answered already
	case "none":
		return c.reply(ctx, "err_no_round")
	case "stale":
		return c.reply(ctx, "err_round_stale")
	default:
		return fmt.Errorf("leancoffee: unexpected script status %q", status)
	}
}

// vote puts or takes back one dot. roundID is "" for text commands (the current round).
func (f *Feature) vote(ctx context.Context, c call, roundID string, n int, add bool) error {
	delta := "1"
	if !add {
		delta = "-1"
	}
	res, err := f.st.run(ctx, voteScript, c.k, c.DedupeKey(), strconv.FormatInt(c.DedupeTTL(), 10),
		roundID, c.Event.User, strconv.Itoa(n), delta)
	if err != nil {
		return err
	}
	r := res.Round
	used, _ := strconv.Atoi(res.Extra)
	switch res.Status {
	case "ok":
		if add {
			f.indexAccepted(ctx, c)
		}
		f.refreshBoard(ctx, c, r)
		key := "reply_voted"
		if !add {
			key = "reply_unvoted"
		}
		return c.reply(ctx, key, "n", n, "left", r.Dots-used, "dots", msgs.N(c.Lang(ctx), "dots_of", r.Dots))
	case "phase":
		if r.Phase == PhaseEnded {
			return c.reply(ctx, "err_ended")
		}
		return c.reply(ctx, "err_vote_phase", "phase", msgs.T(c.Lang(ctx), "phase_"+string(r.Phase)))
	case "notopic":
		return c.replyN(ctx, "err_vote_notopic", r.Topics, "topic", n)
	case "limit":
		return c.replyN(ctx, "err_vote_limit", r.Dots)
	case "topiclimit":
		return c.replyN(ctx, "err_vote_topiclimit", r.PerTopic)
	case "novote":
		return c.reply(ctx, "err_unvote_none", "n", n)
	case "merged":
		return c.reply(ctx, "err_vote_merged", "n", n, "into", res.Extra)
	default:
		return f.scriptRefusal(ctx, c, res.Status)
	}
}

// thumbs records a thumbs vote; when everyone taking part has voted, the vote closes early.
func (f *Feature) thumbs(ctx context.Context, c call, roundID, seq, thumb string) error {
	res, err := f.st.run(ctx, thumbsScript, c.k, c.DedupeKey(), strconv.FormatInt(c.DedupeTTL(), 10),
		roundID, c.Event.User, thumb, seq)
	if err != nil {
		return err
	}
	r := res.Round
	switch res.Status {
	case "ok":
		f.indexAccepted(ctx, c)
	case "phase":
		if r.Phase == PhaseEnded {
			return c.reply(ctx, "err_ended")
		}
		if seq != "" {
			return c.reply(ctx, "err_stale_poll")
		}
		return c.reply(ctx, "err_no_thumbs_open")
	case "stalepoll":
		return c.reply(ctx, "err_stale_poll")
	default:
		return f.scriptRefusal(ctx, c, res.Status)
	}
	if err := c.reply(ctx, "reply_thumbs", "thumb", thumbEmoji(thumb)); err != nil {
		return err
	}
	people, _ := strconv.Atoi(res.Extra)
	if len(r.Thumbs) < people {
		f.refreshBoard(ctx, c, r)
		return nil
	}
	// Everyone has voted: close now rather than wait for the window to end.
	_, err = f.transition(ctx, c.k, false, func(r *Round, now time.Time) (Result, error) {
		if r.Seq != res.Round.Seq || r.Stage != StageThumbs {
			return Result{}, errMoved
		}
		return r.CloseThumbs(now)
	})
	if errors.Is(err, errMoved) {
		return nil // the timer or the moderator was faster; nothing is lost
	}
	return err
}

// indexAccepted writes the person's index entry after their vote or thumbs was accepted, not
// before: a click on an old button must not re-create the entry of someone whose data was
// deleted. A failure is only logged: the script put them in people, and the round's end
// writes the entries of everyone in people.
func (f *Feature) indexAccepted(ctx context.Context, c call) {
	if err := f.st.index(ctx, c.k.chanKey, c.Event.Platform, c.Event.User); err != nil {
		c.Log.Warn().Err(err).Msg("could not write the participant index; the round's end will")
	}
}

func (r *Round) seqString() string { return strconv.FormatInt(r.Seq, 10) }

func (f *Feature) note(ctx context.Context, c call, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return c.reply(ctx, "err_note_empty")
	}
	if n := utf8.RuneCountInString(text); n > MaxNoteLen {
		return c.reply(ctx, "err_note_long", "len", n, "max", MaxNoteLen)
	}
	js, err := json.Marshal(storedNote{Author: c.Event.User, AuthorName: c.Event.UserName, Text: text})
	if err != nil {
		return fmt.Errorf("leancoffee: encode note: %w", err)
	}
	if err := f.st.index(ctx, c.k.chanKey, c.Event.Platform, c.Event.User); err != nil {
		return err
	}
	res, err := f.st.run(ctx, noteScript, c.k, "", "", "", c.Event.User, string(js), MaxNotes)
	if err != nil {
		return err
	}
	switch res.Status {
	case "ok":
		return c.reply(ctx, "reply_note", "n", res.Extra)
	case "phase":
		return c.reply(ctx, "err_note_phase")
	case "full":
		return c.reply(ctx, "err_notes_full", "max", MaxNotes)
	default:
		return f.scriptRefusal(ctx, c, res.Status)
	}
}

// steer runs a moderator's next, extend or end. step is the value of the clicked button, or ""
// for a typed command.
func (f *Feature) steer(ctx context.Context, c call, what, step string) error {
	var denied *Round
	_, err := f.transition(ctx, c.k, false, func(r *Round, now time.Time) (Result, error) {
		if step != "" && step != stepValue(r) {
			if id, _, _ := strings.Cut(step, ":"); id != r.ID {
				return Result{}, &userError{"err_round_stale"}
			}
			return Result{}, errMoved
		}
		if !mayModerate(r, c) {
			denied = r
			return Result{}, errDenied
		}
		switch what {
		case "next":
			return r.Next(now)
		case "extend":
			return r.Extend(now)
		default:
			return r.End(now)
		}
	})
	if errors.Is(err, errDenied) {
		return c.reply(ctx, "err_not_moderator", "mod", modName(c.Lang(ctx), denied))
	}
	return err
}

var errDenied = errors.New("leancoffee: not the moderator")

func (f *Feature) handover(ctx context.Context, c call, args []string) error {
	if len(args) != 1 {
		return c.reply(ctx, "err_mod_arg")
	}
	name := strings.TrimPrefix(args[0], "@")
	u, err := c.Chat().LookupUser(ctx, args[0])
	if errors.Is(err, adapters.ErrNotFound) {
		return c.reply(ctx, "err_mod_unknown", "name", adapters.Escape(name))
	}
	if err != nil {
		return fmt.Errorf("leancoffee: look up moderator: %w", err)
	}
	if u.IsBot {
		// A bot cannot steer: the round would be locked for everyone but the admins.
		return c.reply(ctx, "err_mod_bot", "name", adapters.Escape(name))
	}
	if err := f.st.index(ctx, c.k.chanKey, c.Event.Platform, u.ID); err != nil {
		return err
	}
	var denied *Round
	r, err := f.st.update(ctx, c.k, func(r *Round) error {
		if r.Phase == PhaseEnded {
			return errEnded
		}
		// The previous moderator may take the round back, e.g. when the new one has left.
		if !mayModerate(r, c) && (r.PrevMod == "" || r.PrevMod != c.Event.User) {
			denied = r
			return errDenied
		}
		if r.Mod != u.ID {
			r.PrevMod = r.Mod
		}
		r.Mod, r.ModName = u.ID, u.Name
		return nil
	}, nil)
	if errors.Is(err, errDenied) {
		return c.reply(ctx, "err_not_moderator", "mod", modName(c.Lang(ctx), denied))
	}
	if err != nil {
		return err
	}
	if _, err := f.chat.Post(ctx, r.Channel, adapters.Message{Text: msgs.T(r.Lang, "ann_moderator", "mod", adapters.Escape(u.Name))}); err != nil {
		return fmt.Errorf("leancoffee: announce moderator: %w", err)
	}
	return f.showBoard(ctx, c.k, r)
}

func (f *Feature) status(ctx context.Context, c call) error {
	r, err := f.st.load(ctx, f.st.s.Client, c.k)
	if err != nil {
		return err
	}
	used := 0
	if r.Phase == PhaseVoting {
		used, err = f.st.s.Client.HGet(ctx, c.k.ballots, c.Event.User).Int()
		if err != nil && !errors.Is(err, redisNil) {
			return fmt.Errorf("leancoffee: status: %w", err)
		}
	}
	return c.Reply(ctx, f.view(ctx, c.k, r, c.Lang(ctx)).status(used))
}

// view prepares rendering; topic texts come from the cache or one HGETALL. A failure to load
// them is logged and rendered as topic numbers: the board is never worth failing a vote for.
func (f *Feature) view(ctx context.Context, k keys, r *Round, lang string) view {
	topics, err := f.st.topicTexts(ctx, k, r)
	if err != nil {
		f.log.Warn().Err(err).Str("round", r.ID).Msg("topics unavailable for rendering")
	}
	return view{r: r, topics: topics, lang: lang, loc: f.loc, now: f.now()}
}

// refreshBoard updates the board after a vote or a thumbs vote. The vote itself is saved
// already, so a failed update is logged, not answered: the board catches up with the next one.
func (f *Feature) refreshBoard(ctx context.Context, c call, r *Round) {
	if err := f.showBoard(ctx, c.k, r); err != nil {
		c.Log.Warn().Err(err).Str("round", r.ID).Msg("board update failed")
	}
}
