package impulses

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
)

// subcommands maps every accepted word, German first, to its command.
var subcommands = map[string]string{
	"abo": "subscribe", "abonnieren": "subscribe", "subscribe": "subscribe", "anmelden": "subscribe",
	"pause": "pause", "pausieren": "pause",
	"weiter": "resume", "fortsetzen": "resume", "resume": "resume",
	"stopp": "stop", "stop": "stop", "abbestellen": "stop", "abmelden": "stop", "unsubscribe": "stop",
	"jetzt": "now", "now": "now", "next": "now", "nächster": "now", "naechster": "now",
	"archiv": "archive", "archive": "archive",
	"status": "status", "stand": "status",
	"feedback": "feedback", "rückmeldung": "feedback", "rueckmeldung": "feedback",
	"hilfe": "help", "help": "help",
	"lang": "lang", "sprache": "lang", "language": "lang",
	"zeitplan": "schedule", "schedule": "schedule",
	"vorschau": "preview", "preview": "preview",
	"statistik": "stats", "stats": "stats", "statistics": "stats",
	"bibliothek": "library", "library": "library",
	"abonnenten": "subscribers", "subscribers": "subscribers",
}

// adminOnly are the commands only admins may use; subscribing and stopping someone else are
// checked where the target is parsed.
var adminOnly = map[string]bool{"schedule": true, "preview": true, "stats": true, "library": true, "subscribers": true}

var audienceWords = map[string]string{
	"leitung": AudienceLeaders, "leitungen": AudienceLeaders, "führung": AudienceLeaders, "fuehrung": AudienceLeaders,
	"leaders": AudienceLeaders, "leader": AudienceLeaders,
	"planung": AudiencePlanners, "planer": AudiencePlanners, "planerinnen": AudiencePlanners,
	"planners": AudiencePlanners, "planner": AudiencePlanners,
	"alle": AudienceAll, "all": AudienceAll,
}

var voteWords = map[string]string{
	"gut": "up", "hilfreich": "up", "good": "up", "helpful": "up", "up": "up", "👍": "up", "+": "up", "+1": "up",
	"weniger": "down", "less": "down", "down": "down", "👎": "down", "-": "down", "-1": "down",
}

// call is one request being served.
type call struct{ *bot.Request }

// reply answers the requester in their language.
func (c call) reply(ctx context.Context, key string, args ...any) error {
	return c.ReplyText(ctx, msgs.T(c.Lang(ctx), key, args...))
}

func (c call) clock(ctx context.Context, loc *time.Location) clock {
	return clock{lang: c.Lang(ctx), loc: loc}
}

// Serve handles /impuls commands and the feedback buttons.
func (f *Feature) Serve(ctx context.Context, req *bot.Request) error {
	c := call{req}
	if req.Event.Kind == adapters.KindAction {
		return f.serveAction(ctx, c)
	}
	if len(req.Args) == 0 {
		return f.help(ctx, c)
	}
	sub := subcommands[strings.ToLower(req.Args[0])]
	args := req.Args[1:]
	if adminOnly[sub] && !req.IsAdmin() {
		return c.reply(ctx, "err_admin_only")
	}
	switch sub {
	case "subscribe":
		return f.subscribe(ctx, c, args)
	case "pause":
		return f.pause(ctx, c, req.Rest(1))
	case "resume":
		return f.resume(ctx, c)
	case "stop":
		return f.stop(ctx, c, args)
	case "now":
		return f.nowCmd(ctx, c)
	case "archive":
		return f.archive(ctx, c)
	case "status":
		return f.status(ctx, c)
	case "feedback":
		if len(args) != 2 || voteWords[strings.ToLower(args[1])] == "" {
			return c.reply(ctx, "err_feedback_arg")
		}
		return f.feedback(ctx, c, strings.ToLower(args[0]), voteWords[strings.ToLower(args[1])])
	case "help":
		return f.help(ctx, c)
	case "lang":
		return f.lang(ctx, c, args)
	case "schedule":
		return f.scheduleCmd(ctx, c, req.Rest(1))
	case "preview":
		return f.preview(ctx, c, args)
	case "stats":
		return f.statsCmd(ctx, c)
	case "library":
		return f.libraryCmd(ctx, c)
	case "subscribers":
		return f.subscribersCmd(ctx, c)
	default:
		return c.reply(ctx, "err_unknown_sub", "sub", bot.Quote(req.Args[0]))
	}
}

