package match

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// checkInvariants asserts what must hold for every Result: everyone placed or waitlisted
// with a reason, exactly once; sizes within range and balanced per region; circles of one
// region; Quality consistent with the circles.
func checkInvariants(t *testing.T, people []Person, opts Options, res Result) {
	t.Helper()
	opts, _ = opts.withDefaults()
	seen := map[string]int{}
	sizes := map[string][]int{}
	for _, c := range res.Circles {
		if len(c.Members) < opts.MinSize || len(c.Members) > opts.MaxSize {
			t.Errorf("circle of %d in %s, want %d..%d", len(c.Members), c.Region, opts.MinSize, opts.MaxSize)
		}
		sizes[c.Region] = append(sizes[c.Region], len(c.Members))
		for _, p := range c.Members {
			seen[p.ID]++
			if p.Region != c.Region {
				t.Errorf("%s of region %s in a circle of %s", p.ID, p.Region, c.Region)
			}
			if c.Slot != "" && !slices.Contains(p.Slots, c.Slot) {
				t.Errorf("%s in a circle at %s but available only %v", p.ID, c.Slot, p.Slots)
			}
		}
	}
	for _, p := range res.Waitlist {
		seen[p.ID]++
		if res.WaitReason[p.ID] == "" {
			t.Errorf("%s waitlisted without a reason", p.ID)
		}
	}
	if len(res.WaitReason) != len(res.Waitlist) {
		t.Errorf("%d wait reasons for %d waitlisted", len(res.WaitReason), len(res.Waitlist))
	}
	for _, p := range people {
		if seen[p.ID] != 1 {
			t.Errorf("%s appears %d times, want exactly once", p.ID, seen[p.ID])
		}
	}
	if len(seen) != len(people) {
		t.Errorf("%d people out, %d in", len(seen), len(people))
	}
	for region, s := range sizes {
		if slices.Max(s)-slices.Min(s) > 1 {
			t.Errorf("region %s: sizes %v not balanced", region, s)
		}
	}
	q := res.Quality
	if q.People != len(people) || q.Circles != len(res.Circles) || q.Waitlisted != len(res.Waitlist) {
		t.Errorf("quality counts %+v do not match the result", q)
	}
}

// hardIssues counts same-municipality and no-common-slot issues.
func hardIssues(res Result) (n int, first string) {
	for _, c := range res.Circles {
		for _, is := range c.Issues {
			if is.Kind == KindSameMunicipality || is.Kind == KindNoCommonSlot || is.Kind == KindSize {
				if n == 0 {
					first = is.Detail
				}
				n++
			}
		}
	}
	return n, first
}

func TestFeasibleInstancesHaveNoIssues(t *testing.T) {
	for _, tc := range []struct {
		name                          string
		regions, circles, size, munis int
		skew                          float64
	}{
		{"one small region", 1, 4, 5, 8, 0.5},
		{"small regions", 6, 10, 5, 12, 0.8},
		{"circles of four", 3, 12, 4, 6, 0.3},
		{"medium region", 1, 60, 5, 20, 0.8},
		{"large regions, skewed municipalities", 3, 400, 5, 25, 1.2},
		{"few municipalities", 2, 200, 5, 6, 0.2},
	} {
		for seed := range 3 {
			t.Run(fmt.Sprintf("%s/seed%d", tc.name, seed), func(t *testing.T) {
				var people []Person
				for r := range tc.regions {
					people = append(people, planted(uint64(seed*100+r), fmt.Sprintf("R%d", r), tc.circles, tc.size, tc.munis, tc.skew)...)
				}
				opts := Options{Seed: int64(seed), MinSize: 4, MaxSize: tc.size}
				res, err := Match(people, opts)
				if err != nil {
					t.Fatal(err)
				}
				checkInvariants(t, people, opts, res)
				for _, c := range res.Circles {
					for _, is := range c.Issues {
						t.Errorf("%s: %s: %s", c.Region, is.Kind, is.Detail)
					}
				}
				if q := res.Quality; q.FullyValid != q.Circles || q.RepeatPairs != 0 || q.Waitlisted != 0 || q.Cost != 0 {
					t.Errorf("quality %+v, want every circle valid at cost 0", q)
				}
			})
		}
	}
}

