package circles

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/wolbot/wolbot/adapters"
)

// The enrolment dialog runs in the direct conversation with the bot, one question at a time:
// region → municipality → role → goal → availability → confirm. "nein" at the confirmation
// asks what to correct (step fix); the corrected answer leads straight back to the
// confirmation. Its state is a hash per person (fields step, region, muni, role, goal, slots,
// fix), so any replica can take the next answer and
// a restart loses nothing. Every question has buttons where they make sense and always a text
// answer; a button carries the step it belongs to, so a click on an older question is
// recognised instead of answering the current one.

const (
	stepRegion  = "region"
	stepMuni    = "muni"
	stepRole    = "role"
	stepGoal    = "goal"
	stepSlots   = "slots"
	stepConfirm = "confirm"
	stepFix     = "fix" // which answer to correct, after "nein" at the confirmation
)

// fixSteps are the answers that can be corrected, in the order they are offered.
var fixSteps = []string{stepRegion, stepMuni, stepRole, stepGoal, stepSlots}

// fixWords map what a person may answer to "what would you like to correct?" to a step.
var fixWords = map[string]string{
	"region": stepRegion, "regionen": stepRegion,
	"kommune": stepMuni, "municipality": stepMuni, "gemeinde": stepMuni, "stadt": stepMuni, "kreis": stepMuni,
	"rolle": stepRole, "role": stepRole,
	"ziel": stepGoal, "goal": stepGoal,
	"zeiten": stepSlots, "zeit": stepSlots, "times": stepSlots, "time": stepSlots, "verfügbarkeit": stepSlots,
	"verfuegbarkeit": stepSlots, "availability": stepSlots, "termine": stepSlots,
}

// backWords at the correction question return to the confirmation unchanged.
var backWords = map[string]bool{"nichts": true, "nothing": true, "zurück": true, "zurueck": true, "back": true, "passt": true}

// dialogTTL is how long an unfinished enrolment dialog is kept after its last answer.
const dialogTTL = 14 * 24 * time.Hour

// Goal length in characters.
const (
	minGoal = 10
	maxGoal = 250
)

// maxMuniButtons: up to this many municipalities are offered as buttons, more as a list.
const maxMuniButtons = 25

// roles are the role codes in the order they are offered.
var roles = []string{"planung", "leitung", "fachdienst", "sonstiges"}

var roleWords = map[string]string{
	"planung": "planung", "planer": "planung", "planerin": "planung", "planungsfachkraft": "planung", "planning": "planung", "planner": "planung",
	"leitung": "leitung", "leiter": "leitung", "leiterin": "leitung", "führung": "leitung", "fuehrung": "leitung", "führungskraft": "leitung", "jugendamtsleitung": "leitung", "lead": "leitung", "leader": "leitung", "leadership": "leitung", "management": "leitung",
	"fachdienst": "fachdienst", "fachkraft": "fachdienst", "specialist": "fachdienst", "specialist service": "fachdienst", "service": "fachdienst", "casework": "fachdienst",
	"sonstiges": "sonstiges", "sonstige": "sonstiges", "andere": "sonstiges", "anderes": "sonstiges", "other": "sonstiges",
}

var yesWords = map[string]bool{"ja": true, "yes": true, "j": true, "y": true, "ok": true, "okay": true, "anmelden": true, "passt": true, "enrol": true, "confirm": true}
var noWords = map[string]bool{"nein": true, "no": true, "n": true, "abbrechen": true, "cancel": true, "stop": true}

type dialog struct {
	Step, Region, Muni, Role, Goal string
	Slots                          []string
	// Fix is set while one answer is being corrected: the next answer returns to the
	// confirmation instead of going on to the following question.
	Fix bool
}

func (f *Feature) dialogOpen(ctx context.Context, person string) (bool, error) {
	n, err := f.st.s.Client.Exists(ctx, f.st.dialogKey(person)).Result()
	if err != nil {
		return false, fmt.Errorf("circles: dialog: %w", err)
	}
	return n == 1, nil
}

func (f *Feature) loadDialog(ctx context.Context, person string) (*dialog, error) {
	m, err := f.st.s.Client.HGetAll(ctx, f.st.dialogKey(person)).Result()
	if err != nil {
		return nil, fmt.Errorf("circles: dialog: %w", err)
	}
	if m["step"] == "" {
		return nil, nil
	}
	d := &dialog{Step: m["step"], Region: m["region"], Muni: m["muni"], Role: m["role"], Goal: m["goal"], Fix: m["fix"] == "1"}
	if m["slots"] != "" {
		d.Slots = strings.Split(m["slots"], ",")
	}
	return d, nil
}

