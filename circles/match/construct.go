package match

import (
	"cmp"
	"math/bits"
	"slices"
)

// construct builds the circles one at a time, greedily, so that on ordinary regions the local
// search has little left to repair:
//
//   - each circle forms around the most constrained person still unplaced (fewest slots, then
//     the slots fewest others share), so people whose slots are rare are served while those
//     slots still have company — left for last, they would end up in circles they cannot meet;
//   - it meets at that person's slot with the most unplaced people (the most choice), unless a
//     "tight" municipality — one with at least as many unplaced people as circles still to
//     build, which must appear in every remaining circle — has nobody there;
//   - seats go to municipalities with the most unplaced people first, one each (a municipality
//     that cannot be spread one per circle gets its even share), because large municipalities
//     are the ones that run out of circles to spread over;
//   - within a municipality the person with the fewest slots goes first, keeping flexible
//     people for the later, harder circles.
//
// Seats nobody at the slot can fill go to someone from a new municipality (a missed slot
// costs less than a same-municipality pair), and only then to anyone. sizes sums to at most
// the region's size; whoever is left over is waitlisted.
func (r *region) construct(sizes []int) {
	n, S, M := len(r.people), len(r.slotNames), len(r.muniNames)
	c := constructor{r: r, S: S, placed: make([]bool, n), avail: make([]int, S)}

	// Order people from most to least constrained; ties in seeded random order, so that
	// different seeds explore different (equally good) starts.
	rank := r.rng.Perm(n)
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	for p := range order {
		for b := r.mask[p]; b != 0; b &= b - 1 {
			c.avail[bits.TrailingZeros64(b)]++
		}
	}
	// Rarity: how many others share a person's slots; fewer is harder to place.
	rarity := make([]int, n)
	for p := range order {
		for b := r.mask[p]; b != 0; b &= b - 1 {
			rarity[p] += c.avail[bits.TrailingZeros64(b)]
		}
	}
	clear(c.avail)
	slices.SortFunc(order, func(a, b int32) int {
		return cmp.Or(cmp.Compare(r.slotCount(a), r.slotCount(b)), cmp.Compare(rarity[a], rarity[b]), cmp.Compare(rank[a], rank[b]))
	})
	next := 0 // index into order of the most constrained person not yet placed
	// lists[m*S+s] holds municipality m's people available at slot s, in that order; all[m]
	// holds all of m's people. Placed people are skipped lazily, so each list is walked once.
	c.lists = make([][]int32, M*S)
	c.heads = make([]int, M*S)
	c.all = make([][]int32, M)
	c.allHeads = make([]int, M)
	c.cnt = make([]int, M*S)
	for _, p := range order {
		m := int(r.muni[p])
		c.all[m] = append(c.all[m], p)
		for b := r.mask[p]; b != 0; b &= b - 1 {
			s := bits.TrailingZeros64(b)
			c.lists[m*S+s] = append(c.lists[m*S+s], p)
			c.cnt[m*S+s]++
			c.avail[s]++
		}
	}
	c.order = newMuniOrder(r.muniCount)

	r.k = len(sizes)
	r.groups = make([][]int32, r.k+1)
	taken := make([]int, M) // seats given to each municipality in the circle being built
	for ci, size := range sizes {
		left := len(sizes) - ci // circles still to build, this one included
		members := make([]int32, 0, size)
		add := func(p int32) {
			members = append(members, p)
			c.place(p)
			taken[r.muni[p]]++
		}
		// The circle forms around the most constrained person still unplaced, at the best
		// of their slots: people whose few slots are rare are served while their slots still
		// have company.
		for c.placed[order[next]] {
			next++
		}
		first := order[next]
		s := c.pickSlot(left, r.mask[first])
		add(first)
		// Seats at the slot, one municipality at a time, largest first. The order is the
		// municipalities' unplaced counts from before this circle (decrements wait until
		// it is complete), so the walk is not disturbed by its own picks.
		for _, m := range c.order.order {
			if len(members) == size || c.order.count[m] == 0 {
				break // full, or the rest of the municipalities have nobody left
			}
			if s < 0 || c.cnt[int(m)*S+s] == 0 {
				continue
			}
			share := (c.order.count[m] + left - 1) / left // > 1 only if m cannot be spread one per circle
			for range share - taken[m] {
				p := int32(-1)
				if len(members) < size {
					p = c.pick(c.lists[int(m)*S+s], &c.heads[int(m)*S+s], members, size)
				}
				if p < 0 {
					break
				}
				add(p)
			}
		}
		// Not enough municipalities at this slot: new municipalities first (they cost a
		// missed slot), then anyone (a clash as well), one per municipality per sweep so
		// that the clashes, too, are spread.
		for pass := 0; len(members) < size; pass++ {
			before := len(members)
			for _, m := range c.order.order {
				if len(members) == size {
					break
				}
				if c.order.count[m]-taken[m] == 0 || pass == 0 && taken[m] > 0 {
					continue
				}
				if p := c.pick(c.all[m], &c.allHeads[m], members, size); p >= 0 {
					add(p)
				}
			}
			if pass > 0 && len(members) == before {
				break // nobody left at all; cannot happen while sizes sum to at most n
			}
		}
		for _, p := range members {
			taken[r.muni[p]] = 0
			c.order.decrement(r.muni[p])
		}
		r.groups[ci] = members
	}
	// Whoever is left waits; this happens only when the region's size cannot be split into
	// circles of allowed sizes (e.g. 7 people and circles of 4–5).
	var waitlist []int32
	for p := range n {
		if !c.placed[p] {
			waitlist = append(waitlist, int32(p))
		}
	}
	r.groups[r.k] = waitlist
}