// TestRealisticInstances runs the benchmark's kind of enrolment: random, so not every region
// can be matched perfectly, but nearly every circle must be valid and every same-municipality
// issue must come from a municipality too large to spread.
func TestRealisticInstances(t *testing.T) {
	for seed := range 3 {
		people := generate(uint64(seed), realistic(5000))
		opts := Options{Seed: int64(seed)}
		res, err := Match(people, opts)
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, people, opts, res)
		q := res.Quality
		t.Logf("seed %d: %d of %d circles fully valid, %d repeat pairs, %d mixed roles", seed, q.FullyValid, q.Circles, q.RepeatPairs, q.MixedRoles)
		if q.FullyValid < q.Circles*995/1000 {
			t.Errorf("only %d of %d circles fully valid", q.FullyValid, q.Circles)
		}
		for _, c := range res.Circles {
			for _, is := range c.Issues {
				if is.Kind == KindSameMunicipality && !strings.Contains(is.Detail, " must share a circle") {
					t.Errorf("avoidable clash: %s", is.Detail)
				}
			}
		}
	}
}

// person builds a test person; slots are space-separated.
func person(id, municipality, slots string) Person {
	return Person{ID: id, Name: "Name " + id, Municipality: municipality, Region: "Rheinland", Slots: strings.Fields(slots)}
}

// circleExcess is, summed over circles, how many members have a colleague from the same
// municipality seated before them: the number of people who must share.
func circleExcess(res Result) (excess, pairs int) {
	for _, c := range res.Circles {
		count := map[string]int{}
		for _, p := range c.Members {
			excess += min(count[p.Municipality], 1)
			pairs += count[p.Municipality]
			count[p.Municipality]++
		}
	}
	return excess, pairs
}

func TestDominantMunicipality(t *testing.T) {
	// Kreis Düren has 9 of 20 people: with circles of 4–5 the matcher takes 5 circles (not 4),
	// so at least 9 − 5 = 4 people share a circle with a colleague — and no more.
	var people []Person
	for i := range 9 {
		people = append(people, person(fmt.Sprintf("d%d", i), "Kreis Düren", "mo-am di-am"))
	}
	for i := range 11 {
		people = append(people, person(fmt.Sprintf("o%d", i), fmt.Sprintf("Stadt %d", i), "mo-am di-am"))
	}
	res, err := Match(people, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, people, Options{}, res)
	if len(res.Circles) != 5 {
		t.Fatalf("%d circles, want 5 (spreading Kreis Düren as thin as sizes allow)", len(res.Circles))
	}
	excess, _ := circleExcess(res)
	if excess != 9-5 {
		t.Errorf("%d people share a circle with a colleague, want the minimum %d", excess, 9-5)
	}
	issues := 0
	for _, c := range res.Circles {
		for _, is := range c.Issues {
			if is.Kind != KindSameMunicipality {
				t.Errorf("unexpected issue %s: %s", is.Kind, is.Detail)
				continue
			}
			issues++
			for _, want := range []string{"Kreis Düren has 9 of 20 people", "with 5 circles at least 4 must share"} {
				if !strings.Contains(is.Detail, want) {
					t.Errorf("issue %q does not say %q", is.Detail, want)
				}
			}
		}
	}
	if issues != 4 {
		t.Errorf("%d same-municipality issues, want 4 (one per circle with two from Kreis Düren)", issues)
	}
}

