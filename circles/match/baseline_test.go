package match

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomAssignment is the baseline: each region's people shuffled and cut into circles of
// the same balanced sizes the matcher uses (the fewest circles that fit), each meeting at the
// slot most of its members can make.
func randomAssignment(people []Person, opts Options, seed uint64) Quality {
	opts, _ = opts.withDefaults()
	rng := rand.New(rand.NewPCG(seed, 1))
	byRegion := map[string][]Person{}
	for _, p := range people {
		byRegion[p.Region] = append(byRegion[p.Region], p)
	}
	names := make([]string, 0, len(byRegion))
	for name := range byRegion {
		names = append(names, name)
	}
	slices.Sort(names)
	q := Quality{People: len(people)}
	for _, name := range names {
		ps := byRegion[name]
		slices.SortFunc(ps, func(a, b Person) int { return cmp.Compare(a.ID, b.ID) })
		rng.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
		if len(ps) < opts.MinSize {
			q.Waitlisted += len(ps)
			continue
		}
		m := placeableCount(len(ps), opts.MinSize, opts.MaxSize)
		q.Waitlisted += len(ps) - m
		for _, size := range balancedSizes(m, (m+opts.MaxSize-1)/opts.MaxSize) {
			c := ps[:size]
			ps = ps[size:]
			q.Circles++
			q.Cost += Cost(c, "")
			cross, common := true, true
			for i, a := range c {
				for _, b := range c[i+1:] {
					cross = cross && a.Municipality != b.Municipality
				}
			}
			if slot := bestSlot(c); slot == "" {
				common = false
			} else {
				for _, p := range c {
					common = common && slices.Contains(p.Slots, slot)
				}
			}
			if cross {
				q.CrossMunicipal++
			}
			if common {
				q.WithCommonSlot++
			}
			if cross && common {
				q.FullyValid++
			}
		}
	}
	return q
}

// TestRandomBaseline compares the matcher with a random assignment on realistic enrolments
// and logs how many circles each makes fully cross-municipal with a common slot.
func TestRandomBaseline(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  genConfig
	}{
		{"10,000 people, 16 regions, 400 municipalities, 2–5 slots", realistic(10_000)},
		{"one region of 200 people in 12 municipalities", genConfig{People: 200, Regions: 1, Munis: 12, MinSlots: 2, MaxSlots: 5, MuniSkew: 0.5, Roles: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			people := generate(4, tc.cfg)
			random := randomAssignment(people, Options{}, 4)
			res, err := Match(people, Options{Seed: 4})
			if err != nil {
				t.Fatal(err)
			}
			m := res.Quality
			pct := func(n, of int) float64 { return 100 * float64(n) / float64(of) }
			t.Logf("random:  %5d of %5d circles fully valid (%.1f%%): cross-municipal %d, common slot %d, cost %.0f",
				random.FullyValid, random.Circles, pct(random.FullyValid, random.Circles), random.CrossMunicipal, random.WithCommonSlot, random.Cost)
			t.Logf("matcher: %5d of %5d circles fully valid (%.1f%%): cross-municipal %d, common slot %d, cost %.0f",
				m.FullyValid, m.Circles, pct(m.FullyValid, m.Circles), m.CrossMunicipal, m.WithCommonSlot, m.Cost)
			if m.FullyValid <= random.FullyValid || m.Cost >= random.Cost {
				t.Errorf("the matcher is no better than chance")
			}
		})
	}
}
