package circles

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/wolbot/wolbot/adapters"
)

// overviewCmd shows, per region the requester administers, the current round, the circles with
// their members, meetings held (check-ins), drop-outs, the waitlist and the answers to "go on?".
// A running circle is "läuft" or "braucht Aufmerksamkeit" with the reasons (see health).
func (f *Feature) overviewCmd(ctx context.Context, c *call, args []string) error {
	if len(args) > 1 {
		return refuse("err_overview_args")
	}
	var regions []regionRec
	if len(args) == 1 {
		r, err := f.adminRegion(ctx, c, args[0])
		if err != nil {
			return err
		}
		regions = []regionRec{*r}
	} else {
		all, err := f.st.allRegions(ctx)
		if err != nil {
			return err
		}
		for _, r := range all {
			if ok, err := f.mayAdmin(ctx, c, r.ID); err != nil {
				return err
			} else if ok {
				regions = append(regions, r)
			}
		}
	}
	if len(regions) == 0 {
		return c.reply(ctx, "regions_none")
	}
	var parts []string
	for _, r := range regions {
		part, err := f.regionOverview(ctx, c, &r)
		if err != nil {
			return err
		}
		parts = append(parts, part)
	}
	return c.ReplyText(ctx, c.t("overview_title")+"\n\n"+strings.Join(parts, "\n\n"))
}

func (f *Feature) regionOverview(ctx context.Context, c *call, r *regionRec) (string, error) {
	k := f.st.rk(r.ID)
	round, err := f.st.round(ctx, k)
	if err != nil {
		return "", err
	}
	var enrolled, waiting *redis.IntCmd
	var checkins, cont, fit *redis.MapStringStringCmd
	if _, err := f.st.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		enrolled = p.HLen(ctx, k.enrol)
		waiting = p.HLen(ctx, k.waitlist)
		checkins = p.HGetAll(ctx, k.checkins)
		cont = p.HGetAll(ctx, k.cont)
		fit = p.HGetAll(ctx, k.fit)
		return nil
	}); err != nil {
		return "", fmt.Errorf("circles: overview: %w", err)
	}
	all, err := f.st.allCircles(ctx, k)
	if err != nil {
		return "", err
	}
	active, finished, members, held, missed := 0, 0, 0, 0, 0
	weeks := tally(checkins.Val())
	now := f.now()
	var lines []string
	for _, circle := range all {
		h, m, answered := 0, 0, 0
		for week := 1; week <= circle.Weeks; week++ {
			a := weeks[circle.N][week]
			if a.held() {
				h++
			}
			if a.missed() {
				m++
			}
			answered += a.yes + a.no
		}
		held, missed = held+h, missed+m
		if circle.Status == circleDissolved {
			lines = append(lines, c.t("ov_circle_dissolved", "id", circle.ID()))
			continue
		}
		if circle.Status != circleActive {
			lines = append(lines, c.t("ov_circle_merged", "id", circle.ID(), "target", r.ID+"-"+strconv.Itoa(circle.MergedInto)))
			continue
		}
		state := c.t("ov_state_running")
		if !now.Before(circleEnd(&circle)) {
			// Past its last meeting: finished, whatever its record's status says.
			state = c.t("ov_state_finished")
			finished++
		} else {
			active++
			members += len(circle.Members)
			if reasons := health(c.lang, &circle, weeks[circle.N], fit.Val()); len(reasons) > 0 {
				state = c.t("ov_state_attention", "reasons", strings.Join(reasons, ", "))
			}
		}
		var together, newmix, end int
		prefix := strconv.Itoa(circle.N) + ":"
		for key, v := range cont.Val() {
			if strings.HasPrefix(key, prefix) {
				switch v {
				case "together":
					together++
				case "newmix":
					newmix++
				case "end":
					end++
				}
			}
		}
		line := c.t("ov_circle", "id", circle.ID(), "state", state, "slot", slotShort(c.lang, circle.Slot),
			"count_n", msgs.N(c.lang, "n_members", len(circle.Members)), "held", h, "missed", m,
			"weeks_n", msgs.N(c.lang, "n_weeks", circle.Weeks), "answers_n", msgs.N(c.lang, "n_answers", answered))
		if together+newmix+end > 0 {
			line += " · " + c.t("ov_continue", "together", together, "newmix", newmix, "end", end)
		}
		lines = append(lines, line)
	}
	var sb strings.Builder
	sb.WriteString(c.t("ov_region", "name", adapters.Escape(r.Name), "region", r.ID))
	if round.N == 0 {
		sb.WriteString("\n" + c.t("ov_no_round"))
	} else {
		status := round.Status
		if status == statusConfirmed && active == 0 && finished > 0 {
			status = "finished" // every circle of the round is past its last meeting
		}
		sb.WriteString("\n" + c.t("ov_round", "n", round.N, "status", c.t("status_"+status),
			"count_n", msgs.N(c.lang, "n_enrolments", int(enrolled.Val()))))
	}
	circles := msgs.N(c.lang, "n_active_circles", active)
	if finished > 0 {
		circles += ", " + msgs.N(c.lang, "n_finished_circles", finished)
	}
	sb.WriteString("\n" + c.t("ov_totals", "circles_n", circles, "members_n", msgs.N(c.lang, "n_members", members),
		"held", held, "missed", missed, "dropouts", round.Dropouts, "waiting", waiting.Val()))
	for _, l := range lines {
		sb.WriteString("\n- " + l)
	}
	return sb.String(), nil
}