// TestDominantMunicipalityAtScale checks the lower bound on larger regions, where the local
// search (not the exhaustive small-region search) runs: people who must share a circle with a
// colleague equal max(0, count − circles) per municipality, and pairs are spread evenly.
func TestDominantMunicipalityAtScale(t *testing.T) {
	for _, share := range []float64{0.3, 0.45, 0.6} {
		t.Run(fmt.Sprint(share), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(share*100), 1))
			var people []Person
			for i := range 1000 {
				m := fmt.Sprintf("Stadt %d", rng.IntN(60))
				if rng.Float64() < share {
					m = "Kreis Düren"
				}
				people = append(people, Person{ID: fmt.Sprintf("p%04d", i), Name: fmt.Sprint(i), Municipality: m,
					Region: "R", Slots: []string{allSlots[rng.IntN(3)], allSlots[3+rng.IntN(3)], allSlots[6+rng.IntN(3)]}})
			}
			res, err := Match(people, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, people, Options{}, res)
			count := map[string]int{}
			for _, p := range people {
				count[p.Municipality]++
			}
			bound := 0
			for _, c := range count {
				bound += max(0, c-len(res.Circles))
			}
			excess, _ := circleExcess(res)
			if excess != bound {
				t.Errorf("%d people share a circle with a colleague; lower bound %d", excess, bound)
			}
			if res.Quality.WithCommonSlot != res.Quality.Circles {
				t.Errorf("%d of %d circles without a common slot", res.Quality.Circles-res.Quality.WithCommonSlot, res.Quality.Circles)
			}
			t.Logf("Kreis Düren %d of %d, %d circles: %d must share, %d do", count["Kreis Düren"], len(people), len(res.Circles), bound, excess)
		})
	}
}

func TestSlotsThatDoNotOverlap(t *testing.T) {
	t.Run("two groups, one person too many for the morning", func(t *testing.T) {
		// 7 can only meet Monday morning, 5 only Friday afternoon; 3 circles of 4. The best is
		// one circle of four Friday people and one mixed circle with a single person missing.
		var people []Person
		for i := range 7 {
			people = append(people, person(fmt.Sprintf("m%d", i), fmt.Sprintf("Stadt %d", i), "mo-am"))
		}
		for i := range 5 {
			people = append(people, person(fmt.Sprintf("f%d", i), fmt.Sprintf("Kreis %d", i), "fr-pm"))
		}
		res, err := Match(people, Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, people, Options{}, res)
		var details []string
		for _, c := range res.Circles {
			for _, is := range c.Issues {
				if is.Kind != KindNoCommonSlot {
					t.Errorf("unexpected issue %s: %s", is.Kind, is.Detail)
				}
				details = append(details, is.Detail)
			}
		}
		if len(details) != 1 || !strings.Contains(details[0], "suits 3, not Name ") {
			t.Errorf("issues %q, want one circle where one person misses the slot", details)
		}
		if res.Quality.Cost != WeightMissingSlot {
			t.Errorf("cost %v, want %d", res.Quality.Cost, WeightMissingSlot)
		}
	})
	t.Run("nobody shares a slot", func(t *testing.T) {
		var people []Person
		for i := range 8 {
			people = append(people, person(fmt.Sprintf("p%d", i), fmt.Sprintf("Stadt %d", i), allSlots[i]))
		}
		res, err := Match(people, Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, people, Options{}, res)
		for _, c := range res.Circles {
			if c.Slot != "" || len(c.Issues) != 1 || c.Issues[0].Kind != KindNoCommonSlot {
				t.Errorf("circle at %q with issues %+v, want no slot and one no-common-slot issue", c.Slot, c.Issues)
				continue
			}
			if !strings.Contains(c.Issues[0].Detail, "nobody else in region Rheinland is available when") {
				t.Errorf("issue %q does not explain that the slots are unique", c.Issues[0].Detail)
			}
		}
	})
}

