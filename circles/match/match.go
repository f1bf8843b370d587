package match

import (
	"cmp"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Person is one enrolled participant as the matcher sees them.
type Person struct {
	ID, Name, Municipality, Region string
	Role                           string   // e.g. "planung", "leitung", "fachdienst"; may be empty (unknown)
	Slots                          []string // availability, e.g. "mo-am", "do-pm"; order irrelevant
	Former                         []string // ids of former circle partners (to avoid meeting again)
}

// Options tune Match. The zero value means circles of 4 to 5 people and seed 0.
type Options struct {
	MinSize, MaxSize int   // default 4..5 (a zero field takes its default); MinSize >= 3, MaxSize <= 12
	Seed             int64 // same input + seed → same output (preview == confirm)
}

// Default and allowed circle sizes.
const (
	DefaultMinSize = 4
	DefaultMaxSize = 5
	minMinSize     = 3
	maxMaxSize     = 12 // bounds the cost evaluation's fixed buffers; WOL circles are 4–5
)

// Circle is one proposed circle.
type Circle struct {
	Region  string
	Members []Person // sorted by name, then id
	Slot    string   // the common slot chosen (one all members share), "" if none
	Issues  []Issue  // why this circle falls short, if it does
}

// Issue kinds.
const (
	KindSameMunicipality = "same-municipality"
	KindNoCommonSlot     = "no-common-slot"
	KindRepeatPartners   = "repeat-partners"
	KindSize             = "size"
)

// Issue says why a circle falls short of a rule.
type Issue struct {
	Kind   string // one of the Kind… constants
	Detail string // human-readable English; names the municipality / people
}

// Result is the outcome of Match.
type Result struct {
	Circles    []Circle          // by region (sorted by name), then by slot (earliest in the week first)
	Waitlist   []Person          // people who could not be placed, by region, then name
	WaitReason map[string]string // person id → why they wait
	Quality    Quality
}

// Quality summarises a Result.
type Quality struct {
	People, Circles, Waitlisted int
	CrossMunicipal              int // circles whose members all come from different municipalities
	WithCommonSlot              int // circles with a slot every member can make
	FullyValid                  int // circles that are both, and of allowed size
	RepeatPairs                 int // pairs of members who were circle partners before
	MixedRoles                  int // circles with at least two different (known) roles
	Cost                        float64
}

// withDefaults fills zero sizes and checks the options.
func (o Options) withDefaults() (Options, error) {
	switch {
	case o.MinSize == 0 && o.MaxSize == 0:
		o.MinSize, o.MaxSize = DefaultMinSize, DefaultMaxSize
	case o.MinSize == 0:
		o.MinSize = min(DefaultMinSize, o.MaxSize)
	case o.MaxSize == 0:
		o.MaxSize = max(DefaultMaxSize, o.MinSize)
	}
	if err := checkSize(o.MinSize, o.MaxSize); err != nil {
		return o, fmt.Errorf("match: %w", err)
	}
	return o, nil
}

func checkSize(lo, hi int) error {
	switch {
	case lo < minMinSize:
		return fmt.Errorf("circle size %d is too small: a circle needs at least %d people", lo, minMinSize)
	case hi < lo:
		return fmt.Errorf("circle size %d-%d: the maximum is below the minimum", lo, hi)
	case hi > maxMaxSize:
		return fmt.Errorf("circle size %d is too large: at most %d people", hi, maxMaxSize)
	}
	return nil
}

// ParseSize parses a --size flag: "4-5" (a range) or "4" (exactly 4).
func ParseSize(s string) (lo, hi int, err error) {
	t := strings.ReplaceAll(strings.TrimSpace(s), "–", "-") // en dash, as typed in German texts
	a, b, isRange := strings.Cut(t, "-")
	if lo, err = strconv.Atoi(strings.TrimSpace(a)); err != nil {
		return 0, 0, fmt.Errorf("circle size %q: want a number or a range like 4-5", s)
	}
	hi = lo
	if isRange {
		if hi, err = strconv.Atoi(strings.TrimSpace(b)); err != nil {
			return 0, 0, fmt.Errorf("circle size %q: want a number or a range like 4-5", s)
		}
	}
	if err := checkSize(lo, hi); err != nil {
		return 0, 0, err
	}
	return lo, hi, nil
}

// Match forms circles in every region of people. It fails only for invalid options or
// duplicate ids; everything else (too few people, a dominant municipality, slots that do not
// overlap) becomes a waitlist reason or an Issue on the circle concerned.
func Match(people []Person, opts Options) (Result, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Result{}, err
	}
	// Sorting by id first makes everything after independent of the input order.
	sorted := slices.Clone(people)
	slices.SortFunc(sorted, func(a, b Person) int { return strings.Compare(a.ID, b.ID) })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].ID == sorted[i-1].ID {
			return Result{}, fmt.Errorf("match: duplicate id %q", sorted[i].ID)
		}
	}
	for _, p := range sorted {
		if p.ID == "" {
			return Result{}, errors.New("match: a person has an empty id")
		}
	}

	// Group by region; within a region people stay sorted by id.
	byRegion := map[string][]Person{}
	for _, p := range sorted {
		byRegion[p.Region] = append(byRegion[p.Region], p)
	}
	names := make([]string, 0, len(byRegion))
	for name := range byRegion {
		names = append(names, name)
	}
	slices.Sort(names)

	results := make([]regionResult, len(names))
	errs := make([]error, len(names))
	// Regions are independent, so they run in parallel, largest first so that one big region
	// does not start last and leave the other cores idle. Results land by index, so the
	// scheduling never shows in the output.
	work := make([]int, len(names))
	for i := range work {
		work[i] = i
	}
	slices.SortStableFunc(work, func(a, b int) int {
		return cmp.Compare(len(byRegion[names[b]]), len(byRegion[names[a]]))
	})
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(names)) {
		wg.Go(func() {
			for i := range next {
				results[i], errs[i] = solveRegion(names[i], byRegion[names[i]], opts)
			}
		})
	}
	for _, i := range work {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Result{}, err
	}

	res := Result{WaitReason: map[string]string{}}
	res.Quality.People = len(people)
	for _, rr := range results {
		res.Circles = append(res.Circles, rr.circles...)
		res.Waitlist = append(res.Waitlist, rr.waitlist...)
		for i, p := range rr.waitlist {
			res.WaitReason[p.ID] = rr.reasons[i]
		}
		res.Quality.add(rr.quality)
	}
	return res, nil
}

// regionResult is one region's share of a Result.
type regionResult struct {
	circles  []Circle
	waitlist []Person
	reasons  []string // parallel to waitlist
	quality  Quality
}

// solveRegion matches the people of one region (sorted by id): choose circle sizes, build
// circles greedily, improve them by local search, then describe what falls short.
func solveRegion(name string, people []Person, opts Options) (regionResult, error) {
	n := len(people)
	if n < opts.MinSize {
		reason := fmt.Sprintf("region %s has only %d %s; a circle needs at least %d",
			name, n, plural(n, "person", "people"), opts.MinSize)
		rr := regionResult{waitlist: slices.Clone(people)}
		for range people {
			rr.reasons = append(rr.reasons, reason)
		}
		rr.sortWaitlist()
		rr.quality.Waitlisted = n
		return rr, nil
	}
	r, err := newRegion(name, people, opts)
	if err != nil {
		return regionResult{}, err
	}
	placeable := placeableCount(n, opts.MinSize, opts.MaxSize)
	k := r.chooseCircleCount(placeable)
	r.construct(balancedSizes(placeable, k))
	r.improve()
	return r.result(), nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
