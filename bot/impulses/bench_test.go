package impulses

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

// fakeChatServer is a local chat endpoint: it accepts posts as JSON after a latency, refuses a
// repeated idempotency key the way a platform does, and counts.
type fakeChatServer struct {
	latency    time.Duration // how long each post takes, like a real chat API
	mu         sync.Mutex
	keys       map[string]bool
	accepted   int
	duplicates int
}

type fakePost struct {
	Key, Channel, User, Text string
}

func (s *fakeChatServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var p fakePost
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	time.Sleep(s.latency)
	s.mu.Lock()
	if s.keys[p.Key] {
		s.duplicates++
	} else {
		s.keys[p.Key] = true
		s.accepted++
	}
	n := s.accepted
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"id":"p%d"}`, n)
}

func (s *fakeChatServer) counts() (accepted, duplicates int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted, s.duplicates
}

// httpChat is a minimal adapters.Chat that POSTs every post and direct message to url.
type httpChat struct {
	url    string
	client *http.Client
}

func (c *httpChat) send(ctx context.Context, p fakePost) (adapters.PostRef, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return adapters.PostRef{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return adapters.PostRef{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return adapters.PostRef{}, err
	}
	defer resp.Body.Close()
	var out struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return adapters.PostRef{}, err
	}
	return adapters.PostRef{Channel: p.Channel, ID: out.ID}, nil
}

func (c *httpChat) Post(ctx context.Context, channel string, msg adapters.Message) (adapters.PostRef, error) {
	return c.send(ctx, fakePost{Key: msg.Key, Channel: channel, Text: msg.Text})
}
func (c *httpChat) DirectMessage(ctx context.Context, user string, msg adapters.Message) (adapters.PostRef, error) {
	return c.send(ctx, fakePost{Key: msg.Key, User: user, Text: msg.Text})
}
func (*httpChat) Update(context.Context, adapters.PostRef, adapters.Message) error  { return nil }
func (*httpChat) Ephemeral(context.Context, string, string, adapters.Message) error { return nil }
func (*httpChat) CreatePrivateChannel(context.Context, string, string, []string) (string, error) {
	return "", nil
}
func (*httpChat) InviteToChannel(context.Context, string, []string) error { return nil }
func (*httpChat) LookupUser(_ context.Context, id string) (adapters.User, error) {
	return adapters.User{ID: id, Name: id}, nil
}

var _ adapters.Chat = (*httpChat)(nil)

// benchChatLatency is what a chat API call takes in the benchmarks: a fast real platform.
const benchChatLatency = 50 * time.Millisecond

// fanOutRig is one bot process with production timer settings, n subscribers and a local chat
// endpoint answering after benchChatLatency.
type fanOutRig struct {
	store  *storage.Store
	srv    *fakeChatServer
	ts     *httptest.Server
	chat   *httpChat
	timers *storage.Timers
	f      *Feature
	ids    []string
	cancel context.CancelFunc
	done   chan struct{}
}

func newFanOutRig(b *testing.B, n int, rate float64, obs storage.TimerObserver) *fanOutRig {
	r := &fanOutRig{store: redistest.Store(b)}
	r.srv = &fakeChatServer{latency: benchChatLatency, keys: make(map[string]bool, n)}
	r.ts = httptest.NewServer(r.srv)
	r.chat = &httpChat{url: r.ts.URL, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
	// Production settings: the defaults, as cmd/wolbot sets them.
	r.timers = storage.NewTimers(r.store, storage.TimerOptions{Logger: zerolog.Nop(), Observer: obs})
	var err error
	r.f, err = New(context.Background(), Options{Store: r.store, Chat: r.chat, Timers: r.timers, Library: testLibrary(b),
		Schedule: "@every 1h", Rate: rate, Location: berlin(b), Logger: zerolog.Nop()})
	if err != nil {
		b.Fatal(err)
	}
	r.ids = benchSubscribers(b, r.f, n)
	return r
}

// run starts the timer loop; stop ends it and the chat endpoint.
func (r *fanOutRig) run() {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan struct{})
	go func() {
		defer close(r.done)
		_ = r.timers.Run(ctx)
	}()
}

func (r *fanOutRig) stop() {
	r.cancel()
	<-r.done
	r.ts.Close()
}

// slot makes the slot timer due now.
func (r *fanOutRig) slot(b *testing.B, at time.Time) {
	if err := r.timers.Schedule(context.Background(), storage.Timer{ID: slotTimerID, Kind: SlotKind, Due: at, Payload: []byte("@every 1h")}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkFanOut10k delivers one slot to 10,000 subscribers through the whole path — slot
// timer, fan-out of 10,000 delivery timers, the Redis rate limiter (deliveries rescheduled to
// their send time), reserve, an HTTP post to a local chat endpoint answering in 50 ms, commit,
// statistics — with production timer settings, at a configured rate of 400 messages per
// second, and reports:
//
//	msgs/s      achieved messages per second (slot due → last post accepted)
//	ratio       achieved / configured rate (aim ≥ 0.95; the limiter never lets it exceed 1)
//	fanout-ms   how long the slot handler took to schedule the 10,000 delivery timers
//	duplicates  repeated posts the endpoint saw, plus archive entries beyond one (aim 0)
//	losses      subscribers without exactly this impulse (aim 0)
//
// Run (about 30 s):
//
//	go test -run '^$' -bench BenchmarkFanOut10k -benchtime 1x ./bot/impulses
func BenchmarkFanOut10k(b *testing.B) {
	const (
		subscribers = 10_000
		rate        = 400.0
	)
	var sumElapsed, sumFanOut time.Duration
	var dups, losses int
	for range b.N {
		b.StopTimer()
		r := newFanOutRig(b, subscribers, rate, nil)
		r.run()

		b.StartTimer()
		start := time.Now()
		r.slot(b, start)
		var fanOut time.Duration
		deadline := start.Add(time.Duration(3*subscribers/rate*float64(time.Second)) + 10*time.Second)
		for {
			if fanOut == 0 {
				if tm, _, _ := r.timers.Get(context.Background(), slotTimerID); tm.Due.After(start.Add(30 * time.Minute)) {
					fanOut = time.Since(start)
					n, _ := r.srv.counts()
					b.Logf("fan-out done after %v with %d delivered", fanOut, n)
				}
			}
			if n, _ := r.srv.counts(); n >= subscribers {
				break
			}
			if time.Now().After(deadline) {
				n, _ := r.srv.counts()
				b.Fatalf("only %d of %d delivered after %v", n, subscribers, time.Since(start))
			}
			time.Sleep(2 * time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()

		r.stop()
		accepted, d := r.srv.counts()
		dups += d
		losses += subscribers - accepted
		// The archives must agree: exactly one impulse each.
		cmds := make([]*redis.IntCmd, len(r.ids))
		_, err := r.store.Client.Pipelined(context.Background(), func(p redis.Pipeliner) error {
			for i, id := range r.ids {
				cmds[i] = p.ZCard(context.Background(), r.f.st.archiveKey(id))
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range cmds {
			switch n := c.Val(); {
			case n == 0:
				losses++
			case n > 1:
				dups += int(n - 1)
			}
		}
		sumElapsed += elapsed
		sumFanOut += fanOut
	}
	perSec := float64(b.N*subscribers) / sumElapsed.Seconds()
	b.ReportMetric(perSec, "msgs/s")
	b.ReportMetric(perSec/rate, "ratio")
	b.ReportMetric(float64(sumFanOut.Milliseconds())/float64(b.N), "fanout-ms")
	b.ReportMetric(float64(dups), "duplicates")
	b.ReportMetric(float64(losses), "losses")
}

// kindLags collects the lag of one timer kind's handler starts.
type kindLags struct {
	kind string
	mu   sync.Mutex
	lags []time.Duration
}

func (o *kindLags) TimerFired(kind string, lag time.Duration, _ error) {
	if kind != o.kind {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.lags = append(o.lags, lag)
}

// BenchmarkTimeboxBehindFanOut: a Lean Coffee timebox falls due every 25 ms for 8 s while one
// slot fans out to 10,000 subscribers at 400 messages per second (the benchmark above), with
// production timer settings and a chat answering in 50 ms. Each timebox handler makes the two
// chat calls a timebox makes. It reports how late the timebox handlers started — p50-ms,
// p99-ms, max-ms (aim: p99 < 1 s) — and sent, the impulses delivered meanwhile.
//
//	go test -run '^$' -bench BenchmarkTimeboxBehindFanOut -benchtime 1x ./bot/impulses
func BenchmarkTimeboxBehindFanOut(b *testing.B) {
	const (
		subscribers = 10_000
		rate        = 400.0
		timeboxes   = 320
		every       = 25 * time.Millisecond
	)
	var all []time.Duration
	var sent int
	for range b.N {
		b.StopTimer()
		obs := &kindLags{kind: "bench.timebox"}
		r := newFanOutRig(b, subscribers, rate, obs)
		var handled atomic.Int32
		r.timers.Handle("bench.timebox", func(ctx context.Context, tm storage.Timer) error {
			for i := range 2 { // the announcement and the board update
				if _, err := r.chat.Post(ctx, "lc", adapters.Message{Key: tm.ID + strconv.Itoa(i), Text: "Timebox"}); err != nil {
					return err
				}
			}
			handled.Add(1)
			return nil
		})
		start := time.Now().Add(200 * time.Millisecond)
		boxes := make([]storage.Timer, timeboxes)
		for i := range boxes {
			boxes[i] = storage.Timer{ID: "tb" + strconv.Itoa(i), Kind: "bench.timebox", Due: start.Add(time.Duration(i) * every)}
		}
		if err := r.timers.ScheduleMany(context.Background(), boxes); err != nil {
			b.Fatal(err)
		}
		r.slot(b, start)
		r.run()
		b.StartTimer()
		deadline := start.Add(timeboxes*every + 30*time.Second)
		for handled.Load() < timeboxes {
			if time.Now().After(deadline) {
				b.Fatalf("only %d of %d timeboxes ran", handled.Load(), timeboxes)
			}
			time.Sleep(5 * time.Millisecond)
		}
		b.StopTimer()
		n, _ := r.srv.counts()
		sent += n - 2*timeboxes
		r.stop()
		obs.mu.Lock()
		all = append(all, obs.lags...)
		obs.mu.Unlock()
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		i := min(max(int(float64(len(all))*p/100+0.5)-1, 0), len(all)-1)
		return float64(all[i].Milliseconds())
	}
	b.ReportMetric(pct(50), "p50-ms")
	b.ReportMetric(pct(99), "p99-ms")
	b.ReportMetric(pct(100), "max-ms")
	b.ReportMetric(float64(sent)/float64(b.N), "sent")
}

// benchSubscribers writes n active subscribers with the feature's key layout in a few
// pipelines (the setup is not what is measured).
func benchSubscribers(b *testing.B, f *Feature, n int) []string {
	ctx := context.Background()
	ids := make([]string, n)
	for start := 0; start < n; start += 1000 {
		_, err := f.st.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := start; i < min(start+1000, n); i++ {
				user := "u" + strconv.Itoa(i)
				ids[i] = userSubID("bench", user)
				p.HSet(ctx, f.st.subKey(ids[i]), "kind", KindUser, "platform", "bench", "target", user, "name", user,
					"lang", "de", "audience", AudienceLeaders, "active", "1", "created", time.Now().UnixMilli())
				p.SAdd(ctx, f.st.active, ids[i])
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return ids
}
