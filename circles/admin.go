package circles

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/circles/match"
)

var regionWords = map[string]string{
	"add": "add", "neu": "add", "anlegen": "add",
	"list": "list", "liste": "list",
	"rename": "rename", "umbenennen": "rename",
	"remove": "remove", "entfernen": "remove", "löschen": "remove", "loeschen": "remove",
}

var muniWords = map[string]bool{"kommunen": true, "municipalities": true, "gemeinden": true}

// maxMunicipalities bounds a region's list; the matcher and the buttons stay readable.
const maxMunicipalities = 200

func (f *Feature) regionCmd(ctx context.Context, c *call, args []string) error {
	if len(args) == 0 {
		return f.regionList(ctx, c)
	}
	switch regionWords[strings.ToLower(args[0])] {
	case "list":
		return f.regionList(ctx, c)
	case "add":
		if !c.IsAdmin() {
			return refuse("err_global_admin_only")
		}
		if len(args) != 3 || strings.TrimSpace(args[2]) == "" {
			return refuse("err_region_add_args")
		}
		id := strings.ToLower(args[1])
		if !validRegionID(id) {
			return refuse("err_region_id", "region", adapters.Escape(args[1]))
		}
		name := strings.Join(strings.Fields(args[2]), " ")
		ok, err := f.st.putRegion(ctx, &regionRec{ID: id, Name: name}, true)
		if err != nil {
			return err
		}
		if !ok {
			return refuse("err_region_exists", "region", id)
		}
		c.Log.Info().Str("region", id).Msg("circles: region added")
		return c.reply(ctx, "reply_region_added", "region", id, "name", adapters.Escape(name))
	case "rename":
		if len(args) != 3 || strings.TrimSpace(args[2]) == "" {
			return refuse("err_region_rename_args")
		}
		r, err := f.adminRegion(ctx, c, args[1])
		if err != nil {
			return err
		}
		r.Name = strings.Join(strings.Fields(args[2]), " ")
		if _, err := f.st.putRegion(ctx, r, false); err != nil {
			return err
		}
		return c.reply(ctx, "reply_region_renamed", "region", r.ID, "name", adapters.Escape(r.Name))
	case "remove":
		if !c.IsAdmin() {
			return refuse("err_global_admin_only")
		}
		if len(args) != 2 {
			return refuse("err_region_remove_args")
		}
		return f.regionRemove(ctx, c, args[1])
	}
	// "/wol region <id> kommunen "…"" or "/wol region <id>"
	r, err := f.adminRegion(ctx, c, args[0])
	if err != nil {
		return err
	}
	if len(args) == 1 {
		return c.ReplyText(ctx, f.renderRegion(c, r))
	}
	if !muniWords[strings.ToLower(args[1])] || len(args) != 3 {
		return refuse("err_region_sub", "region", r.ID)
	}
	munis := splitMunicipalities(args[2])
	if len(munis) == 0 {
		return refuse("err_munis_empty")
	}
	if len(munis) > maxMunicipalities {
		return refuse("err_munis_many", "max", maxMunicipalities)
	}
	r.Municipalities = munis
	if _, err := f.st.putRegion(ctx, r, false); err != nil {
		return err
	}
	return c.ReplyText(ctx, c.t("reply_munis_set", "region", r.ID, "count_n", msgs.N(c.lang, "n_munis", len(munis)))+"\n"+f.renderRegion(c, r))
}

func (f *Feature) renderRegion(c *call, r *regionRec) string {
	munis := c.t("none")
	if len(r.Municipalities) > 0 {
		esc := make([]string, len(r.Municipalities))
		for i, m := range r.Municipalities {
			esc[i] = adapters.Escape(m)
		}
		munis = strings.Join(esc, "; ")
	}
	return c.t("region_line", "name", adapters.Escape(r.Name), "region", r.ID, "munis", munis)
}

func (f *Feature) regionList(ctx context.Context, c *call) error {
	regions, err := f.st.allRegions(ctx)
	if err != nil {
		return err
	}
	if len(regions) == 0 {
		return c.reply(ctx, "regions_none")
	}
	var sb strings.Builder
	sb.WriteString(c.t("regions_title"))
	for i := range regions {
		sb.WriteString("\n- " + f.renderRegion(c, &regions[i]))
	}
	return c.ReplyText(ctx, sb.String())
}