func (f *Feature) saveDialog(ctx context.Context, person string, d *dialog) error {
	key := f.st.dialogKey(person)
	_, err := f.st.s.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		fix := ""
		if d.Fix {
			fix = "1"
		}
		p.HSet(ctx, key, "step", d.Step, "region", d.Region, "muni", d.Muni, "role", d.Role, "goal", d.Goal,
			"slots", strings.Join(d.Slots, ","), "fix", fix)
		p.Expire(ctx, key, dialogTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("circles: save dialog: %w", err)
	}
	return nil
}

// openRegions are the regions with an open enrolment round.
func (f *Feature) openRegions(ctx context.Context) ([]regionRec, error) {
	all, err := f.st.allRegions(ctx)
	if err != nil {
		return nil, err
	}
	var open []regionRec
	for _, r := range all {
		st, err := f.st.s.Client.HGet(ctx, f.st.rk(r.ID).round, "status").Result()
		if err != nil && err != redisNil {
			return nil, fmt.Errorf("circles: round status: %w", err)
		}
		if st == statusOpen {
			open = append(open, r)
		}
	}
	return open, nil
}

// where is what the bot knows about one person.
type where struct {
	region   regionRec
	k        rkeys
	enrolled *enrolment // in the region's current round
	round    *roundRec
	circle   *circleRec // active circle
	waiting  *waiting
}

// locate finds the person in every region: enrolments, circles, waitlists.
func (f *Feature) locate(ctx context.Context, person string) ([]where, error) {
	regions, err := f.st.allRegions(ctx)
	if err != nil {
		return nil, err
	}
	var out []where
	for _, r := range regions {
		k := f.st.rk(r.ID)
		w := where{region: r, k: k}
		if w.enrolled, err = f.st.enrolmentOf(ctx, k, person); err != nil {
			return nil, err
		}
		n, err := f.st.s.Client.HGet(ctx, k.incircle, person).Int()
		if err != nil && err != redisNil {
			return nil, fmt.Errorf("circles: locate: %w", err)
		}
		if n > 0 {
			if w.circle, err = f.st.circle(ctx, k, n); err != nil {
				return nil, err
			}
		}
		v, err := f.st.s.Client.HGet(ctx, k.waitlist, person).Result()
		if err != nil && err != redisNil {
			return nil, fmt.Errorf("circles: locate: %w", err)
		}
		if v != "" {
			w.waiting = &waiting{}
			if err := jsonUnmarshal(v, w.waiting); err != nil {
				return nil, err
			}
		}
		if w.enrolled == nil && w.circle == nil && w.waiting == nil {
			continue
		}
		if w.round, err = f.st.round(ctx, k); err != nil {
			return nil, err
		}
		// An enrolment of a confirmed round lives on in the circle or the waitlist.
		if w.round.Status == statusConfirmed || w.round.Status == statusConfirming {
			w.enrolled = nil
			if w.circle == nil && w.waiting == nil {
				continue
			}
		}
		out = append(out, w)
	}
	return out, nil
}

func (f *Feature) join(ctx context.Context, c *call) error {
	places, err := f.locate(ctx, c.person())
	if err != nil {
		return err
	}
	for _, w := range places {
		if w.enrolled != nil || w.circle != nil {
			return refuse("err_already_enrolled")
		}
	}
	open, err := f.openRegions(ctx)
	if err != nil {
		return err
	}
	if len(open) == 0 {
		return refuse("err_no_open_round")
	}
	d := &dialog{Step: stepRegion}
	if err := f.saveDialog(ctx, c.person(), d); err != nil {
		return err
	}
	c.Log.Info().Msg("circles: enrolment dialog started")
	if err := f.ask(ctx, c, d); err != nil {
		return err
	}
	if c.Event.Direct {
		return nil
	}
	return c.reply(ctx, "reply_join_dm")
}

func (f *Feature) cancelDialog(ctx context.Context, c *call) error {
	n, err := f.st.s.Client.Del(ctx, f.st.dialogKey(c.person())).Result()
	if err != nil {
		return fmt.Errorf("circles: cancel dialog: %w", err)
	}
	if n == 0 {
		return refuse("err_no_dialog")
	}
	return c.reply(ctx, "reply_dialog_cancelled")
}

// ask sends the question of the dialog's current step as a direct message.
func (f *Feature) ask(ctx context.Context, c *call, d *dialog) error {
	msg, err := f.question(ctx, c, d)
	if err != nil {
		return err
	}
	if _, err := f.chat.DirectMessage(ctx, c.Event.User, msg); err != nil {
		return fmt.Errorf("circles: dialog message: %w", err)
	}
	return nil
}

