package circles

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/storage"
)

// The weekly companion. At confirm every circle gets two durable timers per week, with ids per
// circle and week ("wol:<circle>:<week>:remind" and ":checkin"): a reminder Week/7 before the
// meeting and a check-in when the meeting is over. Handlers are idempotent through the marks
// hash (store.once) and the posts' Message.Key, so a redelivered timer — after a crash, or
// when a lease ran out on another replica — posts nothing twice. A merged circle's timers find
// it inactive and do nothing.

// scale maps a duration of the real week onto the configured one (identity by default).
func (f *Feature) scale(d time.Duration) time.Duration {
	if f.week == DefaultWeek {
		return d
	}
	return time.Duration(float64(d) * float64(f.week) / float64(DefaultWeek))
}

// firstMeeting is the first occurrence of slot on or after the round's start date and at least
// one day (the reminder lead) after now: timer is when the companion runs it (with a scaled
// week the wait is scaled too), calendar the date and time people read in the welcome and the
// reminders (the same with the real week).
func (f *Feature) firstMeeting(cfg roundConfig, slot string, now time.Time) (timer, calendar time.Time) {
	day, part, ok := slotIndex(slot)
	if !ok {
		day, part = 0, 0 // no common slot: the admin sees the issue; meet on Monday mornings
	}
	from := now.Add(DefaultWeek / 7)
	if start, err := time.ParseInLocation(time.DateOnly, cfg.Start, f.loc); err == nil && start.After(from) {
		from = start
	}
	d := truncateDay(from.In(f.loc))
	real := from
	for i := range 15 {
		cand := time.Date(d.Year(), d.Month(), d.Day()+i, partHours[part], 0, 0, 0, f.loc)
		if (int(cand.Weekday())+6)%7 == day && !cand.Before(from) {
			real = cand
			break
		}
	}
	if f.week == DefaultWeek {
		return real, real
	}
	return now.Add(f.scale(real.Sub(now))), real
}

func timerID(c *circleRec, week int, kind string) string {
	return "wol:" + c.ID() + ":" + strconv.Itoa(week) + ":" + kind
}

func (f *Feature) scheduleCompanion(ctx context.Context, c *circleRec) error {
	lead := time.Duration(c.Week) * time.Millisecond / 7
	length := time.Duration(c.Length) * time.Millisecond
	var tms []storage.Timer
	for k := 1; k <= c.Weeks; k++ {
		payload := []byte(c.Region + "|" + strconv.Itoa(c.N) + "|" + strconv.Itoa(k))
		m := c.meeting(k)
		tms = append(tms,
			storage.Timer{ID: timerID(c, k, "remind"), Kind: RemindKind, Due: m.Add(-lead), Payload: payload},
			storage.Timer{ID: timerID(c, k, "checkin"), Kind: CheckinKind, Due: m.Add(length), Payload: payload})
	}
	tms = append(tms, fitTimer(c))                                     // fit check (meeting.go)
	tms = append(tms, f.purgeTimer(c, c.meeting(c.Weeks).Add(length))) // retention (privacy.go)
	if err := f.timers.ScheduleMany(ctx, tms); err != nil {
		return fmt.Errorf("circles: schedule companion of %s: %w", c.ID(), err)
	}
	return nil
}

// timerCircle decodes a companion payload and loads the circle; nil when it is gone or no
// longer active, which ends its companion quietly.
func (f *Feature) timerCircle(ctx context.Context, t storage.Timer) (*circleRec, rkeys, int, error) {
	parts := strings.Split(string(t.Payload), "|")
	if len(parts) != 3 {
		f.log.Error().Str("timer_id", t.ID).Msg("circles: malformed timer payload; dropped")
		return nil, rkeys{}, 0, nil
	}
	n, err1 := strconv.Atoi(parts[1])
	week, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil {
		f.log.Error().Str("timer_id", t.ID).Msg("circles: malformed timer payload; dropped")
		return nil, rkeys{}, 0, nil
	}
	k := f.st.rk(parts[0])
	c, err := f.st.circle(ctx, k, n)
	if err != nil {
		return nil, k, 0, err
	}
	if c == nil || c.Status != circleActive || c.Channel == "" {
		return nil, k, 0, nil
	}
	return c, k, week, nil
}

