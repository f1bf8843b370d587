package circles

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/storage"
)

// Data protection: what the circles keep about a person, how long, and how it is exported and
// forgotten.
//
// A person (key "<platform>:<user id>") appears in: their enrolment dialog (expires after
// dialogTTL); their enrolment in a region's round (enrol), the preview, the waitlist and the
// waitlist message's mark; the circles they are a member of (the whole enrolment is copied
// into the circle record) and incircle; their answers to "go on after the last week?"
// (continue); as regional admin (admins); and as the admin who opened or confirmed a round or
// circle (round "by"/"confirmer", circle "admin").
//
// Retention. A finished circle — after its last meeting, or merged into another — is deleted
// Options.Retention later by a durable timer (PurgeKind): its record, its members' incircle
// entries, its check-ins, continuation answers, fit answers, marks and channel index entry. When a round is
// confirmed, its enrolments, preview and waitlist (their contents live on in the circles)
// get a Redis TTL of the last circle's end plus the retention. Check-ins ("met: yes/no") are
// kept per member ("<n>:<week>:<person key>") and forgotten with the person; so are the fit
// answers after week 1 ("<n>:<person key>" in fit, meeting.go), which are exported too and
// purged with the circle. The circle's room suffix and calendar SEQUENCE belong to the circle,
// not to a person; a member's removal sends a calendar file without their name.
//
// Forgetting removes the person from all of that. Leaving a running circle this way is
// treated like /wol verlassen, except that the circle is told without a name: the seat is
// offered to the waitlist, or the admin is offered a merge when the circle gets too small.
// Being removed from the circle's private channel is up to the chat platform (the chat port
// has no call for it); the person can leave it like any channel.

// DefaultRetention is how long a finished circle is kept when Options.Retention is 0: about two
// more rounds, so that the matcher can still mix people who met before with new peers.
const DefaultRetention = 180 * 24 * time.Hour

// PurgeKind is the durable-timer kind that deletes a finished circle after the retention.
const PurgeKind = "wol.purge"

func retentionOr(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultRetention
	}
	return d
}

// circleEnd is when the circle's last meeting is over.
func circleEnd(c *circleRec) time.Time {
	return c.meeting(c.Weeks).Add(time.Duration(c.Length) * time.Millisecond)
}

// purgeTimer deletes circle c the retention after finished. Its id is fixed per circle, so a
// merge moves the timer of the circle's end forward instead of adding one.
func (f *Feature) purgeTimer(c *circleRec, finished time.Time) storage.Timer {
	return storage.Timer{ID: timerID(c, 0, "purge"), Kind: PurgeKind, Due: finished.Add(f.keep),
		Payload: []byte(c.Region + "|" + strconv.Itoa(c.N))}
}