// serveAction handles the feedback buttons: value "<impulse id>:up|down".
func (f *Feature) serveAction(ctx context.Context, c call) error {
	if c.Event.ActionID != FeedbackAction {
		return c.reply(ctx, "err_unknown_sub", "sub", bot.Quote(c.Event.ActionID))
	}
	i := strings.LastIndexByte(c.Event.Value, ':')
	if i < 0 {
		return c.reply(ctx, "err_feedback_arg")
	}
	id, vote := c.Event.Value[:i], c.Event.Value[i+1:]
	if vote != "up" && vote != "down" {
		return c.reply(ctx, "err_feedback_arg")
	}
	return f.feedback(ctx, c, id, vote)
}

func (f *Feature) help(ctx context.Context, c call) error {
	text := msgs.T(c.Lang(ctx), "help")
	if c.IsAdmin() {
		text += msgs.T(c.Lang(ctx), "help_admin")
	}
	return c.ReplyText(ctx, text)
}

// self is the requester as a subscriber (the fields a subscription needs).
func self(ctx context.Context, c call) *subscriber {
	ev := c.Event
	return &subscriber{
		ID: userSubID(ev.Platform, ev.User), Kind: KindUser, Platform: ev.Platform, Team: ev.Team,
		Target: ev.User, Name: ev.UserName, Lang: c.Lang(ctx), Audience: AudienceLeaders, By: ev.User,
	}
}

// resolveTarget reads "@name", "#" (this channel) or "#<channel id>" for admins' commands. It
// answers the user itself and returns nil when it cannot.
func (f *Feature) resolveTarget(ctx context.Context, c call, arg string) (*subscriber, error) {
	ev := c.Event
	switch {
	case strings.HasPrefix(arg, "@") && len(arg) > 1:
		u, err := c.Chat().LookupUser(ctx, arg)
		if errors.Is(err, adapters.ErrNotFound) {
			return nil, c.reply(ctx, "err_user_unknown", "name", bot.Quote(arg))
		}
		if err != nil {
			return nil, fmt.Errorf("impulses: look up %s: %w", arg, err)
		}
		lang := bot.NormalizeLang(u.Locale)
		if lang == "" {
			lang = bot.DefaultLang
		}
		return &subscriber{ID: userSubID(ev.Platform, u.ID), Kind: KindUser, Platform: ev.Platform, Team: ev.Team,
			Target: u.ID, Name: u.Name, Lang: lang, Audience: AudienceLeaders, By: ev.User}, nil
	case strings.HasPrefix(arg, "#"):
		channel, name := strings.TrimPrefix(arg, "#"), strings.TrimPrefix(arg, "#")
		if channel == "" && ev.Direct {
			// "#" means "this channel", and a direct conversation is none: its id is the
			// person's, and subscribing it would report the channel "@admin".
			return nil, c.reply(ctx, "err_target_dm")
		}
		if channel == "" {
			channel, name = ev.Channel, cmp.Or(ev.ChannelName, ev.Channel)
		}
		if strings.ContainsAny(channel, "{}") {
			return nil, c.reply(ctx, "err_target_arg")
		}
		return &subscriber{ID: channelSubID(ev.Platform, channel), Kind: KindChannel, Platform: ev.Platform, Team: ev.Team,
			Target: channel, Name: name, Lang: bot.DefaultLang, Audience: AudienceAll, By: ev.User}, nil
	default:
		return nil, c.reply(ctx, "err_target_arg")
	}
}

// maxRegionLen bounds the free region label.
const maxRegionLen = 60

func (f *Feature) subscribe(ctx context.Context, c call, args []string) error {
	var targetArg, audience, region, lang string
	for _, a := range args {
		low := strings.ToLower(a)
		key, value, hasValue := strings.Cut(low, "=")
		switch {
		case (strings.HasPrefix(a, "@") || strings.HasPrefix(a, "#")) && targetArg == "":
			targetArg = a
		case audienceWords[low] != "" && audience == "":
			audience = audienceWords[low]
		case hasValue && key == "region" && value != "" && utf8.RuneCountInString(value) <= maxRegionLen:
			region = a[len("region="):]
		case hasValue && (key == "lang" || key == "sprache" || key == "language") && bot.NormalizeLang(value) != "":
			lang = bot.NormalizeLang(value)
		default:
			return c.reply(ctx, "err_sub_arg", "arg", bot.Quote(a))
		}
	}
	sub := self(ctx, c)
	if targetArg != "" {
		if !c.IsAdmin() {
			return c.reply(ctx, "err_admin_only")
		}
		var err error
		if sub, err = f.resolveTarget(ctx, c, targetArg); sub == nil {
			return err
		}
	}
	if audience != "" {
		sub.Audience = audience
	}
	if lang != "" {
		sub.Lang = lang
	}
	sub.Region = region
	res, err := f.st.subscribe(ctx, sub, f.now())
	if err != nil {
		return err
	}
	l := c.Lang(ctx)
	name := adapters.Escape(sub.Name)
	if res == "already" {
		if targetArg != "" {
			return c.reply(ctx, "err_already_other", "name", name)
		}
		return c.reply(ctx, "err_already")
	}
	next, err := f.nextSlot(ctx)
	if err != nil {
		return err
	}
	c.Log.Info().Str("subscriber", sub.ID).Str("audience", sub.Audience).Str("result", res).Msg("impulses subscribed")
	args2 := []any{"next", c.clock(ctx, f.loc).dateTime(next), "details", details(l, sub), "name", name}
	switch {
	case targetArg != "" && sub.Kind == KindChannel:
		return c.reply(ctx, "reply_subscribed_channel", args2...)
	case targetArg != "":
		return c.reply(ctx, "reply_subscribed_user", args2...)
	case res == "again":
		return c.reply(ctx, "reply_resubscribed", args2...)
	default:
		return c.reply(ctx, "reply_subscribed", args2...)
	}
}

