package match

import (
	"math/bits"
)

// Local search. Every change keeps the size profile (swapping two people, or moving one
// person into a circle exactly one smaller), and no step is kept that makes the total worse,
// so the search can only improve on the construction.
//
// Small regions (up to smallRegion people, which covers real enrolment rounds) are searched
// as a whole:
//
//   - descend tries every swap and move that involves a circle changed since the last look;
//   - deeper changes follow for circles that still cost something: 3-cycles, and moving a whole
//     circle to another slot (no single swap changes a circle's slot);
//   - iterated local search then kicks — swaps a member of a costly circle with someone
//     elsewhere —, descends again, and keeps the result unless it is worse; a journal of the
//     groups touched since the kick rolls a worse result back without copying everything.
//
// Large regions get a targeted repair: only costly circles are visited, and swap partners are
// sampled from circles where the member fits (the slot index), so a visit costs a constant;
// then the deeper changes; then, for what is still left, pieces of about 100 people around
// each costly circle are cut out and searched like small regions.
//
// Two things bound the work: a budget of circle evaluations (per person, plus a constant per
// region), so matching stays linear even where most circles must fall short; and a floor —
// the same-municipality pairs no arrangement can avoid — at which the search stops because
// nothing better exists.

// searchDepth limits the search, only so tests can measure what each stage contributes:
// 0 construction only, 1 construction and the large-region repair (on every region, and
// without pieces), 2 everything.
var searchDepth = 2

const (
	smallRegion   = 1000      // people up to which a region is searched as a whole
	smallBudget   = 20000     // evaluations per person of a small region: thorough, yet milliseconds
	smallCap      = 4_000_000 // evaluations for one small region at most (about a quarter second)
	largeBudget   = 100       // evaluations per person of a large region; realistic ones need about 2
	piecesBudget  = 500_000   // evaluations per large region for its pieces, on top
	pieceCircles  = 20        // circles in one piece of a large region (about 100 people)
	pieceBudget   = 2000      // evaluations per person of a piece
	maxKicks      = 5000      // iterated-local-search rounds, at most
	repairRounds  = 8         // passes over the costly circles in the repair of a large region
	samplesPerTry = 8         // circles sampled per member and visit
	cycleSamples  = 6         // circles sampled for each hop of a 3-cycle
	reslotSamples = 12        // circles sampled per member when moving a circle to another slot
)

func (r *region) improve() {
	n := len(r.people)
	r.small = n <= smallRegion && searchDepth == 2
	r.setup()
	if searchDepth == 0 {
		return
	}
	if r.small {
		r.limit = r.evals + min(smallBudget*n, smallCap)
		r.settle()
		r.perturb()
		return
	}
	r.limit = r.evals + largeBudget*n + piecesBudget
	for range repairRounds {
		if r.done() || !r.repairRound() {
			break
		}
	}
	if searchDepth == 2 {
		r.pieces()
	}
}

// setup computes every group's cost and the slot index, and the floor.
func (r *region) setup() {
	r.cost = make([]int64, r.k+1)
	r.slot = make([]int8, r.k+1)
	r.fits = make([]uint64, r.k+1)
	r.isDirty = make([]bool, r.k+1)
	r.saved = make([]int32, r.k+1)
	r.mark = make([]int32, r.k+1)
	r.bySlot = make([][]int32, len(r.slotNames))
	r.slot[r.k] = -1
	if len(r.groups[r.k]) == 0 {
		// With a waitlist, leaving out a colleague can beat the bound; then there is no floor.
		count := make([]int, len(r.muniNames))
		for _, ms := range r.groups[:r.k] {
			for _, p := range ms {
				count[r.muni[p]]++
			}
		}
		r.floor = int64(WeightSameMunicipality * forcedPairs(count, r.k))
	}
	for g := range r.k + 1 {
		r.refresh(g)
	}
}