// promptIndex picks the week's prompt: the last week always gets the retrospective (12);
// otherwise the prompts follow the weeks, and a longer round stays with the later ones.
func promptIndex(week, weeks int) int {
	if week >= weeks {
		return 12
	}
	return min(week, 11)
}

func (f *Feature) onRemind(ctx context.Context, t storage.Timer) error {
	c, k, week, err := f.timerCircle(ctx, t)
	if err != nil || c == nil {
		return err
	}
	if f.meetingURL != "" {
		if c, err = f.ensureRoom(ctx, k, c); err != nil {
			return err
		}
	}
	posted, err := f.st.once(ctx, k, fmt.Sprintf("%d:%d:remind", c.N, week), f.now(), func() error {
		_, err := f.chat.Post(ctx, c.Channel, adapters.Message{Text: f.reminder(c, week), Key: postKey(c, week, "remind")})
		return err
	})
	if posted {
		f.log.Info().Str("circle", c.ID()).Int("week", week).Msg("circles: reminder posted")
	}
	return err
}

func (f *Feature) reminder(c *circleRec, week int) string {
	lang := c.Lang
	m := c.calendarMeeting(week).In(f.loc)
	text := msgs.T(lang, "remind", "week", week, "weeks", c.Weeks, "date", f.date(lang, m),
		"time", m.Format("15:04"), "facilitator", "@"+adapters.Escape(c.facilitator(week).Name),
		"prompt", msgs.T(lang, "prompt_"+strconv.Itoa(promptIndex(week, c.Weeks))), "guides", GuidesURL)
	if link := f.roomLink(c); link != "" {
		text += "\n\n" + msgs.T(lang, "remind_room", "link", link)
	}
	return text
}

func (f *Feature) onCheckin(ctx context.Context, t storage.Timer) error {
	c, k, week, err := f.timerCircle(ctx, t)
	if err != nil || c == nil {
		return err
	}
	lang := c.Lang
	value := c.ID() + "|" + strconv.Itoa(week) + "|"
	msg := adapters.Message{
		Text: msgs.T(lang, "checkin", "week", week),
		Buttons: []adapters.Button{
			{ID: "wol.met", Label: msgs.T(lang, "btn_met_yes"), Value: value + "yes", Style: adapters.StylePrimary, Command: msgs.T(lang, "cmd_met_yes")},
			{ID: "wol.met", Label: msgs.T(lang, "btn_met_no"), Value: value + "no", Command: msgs.T(lang, "cmd_met_no")},
		},
		Key: postKey(c, week, "checkin"),
	}
	if _, err := f.st.once(ctx, k, fmt.Sprintf("%d:%d:checkin", c.N, week), f.now(), func() error {
		_, err := f.chat.Post(ctx, c.Channel, msg)
		return err
	}); err != nil {
		return err
	}
	if week < c.Weeks {
		return nil
	}
	// The last week: ask whether to go on.
	next := adapters.Message{
		Text: msgs.N(lang, "continue_question", c.Weeks),
		Buttons: []adapters.Button{
			{ID: "wol.next", Label: msgs.N(lang, "btn_together", c.Weeks), Value: c.ID() + "|together", Style: adapters.StylePrimary, Command: msgs.T(lang, "cmd_together")},
			{ID: "wol.next", Label: msgs.T(lang, "btn_newmix"), Value: c.ID() + "|newmix", Command: msgs.T(lang, "cmd_newmix")},
			{ID: "wol.next", Label: msgs.T(lang, "btn_end"), Value: c.ID() + "|end", Command: msgs.T(lang, "cmd_end")},
		},
		Key: postKey(c, week, "continue"),
	}
	_, err = f.st.once(ctx, k, fmt.Sprintf("%d:%d:continue", c.N, week), f.now(), func() error {
		_, err := f.chat.Post(ctx, c.Channel, next)
		return err
	})
	return err
}

