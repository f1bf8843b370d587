package leancoffee

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/storage"
)

// Rounds planned ahead: "/lc start beginn=10.12.2026 14:00" opens the round now, so that topics
// (and, with "abstimmung=sofort", dots) can be collected for days, and sets two durable timers:
// a reminder in the channel RemindBefore the start, and at the start an announcement that the
// moderation can begin with /lc weiter. Each is posted once: the handlers do nothing for a round
// that has moved on or been replaced, mark the post in the round hash once it is out, and give
// it an idempotency key for a process that dies in between. The moderation may also begin
// early; the timers then find the round discussing and stay silent.

// Timer kinds of planned rounds; they run in the interactive lane like the timeboxes.
const (
	RemindKind = "lc.remind"
	BeginKind  = "lc.begin"
)

// RemindBefore is how long before a planned start the channel is reminded.
const RemindBefore = 10 * time.Minute

// maxAhead is how far ahead a round may be planned: well within the keys' retention, which
// counts from the round's last change.
const maxAhead = 28 * 24 * time.Hour

func remindID(chanKey, round string) string { return "lc:remind:" + chanKey + ":" + round }
func beginID(chanKey, round string) string  { return "lc:begin:" + chanKey + ":" + round }

// plan is what "/lc start" says about a planned round.
type plan struct {
	begin     string // as typed, "" for a round that starts now
	beginName string // the option's name as typed, for the reply
	votingNow bool
}

