package storage_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

// chatLatency is what the benchmarks assume a chat API call takes.
const chatLatency = 50 * time.Millisecond

// lagObserver collects the lag of every handler start.
type lagObserver struct {
	mu   sync.Mutex
	lags []time.Duration
}

func (o *lagObserver) TimerFired(_ string, lag time.Duration, _ error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.lags = append(o.lags, lag)
}

// percentile is the p-th percentile (0 < p ≤ 100) of ds, which it sorts.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(float64(len(ds))*p/100+0.5) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

// BenchmarkTimeboxesDueAtOnce: 1,000 Lean Coffee timeboxes fall due at the same moment on one
// replica with production defaults. Each handler does what a timebox does: one Redis round
// trip (the transition script) and two chat calls (announce, board update) of 50 ms each.
// It reports the lag of the handler starts (start minus due, Redis' clock): p50-ms, p99-ms,
// max-ms (aim: p99 < 2 s).
//
//	go test -run '^$' -bench BenchmarkTimeboxesDueAtOnce -benchtime 1x ./storage
func BenchmarkTimeboxesDueAtOnce(b *testing.B) {
	const n = 1000
	var all []time.Duration
	for range b.N {
		b.StopTimer()
		s := redistest.Store(b)
		obs := &lagObserver{}
		tm := storage.NewTimers(s, storage.TimerOptions{Observer: obs, Logger: zerolog.Nop()})
		var done atomic.Int32
		tm.Handle("bench.timebox", func(ctx context.Context, timer storage.Timer) error {
			if err := s.Client.HIncrBy(ctx, s.Key("bench", "{round}"), timer.ID, 1).Err(); err != nil {
				return err
			}
			time.Sleep(chatLatency) // announce
			time.Sleep(chatLatency) // board update
			done.Add(1)
			return nil
		})
		due := time.Now().Add(500 * time.Millisecond)
		timers := make([]storage.Timer, n)
		for i := range timers {
			timers[i] = storage.Timer{ID: fmt.Sprint("tb", i), Kind: "bench.timebox", Due: due}
		}
		if err := tm.ScheduleMany(context.Background(), timers); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() { defer close(stopped); _ = tm.Run(ctx) }()
		b.StartTimer()
		for done.Load() < n {
			time.Sleep(5 * time.Millisecond)
		}
		b.StopTimer()
		cancel()
		<-stopped
		obs.mu.Lock()
		all = append(all, obs.lags...)
		obs.mu.Unlock()
	}
	b.ReportMetric(float64(percentile(all, 50).Milliseconds()), "p50-ms")
	b.ReportMetric(float64(percentile(all, 99).Milliseconds()), "p99-ms")
	b.ReportMetric(float64(percentile(all, 100).Milliseconds()), "max-ms")
}

// BenchmarkNoopTimers10k: 10,000 no-op timers due at once, run by the loop with production
// defaults, against the raw rate of the same Redis claiming them 32 at a time and
// acknowledging each batch in one pipeline, with no loop around it. Both in one run:
//
//	loop-timers/s  the loop's throughput (first claim → last ack)
//	raw-timers/s   the raw claim+ack rate
//	ratio          loop / raw (aim ≥ 0.5)
//
//	go test -run '^$' -bench BenchmarkNoopTimers10k -benchtime 1x ./storage
func BenchmarkNoopTimers10k(b *testing.B) {
	const n = 10_000
	var loopTime, rawTime time.Duration
	schedule := func(tm *storage.Timers, prefix string) {
		due := time.Now().Add(-time.Second)
		timers := make([]storage.Timer, n)
		for i := range timers {
			timers[i] = storage.Timer{ID: prefix + fmt.Sprint(i), Kind: "bench.noop", Due: due}
		}
		if err := tm.ScheduleMany(context.Background(), timers); err != nil {
			b.Fatal(err)
		}
	}
	for range b.N {
		b.StopTimer()
		s := redistest.Store(b)

		// Raw: claim and ack, nothing else.
		raw := storage.NewTimers(s, storage.TimerOptions{Logger: zerolog.Nop()})
		schedule(raw, "r")
		ctx := context.Background()
		b.StartTimer()
		start := time.Now()
		for got := 0; got < n; {
			cs, err := raw.ClaimLaneForTest(ctx, storage.LaneInteractive, 32)
			if err != nil {
				b.Fatal(err)
			}
			if err := raw.AckAllForTest(ctx, cs); err != nil {
				b.Fatal(err)
			}
			got += len(cs)
		}
		rawTime += time.Since(start)
		b.StopTimer()

		// The loop, production defaults.
		tm := storage.NewTimers(s, storage.TimerOptions{Logger: zerolog.Nop()})
		var handled atomic.Int32
		tm.Handle("bench.noop", func(context.Context, storage.Timer) error { handled.Add(1); return nil })
		schedule(tm, "l")
		runCtx, cancel := context.WithCancel(ctx)
		stopped := make(chan struct{})
		b.StartTimer()
		start = time.Now()
		go func() { defer close(stopped); _ = tm.Run(runCtx) }()
		for {
			if handled.Load() == n {
				if p, _ := tm.Pending(ctx); p == 0 {
					break
				}
			}
			time.Sleep(time.Millisecond)
		}
		loopTime += time.Since(start)
		b.StopTimer()
		cancel()
		<-stopped
	}
	loopRate := float64(b.N*n) / loopTime.Seconds()
	rawRate := float64(b.N*n) / rawTime.Seconds()
	b.ReportMetric(loopRate, "loop-timers/s")
	b.ReportMetric(rawRate, "raw-timers/s")
	b.ReportMetric(loopRate/rawRate, "ratio")
}