// parseCheckinValue reads a check-in button's value "<circle>|<week>|yes|no".
func parseCheckinValue(v string) (id string, week int, yes, ok bool) {
	parts := strings.Split(v, "|")
	if len(parts) != 3 || (parts[2] != "yes" && parts[2] != "no") {
		return "", 0, false, false
	}
	week, err := strconv.Atoi(parts[1])
	if err != nil {
		return "", 0, false, false
	}
	return parts[0], week, parts[2] == "yes", true
}

var metWords = map[string]string{
	"ja": "yes", "yes": "yes", "j": "yes", "y": "yes", "getroffen": "yes",
	"nein": "no", "no": "no", "n": "no", "ausgefallen": "no", "abgesagt": "no",
}

// circleOfChannel finds the circle whose channel the request came from.
func (f *Feature) circleOfChannel(ctx context.Context, c *call) (*circleRec, rkeys, error) {
	id, err := f.st.s.Client.HGet(ctx, f.st.channels, c.Event.Channel).Result()
	if err != nil && err != redisNil {
		return nil, rkeys{}, fmt.Errorf("circles: channel index: %w", err)
	}
	region, n, ok := circleByID(id, "")
	if !ok {
		return nil, rkeys{}, refuse("err_not_circle_channel")
	}
	k := f.st.rk(region)
	circle, err := f.st.circle(ctx, k, n)
	if err != nil {
		return nil, k, err
	}
	if circle == nil {
		return nil, k, refuse("err_not_circle_channel")
	}
	return circle, k, nil
}

// metCmd is the text form of the check-in: "/wol treffen ja|nein" in the circle's channel,
// for the latest meeting that has begun.
func (f *Feature) metCmd(ctx context.Context, c *call, args []string) error {
	if len(args) != 1 || metWords[strings.ToLower(args[0])] == "" {
		return refuse("err_met_args")
	}
	circle, _, err := f.circleOfChannel(ctx, c)
	if err != nil {
		return err
	}
	week := 1
	now := f.now()
	for k := 2; k <= circle.Weeks && !circle.meeting(k).After(now); k++ {
		week = k
	}
	return f.checkin(ctx, c, circle.ID(), week, metWords[strings.ToLower(args[0])] == "yes")
}

// checkin records a member's answer whether circle id met in week. Every member answers for
// themselves (a later answer of the same member replaces theirs); the week counts as held
// when anyone says yes (see tally), and the reply says how many have answered.
func (f *Feature) checkin(ctx context.Context, c *call, id string, week int, yes bool) error {
	region, n, ok := circleByID(id, "")
	if !ok {
		return refuse("err_stale_button")
	}
	k := f.st.rk(region)
	circle, err := f.st.circle(ctx, k, n)
	if err != nil {
		return err
	}
	if circle == nil || week < 1 || week > circle.Weeks {
		return refuse("err_stale_button")
	}
	if !circle.hasMember(c.person()) {
		ok, err := f.mayAdmin(ctx, c, region)
		if err != nil {
			return err
		}
		if !ok {
			return refuse("err_not_member")
		}
	}
	v := "no"
	if yes {
		v = "yes"
	}
	var all *redis.MapStringStringCmd
	if _, err := f.st.s.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, k.checkins, checkinField(n, week, c.person()), v)
		all = p.HGetAll(ctx, k.checkins)
		return nil
	}); err != nil {
		return fmt.Errorf("circles: check-in: %w", err)
	}
	c.Log.Info().Str("circle", id).Int("week", week).Bool("met", yes).Msg("circles: check-in")
	a := tally(all.Val())[n][week]
	key := "reply_checkin_no"
	switch {
	case yes:
		key = "reply_checkin_yes"
	case a.yes > 0:
		key = "reply_checkin_no_held"
	}
	// Count the members who answered; an admin's or a former member's answer still counts
	// for held, but not as one of the circle's members.
	members, prefix := 0, strconv.Itoa(n)+":"+strconv.Itoa(week)+":"
	for field := range all.Val() {
		if p, ok := strings.CutPrefix(field, prefix); ok && circle.hasMember(p) {
			members++
		}
	}
	answered := msgs.N(c.lang, "checkin_answered", members, "count", len(circle.Members))
	return c.ReplyText(ctx, c.t(key, "week", week)+" "+answered)
}