var (
	clockRe   = regexp.MustCompile(`^([01]?\d|2[0-3]):([0-5]\d)$`)
	clockish  = regexp.MustCompile(`^[0-9][0-9:.]*$`)
	dateDE    = regexp.MustCompile(`^(\d{1,2})\.(\d{1,2})\.(\d{4})?$`)
	dateISO   = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})$`)
	beginOpts = map[string]bool{"beginn": true, "begin": true, "start": true, "termin": true}
	voteOpts  = map[string]bool{"abstimmung": true, "voting": true}
	nowWords  = map[string]bool{"sofort": true, "jetzt": true, "now": true, "immediately": true, "ja": true, "yes": true}
	lateWords = map[string]bool{"später": true, "spaeter": true, "later": true, "nein": true, "no": true}
)

// splitPlan takes the planning options out of the start arguments: "beginn=<date> <time>"
// (the clock time may follow as its own word, and "Uhr" after it) and "abstimmung=sofort".
// The rest are round settings.
func splitPlan(args []string) (rest []string, p plan, err *optionError) {
	for i := 0; i < len(args); i++ {
		name, value, ok := strings.Cut(args[i], "=")
		lname := strings.ToLower(name)
		switch {
		case ok && beginOpts[lname]:
			p.beginName = name
			// The clock time as its own word, also a malformed one ("25:00"), so that the
			// reply is about the start time rather than an unknown setting.
			if i+1 < len(args) && clockish.MatchString(args[i+1]) {
				value += " " + args[i+1]
				i++
			}
			if i+1 < len(args) && strings.EqualFold(args[i+1], "uhr") {
				i++
			}
			p.begin = value
		case ok && voteOpts[lname]:
			switch v := strings.ToLower(value); {
			case nowWords[v]:
				p.votingNow = true
			case lateWords[v]:
				p.votingNow = false
			default:
				return nil, p, &optionError{key: "opt_bad_voting", name: name, value: value}
			}
		default:
			rest = append(rest, args[i])
		}
	}
	if p.votingNow && p.begin == "" {
		return nil, p, &optionError{key: "opt_voting_needs_begin", name: "abstimmung", value: "sofort"}
	}
	return rest, p, nil
}

// Reasons a start time is refused; each names its reply.
var (
	errBeginBad  = errors.New("begin_bad")
	errBeginPast = errors.New("begin_past")
	errBeginFar  = errors.New("begin_far")
)

// ParseBegin reads a start time in loc: "10.12.2026 14:00", "10.12. 14:00" (the next such
// day), "2026-12-10 14:00" or "2026-12-10T14:00", "heute 14:00"/"today 14:00" and
// "morgen 9:00"/"tomorrow 9:00"; "Uhr" may follow. It must lie after now and at most 28 days
// ahead.
func ParseBegin(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimSpace(strings.TrimSuffix(s, "uhr"))
	datePart, clock, ok := strings.Cut(s, " ")
	if !ok {
		datePart, clock, ok = strings.Cut(s, "t")
	}
	if !ok {
		return time.Time{}, errBeginBad
	}
	m := clockRe.FindStringSubmatch(strings.TrimSpace(clock))
	if m == nil {
		return time.Time{}, errBeginBad
	}
	hh, _ := strconv.Atoi(m[1])
	mm, _ := strconv.Atoi(m[2])
	today := now.In(loc)
	var y, mo, d int
	yearGiven := true
	switch {
	case datePart == "heute" || datePart == "today":
		y, mo, d = today.Year(), int(today.Month()), today.Day()
	case datePart == "morgen" || datePart == "tomorrow":
		t := today.AddDate(0, 0, 1)
		y, mo, d = t.Year(), int(t.Month()), t.Day()
	case dateISO.MatchString(datePart):
		p := dateISO.FindStringSubmatch(datePart)
		y, _ = strconv.Atoi(p[1])
		mo, _ = strconv.Atoi(p[2])
		d, _ = strconv.Atoi(p[3])
	case dateDE.MatchString(datePart):
		p := dateDE.FindStringSubmatch(datePart)
		d, _ = strconv.Atoi(p[1])
		mo, _ = strconv.Atoi(p[2])
		if p[3] == "" {
			y, yearGiven = today.Year(), false
		} else {
			y, _ = strconv.Atoi(p[3])
		}
	default:
		return time.Time{}, errBeginBad
	}
	at := func(y int) (time.Time, bool) {
		t := time.Date(y, time.Month(mo), d, hh, mm, 0, 0, loc)
		// time.Date normalises 31.02. to March; such a date was never valid.
		return t, t.Year() == y && int(t.Month()) == mo && t.Day() == d && t.Hour() == hh
	}
	t, valid := at(y)
	if !valid {
		return time.Time{}, errBeginBad
	}
	// "10.12." without a year is the next 10 December: a day already past this year means
	// next year's; today's date stays today (and may be refused as past).
	if !yearGiven && time.Date(y, time.Month(mo), d, 0, 0, 0, 0, loc).Before(
		time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)) {
		if t, valid = at(y + 1); !valid {
			return time.Time{}, errBeginBad
		}
	}
	switch {
	case !t.After(now):
		return t, errBeginPast
	case t.Sub(now) > maxAhead:
		return t, errBeginFar
	}
	return t, nil
}

// planTimers are the reminder and the start announcement of a planned round r; the reminder
// only if there is time for it.
func (f *Feature) planTimers(k keys, r *Round) ([]storage.Timer, error) {
	js, err := json.Marshal(timerPayload{Chan: k.chanKey, Round: r.ID})
	if err != nil {
		return nil, fmt.Errorf("leancoffee: encode timer: %w", err)
	}
	timers := []storage.Timer{{ID: beginID(k.chanKey, r.ID), Kind: BeginKind, Due: r.Begin, Payload: js}}
	if r.Begin.Sub(f.now()) > RemindBefore {
		timers = append(timers, storage.Timer{ID: remindID(k.chanKey, r.ID), Kind: RemindKind, Due: r.Begin.Add(-RemindBefore), Payload: js})
	}
	return timers, nil
}

// beginRefusal answers a start time that cannot be used.
func (f *Feature) beginRefusal(ctx context.Context, c call, err error, p plan) error {
	lang, value := c.Lang(ctx), p.begin
	switch {
	case errors.Is(err, errBeginPast):
		return c.reply(ctx, "err_begin_past", "value", adapters.Escape(value), "now", bot.FormatDayTime(lang, f.now().In(f.loc)))
	case errors.Is(err, errBeginFar):
		return c.replyN(ctx, "err_begin_far", int(maxAhead/(24*time.Hour)), "value", adapters.Escape(value))
	default:
		return c.reply(ctx, "err_begin_bad", "name", adapters.Escape(p.beginName), "value", adapters.Escape(value))
	}
}

// planned loads the round a reminder or start timer belongs to, or nil when there is nothing
// to say: the round is gone or replaced, under discussion or over, or the post is out already.
func (f *Feature) planned(ctx context.Context, t storage.Timer, mark string) (keys, *Round, error) {
	p, k, r, err := f.timerRound(ctx, t)
	if r == nil || err != nil {
		return k, nil, err
	}
	if r.ID != p.Round || (r.Phase != PhaseCollecting && r.Phase != PhaseVoting) {
		return k, nil, nil
	}
	done, err := f.st.s.Client.HMGet(ctx, k.round, mark, "begun").Result()
	if err != nil {
		return k, nil, fmt.Errorf("leancoffee: read %s: %w", mark, err)
	}
	for _, v := range done {
		if v != nil && v != "" {
			return k, nil, nil // posted already, or (for the reminder) the start is announced
		}
	}
	return k, r, nil
}

// setMark records that a planned round's reminder or start announcement is out. The field is
// not part of encodeRound, so a transaction saving the round cannot clear it.
func (f *Feature) setMark(ctx context.Context, k keys, r *Round, field string) error {
	if err := f.st.s.Client.HSet(ctx, k.round, field, "1").Err(); err != nil {
		return fmt.Errorf("leancoffee: mark round %s %s: %w", r.ID, field, err)
	}
	return nil
}

// onRemind reminds the channel that a planned round starts soon.
func (f *Feature) onRemind(ctx context.Context, t storage.Timer) error {
	k, r, err := f.planned(ctx, t, "reminded")
	if r == nil || err != nil {
		return err
	}
	v := f.view(ctx, k, r, r.Lang)
	left := r.Begin.Sub(f.now()).Round(time.Minute)
	if left <= 0 {
		return nil // the start is due: its own announcement says everything
	}
	text := msgs.N(r.Lang, "ann_remind", liveTopics(r), "dur", v.dur(left), "clock", v.clock(r.Begin), "mod", modName(r.Lang, r))
	if r.Phase == PhaseVoting {
		text += " " + msgs.T(r.Lang, "ann_remind_vote")
	}
	if _, err := f.chat.Post(ctx, r.Channel, adapters.Message{Text: text, Key: "lc-remind:" + r.ID}); err != nil {
		return fmt.Errorf("leancoffee: post reminder: %w", err)
	}
	return f.setMark(ctx, k, r, "reminded")
}

// onBegin tells the channel that a planned round's time has come and the moderation may begin.
func (f *Feature) onBegin(ctx context.Context, t storage.Timer) error {
	k, r, err := f.planned(ctx, t, "begun")
	if r == nil || err != nil {
		return err
	}
	v := f.view(ctx, k, r, r.Lang)
	key := "ann_begin_collecting"
	if r.Phase == PhaseVoting {
		key = "ann_begin_voting"
	}
	text := msgs.N(r.Lang, key, liveTopics(r), "clock", v.clock(r.Begin), "mod", modName(r.Lang, r))
	if _, err := f.chat.Post(ctx, r.Channel, adapters.Message{Text: text, Key: "lc-begin:" + r.ID}); err != nil {
		return fmt.Errorf("leancoffee: post start: %w", err)
	}
	if err := f.setMark(ctx, k, r, "begun"); err != nil {
		return err
	}
	// The board said when the round would begin; now it need not.
	if r.Board != "" {
		if err := f.showBoard(ctx, k, r); err != nil {
			f.log.Warn().Err(err).Str("round", r.ID).Msg("board update at the start failed")
		}
	}
	return nil
}

// liveTopics counts the topics on the board (merged ones are not).
func liveTopics(r *Round) int { return r.Topics - len(r.Merged) }