func (f *Feature) regionRemove(ctx context.Context, c *call, id string) error {
	id = strings.ToLower(id)
	r, err := f.st.region(ctx, id)
	if err != nil {
		return err
	}
	if r == nil {
		return refuse("err_unknown_region", "region", adapters.Escape(id))
	}
	k := f.st.rk(id)
	round, err := f.st.round(ctx, k)
	if err != nil {
		return err
	}
	if round.Status == statusOpen || round.Status == statusClosed || round.Status == statusConfirming {
		return refuse("err_region_busy", "region", id)
	}
	active, err := f.st.s.Client.HLen(ctx, k.incircle).Result()
	if err != nil {
		return fmt.Errorf("circles: remove region: %w", err)
	}
	if active > 0 {
		return refuse("err_region_busy", "region", id)
	}
	if err := f.st.s.Client.HDel(ctx, f.st.regions, id).Err(); err != nil {
		return fmt.Errorf("circles: remove region: %w", err)
	}
	c.Log.Info().Str("region", id).Msg("circles: region removed")
	return c.reply(ctx, "reply_region_removed", "region", id, "name", adapters.Escape(r.Name))
}

var adminWords = map[string]string{
	"add": "add", "neu": "add", "hinzufügen": "add", "hinzufuegen": "add",
	"remove": "remove", "entfernen": "remove",
	"list": "list", "liste": "list",
}

// adminCmd grants and revokes regional admins; only global admins may.
func (f *Feature) adminCmd(ctx context.Context, c *call, args []string) error {
	if !c.IsAdmin() {
		return refuse("err_global_admin_only")
	}
	if len(args) == 0 || adminWords[strings.ToLower(args[0])] == "list" {
		return f.adminList(ctx, c)
	}
	what := adminWords[strings.ToLower(args[0])]
	if what == "" || len(args) != 3 {
		return refuse("err_admin_args")
	}
	u, err := c.Chat().LookupUser(ctx, args[1])
	if errors.Is(err, adapters.ErrNotFound) {
		return refuse("err_unknown_user", "name", adapters.Escape(args[1]))
	}
	if err != nil {
		return fmt.Errorf("circles: look up admin: %w", err)
	}
	region := strings.ToLower(args[2])
	r, err := f.st.region(ctx, region)
	if err != nil {
		return err
	}
	if r == nil {
		return refuse("err_unknown_region", "region", adapters.Escape(region))
	}
	pk := personKey(c.Event.Platform, u.ID)
	a, err := f.st.regionalAdmin(ctx, pk)
	if err != nil {
		return err
	}
	if a == nil {
		a = &adminRec{}
	}
	a.Name = u.Name
	if what == "add" {
		if !slices.Contains(a.Regions, region) {
			a.Regions = append(a.Regions, region)
			slices.Sort(a.Regions)
		}
	} else {
		a.Regions = slices.DeleteFunc(a.Regions, func(s string) bool { return s == region })
	}
	if len(a.Regions) == 0 {
		err = f.st.s.Client.HDel(ctx, f.st.admins, pk).Err()
	} else {
		js, _ := json.Marshal(a)
		err = f.st.s.Client.HSet(ctx, f.st.admins, pk, js).Err()
	}
	if err != nil {
		return fmt.Errorf("circles: store admin: %w", err)
	}
	c.Log.Info().Str("region", region).Str("admin", u.ID).Str("change", what).Msg("circles: regional admin changed")
	return c.reply(ctx, "reply_admin_"+what, "name", adapters.Escape(u.Name), "region", region)
}

func (f *Feature) adminList(ctx context.Context, c *call) error {
	m, err := f.st.s.Client.HGetAll(ctx, f.st.admins).Result()
	if err != nil {
		return fmt.Errorf("circles: list admins: %w", err)
	}
	if len(m) == 0 {
		return c.reply(ctx, "admins_none")
	}
	var lines []string
	for _, v := range m {
		var a adminRec
		if json.Unmarshal([]byte(v), &a) == nil {
			lines = append(lines, "- @"+adapters.Escape(a.Name)+": "+strings.Join(a.Regions, ", "))
		}
	}
	slices.Sort(lines)
	return c.ReplyText(ctx, c.t("admins_title")+"\n"+strings.Join(lines, "\n"))
}

var roundWords = map[string]string{
	"öffnen": "open", "oeffnen": "open", "open": "open", "starten": "open", "start": "open",
	"schließen": "close", "schliessen": "close", "close": "close", "beenden": "close",
}