// checkinField is the check-ins hash field of one member's answer for one week.
func checkinField(n, week int, person string) string {
	return strconv.Itoa(n) + ":" + strconv.Itoa(week) + ":" + person
}

// answers counts the check-in answers of one circle-week.
type answers struct{ yes, no int }

// held is whether the meeting took place: someone said so.
func (a answers) held() bool { return a.yes > 0 }

// missed is whether the meeting was skipped: people answered, and nobody said it took place.
func (a answers) missed() bool { return a.yes == 0 && a.no > 0 }

// tally groups the check-ins hash by circle number and week. Fields are
// "<n>:<week>:<person key>"; a field "<n>:<week>" of an older version (one answer per week,
// the last writer's) counts as one answer.
func tally(fields map[string]string) map[int]map[int]answers {
	out := map[int]map[int]answers{}
	for field, v := range fields {
		parts := strings.SplitN(field, ":", 3)
		if len(parts) < 2 {
			continue
		}
		n, err1 := strconv.Atoi(parts[0])
		week, err2 := strconv.Atoi(parts[1])
		if err1 != nil || err2 != nil {
			continue
		}
		if out[n] == nil {
			out[n] = map[int]answers{}
		}
		a := out[n][week]
		switch v {
		case "yes":
			a.yes++
		case "no":
			a.no++
		}
		out[n][week] = a
	}
	return out
}

func (c *circleRec) hasMember(person string) bool {
	return slices.ContainsFunc(c.Members, func(m enrolment) bool { return m.Key == person })
}

var continueWords = map[string]string{
	"zusammen": "together", "gemeinsam": "together", "together": "together",
	"neu": "newmix", "mischung": "newmix", "newmix": "newmix", "new": "newmix", "mix": "newmix",
	"ende": "end", "beenden": "end", "end": "end", "stop": "end",
}

func (f *Feature) continueCmd(ctx context.Context, c *call, args []string) error {
	if len(args) != 1 || continueWords[strings.ToLower(args[0])] == "" {
		return refuse("err_continue_args")
	}
	circle, _, err := f.circleOfChannel(ctx, c)
	if err != nil {
		return err
	}
	return f.recordContinue(ctx, c, circle.ID(), continueWords[strings.ToLower(args[0])])
}

// recordContinue stores a member's answer to "go on after the last week?"; it may change.
func (f *Feature) recordContinue(ctx context.Context, c *call, id, choice string) error {
	region, n, ok := circleByID(id, "")
	if !ok {
		return refuse("err_stale_button")
	}
	k := f.st.rk(region)
	circle, err := f.st.circle(ctx, k, n)
	if err != nil {
		return err
	}
	if circle == nil {
		return refuse("err_stale_button")
	}
	if !circle.hasMember(c.person()) {
		return refuse("err_not_member")
	}
	if err := f.st.s.Client.HSet(ctx, k.cont, fmt.Sprintf("%d:%s", n, c.person()), choice).Err(); err != nil {
		return fmt.Errorf("circles: continuation: %w", err)
	}
	if choice == "together" {
		return c.ReplyText(ctx, msgs.N(c.lang, "reply_continue_together", circle.Weeks))
	}
	return c.reply(ctx, "reply_continue_"+choice)
}
