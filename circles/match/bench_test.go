package match

import (
	"sync"
	"testing"
	"time"
)

// benchPeople caches the generated enrolments, so benchmarks time matching only.
var benchPeople = sync.OnceValues(func() ([]Person, []Person) {
	return generate(10, realistic(10_000)), generate(100, realistic(100_000))
})

func benchmarkMatch(b *testing.B, people []Person) {
	b.ReportAllocs()
	var q Quality
	for i := 0; b.Loop(); i++ {
		res, err := Match(people, Options{Seed: int64(i)})
		if err != nil {
			b.Fatal(err)
		}
		q = res.Quality
	}
	b.ReportMetric(float64(q.Circles-q.FullyValid), "invalid-circles")
}

// BenchmarkMatch10k: 10,000 people, 400 municipalities (sizes vary), 16 regions, 2–5 slots each.
func BenchmarkMatch10k(b *testing.B) {
	p10k, _ := benchPeople()
	benchmarkMatch(b, p10k)
}

// BenchmarkMatch100k: the same shape with 100,000 people; must stay under 2 s.
func BenchmarkMatch100k(b *testing.B) {
	_, p100k := benchPeople()
	benchmarkMatch(b, p100k)
}

// TestScaling times 10k and 100k people (best of three each), logs the ratio and checks
// 100k against the 2-second target. Timing means little under the race detector or with
// -short, so it is skipped there.
func TestScaling(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("timing test: skipped under -race and -short")
	}
	p10k, p100k := benchPeople()
	best := func(people []Person) time.Duration {
		var d time.Duration
		for i := range 3 {
			start := time.Now()
			if _, err := Match(people, Options{Seed: int64(i)}); err != nil {
				t.Fatal(err)
			}
			if e := time.Since(start); i == 0 || e < d {
				d = e
			}
		}
		return d
	}
	d10k, d100k := best(p10k), best(p100k)
	t.Logf("10k people %v, 100k people %v: ratio %.1f (10 would be linear)", d10k, d100k, float64(d100k)/float64(d10k))
	if d100k > 2*time.Second {
		t.Errorf("100k people took %v, want under 2 s", d100k)
	}
}