// constructor is construct's bookkeeping of who is still unplaced.
type constructor struct {
	r        *region
	S        int
	placed   []bool
	lists    [][]int32
	heads    []int
	all      [][]int32
	allHeads []int
	cnt      []int // unplaced people per municipality × slot
	avail    []int // unplaced people per slot
	order    *muniOrder
}

func (c *constructor) place(p int32) {
	c.placed[p] = true
	m := int(c.r.muni[p])
	for b := c.r.mask[p]; b != 0; b &= b - 1 {
		s := bits.TrailingZeros64(b)
		c.cnt[m*c.S+s]--
		c.avail[s]--
	}
}

// pickSlot chooses the slot for the next circle among allowed (the slots of the person it forms
// around; all, if that person gave none): covering as many tight municipalities as possible,
// then with the most unplaced people, then earliest in the week. -1 if there is none.
func (c *constructor) pickSlot(left int, allowed uint64) int {
	if allowed == 0 {
		allowed = ^uint64(0) // someone without slots: any slot will do as well as another
	}
	var tight []int32
	// The order is sorted by unplaced count, so the tight municipalities are a prefix.
	for _, m := range c.order.order {
		if c.order.count[m] < left {
			break
		}
		tight = append(tight, m)
	}
	best, bestCover, bestAvail := -1, -1, 0
	for s := range c.S {
		if c.avail[s] == 0 || allowed&(1<<s) == 0 {
			continue
		}
		cover := 0
		for _, m := range tight {
			if c.cnt[int(m)*c.S+s] > 0 {
				cover++
			}
		}
		if cover > bestCover || cover == bestCover && c.avail[s] > bestAvail {
			best, bestCover, bestAvail = s, cover, c.avail[s]
		}
	}
	return best
}

// pick takes the best unplaced person from list (starting at *head) for a circle that
// already has members: among the first few candidates, one who has not met a member before,
// and for the last seat of a so far single-role circle, one with another role. It looks at
// only a few candidates so that construction stays linear; the local search does the rest.
func (c *constructor) pick(list []int32, head *int, members []int32, size int) int32 {
	r := c.r
	for *head < len(list) && c.placed[list[*head]] {
		*head++ // skipped for good: placed people never come back
	}
	lastSeat := len(members) == size-1
	singleRole := r.multiRole && len(members) > 0 && r.role[members[0]] >= 0
	for _, m := range members {
		singleRole = singleRole && r.role[m] == r.role[members[0]]
	}
	best, bestScore := int32(-1), 0
	seen := 0
	for i := *head; i < len(list) && seen < 4; i++ {
		p := list[i]
		if c.placed[p] {
			continue
		}
		seen++
		score := 0
		for _, m := range members {
			if r.werePartnersBefore(p, m) {
				score += WeightRepeatPair
			}
		}
		if lastSeat && singleRole && r.role[p] == r.role[members[0]] {
			score += WeightSingleRole
		}
		if best < 0 || score < bestScore {
			best, bestScore = p, score
		}
		if score == 0 {
			break
		}
	}
	return best
}

// muniOrder keeps municipalities sorted by unplaced count, descending, under decrements in
// O(1): the municipalities with equal counts form a block, and a decrement swaps the
// municipality to the end of its block, where it becomes the first of the next block.
type muniOrder struct {
	order []int32 // municipalities, by count descending
	pos   []int   // municipality → index in order
	count []int   // municipality → unplaced count
	last  []int   // count → index of the last municipality with that count, -1 if none
}

func newMuniOrder(counts []int) *muniOrder {
	o := &muniOrder{count: slices.Clone(counts), pos: make([]int, len(counts))}
	for m := range counts {
		o.order = append(o.order, int32(m))
	}
	// Ties by index, i.e. by name: deterministic.
	slices.SortStableFunc(o.order, func(a, b int32) int { return cmp.Compare(o.count[b], o.count[a]) })
	top := 0
	if len(counts) > 0 {
		top = slices.Max(counts)
	}
	o.last = make([]int, top+1)
	for i := range o.last {
		o.last[i] = -1
	}
	for i, m := range o.order {
		o.pos[m] = i
		o.last[o.count[m]] = i
	}
	return o
}

func (o *muniOrder) decrement(m int32) {
	c := o.count[m]
	j := o.last[c]
	i := o.pos[m]
	other := o.order[j]
	o.order[i], o.order[j] = other, m
	o.pos[other], o.pos[m] = i, j
	// m is now the last of block c; it moves to block c-1, which starts right after.
	if j > 0 && o.count[o.order[j-1]] == c {
		o.last[c] = j - 1
	} else {
		o.last[c] = -1
	}
	if o.last[c-1] < 0 {
		o.last[c-1] = j
	}
	o.count[m] = c - 1
}