// answerButton answers the dialog's step with value; its text twin is "/wol antwort <value>"
// ("/wol answer" in English).
func answerButton(lang, step, label, value string) adapters.Button {
	return adapters.Button{ID: "wol.answer", Label: label, Value: step + "|" + value, Command: msgs.T(lang, "cmd_answer", "value", value)}
}

func (f *Feature) question(ctx context.Context, c *call, d *dialog) (adapters.Message, error) {
	var msg adapters.Message
	switch d.Step {
	case stepRegion:
		open, err := f.openRegions(ctx)
		if err != nil {
			return msg, err
		}
		var lines []string
		for _, r := range open {
			lines = append(lines, "- "+adapters.Escape(r.Name)+" (`"+r.ID+"`)")
			msg.Buttons = append(msg.Buttons, answerButton(c.lang, stepRegion, r.Name, r.ID))
		}
		msg.Text = c.t("q_region", "regions", strings.Join(lines, "\n"))
	case stepMuni:
		r, err := f.st.region(ctx, d.Region)
		if err != nil {
			return msg, err
		}
		if r == nil {
			return msg, refuse("err_unknown_region", "region", adapters.Escape(d.Region))
		}
		var lines []string
		for i, m := range r.Municipalities {
			lines = append(lines, fmt.Sprintf("%d. %s", i+1, adapters.Escape(m)))
		}
		if len(r.Municipalities) <= maxMuniButtons {
			for _, m := range r.Municipalities {
				msg.Buttons = append(msg.Buttons, answerButton(c.lang, stepMuni, m, m))
			}
			msg.Text = c.t("q_muni_buttons", "name", adapters.Escape(r.Name))
		} else {
			msg.Text = c.t("q_muni_list", "name", adapters.Escape(r.Name), "list", strings.Join(lines, "\n"))
		}
	case stepRole:
		for _, role := range roles {
			msg.Buttons = append(msg.Buttons, answerButton(c.lang, stepRole, c.t("role_"+role), role))
		}
		msg.Text = c.t("q_role")
	case stepGoal:
		round, err := f.st.round(ctx, f.st.rk(d.Region))
		if err != nil {
			return msg, err
		}
		weeks := round.Cfg.Weeks
		if weeks == 0 {
			weeks = defaultWeeks
		}
		msg.Text = msgs.N(c.lang, "q_goal", weeks, "min", minGoal, "max", maxGoal)
	case stepSlots:
		msg.Text = c.t("q_slots")
	case stepConfirm:
		r, err := f.st.region(ctx, d.Region)
		if err != nil {
			return msg, err
		}
		name := d.Region
		if r != nil {
			name = r.Name
		}
		msg.Text = c.t("q_confirm", "region", adapters.Escape(name), "muni", adapters.Escape(d.Muni),
			"role", c.t("role_"+d.Role), "goal", adapters.Escape(d.Goal), "slots", slotList(c.lang, d.Slots))
		msg.Buttons = []adapters.Button{
			{ID: "wol.answer", Label: c.t("btn_enrol"), Value: stepConfirm + "|ja", Style: adapters.StylePrimary, Command: c.t("cmd_enrol")},
			{ID: "wol.answer", Label: c.t("btn_correct"), Value: stepConfirm + "|nein", Command: c.t("cmd_correct")},
			{ID: "wol.answer", Label: c.t("btn_cancel"), Value: stepConfirm + "|abbrechen", Style: adapters.StyleDanger, Command: c.t("cmd_cancel")},
		}
	case stepFix:
		msg.Text = c.t("q_fix")
		for _, step := range fixSteps {
			label := c.t("fix_" + step)
			msg.Buttons = append(msg.Buttons, answerButton(c.lang, stepFix, label, strings.ToLower(label)))
		}
		msg.Buttons = append(msg.Buttons, adapters.Button{ID: "wol.answer", Label: c.t("btn_cancel_enrolment"),
			Value: stepFix + "|abbrechen", Style: adapters.StyleDanger, Command: c.t("cmd_cancel")})
	}
	return msg, nil
}

