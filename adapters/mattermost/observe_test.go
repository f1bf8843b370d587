package mattermost

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
)

// apiCall is one APICall as an observer saw it.
type apiCall struct {
	platform, op string
	status       int
	attempt      int
	failed       bool
}

// apiSpy records APICall observations.
type apiSpy struct {
	mu    sync.Mutex
	calls []apiCall
}

func (s *apiSpy) APICall(platform, op string, status int, attempt int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, apiCall{platform, op, status, attempt, err != nil})
}

// since returns the observations after the first n.
func (s *apiSpy) since(n int) []apiCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]apiCall(nil), s.calls[n:]...)
}

var _ adapters.APIObserver = (*apiSpy)(nil)

func TestObserverSeesEachAttempt(t *testing.T) {
	const route = "POST /api/v4/posts"
	f := newFake(t)
	obs := &apiSpy{}
	a, err := New(context.Background(), Options{
		URL: f.url(), Token: f.token, PublicURL: testPublicURL, Logger: zerolog.Nop(), Observer: obs,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	a.retryBase, a.retryMax = 5*time.Millisecond, 20*time.Millisecond
	if got := obs.since(0); len(got) != 1 || got[0] != (apiCall{"mattermost", "get own user", 200, 1, false}) {
		t.Errorf("New observed %+v, want one successful get own user", got)
	}

	tests := []struct {
		name string
		fail []injected
		want []apiCall
	}{
		{
			name: "429 then success is one retry",
			fail: []injected{{status: 429, header: map[string]string{"Retry-After": "0"}}},
			want: []apiCall{
				{"mattermost", "create post", 429, 1, true},
				{"mattermost", "create post", 201, 2, false},
			},
		},
		{
			name: "success at once is no retry",
			want: []apiCall{{"mattermost", "create post", 201, 1, false}},
		},
		{
			name: "404 is observed once, not retried",
			fail: []injected{{status: 404}},
			want: []apiCall{{"mattermost", "create post", 404, 1, true}},
		},
		{
			name: "503 twice then success",
			fail: []injected{{status: 503}, {status: 503}},
			want: []apiCall{
				{"mattermost", "create post", 503, 1, true},
				{"mattermost", "create post", 503, 2, true},
				{"mattermost", "create post", 201, 3, false},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(obs.since(0))
			f.failNext(route, tt.fail...)
			_, _ = a.Post(context.Background(), model.NewId(), adapters.Message{Text: "x"})
			got := obs.since(before)
			if len(got) != len(tt.want) {
				t.Fatalf("observed %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("observation %d: %+v, want %+v", i, got[i], tt.want[i])
				}
			}
			retries := 0
			for _, c := range got {
				if c.attempt > 1 {
					retries++
				}
			}
			if want := len(tt.want) - 1; retries != want {
				t.Errorf("%d retry observations, want %d", retries, want)
			}
		})
	}
}
