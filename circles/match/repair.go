package match

import (
	"math"
	"math/bits"
	"slices"
)

// The targeted changes for circles that cost something, used by both searches (improve.go),
// and the piecewise search of large regions.

// repairRound visits every circle that costs something once; it reports whether any improved.
func (r *region) repairRound() bool {
	improved := false
	for c := range r.k {
		// A circle may improve several times in a row (one clash, then a missed slot);
		// that ends, since its cost falls by at least 1 each time.
		for r.cost[c] > 0 && !r.done() && r.improveCircle(c) {
			improved = true
		}
	}
	return improved
}

// change is a candidate improvement of circle c: a swap of c's member i with member j of h,
// a move of i into h (j == -1), or a 3-cycle (l >= 0): i goes to h, h's member j goes to e,
// e's member l comes to c.
type change struct{ i, h, j, e, l int }

// improveCircle looks for an improving change for circle c and applies the best it finds.
// Members are tried in order of blame (the cost they cause), so a clash or a missed slot is
// worked on before role mixing. Cheapest first: swaps with members of sampled circles where
// the member fits; then, on budget, 3-cycles (for a member whose slots only circles elsewhere
// can offer, none of whose members can take its place), then all circles where it fits.
func (r *region) improveCircle(c int) bool {
	ms := r.groups[c]
	var blame [maxMaxSize]int64
	var order [maxMaxSize]int
	for i, x := range ms {
		order[i] = i
		if s := r.slot[c]; s < 0 || r.mask[x]&(1<<s) == 0 {
			blame[i] += WeightMissingSlot
		}
		for _, y := range ms {
			if y == x {
				continue
			}
			if r.muni[x] == r.muni[y] {
				blame[i] += WeightSameMunicipality
			}
			if r.werePartnersBefore(x, y) {
				blame[i] += WeightRepeatPair
			}
		}
	}
	idx := order[:len(ms)]
	slices.SortStableFunc(idx, func(a, b int) int { return int(blame[b] - blame[a]) })

	best, bestDelta := change{l: -1}, int64(0)
	consider := func(i, h int) {
		for j := range r.groups[h] {
			if d := r.swapDelta(c, i, h, j); d < bestDelta {
				best, bestDelta = change{i: i, h: h, j: j, l: -1}, d
			}
		}
		if r.movable(c, h) {
			if d := r.moveDelta(c, i, h); d < bestDelta {
				best, bestDelta = change{i: i, h: h, j: -1, l: -1}, d
			}
		}
	}
	// In a small region descend has already tried every swap and move; only the deeper
	// changes below can add anything.
	for _, i := range idx {
		if r.small {
			break
		}
		for t := range samplesPerTry {
			// Every fourth draw is any circle, for the infeasible cases where x fits nowhere.
			if h := r.sampleFor(ms[i], t%4 == 3); h >= 0 && h != c {
				consider(i, h)
			}
		}
		if len(r.groups[r.k]) > 0 {
			consider(i, r.k)
		}
		if bestDelta < 0 {
			return r.apply(c, best)
		}
	}
	for _, i := range idx {
		if r.done() || blame[i] == 0 && r.cost[c] > WeightSingleRole {
			break
		}
		if best, d := r.bestCycle(c, i); d < 0 {
			return r.apply(c, best)
		}
		// A member who cannot make the slot, with no circle at any of its slots to go to:
		// try moving the whole circle to one of its slots instead.
		if x := ms[i]; r.slot[c] >= 0 && r.mask[x]&(1<<r.slot[c]) == 0 {
			for b := r.mask[x]; b != 0; b &= b - 1 {
				if r.reslot(c, bits.TrailingZeros64(b)) {
					return true
				}
			}
		}
		if r.small {
			continue
		}
		// All circles where ms[i] fits, each once (marked with a fresh stamp).
		r.stamp++
		r.mark[c] = r.stamp
		for b := r.mask[ms[i]]; b != 0 && !r.done(); b &= b - 1 {
			s := bits.TrailingZeros64(b)
			for _, h := range r.bySlot[s] {
				if r.mark[h] != r.stamp && r.fits[h]&(1<<s) != 0 {
					r.mark[h] = r.stamp
					consider(i, int(h))
				}
			}
		}
		if bestDelta < 0 {
			return r.apply(c, best)
		}
	}
	return false
}

// sampleFor draws a circle for person x: one where x fits (from the slot index), or with
// anywhere set, any circle. -1 if the draw hit nothing usable.
func (r *region) sampleFor(x int32, anywhere bool) int {
	n := bits.OnesCount64(r.mask[x])
	if n == 0 || anywhere {
		return r.rng.IntN(r.k)
	}
	s := nthBit(r.mask[x], r.rng.IntN(n))
	list := r.bySlot[s]
	if len(list) == 0 {
		return -1
	}
	h := int(list[r.rng.IntN(len(list))])
	if r.fits[h]&(1<<s) == 0 {
		return -1 // stale index entry
	}
	return h
}

