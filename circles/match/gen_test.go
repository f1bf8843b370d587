package match

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// genConfig describes a random enrolment for tests and benchmarks.
type genConfig struct {
	People, Regions, Munis int
	MinSlots, MaxSlots     int     // slots per person, drawn uniformly
	MuniSkew               float64 // sigma of log-normal municipality sizes; 0 = all equal
	Slots                  int     // how many of the 15 week slots are in use (0 = all)
	Roles                  bool    // give people roles ("planung" most often)
	FormerShare            float64 // share of people with partners from an earlier round
}

// realistic is the shape of the benchmarks: municipality sizes vary (a few large cities and
// districts, many small towns), people give 2–5 slots, mid-week mornings are popular,
// roles are mixed and a fifth of people were in a circle before.
func realistic(people int) genConfig {
	return genConfig{People: people, Regions: 16, Munis: 400, MinSlots: 2, MaxSlots: 5,
		MuniSkew: 0.7, Roles: true, FormerShare: 0.2}
}

var allSlots = func() []string {
	var s []string
	for _, d := range weekdays {
		for _, p := range dayparts {
			s = append(s, d+"-"+p)
		}
	}
	return s
}()

// generate draws people for cfg; the same seed gives the same people.
func generate(seed uint64, cfg genConfig) []Person {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	slots := allSlots
	if cfg.Slots > 0 {
		slots = slots[:cfg.Slots]
	}
	// Slot popularity: Tuesday to Thursday mornings are easy, Friday afternoons are not.
	dayW := map[string]float64{"mo": 0.8, "di": 1.2, "mi": 1.2, "do": 1.1, "fr": 0.5}
	partW := map[string]float64{"am": 1.3, "mid": 0.8, "pm": 1.0}
	slotW := make([]float64, len(slots))
	for i, s := range slots {
		slotW[i] = dayW[s[:2]] * partW[s[3:]]
	}
	muniW := make([]float64, cfg.Munis)
	for i := range muniW {
		muniW[i] = math.Exp(cfg.MuniSkew * rng.NormFloat64())
	}
	cum := cumulative(muniW)
	roles := []string{"planung", "planung", "planung", "leitung", "fachdienst"}

	people := make([]Person, cfg.People)
	for i := range people {
		m := sort.SearchFloat64s(cum, rng.Float64()*cum[len(cum)-1])
		p := Person{
			ID:           fmt.Sprintf("p%06d", i),
			Name:         fmt.Sprintf("Person %d", i),
			Municipality: fmt.Sprintf("Kommune %03d", m),
			Region:       fmt.Sprintf("Region %02d", m%cfg.Regions),
		}
		if cfg.Roles {
			p.Role = roles[rng.IntN(len(roles))]
		}
		k := min(cfg.MinSlots+rng.IntN(cfg.MaxSlots-cfg.MinSlots+1), len(slots))
		for len(p.Slots) < k {
			s := slots[pick(rng, slotW)]
			if !slices.Contains(p.Slots, s) {
				p.Slots = append(p.Slots, s)
			}
		}
		people[i] = p
	}
	// An earlier round: a share of each region's people, cut into groups of five.
	if cfg.FormerShare > 0 {
		byRegion := map[string][]int{}
		for i, p := range people {
			byRegion[p.Region] = append(byRegion[p.Region], i)
		}
		for r := range cfg.Regions {
			idx := byRegion[fmt.Sprintf("Region %02d", r)]
			rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
			idx = idx[:int(float64(len(idx))*cfg.FormerShare)]
			for g := 0; g+5 <= len(idx); g += 5 {
				for _, a := range idx[g : g+5] {
					for _, b := range idx[g : g+5] {
						if a != b {
							people[a].Former = append(people[a].Former, people[b].ID)
						}
					}
				}
			}
		}
	}
	return people
}

func cumulative(w []float64) []float64 {
	c := make([]float64, len(w))
	sum := 0.0
	for i, x := range w {
		sum += x
		c[i] = sum
	}
	return c
}

func pick(rng *rand.Rand, w []float64) int {
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	t := rng.Float64() * sum
	for i, x := range w {
		if t < x {
			return i
		}
		t -= x
	}
	return len(w) - 1
}

var extraMin = 1 // extra slots per planted person, at least

// planted draws a region that certainly has a perfect matching: it first draws circles of
// size members — distinct municipalities, one shared slot, mixed roles — and then hides them:
// everyone gets extra slots, former partners come only from other circles, and the ids are
// assigned in random order.
func planted(seed uint64, region string, circles, size, munis int, skew float64) []Person {
	rng := rand.New(rand.NewPCG(seed, 0x91a7))
	muniW := make([]float64, munis)
	for i := range muniW {
		muniW[i] = math.Exp(skew * rng.NormFloat64())
	}
	slotW := make([]float64, len(allSlots))
	for i := range slotW {
		slotW[i] = 0.5 + rng.Float64()
	}
	roles := []string{"planung", "leitung", "fachdienst"}
	var people []Person
	var circleOf []int
	for c := range circles {
		slot := allSlots[pick(rng, slotW)]
		var used []int
		for i := range size {
			m := pick(rng, muniW)
			for slices.Contains(used, m) {
				m = rng.IntN(munis)
			}
			used = append(used, m)
			p := Person{Name: fmt.Sprintf("%s %d.%d", region, c, i), Region: region,
				Municipality: fmt.Sprintf("%s Kommune %02d", region, m), Role: roles[min(i, 1+rng.IntN(2))],
				Slots: []string{slot}}
			for range extraMin + rng.IntN(4-extraMin) {
				if s := allSlots[pick(rng, slotW)]; !slices.Contains(p.Slots, s) {
					p.Slots = append(p.Slots, s)
				}
			}
			rng.Shuffle(len(p.Slots), func(a, b int) { p.Slots[a], p.Slots[b] = p.Slots[b], p.Slots[a] })
			people = append(people, p)
			circleOf = append(circleOf, c)
		}
	}
	ids := rng.Perm(len(people))
	for i := range people {
		people[i].ID = fmt.Sprintf("%s-%05d", region, ids[i])
	}
	for range len(people) / 2 {
		a, b := rng.IntN(len(people)), rng.IntN(len(people))
		if circleOf[a] != circleOf[b] {
			people[a].Former = append(people[a].Former, people[b].ID)
		}
	}
	return people
}
