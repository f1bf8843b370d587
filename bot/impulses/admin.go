package impulses

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
)

// The admins' commands: schedule, preview, statistics, library, subscribers. Serve has
// checked the role already.

// scheduleCmd shows, sets or resets the schedule. A bad expression changes nothing.
func (f *Feature) scheduleCmd(ctx context.Context, c call, arg string) error {
	clk, now := c.clock(ctx, f.loc), f.now()
	switch strings.ToLower(arg) {
	case "":
		sch, stored, err := f.schedule(ctx)
		if err != nil {
			return err
		}
		source := "schedule_src_start"
		if stored {
			source = "schedule_src_admin"
		}
		return c.reply(ctx, "schedule_show", "expr", sch.Expr, "source", msgs.T(clk.lang, source),
			"slots", clk.slots(sch.NextN(now, 3)))
	case "standard", "default", "reset":
		if err := f.st.setSchedule(ctx, ""); err != nil {
			return err
		}
		if err := f.scheduleSlot(ctx, f.start, now); err != nil {
			return err
		}
		c.Log.Info().Str("schedule", f.start.Expr).Msg("impulse schedule reset")
		return c.reply(ctx, "schedule_reset", "expr", f.start.Expr, "slots", clk.slots(f.start.NextN(now, 3)))
	}
	sch, err := ParseSchedule(arg, f.loc)
	if err != nil {
		c.Log.Debug().Err(err).Msg("impulse schedule refused")
		return c.reply(ctx, "err_schedule_bad", "expr", bot.Quote(arg), "error", explainSchedule(clk.lang, arg))
	}
	if err := f.st.setSchedule(ctx, sch.Expr); err != nil {
		return err
	}
	if err := f.scheduleSlot(ctx, sch, now); err != nil {
		return err
	}
	c.Log.Info().Str("schedule", sch.Expr).Msg("impulse schedule changed")
	return c.reply(ctx, "schedule_set", "expr", sch.Expr, "slots", clk.slots(sch.NextN(now, 3)))
}

// preview shows an impulse as it would be delivered, in the admin's language (or the one
// asked for: "/impuls vorschau <id> en"), without the buttons.
func (f *Feature) preview(ctx context.Context, c call, args []string) error {
	if len(args) == 0 {
		return f.libraryCmd(ctx, c)
	}
	l := c.Lang(ctx)
	want := l
	if len(args) > 1 && bot.NormalizeLang(args[1]) != "" {
		want = bot.NormalizeLang(args[1])
	}
	imp, ok := f.lib.Get(strings.ToLower(args[0]), want)
	if !ok {
		return c.reply(ctx, "err_unknown_impulse", "id", bot.Quote(args[0]))
	}
	head := msgs.T(l, "preview_title", "id", imp.ID, "lang", msgs.T(l, "lang_"+imp.Language),
		"audience", audienceLabel(l, imp.Audience), "order", imp.Order, "words", msgs.N(l, "words", imp.Words()))
	return c.ReplyText(ctx, head+"\n\n"+impulseMessage(imp, KindUser).Text)
}

// statsCmd lists deliveries and feedback per impulse, in series order.
func (f *Feature) statsCmd(ctx context.Context, c call) error {
	l := c.Lang(ctx)
	ids := f.lib.IDs()
	f.delivered.flush(ctx) // this replica's latest deliveries count too
	stats, err := f.st.stats(ctx, ids)
	if err != nil {
		return err
	}
	lines := []string{msgs.T(l, "stats_title")}
	for _, id := range ids {
		imp, _ := f.lib.Get(id, l)
		s := stats[id]
		lines = append(lines, msgs.T(l, "stats_line", "id", id, "title", imp.Title,
			"delivered", s.Delivered, "up", s.Up, "down", s.Down))
	}
	return c.ReplyText(ctx, strings.Join(lines, "\n"))
}

// libraryCmd lists the impulses per language, and the files that did not load.
func (f *Feature) libraryCmd(ctx context.Context, c call) error {
	l := c.Lang(ctx)
	var lines []string
	for _, lang := range libraryLangs {
		imps := f.lib.Lang(lang)
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, msgs.T(l, "library_title", "lang", msgs.T(l, "lang_"+lang), "count", msgs.N(l, "impulses", len(imps))))
		for _, imp := range imps {
			lines = append(lines, msgs.T(l, "library_line", "order", imp.Order, "id", imp.ID, "title", imp.Title,
				"audience", audienceLabel(l, imp.Audience)))
		}
	}
	if problems := f.lib.Problems(); len(problems) > 0 {
		lines = append(lines, "", msgs.T(l, "library_problems"))
		for _, p := range problems {
			lines = append(lines, msgs.T(l, "library_problem", "problem", adapters.Escape(p.Error())))
		}
	}
	return c.ReplyText(ctx, strings.Join(lines, "\n"))
}

// subscribersCmd counts active subscribers by kind, audience and region.
func (f *Feature) subscribersCmd(ctx context.Context, c call) error {
	l := c.Lang(ctx)
	var total, people, channels int
	byAudience, byRegion := map[string]int{}, map[string]int{}
	err := f.st.eachActive(ctx, func(ids []string) error {
		rows, err := f.st.fields(ctx, ids, "active", "kind", "audience", "region")
		if err != nil {
			return err
		}
		for _, r := range rows {
			if str(r[0]) != "1" {
				continue // an index entry left by a crash; the hash is the truth
			}
			total++
			if str(r[1]) == KindChannel {
				channels++
			} else {
				people++
			}
			byAudience[audienceLabel(l, str(r[2]))]++
			region := str(r[3])
			if region == "" {
				region = msgs.T(l, "region_none")
			} else {
				region = adapters.Escape(region)
			}
			byRegion[region]++
		}
		return nil
	})
	if err != nil {
		return err
	}
	lines := []string{
		msgs.T(l, "subscribers_title", "total", total, "people", msgs.N(l, "people", people), "channels", msgs.N(l, "channels", channels)),
		msgs.T(l, "subscribers_aud", "list", countList(byAudience)),
		msgs.T(l, "subscribers_region", "list", countList(byRegion)),
	}
	return c.ReplyText(ctx, strings.Join(lines, "\n"))
}

// countList is "Rheinland 4 · Sachsen 2", largest first; "–" when empty.
func countList(m map[string]int) string {
	if len(m) == 0 {
		return "–"
	}
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b))
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + strconv.Itoa(m[k])
	}
	return strings.Join(parts, " · ")
}