// mergeCmd merges circle a into circle b: a's members are invited into b's channel and a ends.
func (f *Feature) mergeCmd(ctx context.Context, c *call, args []string) error {
	if len(args) != 2 {
		return refuse("err_merge_args")
	}
	ra, na, okA := circleByID(strings.ToLower(args[0]), "")
	rb, nb, okB := circleByID(strings.ToLower(args[1]), ra)
	if !okA || !okB {
		return refuse("err_merge_args")
	}
	if ra != rb {
		return refuse("err_merge_regions")
	}
	if na == nb {
		return refuse("err_merge_same")
	}
	if ok, err := f.mayAdmin(ctx, c, ra); err != nil {
		return err
	} else if !ok {
		return refuse("err_not_region_admin", "region", adapters.Escape(ra))
	}
	k := f.st.rk(ra)
	b, err := f.st.circle(ctx, k, nb)
	if err != nil {
		return err
	}
	if b == nil || b.Status != circleActive {
		return refuse("err_merge_unknown", "id", adapters.Escape(args[1]))
	}
	if !f.now().Before(circleEnd(b)) {
		return refuse("err_merge_finished", "id", b.ID())
	}
	round, err := f.st.round(ctx, k)
	if err != nil {
		return err
	}
	// Ending a first makes a second click (or a second admin) find it merged already.
	a, err := f.st.updateCircle(ctx, k, na, func(cr *circleRec) error {
		if cr.Status != circleActive {
			return refuse("err_merge_unknown", "id", adapters.Escape(args[0]))
		}
		if why := mergeMisfit(c.lang, cr, b, round.Cfg.Max); why != "" {
			return refuse("err_merge_misfit", "why", why)
		}
		cr.Status, cr.MergedInto = circleMerged, nb
		return nil
	}, nil)
	if err == errNoCircle {
		return refuse("err_merge_unknown", "id", adapters.Escape(args[0]))
	}
	if err != nil {
		return err
	}
	// A merged circle is finished: it is kept for the retention from now (privacy.go).
	if err := f.timers.Schedule(ctx, f.purgeTimer(a, f.now())); err != nil {
		return fmt.Errorf("circles: merge: %w", err)
	}
	users := make([]string, len(a.Members))
	names := make([]string, len(a.Members))
	for i, m := range a.Members {
		users[i], names[i] = m.User, "@"+adapters.Escape(m.Name)
	}
	if len(users) > 0 {
		if err := f.chat.InviteToChannel(ctx, b.Channel, users); err != nil {
			return fmt.Errorf("circles: merge: invite: %w", err)
		}
	}
	b, err = f.st.updateCircle(ctx, k, nb, func(cr *circleRec) error {
		for _, m := range a.Members {
			if !cr.hasMember(m.Key) {
				cr.Members = append(cr.Members, m)
				bumpCalendar(cr)
			}
		}
		return nil
	}, func(p redis.Pipeliner, cr *circleRec) {
		for _, m := range a.Members {
			p.HSet(ctx, k.incircle, m.Key, cr.N)
		}
	})
	if err != nil {
		return err
	}
	c.Log.Info().Str("from", a.ID()).Str("into", b.ID()).Msg("circles: circles merged")
	if _, err := f.chat.Post(ctx, b.Channel, adapters.Message{
		Text: msgs.T(b.Lang, "circle_merged_in", "names", strings.Join(names, ", "), "facilitator", "@"+adapters.Escape(b.facilitator(1).Name)),
		Key:  postKey(b, 0, "merged-"+a.ID()),
	}); err != nil {
		return fmt.Errorf("circles: merge: %w", err)
	}
	if _, err := f.chat.Post(ctx, a.Channel, adapters.Message{
		Text: msgs.T(a.Lang, "circle_merged_out", "target", b.ID()),
		Key:  postKey(a, 0, "merged-out"),
	}); err != nil {
		return fmt.Errorf("circles: merge: %w", err)
	}
	f.refreshCalendar(ctx, k, b.N)
	f.endCalendar(ctx, k, a.N)
	return c.reply(ctx, "reply_merged", "id", a.ID(), "target", b.ID())
}