func TestWaitlist(t *testing.T) {
	for _, tc := range []struct {
		name       string
		n          int
		opts       Options
		waitlisted int
		reason     string
	}{
		{"region too small", 3, Options{}, 3, "region Rheinland has only 3 people; a circle needs at least 4"},
		{"one person", 1, Options{}, 1, "region Rheinland has only 1 person; a circle needs at least 4"},
		{"exactly one circle", 4, Options{}, 0, ""},
		{"six cannot be split into 4–5", 6, Options{}, 1, "region Rheinland has 6 people; circles of 4–5 can hold 5 of them, so 1 waits"},
		{"seven cannot be split into 4–5", 7, Options{}, 2, "can hold 5 of them, so 2 wait for the next round"},
		{"eleven", 11, Options{}, 1, "can hold 10 of them"},
		{"twelve fits", 12, Options{}, 0, ""},
		{"fixed size 4", 10, Options{MinSize: 4, MaxSize: 4}, 2, "circles of 4 can hold 8 of them"},
		{"circles of 3–4 take five? no", 5, Options{MinSize: 3, MaxSize: 4}, 1, "circles of 3–4 can hold 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var people []Person
			for i := range tc.n {
				people = append(people, person(fmt.Sprintf("p%02d", i), fmt.Sprintf("Stadt %d", i), "mi-am"))
			}
			res, err := Match(people, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, people, tc.opts, res)
			if len(res.Waitlist) != tc.waitlisted {
				t.Fatalf("%d waitlisted, want %d", len(res.Waitlist), tc.waitlisted)
			}
			for _, p := range res.Waitlist {
				if !strings.Contains(res.WaitReason[p.ID], tc.reason) {
					t.Errorf("reason %q, want it to contain %q", res.WaitReason[p.ID], tc.reason)
				}
			}
		})
	}
}

// TestSizes runs every region size from 1 to 60 with several size options and checks the
// invariants, and that exactly the unavoidable number of people wait. (The regions can be
// matched perfectly, so the search ends early; the hard cases are tested elsewhere.)
func TestSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, opts := range []Options{{}, {MinSize: 3, MaxSize: 4}, {MinSize: 4, MaxSize: 4}, {MinSize: 5, MaxSize: 7}, {MinSize: 3, MaxSize: 12}} {
		for n := 1; n <= 60; n++ {
			var people []Person
			for i := range n {
				people = append(people, Person{ID: fmt.Sprintf("p%02d", i), Name: fmt.Sprint(i), Region: "R",
					Municipality: fmt.Sprintf("M%d", i), Slots: []string{"mi-am", allSlots[rng.IntN(15)]}})
			}
			res, err := Match(people, opts)
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, people, opts, res)
			o, _ := opts.withDefaults()
			want := n
			if n >= o.MinSize {
				want = n - placeableCount(n, o.MinSize, o.MaxSize)
			}
			if len(res.Waitlist) != want {
				t.Errorf("%+v, %d people: %d waitlisted, want %d", opts, n, len(res.Waitlist), want)
			}
		}
	}
}

func TestDeterminism(t *testing.T) {
	// Two large regions (more than smallRegion people) and a small one, none of which can be
	// matched perfectly, so every stage of the search runs.
	people := generate(5, genConfig{People: 2400, Regions: 2, Munis: 20, MinSlots: 1, MaxSlots: 3, MuniSkew: 1.2, Roles: true, FormerShare: 0.4, Slots: 6})
	small := generate(6, genConfig{People: 30, Regions: 1, Munis: 6, MinSlots: 1, MaxSlots: 3, MuniSkew: 1, Roles: true, Slots: 5})
	for i := range small {
		small[i].ID = fmt.Sprintf("small%02d", i)
		small[i].Region = "Small"
	}
	people = append(people, small...)
	opts := Options{Seed: 42}
	want, err := Match(people, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, people, opts, want)
	if want.Quality.Cost == 0 {
		t.Fatal("instance too easy to show anything: cost 0")
	}

	again, _ := Match(people, opts)
	if !reflect.DeepEqual(want, again) {
		t.Error("same input and seed, different result")
	}
	// The same on one core as on several: regions run in parallel, but results land by name.
	procs := runtime.GOMAXPROCS(1)
	single, _ := Match(people, opts)
	runtime.GOMAXPROCS(procs)
	if !reflect.DeepEqual(want, single) {
		t.Error("one core, different result")
	}
	shuffled := slices.Clone(people)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	if got, _ := Match(shuffled, opts); !reflect.DeepEqual(want, got) {
		t.Error("shuffled input, different result")
	}
	differs := false
	for seed := range int64(3) {
		if got, _ := Match(people, Options{Seed: seed}); !reflect.DeepEqual(want.Circles, got.Circles) {
			differs = true
		}
	}
	if !differs {
		t.Error("three other seeds all gave the same circles; the seed has no effect")
	}
}

