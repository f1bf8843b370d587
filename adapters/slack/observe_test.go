package slack

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wolbot/wolbot/adapters"
)

// observedCall is one APICall as an observer saw it; code is what APIErrorCode said, if the error
// has the method.
type observedCall struct {
	platform, op string
	status       int
	attempt      int
	failed       bool
	code         string
}

// apiSpy records APICall observations.
type apiSpy struct {
	mu    sync.Mutex
	calls []observedCall
}

func (s *apiSpy) APICall(platform, op string, status int, attempt int, err error) {
	c := observedCall{platform: platform, op: op, status: status, attempt: attempt, failed: err != nil}
	var coded interface{ APIErrorCode() string }
	if errors.As(err, &coded) {
		c.code = coded.APIErrorCode()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

func (s *apiSpy) since(n int) []observedCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]observedCall(nil), s.calls[n:]...)
}

var _ adapters.APIObserver = (*apiSpy)(nil)

func TestObserverSeesEachAttempt(t *testing.T) {
	const op = "chat.postMessage"
	tests := []struct {
		name    string
		answers []func(w http.ResponseWriter) // one per failing call; then the default answer
		want    []observedCall
	}{
		{
			name: "429 then success is one retry",
			answers: []func(w http.ResponseWriter){func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusTooManyRequests)
			}},
			want: []observedCall{
				{"slack", op, 429, 1, true, ""},
				{"slack", op, 200, 2, false, ""},
			},
		},
		{
			name: "success at once is no retry",
			want: []observedCall{{"slack", op, 200, 1, false, ""}},
		},
		{
			name:    "a Slack error code is observed with the code, not retried",
			answers: []func(w http.ResponseWriter){func(w http.ResponseWriter) { slackError(w, "channel_not_found") }},
			want:    []observedCall{{"slack", op, 200, 1, true, "channel_not_found"}},
		},
		{
			name: "502 then internal_error then success",
			answers: []func(w http.ResponseWriter){
				func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) },
				func(w http.ResponseWriter) { slackError(w, "internal_error") },
			},
			want: []observedCall{
				{"slack", op, 502, 1, true, ""},
				{"slack", op, 200, 2, true, "internal_error"},
				{"slack", op, 200, 3, false, ""},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSlack(t)
			obs := &apiSpy{}
			a := newTestAdapter(t, f, Options{Observer: obs})
			if got := obs.since(0); len(got) != 1 || got[0] != (observedCall{"slack", "auth.test", 200, 1, false, ""}) {
				t.Errorf("New observed %+v, want one successful auth.test", got)
			}
			var n atomic.Int32
			f.on(op, func(w http.ResponseWriter, _ url.Values) bool {
				i := int(n.Add(1)) - 1
				if i >= len(tt.answers) {
					return false // the default answer: posted
				}
				tt.answers[i](w)
				return true
			})
			_, _ = a.Post(context.Background(), "C0LEAN", adapters.Message{Text: "x"})
			got := obs.since(1)
			if len(got) != len(tt.want) {
				t.Fatalf("observed %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("observation %d: %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}