// refresh recomputes group g's cost, slot and common slots after a change, and keeps the slot
// index up to date. The index lists, per slot, the circles every member of which can make it
// (for a circle without a common slot: its best slot), because a person fits into any of
// those, not just into circles that happen to meet there. Entries are only appended: a circle
// whose slots changed leaves stale entries behind, which sampling recognises (the bit is gone
// from fits[h]) and skips, until reindex clears them out.
func (r *region) refresh(g int) {
	if r.small && !r.isDirty[g] {
		r.isDirty[g] = true
		r.dirty = append(r.dirty, int32(g))
	}
	if g == r.k {
		return // the waitlist costs nothing and has no slot
	}
	cost, slot, common := r.eval(r.groups[g])
	r.sum += cost - r.cost[g]
	r.cost[g] = cost
	r.slot[g] = int8(slot)
	var fits uint64
	switch {
	case common:
		fits = ^uint64(0)
		for _, p := range r.groups[g] {
			fits &= r.mask[p]
		}
	case slot >= 0:
		fits = 1 << slot
	}
	for b := fits &^ r.fits[g]; b != 0; b &= b - 1 {
		s := bits.TrailingZeros64(b)
		r.bySlot[s] = append(r.bySlot[s], int32(g))
		r.appended++
	}
	r.fits[g] = fits
	// Rebuild once stale entries could outnumber live ones, so sampling keeps hitting;
	// amortised, a constant per append.
	if r.appended > 8*(r.k+1) {
		r.reindex()
	}
}

func (r *region) reindex() {
	for s := range r.bySlot {
		r.bySlot[s] = r.bySlot[s][:0]
	}
	for g := range r.k {
		for b := r.fits[g]; b != 0; b &= b - 1 {
			s := bits.TrailingZeros64(b)
			r.bySlot[s] = append(r.bySlot[s], int32(g))
		}
	}
	r.appended = 0
}

// total is the region's cost: the sum of its circles' costs, kept up to date by refresh.
func (r *region) total() int64 { return r.sum }

// done reports whether the search should stop: out of budget, or at the floor.
func (r *region) done() bool { return r.evals >= r.limit || r.sum <= r.floor }

// costWith is group g's cost with the member at position i replaced by p (p == -1: removed).
func (r *region) costWith(g, i int, p int32) int64 {
	if g == r.k {
		return 0
	}
	buf := append(r.buf[:0], r.groups[g]...)
	if p >= 0 {
		buf[i] = p
	} else {
		buf[i] = buf[len(buf)-1]
		buf = buf[:len(buf)-1]
	}
	c, _, _ := r.eval(buf)
	return c
}

// costPlus is group g's cost with p added.
func (r *region) costPlus(g int, p int32) int64 {
	buf := append(append(r.buf[:0], r.groups[g]...), p)
	c, _, _ := r.eval(buf)
	return c
}

func (r *region) swapDelta(g, i, h, j int) int64 {
	x, y := r.groups[g][i], r.groups[h][j]
	dg := r.costWith(g, i, y) - r.cost[g]
	if dg >= r.cost[h] {
		return dg - r.cost[h] // h can gain at most its whole cost: no improvement, skip its evaluation
	}
	return dg + r.costWith(h, j, x) - r.cost[h]
}

// moveDelta is the change from moving the member at (g, i) into h; only for circles with
// len(g) == len(h)+1, where the two sizes simply trade places.
func (r *region) moveDelta(g, i, h int) int64 {
	dg := r.costWith(g, i, -1) - r.cost[g]
	if dg >= r.cost[h] {
		return dg - r.cost[h] // as in swapDelta: h cannot make up for it
	}
	return dg + r.costPlus(h, r.groups[g][i]) - r.cost[h]
}

func (r *region) applySwap(g, i, h, j int) {
	r.touch(g)
	r.touch(h)
	r.groups[g][i], r.groups[h][j] = r.groups[h][j], r.groups[g][i]
	r.refresh(g)
	r.refresh(h)
}

func (r *region) applyMove(g, i, h int) {
	r.touch(g)
	r.touch(h)
	p := r.groups[g][i]
	last := len(r.groups[g]) - 1
	r.groups[g][i] = r.groups[g][last]
	r.groups[g] = r.groups[g][:last]
	r.groups[h] = append(r.groups[h], p)
	r.refresh(g)
	r.refresh(h)
}

// movable reports whether moving one person from g to h keeps the size profile.
func (r *region) movable(g, h int) bool {
	return g < r.k && h < r.k && len(r.groups[g]) == len(r.groups[h])+1
}