func (f *Feature) roundCmd(ctx context.Context, c *call, args []string) error {
	if len(args) == 0 {
		return refuse("err_round_args")
	}
	what := roundWords[strings.ToLower(args[0])]
	if what == "" {
		if len(args) != 1 {
			return refuse("err_round_args")
		}
		return f.roundShow(ctx, c, args[0])
	}
	if len(args) < 2 {
		return refuse("err_round_args")
	}
	// serve has checked isAnyAdmin: "round" is in adminOnly.
	r, err := f.adminRegion(ctx, c, args[1])
	if err != nil {
		return err
	}
	k := f.st.rk(r.ID)
	if what == "close" {
		if len(args) != 2 {
			return refuse("err_round_args")
		}
		res, err := f.st.s.Client.Eval(ctx, `
if redis.call('HGET', KEYS[1], 'status') ~= 'open' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'closed')
return 1`, []string{k.round}).Int()
		if err != nil {
			return fmt.Errorf("circles: close round: %w", err)
		}
		if res == 0 {
			return refuse("err_round_not_open", "region", r.ID)
		}
		return c.reply(ctx, "reply_round_closed", "region", r.ID)
	}
	if len(r.Municipalities) == 0 {
		return refuse("err_round_no_munis", "region", r.ID)
	}
	cfg, err := parseRoundOptions(args[2:], f.now().In(f.loc))
	var oe *optionError
	if errors.As(err, &oe) {
		return refuse(oe.Key, "name", adapters.Escape(oe.Name), "value", adapters.Escape(oe.Value))
	}
	js, _ := json.Marshal(cfg)
	res, err := openRoundScript.Run(ctx, f.st.s.Client, []string{k.round, k.enrol, k.preview},
		js, rand.Int64N(1<<53), c.lang, c.person()).StringSlice()
	if err != nil {
		return fmt.Errorf("circles: open round: %w", err)
	}
	if res[0] == "busy" {
		return refuse("err_round_busy", "region", r.ID)
	}
	c.Log.Info().Str("region", r.ID).Str("round", res[1]).Msg("circles: round opened")
	start, _ := time.ParseInLocation(time.DateOnly, cfg.Start, f.loc)
	return c.reply(ctx, "reply_round_opened", "region", r.ID, "name", adapters.Escape(r.Name), "n", res[1],
		"min", cfg.Min, "max", cfg.Max, "weeks_n", msgs.N(c.lang, "n_weeks", cfg.Weeks), "start", f.date(c.lang, start),
		"length", int(cfg.Length.Minutes()))
}

func (f *Feature) roundShow(ctx context.Context, c *call, id string) error {
	r, err := f.adminRegion(ctx, c, id)
	if err != nil {
		return err
	}
	k := f.st.rk(r.ID)
	round, err := f.st.round(ctx, k)
	if err != nil {
		return err
	}
	if round.N == 0 {
		return refuse("err_no_round", "region", r.ID)
	}
	people, err := f.st.enrolments(ctx, k)
	if err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString(c.t("round_title", "name", adapters.Escape(r.Name), "n", round.N,
		"status", c.t("status_"+round.Status), "count_n", msgs.N(c.lang, "n_enrolments", len(people))))
	for _, p := range people {
		sb.WriteString("\n- " + f.personLine(c, &p))
		if p.Paused {
			sb.WriteString(" " + c.t("paused_mark"))
		}
	}
	return c.ReplyText(ctx, sb.String())
}

// personLine is "@anna – Kreis Düren, Planung · Di vormittags, Do nachmittags".
func (f *Feature) personLine(c *call, p *enrolment) string {
	return c.t("person_line", "name", adapters.Escape(p.Name), "muni", adapters.Escape(p.Municipality),
		"role", c.t("role_"+p.Role), "slots", slotList(c.lang, p.Slots))
}

func slotList(lang string, slots []string) string {
	out := make([]string, 0, len(slots))
	for _, s := range slots {
		out = append(out, slotShort(lang, s))
	}
	return strings.Join(out, ", ")
}

// slotShort is "Di vormittags"; slotLong is "dienstags, vormittags um 9:00 Uhr".
func slotShort(lang, slot string) string {
	d, p, ok := slotIndex(slot)
	if !ok {
		return slot
	}
	return msgs.T(lang, "day_short_"+strconv.Itoa(d)) + " " + msgs.T(lang, "part_"+slotParts[p])
}

func slotLong(lang, slot string) string {
	d, p, ok := slotIndex(slot)
	if !ok {
		return msgs.T(lang, "slot_none")
	}
	return msgs.T(lang, "slot_long", "day", msgs.T(lang, "day_"+strconv.Itoa(d)), "part", msgs.T(lang, "part_"+slotParts[p]),
		"time", fmt.Sprintf("%d:00", partHours[p]))
}

func (f *Feature) date(lang string, t time.Time) string {
	t = t.In(f.loc)
	return msgs.T(lang, "date", "wd", msgs.T(lang, "day_short_"+strconv.Itoa((int(t.Weekday())+6)%7)),
		"date", bot.FormatDate(lang, t))
}

// matchRound runs the matcher on the round's enrolled, unpaused people.
func (f *Feature) matchRound(ctx context.Context, k rkeys, round *roundRec) ([]enrolment, match.Result, error) {
	people, err := f.st.enrolments(ctx, k)
	if err != nil {
		return nil, match.Result{}, err
	}
	people = slices.DeleteFunc(people, func(p enrolment) bool { return p.Paused })
	former, err := f.formerPartners(ctx, k)
	if err != nil {
		return nil, match.Result{}, err
	}
	in := make([]match.Person, len(people))
	for i, p := range people {
		in[i] = toPerson(&p, k.region, former[p.Key])
	}
	res, err := match.Match(in, match.Options{MinSize: round.Cfg.Min, MaxSize: round.Cfg.Max, Seed: round.Seed})
	if err != nil {
		return nil, match.Result{}, fmt.Errorf("circles: match %s: %w", k.region, err)
	}
	return people, res, nil
}

