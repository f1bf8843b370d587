package impulses

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

// fakeChatServer is a local chat endpoint: it accepts posts as JSON, refuses a repeated
// idempotency key the way a platform does, and counts.
type fakeChatServer struct {
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

// BenchmarkFanOut10k delivers one slot to 10,000 subscribers through the whole path — slot
// timer, fan-out of 10,000 delivery timers, reserve, the Redis rate limiter, an HTTP post to a
// local fake chat endpoint, commit, statistics — at a configured rate of 2,000 messages per
// second, and reports:
//
//	msgs/s      achieved messages per second (first post scheduled → last post accepted)
//	ratio       achieved / configured rate (aim ≥ 0.95; the limiter never lets it exceed 1)
//	fanout-ms   how long the slot handler took to schedule the 10,000 delivery timers
//	duplicates  repeated posts the endpoint saw, plus archive entries beyond one (aim 0)
//	losses      subscribers without exactly this impulse (aim 0)
//
// Run:
//
//	go test -run '^$' -bench BenchmarkFanOut10k -benchtime 1x ./bot/impulses
func BenchmarkFanOut10k(b *testing.B) {
	const (
		subscribers = 10_000
		rate        = 2000.0
	)
	var sumElapsed, sumFanOut time.Duration
	var dups, losses int
	for range b.N {
		b.StopTimer()
		store := redistest.Store(b)
		srv := &fakeChatServer{keys: make(map[string]bool, subscribers)}
		ts := httptest.NewServer(srv)
		chat := &httpChat{url: ts.URL, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
		timers := storage.NewTimers(store, storage.TimerOptions{
			Lease: 30 * time.Second, MaxWait: 5 * time.Millisecond, Batch: 64, Concurrency: 64, Logger: zerolog.Nop(),
		})
		lib := testLibrary(b)
		f, err := New(context.Background(), Options{Store: store, Chat: chat, Timers: timers, Library: lib,
			Schedule: "@every 1h", Rate: rate, Location: berlin(b), Logger: zerolog.Nop()})
		if err != nil {
			b.Fatal(err)
		}
		ids := benchSubscribers(b, f, subscribers)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = timers.Run(ctx)
		}()

		b.StartTimer()
		start := time.Now()
		if err := timers.Schedule(ctx, storage.Timer{ID: slotTimerID, Kind: SlotKind, Due: start, Payload: []byte("@every 1h")}); err != nil {
			b.Fatal(err)
		}
		var fanOut time.Duration
		deadline := start.Add(time.Duration(3*subscribers/rate*float64(time.Second)) + 10*time.Second)
		for {
			if fanOut == 0 {
				if tm, _, _ := timers.Get(ctx, slotTimerID); tm.Due.After(start.Add(30 * time.Minute)) {
					fanOut = time.Since(start)
					n, _ := srv.counts()
					b.Logf("fan-out done after %v with %d delivered", fanOut, n)
				}
			}
			if n, _ := srv.counts(); n >= subscribers {
				break
			}
			if time.Now().After(deadline) {
				n, _ := srv.counts()
				b.Fatalf("only %d of %d delivered after %v", n, subscribers, time.Since(start))
			}
			time.Sleep(2 * time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()

		cancel()
		<-done
		ts.Close()
		accepted, d := srv.counts()
		dups += d
		losses += subscribers - accepted
		// The archives must agree: exactly one impulse each.
		cmds := make([]*redis.IntCmd, len(ids))
		_, err = store.Client.Pipelined(context.Background(), func(p redis.Pipeliner) error {
			for i, id := range ids {
				cmds[i] = p.ZCard(context.Background(), f.st.archiveKey(id))
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