// answer takes the answer to the dialog's current step; step is the step a clicked button
// belongs to ("" for typed answers).
func (f *Feature) answer(ctx context.Context, c *call, text, step string) error {
	d, err := f.loadDialog(ctx, c.person())
	if err != nil {
		return err
	}
	if d == nil {
		if step != "" {
			return refuse("err_stale_button")
		}
		return refuse("err_no_dialog")
	}
	if step != "" && step != d.Step {
		return refuse("err_stale_step")
	}
	text = strings.TrimSpace(text)
	word := strings.ToLower(text)
	switch {
	case word == "abbrechen" || word == "cancel":
		return f.cancelDialog(ctx, c)
	case word == "hilfe" || word == "help" || word == "?":
		return f.ask(ctx, c, d)
	case text == "" && d.Step != stepGoal:
		return f.ask(ctx, c, d)
	}
	switch d.Step {
	case stepRegion:
		open, err := f.openRegions(ctx)
		if err != nil {
			return err
		}
		i := pick(text, len(open), func(i int) []string { return []string{open[i].ID, open[i].Name} })
		if i < 0 {
			return refuse("err_answer_region", "answer", adapters.Escape(text))
		}
		if d.Fix && open[i].ID == d.Region {
			d.Step, d.Fix = stepConfirm, false // the same region: the municipality still holds
			break
		}
		d.Region, d.Step = open[i].ID, stepMuni
	case stepMuni:
		r, err := f.st.region(ctx, d.Region)
		if err != nil {
			return err
		}
		if r == nil {
			return refuse("err_unknown_region", "region", adapters.Escape(d.Region))
		}
		i := pick(text, len(r.Municipalities), func(i int) []string { return []string{r.Municipalities[i]} })
		if i < 0 {
			return refuse("err_answer_muni", "answer", adapters.Escape(text), "name", adapters.Escape(r.Name))
		}
		d.Muni, d.Step = r.Municipalities[i], d.next(stepRole)
	case stepRole:
		role, ok := parseRole(text)
		if !ok {
			return refuse("err_answer_role", "answer", adapters.Escape(text))
		}
		d.Role, d.Step = role, d.next(stepGoal)
	case stepGoal:
		goal, err := checkGoal(text)
		if err != nil {
			return err
		}
		d.Goal, d.Step = goal, d.next(stepSlots)
	case stepSlots:
		slots, err := f.checkSlots(text)
		if err != nil {
			return err
		}
		d.Slots, d.Step = slots, d.next(stepConfirm)
	case stepConfirm:
		switch {
		case yesWords[word]:
			return f.enrol(ctx, c, d)
		case word == "stop":
			return f.cancelDialog(ctx, c)
		case noWords[word]:
			d.Step = stepFix
		default:
			return refuse("err_answer_confirm")
		}
	case stepFix:
		step := fixWords[word]
		if i, err := strconv.Atoi(word); err == nil && i >= 1 && i <= len(fixSteps) {
			step = fixSteps[i-1]
		}
		switch {
		case backWords[word] || yesWords[word]: // "ja" after all: the summary again, to confirm
			d.Step = stepConfirm
		case step != "":
			d.Step, d.Fix = step, true
		default:
			return refuse("err_answer_fix", "answer", adapters.Escape(text))
		}
	}
	if err := f.saveDialog(ctx, c.person(), d); err != nil {
		return err
	}
	return f.ask(ctx, c, d)
}

// next is the step after an answer: the following question, or straight back to the
// confirmation while an answer is being corrected.
func (d *dialog) next(step string) string {
	if d.Fix {
		d.Fix = false
		return stepConfirm
	}
	return step
}

// pick finds the option an answer means: its number (1-based), a name equal to it ignoring
// case, or the one name containing it. -1 when none or several fit.
func pick(answer string, n int, names func(i int) []string) int {
	a := strings.ToLower(strings.Join(strings.Fields(answer), " "))
	if i, err := strconv.Atoi(a); err == nil {
		if i >= 1 && i <= n {
			return i - 1
		}
		return -1
	}
	found := -1
	for i := range n {
		for _, name := range names(i) {
			if strings.ToLower(name) == a {
				return i
			}
		}
	}
	for i := range n {
		for _, name := range names(i) {
			if strings.Contains(strings.ToLower(name), a) {
				if found >= 0 && found != i {
					return -1 // ambiguous
				}
				found = i
			}
		}
	}
	return found
}

func parseRole(text string) (string, bool) {
	w := strings.ToLower(strings.TrimSpace(text))
	if i, err := strconv.Atoi(w); err == nil && i >= 1 && i <= len(roles) {
		return roles[i-1], true
	}
	r, ok := roleWords[w]
	return r, ok
}

func checkGoal(text string) (string, error) {
	goal := strings.Join(strings.Fields(text), " ")
	n := utf8.RuneCountInString(goal)
	switch {
	case n == 0:
		return "", refuse("err_goal_empty", "min", minGoal)
	case n < minGoal:
		return "", refuseN("err_goal_short", n, "min", minGoal)
	case n > maxGoal:
		return "", refuse("err_goal_long", "len", n, "max", maxGoal)
	}
	return goal, nil
}