func toPerson(p *enrolment, region string, former []string) match.Person {
	return match.Person{ID: p.Key, Name: p.Name, Municipality: p.Municipality, Region: region, Role: p.Role, Slots: p.Slots, Former: former}
}

// formerPartners maps each person key to the people they shared a circle with in the region.
func (f *Feature) formerPartners(ctx context.Context, k rkeys) (map[string][]string, error) {
	all, err := f.st.allCircles(ctx, k)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, c := range all {
		for _, a := range c.Members {
			for _, b := range c.Members {
				if a.Key != b.Key {
					out[a.Key] = append(out[a.Key], b.Key)
				}
			}
		}
	}
	return out, nil
}

// recomputeWords ask /wol vorschau to compute the preview again, dropping the admin's moves.
var recomputeWords = map[string]bool{"neu": true, "new": true, "recompute": true, "neuberechnen": true}

// previewCmd shows the round's preview: "/wol vorschau <region>". A preview the admin has
// adjusted with /wol verschieben is shown as it is, never recomputed behind their back;
// "/wol vorschau <region> neu" computes it afresh and says that the moves are gone.
func (f *Feature) previewCmd(ctx context.Context, c *call, args []string) error {
	if len(args) < 1 || len(args) > 2 || (len(args) == 2 && !recomputeWords[strings.ToLower(args[1])]) {
		return refuse("err_preview_args")
	}
	recompute := len(args) == 2
	r, err := f.adminRegion(ctx, c, args[0])
	if err != nil {
		return err
	}
	k := f.st.rk(r.ID)
	round, err := f.st.round(ctx, k)
	if err != nil {
		return err
	}
	if round.Status != statusOpen && round.Status != statusClosed {
		return refuse("err_no_round", "region", r.ID)
	}
	old, err := f.st.loadPreview(ctx, k)
	if err != nil {
		return err
	}
	adjusted := old != nil && old.Adjusted
	if adjusted && !recompute {
		if old.Ver != round.Ver {
			return refuse("err_preview_adjusted_stale", "region", r.ID)
		}
		return f.showAdjusted(ctx, c, r, k, round, old)
	}
	people, res, err := f.matchRound(ctx, k, round)
	if err != nil {
		return err
	}
	p := &preview{Ver: round.Ver}
	for _, mc := range res.Circles {
		pc := previewCircle{Slot: mc.Slot}
		if pc.Slot == "" {
			pc.Slot = bestSlot(mc.Members)
		}
		for _, m := range mc.Members {
			pc.Members = append(pc.Members, m.ID)
		}
		p.Circles = append(p.Circles, pc)
	}
	for _, w := range res.Waitlist {
		p.Waitlist = append(p.Waitlist, previewWaiting{Key: w.ID, Reason: res.WaitReason[w.ID]})
	}
	if err := f.st.savePreview(ctx, k, p); err != nil {
		return err
	}
	c.Log.Info().Str("region", r.ID).Int("people", len(people)).Int("circles", len(p.Circles)).
		Int("waitlist", len(p.Waitlist)).Msg("circles: preview")
	byKey := indexPeople(people)
	issues := make([][]match.Issue, len(res.Circles))
	for i, mc := range res.Circles {
		issues[i] = mc.Issues
	}
	text := f.renderPreview(c, r, round, p, byKey, issues)
	if adjusted {
		text = c.t("preview_recomputed") + "\n\n" + text
	}
	return c.ReplyText(ctx, text)
}

// showAdjusted shows a stored, adjusted preview as it is, with each circle's issues.
func (f *Feature) showAdjusted(ctx context.Context, c *call, r *regionRec, k rkeys, round *roundRec, p *preview) error {
	people, err := f.st.enrolments(ctx, k)
	if err != nil {
		return err
	}
	people = slices.DeleteFunc(people, func(e enrolment) bool { return e.Paused })
	byKey := indexPeople(people)
	former, err := f.formerPartners(ctx, k)
	if err != nil {
		return err
	}
	issues := make([][]match.Issue, len(p.Circles))
	for i, pc := range p.Circles {
		if _, issues[i], err = assess(pc.Members, byKey, k.region, former, round); err != nil {
			return err
		}
	}
	return c.ReplyText(ctx, c.t("preview_adjusted", "region", r.ID)+"\n\n"+f.renderPreview(c, r, round, p, byKey, issues))
}