// bestCycle samples 3-cycles that start with member i of c: i moves to h (where it fits), a
// member j of h moves on to e (where it fits), and a member l of e takes i's seat in c.
func (r *region) bestCycle(c, i int) (change, int64) {
	x := r.groups[c][i]
	best, bestDelta := change{}, int64(0)
	if r.k < 3 {
		return best, bestDelta // a cycle needs three circles
	}
	need := uint64(0)
	if r.slot[c] >= 0 {
		need = 1 << r.slot[c]
	}
	for range cycleSamples {
		h := r.sampleFor(x, false)
		if h < 0 || h == c {
			continue
		}
		for j, y := range r.groups[h] {
			inH := r.costWith(h, j, x) - r.cost[h]
			for range cycleSamples {
				e := r.sampleFor(y, false)
				if e < 0 || e == c || e == h {
					continue
				}
				for l, z := range r.groups[e] {
					// Only people who can make c's slot are worth evaluating for its seat.
					if r.mask[z]&need != need {
						continue
					}
					d := inH + r.costWith(e, l, y) - r.cost[e] + r.costWith(c, i, z) - r.cost[c]
					if d < bestDelta {
						best, bestDelta = change{i: i, h: h, j: j, e: e, l: l}, d
					}
				}
			}
		}
	}
	return best, bestDelta
}

// reslot tries to move circle c to slot t: each member who cannot make t is swapped with
// someone who can, taken from a circle where the member fits. Single swaps cannot do this,
// since the circle's slot only changes once all its members share the new one. The swaps are
// made one by one and undone unless together they lower the total cost.
func (r *region) reslot(c, t int) bool {
	type swap struct{ i, h, j int }
	var swaps []swap
	var delta int64
	undo := func() bool {
		for k := len(swaps) - 1; k >= 0; k-- {
			r.applySwap(c, swaps[k].i, swaps[k].h, swaps[k].j)
		}
		return false
	}
	bit := uint64(1) << t
	for i := range r.groups[c] {
		m := r.groups[c][i]
		if r.mask[m]&bit != 0 {
			continue
		}
		// Score a replacement y by what it does to the other circle plus what it does to c
		// as a circle meeting at t (c's best slot only becomes t with the last swap).
		here := r.evalAt(r.groups[c], t)
		best, bestScore := swap{h: -1}, int64(math.MaxInt64)
		for range reslotSamples {
			h := r.sampleFor(m, false)
			if h < 0 || h == c || r.done() {
				continue
			}
			for j, y := range r.groups[h] {
				if r.mask[y]&bit == 0 {
					continue
				}
				buf := append(r.buf[:0], r.groups[c]...)
				buf[i] = y
				inC := r.evalAt(buf, t) - here // before costWith reuses r.buf
				score := inC + r.costWith(h, j, m) - r.cost[h]
				if score < bestScore {
					best, bestScore = swap{i, h, j}, score
				}
			}
		}
		if best.h < 0 {
			return undo()
		}
		before := r.cost[c] + r.cost[best.h]
		r.applySwap(c, best.i, best.h, best.j)
		delta += r.cost[c] + r.cost[best.h] - before
		swaps = append(swaps, best)
	}
	if delta >= 0 {
		return undo()
	}
	return true
}

// apply makes change ch to circle c; it reports true, for improveCircle to return.
func (r *region) apply(c int, ch change) bool {
	switch {
	case ch.l >= 0:
		r.touch(c)
		r.touch(ch.h)
		r.touch(ch.e)
		x, y, z := r.groups[c][ch.i], r.groups[ch.h][ch.j], r.groups[ch.e][ch.l]
		r.groups[c][ch.i], r.groups[ch.h][ch.j], r.groups[ch.e][ch.l] = z, x, y
		r.refresh(c)
		r.refresh(ch.h)
		r.refresh(ch.e)
	case ch.j < 0:
		r.applyMove(c, ch.i, ch.h)
	default:
		r.applySwap(c, ch.i, ch.h, ch.j)
	}
	return true
}

// nthBit is the index of the n-th (0-based) set bit of m.
func nthBit(m uint64, n int) int {
	for range n {
		m &= m - 1
	}
	return bits.TrailingZeros64(m)
}

// pieces improves a large region piece by piece: around each circle that still costs
// something it cuts out a piece — that circle and circles where its members, and then their
// members, fit — and searches the piece as thoroughly as a small region, writing it back if
// it got better. Pieces exchange people only among their own circles, so sizes stay balanced.
func (r *region) pieces() {
	for c := 0; c < r.k && !r.done(); c++ {
		if r.cost[c] == 0 {
			continue
		}
		r.stamp++
		r.mark[c] = r.stamp
		ids := []int{c}
		// Grow from random members of the piece so far, so it stays connected by slots.
		for try := 0; len(ids) < pieceCircles && try < 4*pieceCircles; try++ {
			from := r.groups[ids[r.rng.IntN(len(ids))]]
			h := r.sampleFor(from[r.rng.IntN(len(from))], try%4 == 3)
			if h >= 0 && r.mark[h] != r.stamp {
				r.mark[h] = r.stamp
				ids = append(ids, h)
			}
		}
		r.solvePiece(ids)
	}
}

// solvePiece searches the circles ids as a small region of their own: it shares the people's
// attributes and the random source, and has its own groups, costs and index.
func (r *region) solvePiece(ids []int) {
	p := &region{opts: r.opts, rng: r.rng, muni: r.muni, mask: r.mask, role: r.role, former: r.former,
		muniNames: r.muniNames, slotNames: r.slotNames, multiRole: r.multiRole,
		k: len(ids), groups: make([][]int32, len(ids)+1), buf: make([]int32, 0, maxMaxSize), small: true}
	var before int64
	n := 0
	for i, g := range ids {
		p.groups[i] = slices.Clone(r.groups[g])
		before += r.cost[g]
		n += len(r.groups[g])
	}
	p.setup()
	p.limit = min(pieceBudget*n, r.limit-r.evals)
	p.settle()
	p.perturb()
	r.evals += p.evals
	if p.sum < before {
		for i, g := range ids {
			r.groups[g] = p.groups[i]
			r.refresh(g)
		}
	}
}
