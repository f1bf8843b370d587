package match

import (
	"fmt"
	"hash/fnv"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
)

// region is the working state for matching one region. People are referred to by their
// index in people (sorted by id); municipalities, slots and roles are interned to small
// integers so the hot loops compare ints and AND bit masks instead of strings.
type region struct {
	name   string
	people []Person
	opts   Options
	rng    *rand.Rand

	muni      []int32   // person → municipality index (into muniNames, sorted)
	mask      []uint64  // person → bit s set if available at slotNames[s]
	role      []int32   // person → role index, -1 if unknown
	former    [][]int32 // person → former partners in this region, sorted, symmetric
	muniNames []string
	muniCount []int    // people per municipality
	slotNames []string // sorted by compareSlots: earliest in the week first
	multiRole bool     // the region has at least two known roles, so single-role circles cost

	// The assignment. groups[0:k] are the circles; groups[k] is the waitlist, a group that
	// never costs anything, so "swap with a waitlisted person" is an ordinary swap.
	k        int
	groups   [][]int32
	cost     []int64   // per group
	slot     []int8    // per group: best slot (most members available, earliest on ties), -1 if none
	fits     []uint64  // per group: the slots all members can make (or the best one), for bySlot
	bySlot   [][]int32 // slot → circles all of whose members can make it (see refresh)
	appended int       // entries appended to bySlot since it was last rebuilt
	buf      []int32   // scratch for evaluating a changed circle
	sum      int64     // total cost of the circles
	floor    int64     // no assignment costs less (unavoidable same-municipality pairs)
	evals    int       // circle evaluations so far
	limit    int       // evaluations at which the current local search stops
	mark     []int32   // per group: stamp of the last full scan that visited it
	stamp    int32
	dirty    []int32 // small regions: groups changed since descend last looked at them
	isDirty  []bool
	small    bool // the region gets the full neighbourhood (see smallRegion)

	// The journal of groups changed since the last kick, to roll a worse result back.
	journaling bool
	journal    []journalEntry
	jbuf       []int32
	saved      []int32 // per group: stamp2 when it was journaled
	stamp2     int32
}

// newRegion interns the attributes of people (all of one region, sorted by id).
func newRegion(name string, people []Person, opts Options) (*region, error) {
	n := len(people)
	h := fnv.New64a()
	h.Write([]byte(name))
	r := &region{
		name:   name,
		people: people,
		opts:   opts,
		// One stream per region, derived from the seed and the region's name, so regions can
		// run in any order and on any core and still draw the same numbers.
		rng:    rand.New(rand.NewPCG(uint64(opts.Seed), h.Sum64())),
		muni:   make([]int32, n),
		mask:   make([]uint64, n),
		role:   make([]int32, n),
		former: make([][]int32, n),
		buf:    make([]int32, 0, maxMaxSize),
	}

	// Intern through maps, but number the values in sorted order so that indexes (and with
	// them every tie-break) depend only on the data, never on map iteration.
	munis, slots, roles := newInterner(), newInterner(), newInterner()
	for _, p := range people {
		munis.add(p.Municipality)
		for _, s := range p.Slots {
			slots.add(s)
		}
		if p.Role != "" {
			roles.add(p.Role)
		}
	}
	if len(slots.names) > 64 {
		return nil, fmt.Errorf("match: region %s uses %d different slots; at most 64 are supported", name, len(slots.names))
	}
	munis.sort(compareStrings)
	slots.sort(compareSlots)
	roles.sort(compareStrings)
	r.muniNames, r.slotNames = munis.names, slots.names
	r.multiRole = len(roles.names) > 1
	r.muniCount = make([]int, len(r.muniNames))
	for i, p := range people {
		r.muni[i] = munis.index[p.Municipality]
		r.muniCount[r.muni[i]]++
		for _, s := range p.Slots {
			r.mask[i] |= 1 << slots.index[s]
		}
		r.role[i] = -1
		if p.Role != "" {
			r.role[i] = roles.index[p.Role]
		}
	}
	// Former partners count in both directions: either one naming the other is enough.
	// Partners outside this region cannot meet anyway and are dropped. people is sorted by
	// id, so a binary search finds them.
	for i, p := range people {
		for _, id := range p.Former {
			j, ok := slices.BinarySearchFunc(people, id, func(q Person, id string) int { return strings.Compare(q.ID, id) })
			if ok && j != i {
				r.former[i] = append(r.former[i], int32(j))
				r.former[j] = append(r.former[j], int32(i))
			}
		}
	}
	for i := range r.former {
		slices.Sort(r.former[i])
		r.former[i] = slices.Compact(r.former[i])
	}
	return r, nil
}

// interner numbers distinct strings.
type interner struct {
	index map[string]int32
	names []string
}

func newInterner() *interner { return &interner{index: map[string]int32{}} }

func (in *interner) add(s string) {
	if _, ok := in.index[s]; !ok {
		in.index[s] = int32(len(in.names))
		in.names = append(in.names, s)
	}
}

// sort renumbers the strings in the order of cmp.
func (in *interner) sort(cmp func(a, b string) int) {
	slices.SortFunc(in.names, cmp)
	for i, s := range in.names {
		in.index[s] = int32(i)
	}
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// werePartnersBefore reports whether a and b met in an earlier circle.
func (r *region) werePartnersBefore(a, b int32) bool {
	// Lists are short (a few former circles of 4–5); a plain loop beats a binary search.
	for _, f := range r.former[a] {
		if f >= b {
			return f == b
		}
	}
	return false
}

// slotCount is the number of slots person p is available at.
func (r *region) slotCount(p int32) int { return bits.OnesCount64(r.mask[p]) }

// placeableCount is the largest m <= n that circles of lo..hi people can hold exactly:
// some k with k*lo <= m <= k*hi. For 4..5 that rules out 6, 7 and 11 (and everything
// below 4); from 12 on every count fits.
func placeableCount(n, lo, hi int) int {
	best := 0
	for k := 1; k*lo <= n; k++ {
		best = max(best, min(n, k*hi))
	}
	return best
}

// chooseCircleCount picks how many circles m placed people form. Any k with
// k*MinSize <= m <= k*MaxSize keeps sizes balanced and in range; among those it takes the
// smallest k that reaches the lowest unavoidable number of same-municipality pairs, so a
// dominant municipality gets one more circle to spread over rather than an avoidable clash.
func (r *region) chooseCircleCount(m int) int {
	lo := (m + r.opts.MaxSize - 1) / r.opts.MaxSize
	hi := m / r.opts.MinSize
	best, bestPairs := lo, forcedPairs(r.muniCount, lo)
	// forcedPairs only falls as k grows, so the scan can stop at the first k without pairs.
	for k := lo + 1; k <= hi && bestPairs > 0; k++ {
		if p := forcedPairs(r.muniCount, k); p < bestPairs {
			best, bestPairs = k, p
		}
	}
	return best
}

// forcedPairs is a lower bound on same-municipality pairs when count[m] people of each
// municipality m sit in k circles: each municipality spread as evenly as possible.
func forcedPairs(count []int, k int) int {
	total := 0
	for _, c := range count {
		q, rem := c/k, c%k
		total += rem*(q+1)*q/2 + (k-rem)*q*(q-1)/2
	}
	return total
}

// balancedSizes splits m people into k circles whose sizes differ by at most one, the
// larger ones first (the greedy fills those while it has the most choice).
func balancedSizes(m, k int) []int {
	sizes := make([]int, k)
	for i := range sizes {
		sizes[i] = m / k
		if i < m%k {
			sizes[i]++
		}
	}
	return sizes
}