func (f *Feature) checkSlots(text string) ([]string, error) {
	slots, err := parseSlots(text)
	if es, ok := err.(*errSlots); ok {
		return nil, refuse(es.Key, "word", adapters.Escape(es.Word))
	}
	return slots, err
}

func (f *Feature) enrol(ctx context.Context, c *call, d *dialog) error {
	e := &enrolment{Key: c.person(), User: c.Event.User, Name: c.Event.UserName, Municipality: d.Muni,
		Role: d.Role, Goal: d.Goal, Slots: d.Slots, Lang: c.lang}
	if e.Name == "" {
		e.Name = c.Event.User
	}
	k := f.st.rk(d.Region)
	res, err := f.st.writeEnrolment(ctx, k, e, "new")
	if err != nil {
		return err
	}
	if res == "ok" || res == "closed" {
		if err := f.st.s.Client.Del(ctx, f.st.dialogKey(c.person())).Err(); err != nil {
			return fmt.Errorf("circles: end dialog: %w", err)
		}
	}
	switch res {
	case "closed":
		return refuse("err_round_closed")
	case "exists":
		return refuse("err_already_enrolled")
	}
	c.Log.Info().Str("region", d.Region).Msg("circles: enrolled")
	_, err = f.chat.DirectMessage(ctx, c.Event.User, adapters.Message{Text: c.t("reply_enrolled", "guides", GuidesURL)})
	return err
}

// me shows the person's own entries.
func (f *Feature) me(ctx context.Context, c *call) error {
	places, err := f.locate(ctx, c.person())
	if err != nil {
		return err
	}
	if len(places) == 0 {
		return refuse("err_not_enrolled")
	}
	var parts []string
	for _, w := range places {
		var e *enrolment
		var status string
		switch {
		case w.circle != nil:
			for i := range w.circle.Members {
				if w.circle.Members[i].Key == c.person() {
					e = &w.circle.Members[i]
				}
			}
			status = c.t("me_in_circle", "id", w.circle.ID(), "slot", slotLong(c.lang, w.circle.Slot))
		case w.enrolled != nil:
			e = w.enrolled
			status = c.t("me_enrolled_"+w.round.Status, "n", w.round.N)
		case w.waiting != nil:
			e = &w.waiting.enrolment
			status = c.t("me_waiting")
		}
		if e == nil {
			continue
		}
		paused := ""
		if e.Paused {
			paused = " " + c.t("paused_mark")
		}
		parts = append(parts, c.t("me", "region", adapters.Escape(w.region.Name), "status", status+paused,
			"muni", adapters.Escape(e.Municipality), "role", c.t("role_"+e.Role), "goal", adapters.Escape(e.Goal),
			"slots", slotList(c.lang, e.Slots)))
	}
	return c.ReplyText(ctx, strings.Join(parts, "\n\n")+"\n\n"+c.t("me_footer"))
}

var fieldWords = map[string]string{
	"kommune": "muni", "municipality": "muni", "gemeinde": "muni",
	"rolle": "role", "role": "role",
	"ziel": "goal", "goal": "goal",
	"zeiten": "slots", "verfügbarkeit": "slots", "verfuegbarkeit": "slots", "availability": "slots", "slots": "slots", "termine": "slots",
}

// openEnrolment is the person's enrolment in a round that is still open, or a refusal.
func (f *Feature) openEnrolment(ctx context.Context, c *call) (*where, error) {
	places, err := f.locate(ctx, c.person())
	if err != nil {
		return nil, err
	}
	for i := range places {
		if places[i].enrolled != nil {
			if places[i].round.Status != statusOpen {
				return nil, refuse("err_change_closed")
			}
			return &places[i], nil
		}
	}
	return nil, refuse("err_not_enrolled")
}

// change edits one field of the person's enrolment while the round is open:
// "/wol ändern ziel …", "/wol ändern zeiten mo-vm, do-nm".
func (f *Feature) change(ctx context.Context, c *call, args []string) error {
	if len(args) < 2 || fieldWords[strings.ToLower(args[0])] == "" {
		return refuse("err_change_args")
	}
	value := strings.Trim(c.Rest(2), "\"„“”")
	w, err := f.openEnrolment(ctx, c)
	if err != nil {
		return err
	}
	e := *w.enrolled
	switch fieldWords[strings.ToLower(args[0])] {
	case "muni":
		i := pick(value, len(w.region.Municipalities), func(i int) []string { return []string{w.region.Municipalities[i]} })
		if i < 0 {
			return refuse("err_answer_muni", "answer", adapters.Escape(value), "name", adapters.Escape(w.region.Name))
		}
		e.Municipality = w.region.Municipalities[i]
	case "role":
		role, ok := parseRole(value)
		if !ok {
			return refuse("err_answer_role", "answer", adapters.Escape(value))
		}
		e.Role = role
	case "goal":
		if e.Goal, err = checkGoal(value); err != nil {
			return err
		}
	case "slots":
		if e.Slots, err = f.checkSlots(value); err != nil {
			return err
		}
	}
	res, err := f.st.writeEnrolment(ctx, w.k, &e, "update")
	if err != nil {
		return err
	}
	if res != "ok" {
		return refuse("err_change_closed")
	}
	return f.me(ctx, c)
}

