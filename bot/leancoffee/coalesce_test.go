package leancoffee

import (
	"sync"
	"testing"
	"time"
)

// TestCoalescerSendsIncreasingVersionsEndingWithNewest hammers one board with versions in
// random order from many goroutines: what is sent must increase and end with the newest.
func TestCoalescerSendsIncreasingVersionsEndingWithNewest(t *testing.T) {
	for range 20 {
		c := newCoalescer()
		var mu sync.Mutex
		var sent []int64
		var wg sync.WaitGroup
		for v := int64(1); v <= 200; v++ {
			wg.Go(func() {
				_ = c.submit("b", v, func() error {
					time.Sleep(10 * time.Microsecond) // a slow chat call lets others queue up
					mu.Lock()
					defer mu.Unlock()
					sent = append(sent, v)
					return nil
				})
			})
		}
		wg.Wait()
		for i := 1; i < len(sent); i++ {
			if sent[i] <= sent[i-1] {
				t.Fatalf("version %d sent after %d", sent[i], sent[i-1])
			}
		}
		if last := sent[len(sent)-1]; last != 200 {
			t.Fatalf("last version sent %d, want 200", last)
		}
	}
}