// descend applies improving swaps and moves over the whole neighbourhood until none is left.
// Only pairs involving a group that changed since the last descent can hold an improvement
// (all others were checked then), so it works through the changed groups (dirty, filled by
// refresh) rather than all pairs: after a kick that is a handful of groups, not k².
func (r *region) descend() {
	for len(r.dirty) > 0 {
		g := int(r.dirty[len(r.dirty)-1])
		r.dirty = r.dirty[:len(r.dirty)-1]
		r.isDirty[g] = false
		for h := 0; h <= r.k; h++ {
			// Two groups that cost nothing cannot gain from an exchange; once the search
			// converges that prunes nearly every pair.
			if h == g || r.cost[g]+r.cost[h] == 0 {
				continue
			}
			// Positions are rechecked on every step: an applied change alters both groups
			// (and refresh marks them dirty again, so they are looked at once more).
			for i := 0; i < len(r.groups[g]); i++ {
				for j := 0; j < len(r.groups[h]); j++ {
					if r.swapDelta(g, i, h, j) < 0 {
						r.applySwap(g, i, h, j)
					}
				}
			}
			for i := 0; r.movable(g, h) && i < len(r.groups[g]); i++ {
				if r.moveDelta(g, i, h) < 0 {
					r.applyMove(g, i, h)
				}
			}
			for j := 0; r.movable(h, g) && j < len(r.groups[h]); j++ {
				if r.moveDelta(h, j, g) < 0 {
					r.applyMove(h, j, g)
				}
			}
		}
	}
}

// settle descends to a local optimum: the full neighbourhood, then the deeper changes for
// costly circles, until neither finds anything.
func (r *region) settle() {
	for r.descend(); !r.done() && r.repairRound(); {
		r.descend()
	}
}

// perturb is iterated local search: kick, settle, keep unless worse. It stops when nothing
// costs anything, at the floor, out of budget, after maxKicks, or when it stops improving. Equal results are kept, so
// the search drifts across plateaus instead of retrying the same kick.
func (r *region) perturb() {
	var costly []int
	// Give up after a stretch without a strict improvement: longer for more circles, as a
	// kick then touches a smaller part of the region.
	patience, best, lastGain := 100+25*r.k, r.sum, 0
	for kick := range maxKicks {
		if r.done() || kick-lastGain > patience {
			return
		}
		// The list of costly circles is rebuilt now and then rather than kept exact; a stale
		// entry just makes one kick a random one.
		if kick%32 == 0 {
			costly = costly[:0]
			for g := range r.k {
				if r.cost[g] > 0 {
					costly = append(costly, g)
				}
			}
			if len(costly) == 0 {
				return
			}
		}
		before := r.sum
		r.journaling, r.stamp2 = true, r.stamp2+1
		r.kick(costly[r.rng.IntN(len(costly))])
		r.settle()
		if r.sum > before {
			r.rollback()
			// Back where the last descent ended: nothing there is left to look at.
			for _, g := range r.dirty {
				r.isDirty[g] = false
			}
			r.dirty = r.dirty[:0]
		}
		if r.sum < best {
			best, lastGain = r.sum, kick
		}
		r.journal, r.jbuf, r.journaling = r.journal[:0], r.jbuf[:0], false
	}
}

// kick swaps a random member of costly circle g with someone in another group (the waitlist
// included), and makes one more random swap anywhere.
func (r *region) kick(g int) {
	for t := range 2 {
		if t == 1 {
			g = r.rng.IntN(r.k + 1)
		}
		h := r.rng.IntN(r.k + 1)
		if g == h || len(r.groups[g]) == 0 || len(r.groups[h]) == 0 {
			continue
		}
		r.applySwap(g, r.rng.IntN(len(r.groups[g])), h, r.rng.IntN(len(r.groups[h])))
	}
}

// touch records group g's members before its first change since the kick.
func (r *region) touch(g int) {
	if r.journaling && r.saved[g] != r.stamp2 {
		r.saved[g] = r.stamp2
		r.journal = append(r.journal, journalEntry{g: int32(g), at: int32(len(r.jbuf)), n: int32(len(r.groups[g]))})
		r.jbuf = append(r.jbuf, r.groups[g]...)
	}
}

// journalEntry locates one group's saved members in jbuf.
type journalEntry struct{ g, at, n int32 }

// rollback restores every group touched since the kick.
func (r *region) rollback() {
	r.journaling = false
	for _, e := range r.journal {
		g := int(e.g)
		r.groups[g] = append(r.groups[g][:0], r.jbuf[e.at:e.at+e.n]...)
		r.refresh(g)
	}
}