// nextSlot is when the next slot is due: the slot timer's time, or the schedule's next one
// while the slot timer is being handled.
func (f *Feature) nextSlot(ctx context.Context) (time.Time, error) {
	now := f.now()
	tm, ok, err := f.timers.Get(ctx, slotTimerID)
	if err != nil {
		return time.Time{}, fmt.Errorf("impulses: slot timer: %w", err)
	}
	if ok && tm.Due.After(now) {
		return tm.Due, nil
	}
	sch, _, err := f.schedule(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return sch.Next(now), nil
}

// Pause bounds.
const (
	minPause = 24 * time.Hour
	maxPause = 52 * 7 * 24 * time.Hour
)

var pauseRe = regexp.MustCompile(`^(\d{1,4})\s*([\p{L}]+)\.?$`)

var pauseUnits = map[string]time.Duration{
	"d": 24 * time.Hour, "t": 24 * time.Hour, "tag": 24 * time.Hour, "tage": 24 * time.Hour, "tagen": 24 * time.Hour,
	"day": 24 * time.Hour, "days": 24 * time.Hour,
	"w": 7 * 24 * time.Hour, "wo": 7 * 24 * time.Hour, "wk": 7 * 24 * time.Hour, "wks": 7 * 24 * time.Hour,
	"woche": 7 * 24 * time.Hour, "wochen": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
}

// ParsePause reads a pause: "4w", "10d", "2 Wochen", "3 weeks", "1 Tag"; between one day and
// 52 weeks.
func ParsePause(s string) (time.Duration, bool) {
	m := pauseRe.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	unit, ok := pauseUnits[m[2]]
	if err != nil || !ok {
		return 0, false
	}
	d := time.Duration(n) * unit
	return d, d >= minPause && d <= maxPause
}

func (f *Feature) pause(ctx context.Context, c call, arg string) error {
	d, ok := ParsePause(arg)
	if !ok {
		return c.reply(ctx, "err_pause_arg", "arg", bot.Quote(arg))
	}
	until := f.now().Add(d)
	res, err := f.st.change(ctx, self(ctx, c).ID, "pause", strconv.FormatInt(until.UnixMilli(), 10), f.now())
	if err != nil {
		return err
	}
	if res == "none" {
		return c.reply(ctx, "err_not_subscribed")
	}
	return c.reply(ctx, "reply_paused", "until", c.clock(ctx, f.loc).date(until))
}

func (f *Feature) resume(ctx context.Context, c call) error {
	res, err := f.st.change(ctx, self(ctx, c).ID, "resume", "", f.now())
	if err != nil {
		return err
	}
	switch res {
	case "none":
		return c.reply(ctx, "err_not_subscribed")
	case "notpaused":
		return c.reply(ctx, "err_not_paused")
	}
	next, err := f.nextSlot(ctx)
	if err != nil {
		return err
	}
	return c.reply(ctx, "reply_resumed", "next", c.clock(ctx, f.loc).dateTime(next))
}

func (f *Feature) stop(ctx context.Context, c call, args []string) error {
	sub := self(ctx, c)
	switch {
	case len(args) > 1:
		return c.reply(ctx, "err_target_arg")
	case len(args) == 1:
		if !c.IsAdmin() {
			return c.reply(ctx, "err_admin_only")
		}
		var err error
		if sub, err = f.resolveTarget(ctx, c, args[0]); sub == nil {
			return err
		}
	}
	res, err := f.st.change(ctx, sub.ID, "stop", "", f.now())
	if err != nil {
		return err
	}
	name := adapters.Escape(sub.Name)
	switch {
	case res == "none" && len(args) == 1:
		return c.reply(ctx, "err_not_subscribed_other", "name", name)
	case res == "none":
		return c.reply(ctx, "err_not_subscribed")
	case len(args) == 1:
		return c.reply(ctx, "reply_stopped_other", "name", name)
	default:
		return c.reply(ctx, "reply_stopped")
	}
}

// nowCmd is /impuls jetzt: the next impulse right away, through the same durable delivery as a
// scheduled one (so it is exactly once too), and counting as received.
func (f *Feature) nowCmd(ctx context.Context, c call) error {
	sub, archive, _, err := f.st.load(ctx, self(ctx, c).ID)
	if err != nil {
		return err
	}
	if sub == nil || !sub.Active {
		return c.reply(ctx, "err_not_subscribed")
	}
	if f.next(sub, archive) == nil {
		return c.ReplyText(ctx, msgs.N(c.Lang(ctx), "reply_all_received", len(f.lib.Series(sub.Lang, sub.Audience))))
	}
	if err := f.deliverNow(ctx, sub); err != nil {
		return err
	}
	return c.reply(ctx, "reply_now")
}

func (f *Feature) archive(ctx context.Context, c call) error {
	me := self(ctx, c)
	sub, _, list, err := f.st.load(ctx, me.ID)
	if err != nil {
		return err
	}
	if sub == nil {
		return c.reply(ctx, "err_not_subscribed")
	}
	l := c.Lang(ctx)
	if len(list) == 0 {
		return c.reply(ctx, "archive_empty")
	}
	received := make(map[string]time.Time, len(list))
	for _, z := range list {
		received[z.Member.(string)] = time.UnixMilli(int64(z.Score))
	}
	lines := []string{msgs.T(l, "archive_title", "count", len(list), "total", f.seriesTotal(sub, received))}
	clk := c.clock(ctx, f.loc)
	for i, z := range list {
		id := z.Member.(string)
		title := id
		if imp, ok := f.lib.Get(id, l); ok {
			title = imp.Title
		}
		lines = append(lines, msgs.T(l, "archive_line", "pos", i+1, "title", title, "id", id,
			"date", clk.date(time.UnixMilli(int64(z.Score)))))
	}
	return c.ReplyText(ctx, strings.Join(lines, "\n"))
}

// seriesTotal is how many impulses the subscriber's series has, counting received ones that
// have left it since, so "received n of total" never shows n > total.
func (f *Feature) seriesTotal(sub *subscriber, received map[string]time.Time) int {
	series := f.lib.Series(sub.Lang, sub.Audience)
	n := len(series)
	in := make(map[string]bool, len(series))
	for _, imp := range series {
		in[imp.ID] = true
	}
	for id := range received {
		if !in[id] {
			n++
		}
	}
	return n
}

func (f *Feature) status(ctx context.Context, c call) error {
	sub, archive, _, err := f.st.load(ctx, self(ctx, c).ID)
	if err != nil {
		return err
	}
	if sub == nil {
		return c.reply(ctx, "status_none")
	}
	l, clk := c.Lang(ctx), c.clock(ctx, f.loc)
	args := []any{"count", len(archive), "total", f.seriesTotal(sub, archive), "details", details(l, sub)}
	switch {
	case !sub.Active:
		return c.reply(ctx, "status_stopped", args...)
	case sub.Paused(f.now()):
		return c.reply(ctx, "status_paused", append(args, "until", clk.date(sub.PausedUntil))...)
	}
	next := msgs.T(l, "next_none")
	if f.next(sub, archive) != nil {
		t, err := f.nextSlot(ctx)
		if err != nil {
			return err
		}
		next = clk.dateTime(t)
	}
	return c.reply(ctx, "status_active", append(args, "next", next)...)
}

// feedback records a vote; a second click changes it, never counts twice.
func (f *Feature) feedback(ctx context.Context, c call, id, vote string) error {
	l := c.Lang(ctx)
	imp, ok := f.lib.Get(id, l)
	if !ok {
		return c.reply(ctx, "err_unknown_impulse", "id", bot.Quote(id))
	}
	res, err := f.st.feedback(ctx, imp.ID, voterID(c.Ref()), vote)
	if err != nil {
		return err
	}
	title, voted := imp.Title, msgs.T(l, "vote_"+vote)
	switch res {
	case "same":
		return c.reply(ctx, "reply_feedback_same", "title", title, "vote", voted)
	case "changed":
		return c.reply(ctx, "reply_feedback_changed", "title", title, "vote", voted)
	default:
		return c.reply(ctx, "reply_feedback_"+vote, "title", title)
	}
}

// lang is the router's language command; a subscriber's series follows the new language.
func (f *Feature) lang(ctx context.Context, c call, args []string) error {
	if err := c.Bot().ServeLang(ctx, c.Request, args); err != nil {
		return err
	}
	if len(args) == 0 || bot.NormalizeLang(args[0]) == "" {
		return nil
	}
	_, err := f.st.change(ctx, self(ctx, c).ID, "lang", bot.NormalizeLang(args[0]), f.now())
	return err
}