// onPurge deletes a finished circle and everything kept for it. It is idempotent; a circle
// that is still running (a timer from a longer configuration) is looked at again later.
func (f *Feature) onPurge(ctx context.Context, t storage.Timer) error {
	region, num, ok := strings.Cut(string(t.Payload), "|")
	n, err := strconv.Atoi(num)
	if !ok || err != nil {
		f.log.Error().Str("timer_id", t.ID).Msg("circles: malformed purge payload; dropped")
		return nil
	}
	k := f.st.rk(region)
	c, err := f.st.circle(ctx, k, n)
	if err != nil {
		return err
	}
	if c != nil && c.Status == circleActive {
		if due := circleEnd(c).Add(f.keep); f.now().Before(due) {
			return f.timers.Schedule(ctx, f.purgeTimer(c, circleEnd(c)))
		}
	}
	prefix := strconv.Itoa(n) + ":"
	var fields [5][]string // incircle, checkins, continue, marks, fit
	if fields[0], err = f.st.hfields(ctx, k.incircle, "*", func(_, v string) bool { return v == strconv.Itoa(n) }); err != nil {
		return err
	}
	for i, key := range []string{k.checkins, k.cont, k.marks, k.fit} {
		if fields[i+1], err = f.st.hfields(ctx, key, globEscape(prefix)+"*", nil); err != nil {
			return err
		}
	}
	if c != nil {
		// The waitlist messages of the circle's round were sent long ago.
		wait, err := f.st.hfields(ctx, k.marks, globEscape("r"+strconv.Itoa(c.Round)+":wait:")+"*", nil)
		if err != nil {
			return err
		}
		fields[3] = append(fields[3], wait...)
	}
	_, err = f.st.s.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HDel(ctx, k.circles, strconv.Itoa(n))
		for i, key := range []string{k.incircle, k.checkins, k.cont, k.marks, k.fit} {
			if len(fields[i]) > 0 {
				p.HDel(ctx, key, fields[i]...)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("circles: purge %s-%d: %w", region, n, err)
	}
	if c != nil && c.Channel != "" {
		if id, err := f.st.s.Client.HGet(ctx, f.st.channels, c.Channel).Result(); err == nil && id == c.ID() {
			if err := f.st.s.Client.HDel(ctx, f.st.channels, c.Channel).Err(); err != nil {
				return fmt.Errorf("circles: purge channel index: %w", err)
			}
		}
	}
	f.log.Info().Str("circle", region+"-"+num).Msg("circles: finished circle deleted after the retention period")
	return nil
}

// expireConfirmedRound gives the enrolments, preview and waitlist of a just confirmed round a
// TTL: the end of its last circle plus the retention. Their contents live on in the circles;
// opening the next round deletes enrolments and preview anyway.
func (f *Feature) expireConfirmedRound(ctx context.Context, k rkeys, base, count int) error {
	last := f.now()
	for n := base + 1; n <= base+count; n++ {
		c, err := f.st.circle(ctx, k, n)
		if err != nil {
			return err
		}
		if c != nil && circleEnd(c).After(last) {
			last = circleEnd(c)
		}
	}
	ttl := last.Sub(f.now()) + f.keep
	_, err := f.st.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.PExpire(ctx, k.enrol, ttl)
		p.PExpire(ctx, k.preview, ttl)
		p.PExpire(ctx, k.waitlist, ttl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("circles: retention of round %s: %w", k.region, err)
	}
	return nil
}

// hfields returns the fields of hash key matching the glob pattern (and keep, if given),
// scanning so that a large hash is never read in one reply.
func (st *store) hfields(ctx context.Context, key, pattern string, keep func(field, value string) bool) ([]string, error) {
	var out []string
	var cursor uint64
	for {
		kv, next, err := st.s.Client.HScan(ctx, key, cursor, pattern, 500).Result()
		if err != nil {
			return nil, fmt.Errorf("circles: scan %s: %w", key, err)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if keep == nil || keep(kv[i], kv[i+1]) {
				out = append(out, kv[i])
			}
		}
		if next == 0 {
			return out, nil
		}
		cursor = next
	}
}

// globEscape quotes the characters a Redis MATCH pattern treats specially.
func globEscape(s string) string {
	var sb strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			sb.WriteByte('\\')
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// personData is what one region holds about one person.
type personData struct {
	region   regionRec
	round    *roundRec
	enrolled *enrolment
	waiting  *waiting
	circles  []circleRec // member of, or confirming admin of
	cont     map[string]string
	checkins map[int]map[int]string // circle number → week → yes | no, the person's own answers
	fit      map[int]string         // circle number → good | unsure | no, the person's fit answers
}

func (f *Feature) gatherRegion(ctx context.Context, r regionRec, person string) (*personData, error) {
	k := f.st.rk(r.ID)
	d := &personData{region: r, cont: map[string]string{}, checkins: map[int]map[int]string{}, fit: map[int]string{}}
	var err error
	if d.round, err = f.st.round(ctx, k); err != nil {
		return nil, err
	}
	if d.enrolled, err = f.st.enrolmentOf(ctx, k, person); err != nil {
		return nil, err
	}
	v, err := f.st.s.Client.HGet(ctx, k.waitlist, person).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("circles: export waitlist: %w", err)
	}
	if v != "" {
		d.waiting = &waiting{}
		if err := jsonUnmarshal(v, d.waiting); err != nil {
			return nil, err
		}
	}
	all, err := f.st.allCircles(ctx, k)
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		if c.hasMember(person) || c.Admin == person {
			d.circles = append(d.circles, c)
		}
	}
	fields, err := f.st.hfields(ctx, k.cont, "*:"+globEscape(person), nil)
	if err != nil {
		return nil, err
	}
	for _, field := range fields {
		if choice, err := f.st.s.Client.HGet(ctx, k.cont, field).Result(); err == nil {
			n, _, _ := strings.Cut(field, ":")
			d.cont[n] = choice
		}
	}
	if fields, err = f.st.hfields(ctx, k.checkins, "*:*:"+globEscape(person), nil); err != nil {
		return nil, err
	}
	for _, field := range fields {
		parts := strings.SplitN(field, ":", 3)
		n, err1 := strconv.Atoi(parts[0])
		week, err2 := strconv.Atoi(parts[1])
		v, err := f.st.s.Client.HGet(ctx, k.checkins, field).Result()
		if err1 != nil || err2 != nil || err != nil {
			continue
		}
		if d.checkins[n] == nil {
			d.checkins[n] = map[int]string{}
		}
		d.checkins[n][week] = v
	}
	if fields, err = f.st.hfields(ctx, k.fit, "*:"+globEscape(person), nil); err != nil {
		return nil, err
	}
	for _, field := range fields {
		num, _, _ := strings.Cut(field, ":")
		n, err1 := strconv.Atoi(num)
		v, err := f.st.s.Client.HGet(ctx, k.fit, field).Result()
		if err1 != nil || err != nil {
			continue
		}
		d.fit[n] = v
	}
	return d, nil
}