// pause pauses (or resumes) taking part: a paused enrolment is not matched; a paused circle
// member is skipped when facilitation rotates.
func (f *Feature) pause(ctx context.Context, c *call, on bool) error {
	places, err := f.locate(ctx, c.person())
	if err != nil {
		return err
	}
	for _, w := range places {
		switch {
		case w.circle != nil:
			_, err := f.st.updateCircle(ctx, w.k, w.circle.N, func(cr *circleRec) error {
				for i := range cr.Members {
					if cr.Members[i].Key == c.person() {
						cr.Members[i].Paused = on
					}
				}
				return nil
			}, nil)
			if err != nil {
				return err
			}
		case w.enrolled != nil:
			if w.round.Status != statusOpen {
				return refuse("err_change_closed")
			}
			e := *w.enrolled
			e.Paused = on
			if _, err := f.st.writeEnrolment(ctx, w.k, &e, "update"); err != nil {
				return err
			}
		default:
			continue
		}
		if on {
			return c.reply(ctx, "reply_paused")
		}
		return c.reply(ctx, "reply_resumed")
	}
	return refuse("err_not_enrolled")
}

// leaveWords answer the question whether to leave a running circle: "/wol verlassen ja".
var leaveWords = map[string]string{
	"ja": "yes", "yes": "yes", "j": "yes", "y": "yes", "bestätigen": "yes", "bestaetigen": "yes", "confirm": "yes",
	"nein": "no", "no": "no", "n": "no", "abbrechen": "no", "cancel": "no",
}

// leave takes the person out of a round, a circle or a waitlist. Leaving a running circle is
// asked first ("/wol verlassen ja" or the button confirms); the others take effect at once.
func (f *Feature) leave(ctx context.Context, c *call, args []string) error {
	answer := ""
	if len(args) > 0 {
		answer = leaveWords[strings.ToLower(args[0])]
		if len(args) > 1 || answer == "" {
			return refuse("err_leave_args")
		}
	}
	places, err := f.locate(ctx, c.person())
	if err != nil {
		return err
	}
	for _, w := range places {
		switch {
		case w.circle != nil:
			switch answer {
			case "yes":
				return f.leaveCircle(ctx, c, w.k, w.circle.N)
			case "no":
				return c.reply(ctx, "reply_leave_kept")
			}
			return f.askLeave(ctx, c, w.circle)
		case w.enrolled != nil:
			res, err := unenrolScript.Run(ctx, f.st.s.Client, []string{w.k.round, w.k.enrol}, c.person()).Text()
			if err != nil {
				return fmt.Errorf("circles: leave round: %w", err)
			}
			if res != "ok" {
				return refuse("err_change_closed")
			}
			c.Log.Info().Str("region", w.k.region).Msg("circles: left round")
			return c.reply(ctx, "reply_left_round")
		case w.waiting != nil:
			if err := f.st.s.Client.HDel(ctx, w.k.waitlist, c.person()).Err(); err != nil {
				return fmt.Errorf("circles: leave waitlist: %w", err)
			}
			return c.reply(ctx, "reply_left_round")
		}
	}
	return refuse("err_not_enrolled")
}

// askLeave asks whether the person really wants to leave circle; buttons and text twins.
func (f *Feature) askLeave(ctx context.Context, c *call, circle *circleRec) error {
	return c.Reply(ctx, adapters.Message{
		Text: c.t("q_leave", "id", circle.ID()),
		Buttons: []adapters.Button{
			{ID: "wol.leave", Label: c.t("btn_leave_yes"), Value: circle.ID() + "|yes", Style: adapters.StyleDanger, Command: c.t("cmd_leave_yes")},
			{ID: "wol.leave", Label: c.t("btn_leave_no"), Value: circle.ID() + "|no", Command: c.t("cmd_leave_no")},
		},
	})
}

