package match

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"strings"
)

// result turns the region's assignment into circles with issues, the waitlist with reasons,
// and the region's share of the quality figures.
func (r *region) result() regionResult {
	var rr regionResult
	placed := len(r.people) - len(r.groups[r.k])
	// People per slot among those placed: explains slots that are too rare to share.
	var perSlot [64]int
	for g := range r.k {
		for _, p := range r.groups[g] {
			for m := r.mask[p]; m != 0; m &= m - 1 {
				perSlot[bits.TrailingZeros64(m)]++
			}
		}
	}
	placedPerMuni := make([]int, len(r.muniNames))
	for g := range r.k {
		for _, p := range r.groups[g] {
			placedPerMuni[r.muni[p]]++
		}
	}

	type keyed struct {
		c    Circle
		slot int
	}
	var circles []keyed
	for g := range r.k {
		ms := slices.Clone(r.groups[g])
		slices.SortFunc(ms, func(a, b int32) int { return r.comparePeople(a, b) })
		cost, slot, common := r.eval(ms)
		c := Circle{Region: r.name, Members: make([]Person, 0, len(ms))}
		for _, p := range ms {
			c.Members = append(c.Members, r.people[p])
		}
		if common {
			c.Slot = r.slotNames[slot]
		}
		c.Issues = r.issues(ms, slot, common, placed, placedPerMuni, &perSlot)
		q := &rr.quality
		q.Circles++
		q.Cost += float64(cost)
		hard := len(ms) >= r.opts.MinSize && len(ms) <= r.opts.MaxSize
		cross := true
		for _, is := range c.Issues {
			switch is.Kind {
			case KindSameMunicipality:
				cross = false
			case KindRepeatPartners:
				q.RepeatPairs++
			}
		}
		if cross {
			q.CrossMunicipal++
		}
		if common {
			q.WithCommonSlot++
		}
		if cross && common && hard {
			q.FullyValid++
		}
		if r.mixedRoles(ms) {
			q.MixedRoles++
		}
		key := slot
		if !common {
			key = 64 // circles without a common slot last
		}
		circles = append(circles, keyed{c, key})
	}
	// Circles in the order of the week, so the preview reads like a timetable; then by their
	// first member, which is unique.
	slices.SortFunc(circles, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(a.slot, b.slot),
			cmp.Compare(a.c.Members[0].Name, b.c.Members[0].Name),
			cmp.Compare(a.c.Members[0].ID, b.c.Members[0].ID))
	})
	for _, k := range circles {
		rr.circles = append(rr.circles, k.c)
	}

	if wl := r.groups[r.k]; len(wl) > 0 {
		reason := fmt.Sprintf("region %s has %d people; circles of %s can hold %d of them, so %d %s for the next round or a free place",
			r.name, len(r.people), sizeRange(r.opts), placed, len(wl), plural(len(wl), "waits", "wait"))
		for _, p := range wl {
			rr.waitlist = append(rr.waitlist, r.people[p])
			rr.reasons = append(rr.reasons, reason)
		}
		rr.sortWaitlist()
		rr.quality.Waitlisted = len(wl)
	}
	return rr
}

func sizeRange(o Options) string {
	if o.MinSize == o.MaxSize {
		return fmt.Sprint(o.MinSize)
	}
	return fmt.Sprintf("%d–%d", o.MinSize, o.MaxSize)
}

func (r *region) comparePeople(a, b int32) int {
	return cmp.Or(cmp.Compare(r.people[a].Name, r.people[b].Name), cmp.Compare(r.people[a].ID, r.people[b].ID))
}

func (r *region) mixedRoles(ms []int32) bool {
	first := int32(-1)
	for _, p := range ms {
		switch {
		case r.role[p] < 0:
		case first < 0:
			first = r.role[p]
		case r.role[p] != first:
			return true
		}
	}
	return false
}