func (d *personData) empty(person string) bool {
	return d.enrolled == nil && d.waiting == nil && len(d.circles) == 0 && len(d.cont) == 0 && len(d.checkins) == 0 && len(d.fit) == 0 &&
		d.round.By != person && d.round.Confirmer != person
}

// UserData renders the person's enrolments, circles, waitlist places, open dialog and admin
// grants (see [bot.DataKeeper]).
func (f *Feature) UserData(ctx context.Context, u bot.UserRef, lang string) (string, error) {
	person := personKey(u.Platform, u.User)
	t := func(key string, args ...any) string { return privacyMsgs.T(lang, key, args...) }
	m := func(key string, args ...any) string { return msgs.T(lang, key, args...) }
	entry := func(e *enrolment) string {
		paused := ""
		if e.Paused {
			paused = " " + m("paused_mark")
		}
		return t("data_entry", "muni", adapters.Escape(e.Municipality), "role", m("role_"+e.Role),
			"goal", adapters.Escape(e.Goal), "slots", slotList(lang, e.Slots), "name", adapters.Escape(e.Name)) + paused
	}
	var lines []string
	regions, err := f.st.allRegions(ctx)
	if err != nil {
		return "", err
	}
	for _, r := range regions {
		d, err := f.gatherRegion(ctx, r, person)
		if err != nil {
			return "", err
		}
		if d.empty(person) {
			continue
		}
		name := adapters.Escape(r.Name)
		if d.enrolled != nil {
			lines = append(lines, t("data_enrolled", "region", name, "n", d.round.N, "status", t("data_status_"+d.round.Status)))
			lines = append(lines, "  - "+entry(d.enrolled))
		}
		if d.waiting != nil {
			lines = append(lines, t("data_waiting", "region", name), "  - "+entry(&d.waiting.enrolment))
		}
		for i := range d.circles {
			c := &d.circles[i]
			status := t("data_circle_active")
			switch {
			case c.Status == circleMerged:
				status = t("data_circle_merged", "target", c.Region+"-"+strconv.Itoa(c.MergedInto))
			case c.Status == circleDissolved:
				status = t("data_circle_dissolved")
			case !f.now().Before(circleEnd(c)):
				status = t("data_circle_finished")
			}
			lines = append(lines, t("data_circle", "id", c.ID(), "region", name, "channel", adapters.Escape(c.ChannelName()),
				"slot", slotLong(lang, c.Slot), "first", f.date(lang, c.calendarMeeting(1)), "weeks_n", msgs.N(lang, "n_weeks", c.Weeks), "status", status))
			for j := range c.Members {
				if c.Members[j].Key == person {
					lines = append(lines, "  - "+entry(&c.Members[j]))
				}
			}
			if choice := d.cont[strconv.Itoa(c.N)]; choice != "" {
				lines = append(lines, t("data_continue", "choice", t("data_continue_"+choice)))
			}
			if c.Admin == person {
				lines = append(lines, t("data_circle_admin"))
			}
			if c.Status != circleActive || !f.now().Before(circleEnd(c)) {
				lines = append(lines, t("data_circle_kept"))
			}
		}
		for _, n := range slices.Sorted(maps.Keys(d.checkins)) {
			var answers []string
			for _, week := range slices.Sorted(maps.Keys(d.checkins[n])) {
				answers = append(answers, t("data_checkin", "week", week, "answer", t("data_checkin_"+d.checkins[n][week])))
			}
			lines = append(lines, t("data_checkins", "id", r.ID+"-"+strconv.Itoa(n), "answers", strings.Join(answers, ", ")))
		}
		for _, n := range slices.Sorted(maps.Keys(d.fit)) {
			lines = append(lines, m("data_fit", "id", r.ID+"-"+strconv.Itoa(n), "answer", m("data_fit_"+d.fit[n])))
		}
		if d.round.By == person {
			lines = append(lines, t("data_round_by", "region", name, "n", d.round.N))
		}
		if d.round.Confirmer == person {
			lines = append(lines, t("data_round_confirmer", "region", name, "n", d.round.N))
		}
	}
	dl, err := f.loadDialog(ctx, person)
	if err != nil {
		return "", err
	}
	if dl != nil {
		lines = append(lines, t("data_dialog", "step", t("data_step_"+dl.Step),
			"region", adapters.Escape(dl.Region), "muni", adapters.Escape(dl.Muni), "role", m("role_"+dl.Role),
			"goal", adapters.Escape(dl.Goal), "slots", slotList(lang, dl.Slots), "days_n", privacyMsgs.N(lang, "n_days", int(dialogTTL/(24*time.Hour)))))
	}
	admin, err := f.st.regionalAdmin(ctx, person)
	if err != nil {
		return "", err
	}
	if admin != nil && len(admin.Regions) > 0 {
		lines = append(lines, t("data_admin", "regions", strings.Join(admin.Regions, ", "), "name", adapters.Escape(admin.Name)))
	}
	if len(lines) == 0 {
		return "", nil
	}
	return t("data_title") + "\n" + strings.Join(lines, "\n"), nil
}

