package match

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
)

// optimum is the lowest total Cost of any partition of people (at most 16) into circles of
// lo..hi members, each at its best slot: dynamic programming over subsets, where a subset's
// optimum is the best circle containing its lowest member plus the optimum of the rest.
func optimum(people []Person, lo, hi int) float64 {
	n := len(people)
	full := 1<<n - 1
	circle := make([]float64, full+1)
	for s := range circle {
		if k := bits.OnesCount(uint(s)); k >= lo && k <= hi {
			var c []Person
			for i := range n {
				if s&(1<<i) != 0 {
					c = append(c, people[i])
				}
			}
			circle[s] = Cost(c, "")
		}
	}
	best := make([]float64, full+1)
	for s := 1; s <= full; s++ {
		best[s] = math.Inf(1)
		low := s & -s
		rest := s &^ low
		// Enumerate the subsets of rest; each, with low, is a candidate circle.
		for sub := rest; ; sub = (sub - 1) & rest {
			b := sub | low
			if k := bits.OnesCount(uint(b)); k >= lo && k <= hi {
				best[s] = min(best[s], circle[b]+best[s&^b])
			}
			if sub == 0 {
				break
			}
		}
	}
	return best[full]
}

// smallInstance is a little region, from very tight (two municipalities, three slots) to
// roomy (eight municipalities, eight slots), with some former partners, so that the optimum
// is often above zero and the matcher has to choose well.
func smallInstance(rng *rand.Rand, n int) []Person {
	munis := 2 + rng.IntN(7)
	slots := allSlots[:3+rng.IntN(6)]
	roles := []string{"planung", "leitung", "fachdienst"}
	people := make([]Person, n)
	for i := range people {
		p := Person{ID: fmt.Sprintf("s%02d", i), Name: fmt.Sprintf("Small %d", i), Region: "R",
			Municipality: fmt.Sprintf("M%d", rng.IntN(munis)), Role: roles[rng.IntN(len(roles))]}
		for range 1 + rng.IntN(3) {
			if s := slots[rng.IntN(len(slots))]; !slices.Contains(p.Slots, s) {
				p.Slots = append(p.Slots, s)
			}
		}
		people[i] = p
	}
	for range rng.IntN(n) {
		a, b := rng.IntN(n), rng.IntN(n)
		if a != b {
			people[a].Former = append(people[a].Former, people[b].ID)
		}
	}
	// Cost assumes a region with several roles; make sure this one has them.
	people[0].Role, people[1].Role = "planung", "leitung"
	return people
}

// TestExhaustiveOptimum compares the matcher with the exhaustive optimum on 200 random small
// regions (8 to 12 people, circles of 4–5) and logs the quality ratio.
func TestExhaustiveOptimum(t *testing.T) {
	for _, stage := range []struct {
		name    string
		depth   int     // searchDepth
		optimal int     // instances (of 200) that must reach the optimum
		ratio   float64 // bound on total cost / total optimum
	}{
		{"matcher", 2, 196, 1.01},
		{"construction and repair only (the first stages of a large region)", 1, 150, 1.1},
		{"construction only", 0, 0, 2},
	} {
		t.Run(stage.name, func(t *testing.T) {
			defer func(old int) { searchDepth = old }(searchDepth)
			searchDepth = stage.depth
			exhaustive(t, stage.optimal, stage.ratio)
		})
	}
}

func exhaustive(t *testing.T, wantOptimal int, wantRatio float64) {
	rng := rand.New(rand.NewPCG(7, 7))
	sizes := []int{8, 9, 10, 12}
	const instances = 200
	var optimal, sumMatch, sumOpt int
	var ratios []float64
	for i := range instances {
		people := smallInstance(rng, sizes[i%len(sizes)])
		opt := optimum(people, 4, 5)
		res, err := Match(people, Options{Seed: int64(i)})
		if err != nil {
			t.Fatal(err)
		}
		got := 0.0
		for _, c := range res.Circles {
			got += Cost(c.Members, c.Slot)
		}
		if got != res.Quality.Cost {
			t.Fatalf("instance %d: Quality.Cost %v, but the circles' Cost sums to %v", i, res.Quality.Cost, got)
		}
		if got < opt {
			t.Fatalf("instance %d: matcher %v below the optimum %v: the enumeration is wrong", i, got, opt)
		}
		if got == opt {
			optimal++
		}
		if opt > 0 {
			ratios = append(ratios, got/opt)
		}
		sumMatch += int(got)
		sumOpt += int(opt)
	}
	mean := 0.0
	for _, r := range ratios {
		mean += r
	}
	mean /= float64(len(ratios))
	total := float64(sumMatch) / float64(sumOpt)
	t.Logf("%d instances of 8–12 people: optimal in %d (%.1f%%); mean ratio matcher/optimum %.4f over the %d with optimum > 0; total cost ratio %.4f (%d / %d)",
		instances, optimal, 100*float64(optimal)/instances, mean, len(ratios), total, sumMatch, sumOpt)
	if optimal < wantOptimal || total > wantRatio {
		t.Errorf("matcher too far from the optimum: optimal in %d of %d (want %d), total ratio %.4f (want <= %.2f)",
			optimal, instances, wantOptimal, total, wantRatio)
	}
}