// issues explains why circle ms (sorted by name) falls short, if it does: which members
// share a municipality and whether the region left no choice, who cannot make the slot, who
// met before.
func (r *region) issues(ms []int32, slot int, common bool, placed int, perMuni []int, perSlot *[64]int) []Issue {
	var out []Issue
	// Same municipality: one issue per municipality, in order of the members' names.
	for i, a := range ms {
		m := r.muni[a]
		if slices.ContainsFunc(ms[:i], func(b int32) bool { return r.muni[b] == m }) {
			continue // reported with the first member from m
		}
		var same []string
		for _, b := range ms {
			if r.muni[b] == m {
				same = append(same, r.people[b].Name)
			}
		}
		if len(same) < 2 {
			continue
		}
		name := r.muniNames[m]
		detail := fmt.Sprintf("%s are %s from %s", joinNames(same), bothOrAll(len(same)), name)
		if c := perMuni[m]; c > r.k {
			detail += fmt.Sprintf(". %s has %d of %d people in region %s; with %d circles at least %d must share a circle with a colleague from the same municipality",
				name, c, placed, r.name, r.k, c-r.k)
		} else {
			detail += "; no arrangement the matcher found avoids it while keeping the other rules"
		}
		out = append(out, Issue{Kind: KindSameMunicipality, Detail: detail})
	}

	if !common {
		var detail string
		if slot < 0 {
			detail = "no member gave any availability"
		} else {
			var missing []string
			var rare []string
			for _, p := range ms {
				if r.mask[p]&(1<<slot) != 0 {
					continue
				}
				missing = append(missing, r.people[p].Name)
				if r.mask[p] == 0 {
					rare = append(rare, r.people[p].Name+" gave no availability")
					continue
				}
				most := 0
				for m := r.mask[p]; m != 0; m &= m - 1 {
					most = max(most, perSlot[bits.TrailingZeros64(m)])
				}
				// most counts p too. Too few to fill a circle at any of p's slots is the
				// region's doing, not the matcher's: say so.
				switch others := most - 1; {
				case others == 0:
					rare = append(rare, fmt.Sprintf("nobody else in region %s is available when %s is (%s)",
						r.name, r.people[p].Name, strings.Join(r.slotsOf(p), ", ")))
				case most < r.opts.MinSize:
					rare = append(rare, fmt.Sprintf("only %d other %s in region %s %s available when %s is (%s)",
						others, plural(others, "person", "people"), r.name, plural(others, "is", "are"),
						r.people[p].Name, strings.Join(r.slotsOf(p), ", ")))
				}
			}
			detail = fmt.Sprintf("no slot suits all %d members; %s suits %d, not %s",
				len(ms), r.slotNames[slot], len(ms)-len(missing), joinNames(missing))
			if len(rare) > 0 {
				detail += "; " + strings.Join(rare, "; ")
			}
		}
		out = append(out, Issue{Kind: KindNoCommonSlot, Detail: detail})
	}

	for i, a := range ms {
		for _, b := range ms[i+1:] {
			if r.werePartnersBefore(a, b) {
				out = append(out, Issue{Kind: KindRepeatPartners,
					Detail: fmt.Sprintf("%s and %s were in a circle together before", r.people[a].Name, r.people[b].Name)})
			}
		}
	}

	if len(ms) < r.opts.MinSize || len(ms) > r.opts.MaxSize {
		// Cannot happen (sizes are fixed up front); reported rather than hidden if it ever does.
		out = append(out, Issue{Kind: KindSize, Detail: fmt.Sprintf("%d members; circles need %s", len(ms), sizeRange(r.opts))})
	}
	return out
}

func (r *region) slotsOf(p int32) []string {
	var out []string
	for m := r.mask[p]; m != 0; m &= m - 1 {
		out = append(out, r.slotNames[bits.TrailingZeros64(m)])
	}
	return out
}

func joinNames(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func bothOrAll(n int) string {
	if n == 2 {
		return "both"
	}
	return "all"
}

func (rr *regionResult) sortWaitlist() {
	idx := make([]int, len(rr.waitlist))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		return cmp.Or(cmp.Compare(rr.waitlist[a].Name, rr.waitlist[b].Name), cmp.Compare(rr.waitlist[a].ID, rr.waitlist[b].ID))
	})
	wl, rs := make([]Person, len(idx)), make([]string, len(idx))
	for i, j := range idx {
		wl[i], rs[i] = rr.waitlist[j], rr.reasons[j]
	}
	rr.waitlist, rr.reasons = wl, rs
}

func (q *Quality) add(o Quality) {
	q.Circles += o.Circles
	q.Waitlisted += o.Waitlisted
	q.CrossMunicipal += o.CrossMunicipal
	q.WithCommonSlot += o.WithCommonSlot
	q.FullyValid += o.FullyValid
	q.RepeatPairs += o.RepeatPairs
	q.MixedRoles += o.MixedRoles
	q.Cost += o.Cost
}

// Report is a readable multi-line summary, e.g. for stderr after an offline match.
func (q Quality) Report() string {
	var b strings.Builder
	pct := func(n int) string {
		if q.Circles == 0 {
			return "–"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(q.Circles))
	}
	fmt.Fprintf(&b, "people:           %d (%d in circles, %d waitlisted)\n", q.People, q.People-q.Waitlisted, q.Waitlisted)
	fmt.Fprintf(&b, "circles:          %d\n", q.Circles)
	fmt.Fprintf(&b, "fully valid:      %d (%s): all municipalities different and a common slot\n", q.FullyValid, pct(q.FullyValid))
	fmt.Fprintf(&b, "cross-municipal:  %d (%s)\n", q.CrossMunicipal, pct(q.CrossMunicipal))
	fmt.Fprintf(&b, "common slot:      %d (%s)\n", q.WithCommonSlot, pct(q.WithCommonSlot))
	fmt.Fprintf(&b, "repeat pairs:     %d (former partners meeting again)\n", q.RepeatPairs)
	fmt.Fprintf(&b, "mixed roles:      %d (%s)\n", q.MixedRoles, pct(q.MixedRoles))
	fmt.Fprintf(&b, "cost:             %.0f (lower is better)\n", q.Cost)
	return b.String()
}
