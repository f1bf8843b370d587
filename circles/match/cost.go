package match

import (
	"math/bits"
	"slices"
	"strings"
)

// The objective, per circle; lower is better. The weights rank the rules: a same-municipality
// pair weighs as much as two members who cannot make the slot; a missed slot outweighs ten
// repeat pairs, and a repeat pair ten single-role circles. Sizes carry no weight:
// Match keeps them balanced and within range by construction (see balancedSizes) and the
// local search only makes moves that keep them so.
const (
	WeightSameMunicipality = 1000 // per pair of members from the same municipality
	WeightMissingSlot      = 500  // per member not available at the circle's slot
	WeightRepeatPair       = 50   // per pair of members who were circle partners before
	WeightSingleRole       = 5    // per circle whose members all share one known role
)

// Cost is the objective for one circle meeting at slot (lower is better). An empty slot means
// the best slot for c: the one most members can make, earliest in the week on ties — what
// Match chooses. Cost treats every circle as coming from a region with several roles; Match
// drops the single-role term in regions that have fewer than two known roles.
func Cost(c []Person, slot string) float64 {
	if slot == "" {
		slot = bestSlot(c)
	}
	var pairs, repeats, missing int
	for i, a := range c {
		if slot == "" || !slices.Contains(a.Slots, slot) {
			missing++
		}
		for _, b := range c[i+1:] {
			if a.Municipality == b.Municipality {
				pairs++
			}
			if slices.Contains(a.Former, b.ID) || slices.Contains(b.Former, a.ID) {
				repeats++
			}
		}
	}
	single := 0
	if singleRole(c) {
		single = 1
	}
	return float64(WeightSameMunicipality*pairs + WeightMissingSlot*missing +
		WeightRepeatPair*repeats + WeightSingleRole*single)
}

// bestSlot is the slot most members of c can make, earliest in the week on ties; "" if
// nobody gave any slot.
func bestSlot(c []Person) string {
	count := map[string]int{}
	for _, p := range c {
		for _, s := range slices.Compact(slices.Sorted(slices.Values(p.Slots))) {
			count[s]++
		}
	}
	best := ""
	for s, n := range count {
		if best == "" || n > count[best] || n == count[best] && compareSlots(s, best) < 0 {
			best = s
		}
	}
	return best
}

func singleRole(c []Person) bool {
	if len(c) == 0 || c[0].Role == "" {
		return false
	}
	for _, p := range c[1:] {
		if p.Role != c[0].Role {
			return false
		}
	}
	return true
}

// eval is Cost for the circle ms of this region: the same weights on interned data. It also
// returns the circle's best slot (-1 if no member gave any) and whether all members share it.
func (r *region) eval(ms []int32) (int64, int, bool) {
	r.evals++
	all := ^uint64(0)
	for _, p := range ms {
		all &= r.mask[p]
	}
	if all != 0 {
		// The usual case, and a fast one: some slot suits everyone; the lowest bit is the
		// earliest in the week.
		return r.pairCost(ms), bits.TrailingZeros64(all), true
	}
	// Nobody-suits-all: count per slot and take the one most members can make.
	var count [64]int8
	for _, p := range ms {
		for m := r.mask[p]; m != 0; m &= m - 1 {
			count[bits.TrailingZeros64(m)]++
		}
	}
	slot, best := -1, int8(0)
	for s := range r.slotNames {
		if count[s] > best {
			slot, best = s, count[s]
		}
	}
	missing := len(ms) - int(best)
	return int64(WeightMissingSlot*missing) + r.pairCost(ms), slot, false
}

// evalAt is eval for the circle ms meeting at slot t.
func (r *region) evalAt(ms []int32, t int) int64 {
	missing := 0
	for _, p := range ms {
		if r.mask[p]&(1<<t) == 0 {
			missing++
		}
	}
	return int64(WeightMissingSlot*missing) + r.pairCost(ms)
}

// pairCost is the part of eval that does not depend on the slot.
func (r *region) pairCost(ms []int32) int64 {
	var cost int64
	sameRole := r.multiRole
	for i, a := range ms {
		ma, fa := r.muni[a], r.former[a]
		for _, b := range ms[i+1:] {
			if r.muni[b] == ma {
				cost += WeightSameMunicipality
			}
			if len(fa) > 0 && r.werePartnersBefore(a, b) {
				cost += WeightRepeatPair
			}
		}
		if r.role[a] < 0 || r.role[a] != r.role[ms[0]] {
			sameRole = false
		}
	}
	if sameRole && len(ms) > 0 {
		cost += WeightSingleRole
	}
	return cost
}

// Slots are weekday × part of day. Known slots sort through the week (Monday morning first);
// anything else sorts after them, alphabetically, so odd input still matches deterministically.
var (
	weekdays = []string{"mo", "di", "mi", "do", "fr"}
	dayparts = []string{"am", "mid", "pm"}
)

// slotRank is the position of a known slot in the week, or -1.
func slotRank(s string) int {
	day, part, ok := strings.Cut(s, "-")
	if !ok {
		return -1
	}
	d, p := slices.Index(weekdays, day), slices.Index(dayparts, part)
	if d < 0 || p < 0 {
		return -1
	}
	return d*len(dayparts) + p
}

func compareSlots(a, b string) int {
	ra, rb := slotRank(a), slotRank(b)
	switch {
	case ra >= 0 && rb >= 0:
		return ra - rb
	case ra >= 0:
		return -1
	case rb >= 0:
		return 1
	}
	return compareStrings(a, b)
}