// waitWords ask /wol auflösen to put the members on the waitlist.
var waitWords = map[string]bool{"warteliste": true, "waitlist": true, "wait": true}

// dissolveCmd ends a circle that became too small: "/wol auflösen <kreis> [warteliste]". With
// "warteliste" its members go on the region's waitlist (first for a free seat and the next
// round); the circle's companion stops and its data is kept for the retention, like a merge.
func (f *Feature) dissolveCmd(ctx context.Context, c *call, args []string) error {
	if len(args) < 1 || len(args) > 2 || (len(args) == 2 && !waitWords[strings.ToLower(args[1])]) {
		return refuse("err_dissolve_args")
	}
	toWaitlist := len(args) == 2
	region, n, ok := circleByID(strings.ToLower(args[0]), "")
	if !ok {
		return refuse("err_dissolve_args")
	}
	if ok, err := f.mayAdmin(ctx, c, region); err != nil {
		return err
	} else if !ok {
		return refuse("err_not_region_admin", "region", adapters.Escape(region))
	}
	k := f.st.rk(region)
	circle, err := f.st.updateCircle(ctx, k, n, func(cr *circleRec) error {
		if cr.Status != circleActive {
			return refuse("err_merge_unknown", "id", adapters.Escape(args[0]))
		}
		cr.Status = circleDissolved
		return nil
	}, func(p redis.Pipeliner, cr *circleRec) {
		for _, m := range cr.Members {
			p.HDel(ctx, k.incircle, m.Key)
			if toWaitlist {
				js, _ := json.Marshal(waiting{enrolment: m, Reason: "wait_dissolved"})
				p.HSetNX(ctx, k.waitlist, m.Key, js)
			}
		}
	})
	if errors.Is(err, errNoCircle) {
		return refuse("err_merge_unknown", "id", adapters.Escape(args[0]))
	}
	if err != nil {
		return err
	}
	if err := f.timers.Schedule(ctx, f.purgeTimer(circle, f.now())); err != nil {
		return fmt.Errorf("circles: dissolve: %w", err)
	}
	c.Log.Info().Str("circle", circle.ID()).Bool("waitlist", toWaitlist).Msg("circles: circle dissolved")
	kind := "circle_dissolved"
	if toWaitlist {
		kind = "circle_dissolved_wait"
	}
	if circle.Channel != "" {
		if _, err := f.chat.Post(ctx, circle.Channel, adapters.Message{
			Text: msgs.T(circle.Lang, kind), Key: postKey(circle, 0, "dissolved"),
		}); err != nil {
			return fmt.Errorf("circles: dissolve: %w", err)
		}
		f.endCalendar(ctx, k, circle.N)
	}
	return c.reply(ctx, "reply_"+kind, "id", circle.ID())
}