// leaveAnswer takes a click on the leave question of circle id; a click for a circle the
// person is no longer in is stale.
func (f *Feature) leaveAnswer(ctx context.Context, c *call, id string, yes bool) error {
	places, err := f.locate(ctx, c.person())
	if err != nil {
		return err
	}
	for _, w := range places {
		if w.circle == nil || w.circle.ID() != id {
			continue
		}
		if !yes {
			return c.reply(ctx, "reply_leave_kept")
		}
		return f.leaveCircle(ctx, c, w.k, w.circle.N)
	}
	return refuse("err_stale_button")
}

// leaveCircle removes the person from circle n, tells the circle kindly (no reasons), and
// fills the seat from the waitlist or offers the admin a merge when the circle gets too small.
// Leaving a circle past its last meeting is no drop-out and needs no new seat.
func (f *Feature) leaveCircle(ctx context.Context, c *call, k rkeys, n int) error {
	var left enrolment
	running := true
	circle, err := f.st.updateCircle(ctx, k, n, func(cr *circleRec) error {
		i := slices.IndexFunc(cr.Members, func(m enrolment) bool { return m.Key == c.person() })
		if i < 0 {
			return refuse("err_not_enrolled")
		}
		left = cr.Members[i]
		cr.Members = slices.Delete(cr.Members, i, i+1)
		running = f.now().Before(circleEnd(cr))
		if running {
			bumpCalendar(cr)
		}
		return nil
	}, func(p redis.Pipeliner, cr *circleRec) {
		p.HDel(ctx, k.incircle, c.person())
		if running {
			p.HIncrBy(ctx, k.round, "dropouts", 1)
		}
	})
	if err != nil {
		return err
	}
	c.Log.Info().Str("circle", circle.ID()).Msg("circles: member left")
	if _, err := f.chat.Post(ctx, circle.Channel, adapters.Message{
		Text: msgs.T(circle.Lang, "circle_left", "name", adapters.Escape(left.Name)),
		Key:  postKey(circle, 0, "left-"+left.Key),
	}); err != nil {
		return fmt.Errorf("circles: tell circle: %w", err)
	}
	if err := c.reply(ctx, "reply_left_circle"); err != nil {
		return err
	}
	if !running {
		return nil
	}
	defer f.refreshCalendar(ctx, k, n) // after a seat was filled: one file for both changes
	replaced, err := f.replace(ctx, k, circle)
	if err != nil || replaced {
		return err
	}
	if len(circle.Members) < 3 {
		return f.offerMerge(ctx, k, circle)
	}
	return nil
}

// replace invites the first person on the region's waitlist (by name) who comes from none of
// the circle's municipalities and can make its slot.
func (f *Feature) replace(ctx context.Context, k rkeys, circle *circleRec) (bool, error) {
	m, err := f.st.s.Client.HGetAll(ctx, k.waitlist).Result()
	if err != nil {
		return false, fmt.Errorf("circles: waitlist: %w", err)
	}
	var candidates []waiting
	for _, v := range m {
		var w waiting
		if jsonUnmarshal(v, &w) != nil || w.Paused {
			continue
		}
		if circle.Slot != "" && !slices.Contains(w.Slots, circle.Slot) {
			continue
		}
		if slices.ContainsFunc(circle.Members, func(e enrolment) bool { return e.Municipality == w.Municipality }) {
			continue
		}
		candidates = append(candidates, w)
	}
	if len(candidates) == 0 {
		return false, nil
	}
	slices.SortFunc(candidates, func(a, b waiting) int { return compareStrings(a.Name+a.Key, b.Name+b.Key) })
	w := candidates[0]
	if err := f.chat.InviteToChannel(ctx, circle.Channel, []string{w.User}); err != nil {
		return false, fmt.Errorf("circles: invite replacement: %w", err)
	}
	updated, err := f.st.updateCircle(ctx, k, circle.N, func(cr *circleRec) error {
		if !cr.hasMember(w.Key) {
			cr.Members = append(cr.Members, w.enrolment)
			bumpCalendar(cr)
		}
		return nil
	}, func(p redis.Pipeliner, cr *circleRec) {
		p.HSet(ctx, k.incircle, w.Key, cr.N)
		p.HDel(ctx, k.waitlist, w.Key)
	})
	if err != nil {
		return false, err
	}
	f.log.Info().Str("circle", updated.ID()).Msg("circles: seat filled from the waitlist")
	if _, err := f.chat.Post(ctx, updated.Channel, adapters.Message{
		Text: msgs.T(updated.Lang, "circle_joined", "name", adapters.Escape(w.Name), "muni", adapters.Escape(w.Municipality),
			"goal", adapters.Escape(w.Goal)),
		Key: postKey(updated, 0, "joined-"+w.Key),
	}); err != nil {
		return true, fmt.Errorf("circles: welcome replacement: %w", err)
	}
	_, err = f.chat.DirectMessage(ctx, w.User, adapters.Message{
		Text: msgs.T(w.Lang, "dm_replacement", "id", updated.ID(), "slot", slotLong(w.Lang, updated.Slot), "guides", GuidesURL),
	})
	return true, err
}