// forgetRoundScript removes person ARGV[1] from a region's round (KEYS[1]): their enrolment
// (KEYS[2]; bumping ver, so a preview that holds them is stale) and waitlist place (KEYS[3]),
// and blanks them as the admin who opened or confirmed the round. It runs when Redis is full
// too (see [bot.EraseScript]).
var forgetRoundScript = bot.NewEraseScript(`
if redis.call('HDEL', KEYS[2], ARGV[1]) == 1 then redis.call('HINCRBY', KEYS[1], 'ver', 1) end
redis.call('HDEL', KEYS[3], ARGV[1])
if redis.call('HGET', KEYS[1], 'by') == ARGV[1] then redis.call('HSET', KEYS[1], 'by', '') end
if redis.call('HGET', KEYS[1], 'confirmer') == ARGV[1] then redis.call('HSET', KEYS[1], 'confirmer', '') end
return 'ok'
`)

// casSetScript sets string KEYS[1] to ARGV[2], keeping its TTL, if it still holds ARGV[1]:
// 1 when set, 0 when it changed meanwhile (a compare-and-set in place of WATCH, which needs a
// MULTI that Redis refuses when full).
var casSetScript = bot.NewEraseScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
`)

// casCircleScript sets field ARGV[1] of the circles hash KEYS[1] to ARGV[3] if it still holds
// ARGV[2], and if ARGV[4] is "1" counts a dropout in the round KEYS[2]: 1 when set, 0 when the
// circle changed meanwhile, -1 when it is gone.
var casCircleScript = bot.NewEraseScript(`
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return -1 end
if v ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if ARGV[4] == '1' then redis.call('HINCRBY', KEYS[2], 'dropouts', 1) end
return 1
`)

// ForgetUser removes the person from every region, circle, dialog and admin list (see
// [bot.DataKeeper] and the top of this file). Messages to a circle go out only when the person
// actually left it in this call, so a retry posts nothing twice.
func (f *Feature) ForgetUser(ctx context.Context, u bot.UserRef) error {
	person := personKey(u.Platform, u.User)
	if err := f.st.s.Client.Del(ctx, f.st.dialogKey(person)).Err(); err != nil {
		return fmt.Errorf("circles: forget dialog: %w", err)
	}
	regions, err := f.st.allRegions(ctx)
	if err != nil {
		return err
	}
	for _, r := range regions {
		k := f.st.rk(r.ID)
		if err := forgetRoundScript.Run(ctx, f.st.s.Client, []string{k.round, k.enrol, k.waitlist}, person).Err(); err != nil {
			return fmt.Errorf("circles: forget in round %s: %w", r.ID, err)
		}
		if err := f.forgetInPreview(ctx, k, person); err != nil {
			return err
		}
		all, err := f.st.allCircles(ctx, k)
		if err != nil {
			return err
		}
		for i := range all {
			if all[i].hasMember(person) || all[i].Admin == person {
				if err := f.forgetInCircle(ctx, k, &all[i], person); err != nil {
					return err
				}
			}
		}
		marks, err := f.st.hfields(ctx, k.marks, "*:wait:"+globEscape(person), nil)
		if err != nil {
			return err
		}
		cont, err := f.st.hfields(ctx, k.cont, "*:"+globEscape(person), nil)
		if err != nil {
			return err
		}
		checkins, err := f.st.hfields(ctx, k.checkins, "*:*:"+globEscape(person), nil)
		if err != nil {
			return err
		}
		fit, err := f.st.hfields(ctx, k.fit, "*:"+globEscape(person), nil)
		if err != nil {
			return err
		}
		// Deletes only, and no MULTI, so that this works when Redis is full; ForgetUser is
		// repeated after a partial failure.
		_, err = f.st.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.HDel(ctx, k.incircle, person)
			if len(marks) > 0 {
				p.HDel(ctx, k.marks, marks...)
			}
			if len(cont) > 0 {
				p.HDel(ctx, k.cont, cont...)
			}
			if len(checkins) > 0 {
				p.HDel(ctx, k.checkins, checkins...)
			}
			if len(fit) > 0 {
				p.HDel(ctx, k.fit, fit...)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("circles: forget in region %s: %w", r.ID, err)
		}
	}
	if err := f.st.s.Client.HDel(ctx, f.st.admins, person).Err(); err != nil {
		return fmt.Errorf("circles: forget admin: %w", err)
	}
	return nil
}

// forgetInPreview takes the person out of the stored preview (which the round's bumped ver
// has made stale anyway), so no copy of their key is left in it.
func (f *Feature) forgetInPreview(ctx context.Context, k rkeys, person string) error {
	for range 20 {
		v, err := f.st.s.Client.Get(ctx, k.preview).Result()
		if errors.Is(err, redis.Nil) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("circles: forget in preview %s: %w", k.region, err)
		}
		var p preview
		if err := json.Unmarshal([]byte(v), &p); err != nil {
			return fmt.Errorf("circles: forget in preview %s: decode preview: %w", k.region, err)
		}
		changed := false
		for i := range p.Circles {
			before := len(p.Circles[i].Members)
			p.Circles[i].Members = slices.DeleteFunc(p.Circles[i].Members, func(m string) bool { return m == person })
			changed = changed || len(p.Circles[i].Members) != before
		}
		before := len(p.Waitlist)
		p.Waitlist = slices.DeleteFunc(p.Waitlist, func(w previewWaiting) bool { return w.Key == person })
		if !changed && len(p.Waitlist) == before {
			return nil
		}
		js, err := json.Marshal(&p)
		if err != nil {
			return err
		}
		set, err := casSetScript.Run(ctx, f.st.s.Client, []string{k.preview}, v, js).Int()
		if err != nil {
			return fmt.Errorf("circles: forget in preview %s: %w", k.region, err)
		}
		if set == 1 {
			return nil
		}
	}
	return fmt.Errorf("circles: forget in preview %s: too much contention", k.region)
}

// forgetInCircle removes the person from circle c (and blanks them as its confirming admin).
// Leaving a running circle this way counts as a dropout; the circle is told without a name,
// and the seat is filled from the waitlist or a merge offered, as when someone leaves. Chat
// failures there are logged: the data is gone either way.
func (f *Feature) forgetInCircle(ctx context.Context, k rkeys, c *circleRec, person string) error {
	running := c.Status == circleActive && f.now().Before(circleEnd(c))
	circle, left, err := f.removeFromCircle(ctx, k, c.N, person, running)
	if err != nil || circle == nil {
		return err
	}
	if !left || !running || circle.Channel == "" {
		return nil
	}
	f.log.Info().Str("circle", circle.ID()).Msg("circles: member left on a deletion request")
	defer f.refreshCalendar(ctx, k, circle.N)
	h := fnv.New64a()
	h.Write([]byte(person))
	if _, err := f.chat.Post(ctx, circle.Channel, adapters.Message{
		Text: privacyMsgs.T(circle.Lang, "circle_left_anon"),
		Key:  postKey(circle, 0, "left-anon-"+strconv.FormatUint(h.Sum64(), 36)),
	}); err != nil {
		f.log.Warn().Err(err).Str("circle", circle.ID()).Msg("circles: could not tell the circle")
	}
	replaced, err := f.replace(ctx, k, circle)
	if err != nil {
		f.log.Warn().Err(err).Str("circle", circle.ID()).Msg("circles: could not fill the seat")
		return nil
	}
	if !replaced && len(circle.Members) < 3 {
		if err := f.offerMerge(ctx, k, circle); err != nil {
			f.log.Warn().Err(err).Str("circle", circle.ID()).Msg("circles: could not offer a merge")
		}
	}
	return nil
}

// removeFromCircle takes the person out of circle n's members and blanks them as its
// confirming admin, counting a dropout if running; it reports the circle as stored now (nil
// when it is gone) and whether they were a member. It writes through casCircleScript instead
// of updateCircle's transaction, so that it works when Redis is full.
func (f *Feature) removeFromCircle(ctx context.Context, k rkeys, n int, person string, running bool) (*circleRec, bool, error) {
	field := strconv.Itoa(n)
	for range 20 {
		v, err := f.st.s.Client.HGet(ctx, k.circles, field).Result()
		if errors.Is(err, redis.Nil) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("circles: forget in circle %s-%d: %w", k.region, n, err)
		}
		var c circleRec
		if err := json.Unmarshal([]byte(v), &c); err != nil {
			return nil, false, fmt.Errorf("circles: forget in circle %s-%d: decode circle: %w", k.region, n, err)
		}
		left := false
		if i := slices.IndexFunc(c.Members, func(m enrolment) bool { return m.Key == person }); i >= 0 {
			c.Members = slices.Delete(c.Members, i, i+1)
			left = true
			if running {
				bumpCalendar(&c) // the file lists the members: the next one must not name them
			}
		}
		if !left && c.Admin != person {
			return &c, false, nil
		}
		if c.Admin == person {
			c.Admin = ""
		}
		js, err := json.Marshal(&c)
		if err != nil {
			return nil, false, err
		}
		dropout := "0"
		if left && running {
			dropout = "1"
		}
		res, err := casCircleScript.Run(ctx, f.st.s.Client, []string{k.circles, k.round}, field, v, js, dropout).Int()
		switch {
		case err != nil:
			return nil, false, fmt.Errorf("circles: forget in circle %s-%d: %w", k.region, n, err)
		case res == -1:
			return nil, false, nil
		case res == 1:
			return &c, left, nil
		}
	}
	return nil, false, fmt.Errorf("circles: forget in circle %s-%d: too much contention", k.region, n)
}