func indexPeople(people []enrolment) map[string]*enrolment {
	m := make(map[string]*enrolment, len(people))
	for i := range people {
		m[people[i].Key] = &people[i]
	}
	return m
}

func (f *Feature) renderPreview(c *call, r *regionRec, round *roundRec, p *preview, byKey map[string]*enrolment, issues [][]match.Issue) string {
	var sb strings.Builder
	sb.WriteString(c.t("preview_title", "name", adapters.Escape(r.Name), "n", round.N,
		"count_n", msgs.N(c.lang, "n_people", len(byKey)), "circles_n", msgs.N(c.lang, "n_circles", len(p.Circles)), "waiting", len(p.Waitlist)))
	for i, pc := range p.Circles {
		sb.WriteString("\n\n" + f.renderPreviewCircle(c, i+1, pc, byKey, issues[i]))
	}
	if len(p.Waitlist) > 0 {
		sb.WriteString("\n\n" + c.t("preview_waitlist"))
		for _, w := range p.Waitlist {
			if e := byKey[w.Key]; e != nil {
				sb.WriteString("\n- " + f.personLine(c, e) + " – " + c.t(waitReasonKey(len(byKey), round.Cfg.Min)))
			}
		}
	}
	sb.WriteString("\n\n" + c.t("preview_footer", "region", r.ID))
	return sb.String()
}

// waitReasonKey explains a waitlist place: the region has too few people for a circle, or the
// circle sizes do not add up to everyone.
func waitReasonKey(enrolled, minSize int) string {
	if enrolled < minSize {
		return "wait_too_few"
	}
	return "wait_no_fit"
}

func (f *Feature) renderPreviewCircle(c *call, n int, pc previewCircle, byKey map[string]*enrolment, issues []match.Issue) string {
	var sb strings.Builder
	sb.WriteString(c.t("preview_circle", "n", n, "slot", slotLong(c.lang, pc.Slot), "count_n", msgs.N(c.lang, "n_people", len(pc.Members))))
	var members []*enrolment
	for _, key := range pc.Members {
		if e := byKey[key]; e != nil {
			members = append(members, e)
			sb.WriteString("\n- " + f.personLine(c, e))
		}
	}
	for _, line := range f.explainIssues(c, members, pc.Slot, issues) {
		sb.WriteString("\n  ⚠️ " + line)
	}
	return sb.String()
}

// explainIssues turns the matcher's issue kinds into localized sentences built from the
// circle's own data (the matcher's details are English).
func (f *Feature) explainIssues(c *call, members []*enrolment, slot string, issues []match.Issue) []string {
	var out []string
	seen := map[string]bool{}
	for _, is := range issues {
		if seen[is.Kind] {
			continue // one sentence per kind covers every instance
		}
		seen[is.Kind] = true
		switch is.Kind {
		case match.KindSameMunicipality:
			byMuni := map[string][]string{}
			var order []string
			for _, m := range members {
				if byMuni[m.Municipality] == nil {
					order = append(order, m.Municipality)
				}
				byMuni[m.Municipality] = append(byMuni[m.Municipality], "@"+adapters.Escape(m.Name))
			}
			for _, muni := range order {
				if len(byMuni[muni]) > 1 {
					out = append(out, c.t("issue_same_muni", "names", strings.Join(byMuni[muni], ", "), "muni", adapters.Escape(muni)))
				}
			}
		case match.KindNoCommonSlot:
			var missing []string
			for _, m := range members {
				if !slices.Contains(m.Slots, slot) {
					missing = append(missing, "@"+adapters.Escape(m.Name))
				}
			}
			if slot == "" || len(missing) == 0 {
				out = append(out, c.t("issue_no_slot_any"))
			} else {
				out = append(out, c.t("issue_no_slot", "slot", slotShort(c.lang, slot), "names", strings.Join(missing, ", ")))
			}
		case match.KindRepeatPartners:
			out = append(out, c.t("issue_repeat"))
		case match.KindSize:
			out = append(out, c.t("issue_size", "count_n", msgs.N(c.lang, "n_people", len(members))))
		default:
			out = append(out, c.t("issue_other"))
		}
	}
	return out
}