// offerMerge asks the confirming admin what to do with a circle that fell below three
// members. A merge into another running circle of the region is offered only when it keeps
// the round's maximum size and every member of the small circle can make the other circle's
// meeting time (the smallest such circle wins); otherwise the admin learns why no circle fits
// and may dissolve the circle, putting its members on the waitlist or not.
func (f *Feature) offerMerge(ctx context.Context, k rkeys, small *circleRec) error {
	_, admin, _ := strings.Cut(small.Admin, ":")
	if admin == "" {
		return nil
	}
	all, err := f.st.allCircles(ctx, k)
	if err != nil {
		return err
	}
	round, err := f.st.round(ctx, k)
	if err != nil {
		return err
	}
	lang := small.Lang
	now := f.now()
	var target *circleRec
	var reasons []string
	for i := range all {
		o := &all[i]
		if o.N == small.N || o.Status != circleActive || !now.Before(circleEnd(o)) {
			continue
		}
		if why := mergeMisfit(lang, small, o, round.Cfg.Max); why != "" {
			reasons = append(reasons, why)
			continue
		}
		if target == nil || len(o.Members) < len(target.Members) {
			target = o
		}
	}
	count := msgs.N(lang, "n_members", len(small.Members))
	var msg adapters.Message
	if target != nil {
		msg.Text = msgs.T(lang, "dm_merge_offer", "id", small.ID(), "count_n", count, "target", target.ID(),
			"slot", slotShort(lang, target.Slot))
		msg.Buttons = []adapters.Button{{ID: "wol.merge", Label: msgs.T(lang, "btn_merge", "target", target.ID()),
			Value: small.ID() + "|" + target.ID(), Style: adapters.StylePrimary,
			Command: msgs.T(lang, "cmd_merge", "id", small.ID(), "target", target.ID())}}
	} else {
		msg.Text = msgs.T(lang, "dm_small_no_target", "id", small.ID(), "count_n", count)
		if len(reasons) > 0 {
			msg.Text += "\n" + msgs.T(lang, "merge_misfits") + "\n- " + strings.Join(reasons, "\n- ")
		}
		msg.Text += "\n\n" + msgs.T(lang, "dm_small_choices", "id", small.ID())
	}
	msg.Buttons = append(msg.Buttons,
		adapters.Button{ID: "wol.dissolve", Label: msgs.T(lang, "btn_dissolve_wait"), Value: small.ID() + "|wait",
			Command: msgs.T(lang, "cmd_dissolve_wait", "id", small.ID())},
		adapters.Button{ID: "wol.dissolve", Label: msgs.T(lang, "btn_dissolve"), Value: small.ID() + "|end",
			Style: adapters.StyleDanger, Command: msgs.T(lang, "cmd_dissolve", "id", small.ID())})
	_, err = f.chat.DirectMessage(ctx, admin, msg)
	return err
}

// maxSize is the largest the circle may grow by a merge: its round's maximum, or fallback
// (the region's current round) for circles recorded before the maximum was kept.
func (c *circleRec) maxSize(fallback int) int {
	switch {
	case c.Max > 0:
		return c.Max
	case fallback > 0:
		return fallback
	}
	return 5
}

// mergeMisfit says in lang why circle small cannot be merged into target, or "" when it can:
// together they must keep target's maximum size, and every member of small must be able to
// make target's meeting time.
func mergeMisfit(lang string, small, target *circleRec, fallbackMax int) string {
	total, max := len(small.Members)+len(target.Members), target.maxSize(fallbackMax)
	if total > max {
		return msgs.T(lang, "merge_too_big", "target", target.ID(), "count_n", msgs.N(lang, "n_members", total), "max", max)
	}
	var missing []string
	for _, m := range small.Members {
		if !slices.Contains(m.Slots, target.Slot) {
			missing = append(missing, "@"+adapters.Escape(m.Name))
		}
	}
	if len(missing) > 0 {
		return msgs.T(lang, "merge_no_slot", "target", target.ID(), "slot", slotShort(lang, target.Slot),
			"names", strings.Join(missing, ", "))
	}
	return ""
}

func jsonUnmarshal(v string, out any) error {
	if err := json.Unmarshal([]byte(v), out); err != nil {
		return fmt.Errorf("circles: decode: %w", err)
	}
	return nil
}