func TestRepeatPartnersEndUpApart(t *testing.T) {
	t.Run("small", func(t *testing.T) {
		// Ten people who could all meet; the first five were a circle before, and so were the
		// last five. The new circles must mix them.
		var people []Person
		for i := range 10 {
			p := person(fmt.Sprintf("p%d", i), fmt.Sprintf("Stadt %d", i), "di-am")
			for j := i + 1; j < i/5*5+5; j++ {
				// Only one of each pair names the other: either side is enough.
				p.Former = append(p.Former, fmt.Sprintf("p%d", j))
			}
			people = append(people, p)
		}
		res, err := Match(people, Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, people, Options{}, res)
		// Two circles of five from two former circles of five: at best 2+3 of each former
		// circle split, i.e. 1+3 = 4 repeat pairs per new circle; anything is at least 8.
		if res.Quality.RepeatPairs != 8 {
			t.Errorf("%d repeat pairs, want the minimum 8", res.Quality.RepeatPairs)
		}
	})
	t.Run("a pair, in a region with room", func(t *testing.T) {
		var people []Person
		for i := range 20 {
			people = append(people, person(fmt.Sprintf("p%02d", i), fmt.Sprintf("Stadt %d", i), "di-am mi-pm"))
		}
		people[3].Former = []string{"p07"}
		people[11].Former = []string{"p12", "p13"}
		res, err := Match(people, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range res.Circles {
			if len(c.Issues) > 0 {
				t.Errorf("issues %+v", c.Issues)
			}
		}
	})
}

func TestRoles(t *testing.T) {
	var people []Person
	for i := range 20 {
		p := person(fmt.Sprintf("p%02d", i), fmt.Sprintf("Stadt %d", i), "di-am")
		p.Role = "planung"
		if i%5 == 0 {
			p.Role = "leitung"
		}
		people = append(people, p)
	}
	res, err := Match(people, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Quality.MixedRoles != len(res.Circles) || res.Quality.Cost != 0 {
		t.Errorf("%d of %d circles mixed, cost %v; four leaders for four circles should mix all", res.Quality.MixedRoles, len(res.Circles), res.Quality.Cost)
	}
	// A region with one role only: single-role circles cost nothing there.
	for i := range people {
		people[i].Role = "planung"
	}
	if res, _ := Match(people, Options{}); res.Quality.Cost != 0 {
		t.Errorf("cost %v in a single-role region, want 0", res.Quality.Cost)
	}
}

func TestErrors(t *testing.T) {
	ok := []Person{person("a", "X", "mo-am")}
	for _, tc := range []struct {
		name   string
		people []Person
		opts   Options
		want   string
	}{
		{"minimum below 3", ok, Options{MinSize: 2, MaxSize: 5}, "too small"},
		{"maximum below minimum", ok, Options{MinSize: 5, MaxSize: 4}, "below the minimum"},
		{"maximum too large", ok, Options{MinSize: 4, MaxSize: 13}, "too large"},
		{"duplicate id", []Person{person("a", "X", ""), person("b", "Y", ""), person("a", "Z", "")}, Options{}, `duplicate id "a"`},
		{"empty id", []Person{person("", "X", "")}, Options{}, "empty id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Match(tc.people, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := Match(nil, Options{}); err != nil {
		t.Errorf("no people: %v", err)
	}
}

func TestOptionDefaults(t *testing.T) {
	for _, tc := range []struct{ in, want Options }{
		{Options{}, Options{MinSize: 4, MaxSize: 5}},
		{Options{MaxSize: 6}, Options{MinSize: 4, MaxSize: 6}},
		{Options{MaxSize: 3}, Options{MinSize: 3, MaxSize: 3}},
		{Options{MinSize: 6}, Options{MinSize: 6, MaxSize: 6}},
		{Options{MinSize: 3}, Options{MinSize: 3, MaxSize: 5}},
	} {
		if got, err := tc.in.withDefaults(); err != nil || got != tc.want {
			t.Errorf("%+v: got %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in     string
		lo, hi int
		err    string
	}{
		{"4-5", 4, 5, ""},
		{"4", 4, 4, ""},
		{" 3 - 6 ", 3, 6, ""},
		{"4–5", 4, 5, ""},
		{"2-5", 0, 0, "too small"},
		{"5-4", 0, 0, "below the minimum"},
		{"4-20", 0, 0, "too large"},
		{"vier", 0, 0, "want a number or a range"},
		{"4-", 0, 0, "want a number or a range"},
		{"", 0, 0, "want a number or a range"},
	} {
		lo, hi, err := ParseSize(tc.in)
		if tc.err == "" && (err != nil || lo != tc.lo || hi != tc.hi) {
			t.Errorf("ParseSize(%q) = %d, %d, %v; want %d, %d", tc.in, lo, hi, err, tc.lo, tc.hi)
		}
		if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ParseSize(%q) error %v, want %q", tc.in, err, tc.err)
		}
	}
}

func TestCost(t *testing.T) {
	a := Person{ID: "a", Municipality: "X", Role: "planung", Slots: []string{"mo-am", "di-am"}}
	b := Person{ID: "b", Municipality: "Y", Role: "planung", Slots: []string{"di-am", "mo-am"}}
	c := Person{ID: "c", Municipality: "X", Role: "leitung", Slots: []string{"fr-pm"}, Former: []string{"a"}}
	d := Person{ID: "d", Municipality: "Z", Role: "", Slots: []string{"di-am"}}
	for _, tc := range []struct {
		name    string
		members []Person
		slot    string
		want    float64
	}{
		{"all fine, one role", []Person{a, b}, "mo-am", WeightSingleRole},
		{"best slot chosen for empty slot", []Person{a, b, d}, "", 0},
		{"a member misses the given slot", []Person{a, b, d}, "mo-am", WeightMissingSlot},
		{"same municipality, repeat pair, slot", []Person{a, c}, "", WeightSameMunicipality + WeightRepeatPair + WeightMissingSlot},
		{"slot nobody has", []Person{a, b}, "fr-am", 2*WeightMissingSlot + WeightSingleRole},
		{"unknown role does not count as a role", []Person{d, d}, "di-am", WeightSameMunicipality},
	} {
		if got := Cost(tc.members, tc.slot); got != tc.want {
			t.Errorf("%s: Cost = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSlotOrder(t *testing.T) {
	slots := []string{"zz", "fr-pm", "mo-mid", "mo-am", "di-am", "aa", "mo-pm"}
	slices.SortFunc(slots, compareSlots)
	if want := []string{"mo-am", "mo-mid", "mo-pm", "di-am", "fr-pm", "aa", "zz"}; !slices.Equal(slots, want) {
		t.Errorf("sorted %v, want %v", slots, want)
	}
	// The common slot on ties: earliest in the week.
	people := []Person{person("a", "A", "fr-am mi-pm di-mid"), person("b", "B", "di-mid fr-am mi-pm"),
		person("c", "C", "mi-pm fr-am di-mid"), person("d", "D", "di-mid mi-pm fr-am")}
	res, _ := Match(people, Options{})
	if len(res.Circles) != 1 || res.Circles[0].Slot != "di-mid" {
		t.Errorf("circles %+v, want one at di-mid", res.Circles)
	}
}

func TestReport(t *testing.T) {
	q := Quality{People: 12, Circles: 2, Waitlisted: 2, CrossMunicipal: 2, WithCommonSlot: 1, FullyValid: 1, RepeatPairs: 1, MixedRoles: 2, Cost: 550}
	got := q.Report()
	for _, want := range []string{"people:           12 (10 in circles, 2 waitlisted)", "fully valid:      1 (50.0%)", "repeat pairs:     1", "cost:             550"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "\n") < 6 {
		t.Errorf("report is not multi-line:\n%s", got)
	}
}