// moveCmd moves a person to another circle of the stored preview: "/wol verschieben @anna 2".
func (f *Feature) moveCmd(ctx context.Context, c *call, args []string) error {
	if len(args) != 2 {
		return refuse("err_move_args")
	}
	target, err := strconv.Atoi(strings.TrimPrefix(args[1], "#"))
	if err != nil {
		return refuse("err_move_args")
	}
	u, err := c.Chat().LookupUser(ctx, args[0])
	if errors.Is(err, adapters.ErrNotFound) {
		return refuse("err_unknown_user", "name", adapters.Escape(args[0]))
	}
	if err != nil {
		return fmt.Errorf("circles: look up person: %w", err)
	}
	pk := personKey(c.Event.Platform, u.ID)
	// Find the region whose preview holds the person among the regions the admin may steer.
	regions, err := f.st.allRegions(ctx)
	if err != nil {
		return err
	}
	for _, r := range regions {
		k := f.st.rk(r.ID)
		p, err := f.st.loadPreview(ctx, k)
		if err != nil {
			return err
		}
		if p == nil || !previewHolds(p, pk) {
			continue
		}
		ok, err := f.mayAdmin(ctx, c, r.ID)
		if err != nil {
			return err
		}
		if !ok {
			return refuse("err_not_region_admin", "region", r.ID)
		}
		return f.move(ctx, c, &r, k, p, pk, target)
	}
	return refuse("err_move_not_in_preview", "name", adapters.Escape(u.Name))
}

func previewHolds(p *preview, pk string) bool {
	for _, pc := range p.Circles {
		if slices.Contains(pc.Members, pk) {
			return true
		}
	}
	return slices.ContainsFunc(p.Waitlist, func(w previewWaiting) bool { return w.Key == pk })
}

func (f *Feature) move(ctx context.Context, c *call, r *regionRec, k rkeys, p *preview, pk string, target int) error {
	if target < 1 || target > len(p.Circles) {
		return refuse("err_move_circle", "n", target, "count_n", msgs.N(c.lang, "n_circles", len(p.Circles)))
	}
	round, err := f.st.round(ctx, k)
	if err != nil {
		return err
	}
	if round.Status != statusOpen && round.Status != statusClosed {
		return refuse("err_no_round", "region", r.ID)
	}
	from := -1
	for i := range p.Circles {
		if j := slices.Index(p.Circles[i].Members, pk); j >= 0 {
			from = i
			p.Circles[i].Members = slices.Delete(p.Circles[i].Members, j, j+1)
		}
	}
	p.Waitlist = slices.DeleteFunc(p.Waitlist, func(w previewWaiting) bool { return w.Key == pk })
	p.Circles[target-1].Members = append(p.Circles[target-1].Members, pk)
	p.Adjusted = true
	people, err := f.st.enrolments(ctx, k)
	if err != nil {
		return err
	}
	byKey := indexPeople(people)
	former, err := f.formerPartners(ctx, k)
	if err != nil {
		return err
	}
	var targetIssues []match.Issue
	for _, i := range []int{from, target - 1} {
		if i < 0 {
			continue
		}
		slot, issues, err := assess(p.Circles[i].Members, byKey, k.region, former, round)
		if err != nil {
			return err
		}
		p.Circles[i].Slot = slot
		if i == target-1 {
			targetIssues = issues
		}
	}
	if err := f.st.savePreview(ctx, k, p); err != nil {
		return err
	}
	name := pk
	if e := byKey[pk]; e != nil {
		name = e.Name
	}
	text := c.t("reply_moved", "name", adapters.Escape(name), "n", target, "region", r.ID) + "\n\n" +
		f.renderPreviewCircle(c, target, p.Circles[target-1], byKey, targetIssues)
	return c.ReplyText(ctx, text)
}

// assess runs the matcher on one circle's members alone, for its best slot and its issues.
func assess(keys []string, byKey map[string]*enrolment, region string, former map[string][]string, round *roundRec) (string, []match.Issue, error) {
	var in []match.Person
	for _, key := range keys {
		if e := byKey[key]; e != nil {
			in = append(in, toPerson(e, region, former[key]))
		}
	}
	if len(in) < 3 || len(in) > 12 {
		return "", []match.Issue{{Kind: match.KindSize}}, nil
	}
	res, err := match.Match(in, match.Options{MinSize: len(in), MaxSize: len(in), Seed: round.Seed})
	if err != nil {
		return "", nil, fmt.Errorf("circles: assess circle: %w", err)
	}
	if len(res.Circles) != 1 {
		return "", nil, fmt.Errorf("circles: assess circle: matcher returned %d circles", len(res.Circles))
	}
	slot := res.Circles[0].Slot
	if slot == "" {
		slot = bestSlot(in)
	}
	issues := res.Circles[0].Issues
	if len(in) < round.Cfg.Min || len(in) > round.Cfg.Max {
		issues = append(issues, match.Issue{Kind: match.KindSize})
	}
	return slot, issues, nil
}

// bestSlot is the slot most members can make, the earliest in the week on ties; the matcher
// leaves a circle without a common slot empty, but the circle still needs a meeting time.
func bestSlot(members []match.Person) string {
	best, bestN := "", 0
	for d := range slotDays {
		for p := range slotParts {
			slot := slotDays[d] + "-" + slotParts[p]
			n := 0
			for _, m := range members {
				if slices.Contains(m.Slots, slot) {
					n++
				}
			}
			if n > bestN {
				best, bestN = slot, n
			}
		}
	}
	return best
}

// confirmCmd turns the stored preview into circles: one private channel each, a welcome, the
// companion's timers, and a kind message to everyone on the waitlist. Every step is
// idempotent, so running it again after a failure finishes the job without doubling anything.
func (f *Feature) confirmCmd(ctx context.Context, c *call, args []string) error {
	if len(args) != 1 {
		return refuse("err_confirm_args")
	}
	r, err := f.adminRegion(ctx, c, args[0])
	if err != nil {
		return err
	}
	k := f.st.rk(r.ID)
	round, err := f.st.round(ctx, k)
	if err != nil {
		return err
	}
	switch round.Status {
	case statusConfirmed:
		return refuse("err_already_confirmed", "region", r.ID)
	case statusOpen, statusClosed, statusConfirming:
	default:
		return refuse("err_no_round", "region", r.ID)
	}
	p, err := f.st.loadPreview(ctx, k)
	if err != nil {
		return err
	}
	if p == nil {
		return refuse("err_no_preview", "region", r.ID)
	}
	if round.Status != statusConfirming && p.Ver != round.Ver {
		return refuse("err_preview_stale", "region", r.ID)
	}
	res, err := confirmBeginScript.Run(ctx, f.st.s.Client, []string{k.round}, len(p.Circles), p.Ver,
		c.person(), c.Event.Team).StringSlice()
	if err != nil {
		return fmt.Errorf("circles: confirm: %w", err)
	}
	switch res[0] {
	case "stale":
		return refuse("err_preview_stale", "region", r.ID)
	case "done":
		return refuse("err_already_confirmed", "region", r.ID)
	case "none":
		return refuse("err_no_round", "region", r.ID)
	}
	base, _ := strconv.Atoi(res[1])
	round, err = f.st.round(ctx, k)
	if err != nil {
		return err
	}
	people, err := f.st.enrolments(ctx, k)
	if err != nil {
		return err
	}
	byKey := indexPeople(people)
	now := f.now()
	for i, pc := range p.Circles {
		if err := f.startCircle(ctx, k, round, base+i+1, pc, byKey, now); err != nil {
			return err
		}
	}
	for _, w := range p.Waitlist {
		e := byKey[w.Key]
		if e == nil {
			continue
		}
		if err := f.waitlist(ctx, k, round, e, waitReasonKey(len(byKey), round.Cfg.Min), now); err != nil {
			return err
		}
	}
	if err := f.st.s.Client.HSet(ctx, k.round, "status", statusConfirmed).Err(); err != nil {
		return fmt.Errorf("circles: confirm: %w", err)
	}
	if err := f.expireConfirmedRound(ctx, k, base, len(p.Circles)); err != nil {
		return err
	}
	c.Log.Info().Str("region", r.ID).Int("circles", len(p.Circles)).Int("waitlist", len(p.Waitlist)).Msg("circles: round confirmed")
	ids := make([]string, len(p.Circles))
	for i := range p.Circles {
		ids[i] = "`" + r.ID + "-" + strconv.Itoa(base+i+1) + "`"
	}
	text := c.t("reply_confirmed_none", "name", adapters.Escape(r.Name))
	if len(ids) > 0 {
		text = msgs.N(c.lang, "reply_confirmed", len(ids), "name", adapters.Escape(r.Name), "ids", strings.Join(ids, ", "))
	}
	if len(p.Waitlist) > 0 {
		text += " " + msgs.N(c.lang, "reply_confirmed_waiting", len(p.Waitlist))
	}
	return c.ReplyText(ctx, text)
}

// startCircle creates circle n from a preview circle, step by idempotent step: the record, the
// channel (its id recorded before anything is posted), the welcome, the timers.
func (f *Feature) startCircle(ctx context.Context, k rkeys, round *roundRec, n int, pc previewCircle, byKey map[string]*enrolment, now time.Time) error {
	rec := &circleRec{
		N: n, Region: k.region, Round: round.N, Slot: pc.Slot, Status: circleActive,
		Week: f.week.Milliseconds(), Length: f.scale(round.Cfg.Length).Milliseconds(), Weeks: round.Cfg.Weeks,
		Lang: round.Lang, Admin: round.Confirmer, Max: round.Cfg.Max, Room: newRoom(),
		Minutes: int(round.Cfg.Length.Minutes()), TZ: f.loc.String(),
	}
	for _, key := range pc.Members {
		if e := byKey[key]; e != nil {
			rec.Members = append(rec.Members, *e)
		}
	}
	first, calendar := f.firstMeeting(round.Cfg, pc.Slot, now)
	rec.First = first.UnixMilli()
	if !calendar.Equal(first) {
		rec.Calendar = calendar.UnixMilli()
	}
	c, err := f.st.createCircle(ctx, k, rec)
	if err != nil {
		return err
	}
	if c.Channel == "" {
		users := make([]string, len(c.Members))
		for i, m := range c.Members {
			users[i] = m.User
		}
		ch, err := f.chat.CreatePrivateChannel(ctx, round.Team, c.ChannelName(), users)
		if err != nil {
			return fmt.Errorf("circles: create channel for %s: %w", c.ID(), err)
		}
		c, err = f.st.updateCircle(ctx, k, c.N, func(cr *circleRec) error {
			if cr.Channel == "" {
				cr.Channel = ch
			}
			return nil
		}, func(p redis.Pipeliner, cr *circleRec) {
			for _, m := range cr.Members {
				p.HSet(ctx, k.incircle, m.Key, cr.N)
			}
		})
		if err != nil {
			return fmt.Errorf("circles: record channel of circle %s-%d: %w", k.region, n, err)
		}
		if err := f.st.s.Client.HSet(ctx, f.st.channels, c.Channel, c.ID()).Err(); err != nil {
			return fmt.Errorf("circles: index channel: %w", err)
		}
	}
	if _, err := f.st.once(ctx, k, fmt.Sprintf("%d:0:welcome", c.N), f.now(), func() error {
		_, err := f.chat.Post(ctx, c.Channel, adapters.Message{Text: f.welcome(c, round), Key: postKey(c, 0, "welcome"),
			Files: []adapters.File{f.calendarFile(c, f.now(), false)}})
		return err
	}); err != nil {
		return err
	}
	_, err = f.st.once(ctx, k, fmt.Sprintf("%d:0:timers", c.N), f.now(), func() error {
		return f.scheduleCompanion(ctx, c)
	})
	return err
}

// postKey is the idempotency key of a circle post: "wol:<circle>:<week>:<kind>".
func postKey(c *circleRec, week int, kind string) string {
	return "wol:" + c.ID() + ":" + strconv.Itoa(week) + ":" + kind
}

func (f *Feature) welcome(c *circleRec, round *roundRec) string {
	lang := c.Lang
	var sb strings.Builder
	sb.WriteString(msgs.T(lang, "welcome_title", "id", c.ID()))
	sb.WriteString("\n\n" + msgs.T(lang, "welcome_intro", "count_n", msgs.N(lang, "n_peers", len(c.Members)), "weeks_n", msgs.N(lang, "n_weeks", c.Weeks),
		"length", int(round.Cfg.Length.Minutes()), "slot", slotLong(lang, c.Slot), "first", f.date(lang, c.calendarMeeting(1))))
	if link := f.roomLink(c); link != "" {
		sb.WriteString("\n\n" + msgs.T(lang, "welcome_room", "link", link))
	}
	sb.WriteString("\n\n" + msgs.T(lang, "welcome_calendar"))
	sb.WriteString("\n\n" + msgs.T(lang, "welcome_members"))
	for _, m := range c.Members {
		sb.WriteString("\n- " + msgs.T(lang, "welcome_member", "name", adapters.Escape(m.Name),
			"muni", adapters.Escape(m.Municipality), "goal", adapters.Escape(m.Goal)))
	}
	facilitator := "@" + adapters.Escape(c.facilitator(1).Name)
	sb.WriteString("\n\n" + msgs.T(lang, "welcome_outro", "facilitator", facilitator, "guides", GuidesURL))
	return sb.String()
}

// facilitator of week k: rotating through the members who are not paused, by name.
func (c *circleRec) facilitator(k int) enrolment {
	var active []enrolment
	for _, m := range c.Members {
		if !m.Paused {
			active = append(active, m)
		}
	}
	if len(active) == 0 {
		active = c.Members
	}
	if len(active) == 0 {
		return enrolment{}
	}
	slices.SortFunc(active, func(a, b enrolment) int { return compareStrings(a.Name, b.Name) })
	return active[(k-1)%len(active)]
}

// waitlist puts a person on the region's waitlist and tells them kindly, once.
func (f *Feature) waitlist(ctx context.Context, k rkeys, round *roundRec, e *enrolment, reasonKey string, now time.Time) error {
	js, _ := json.Marshal(waiting{enrolment: *e, Reason: reasonKey})
	if err := f.st.s.Client.HSetNX(ctx, k.waitlist, e.Key, js).Err(); err != nil {
		return fmt.Errorf("circles: waitlist: %w", err)
	}
	mark := fmt.Sprintf("r%d:wait:%s", round.N, e.Key)
	_, err := f.st.once(ctx, k, mark, now, func() error {
		_, err := f.chat.DirectMessage(ctx, e.User, adapters.Message{
			Text: msgs.T(e.Lang, "dm_waitlist", "reason", msgs.T(e.Lang, reasonKey)),
			Key:  "wol:" + k.region + ":r" + strconv.Itoa(round.N) + ":wait:" + e.Key,
		})
		return err
	})
	return err
}
