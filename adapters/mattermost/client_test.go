package mattermost

import (
	"context"
	"crypto/sha256"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wolbot/wolbot/adapters"
)

func TestRetryPolicy(t *testing.T) {
	const route = "POST /api/v4/posts"
	tests := []struct {
		name       string
		fail       []injected
		wantErr    bool
		wantStatus int
		wantHits   int
		minTime    time.Duration
		notFound   bool
	}{
		{
			name:     "429 waits for X-Ratelimit-Reset and succeeds",
			fail:     []injected{{status: 429, header: map[string]string{"X-Ratelimit-Limit": "10", "X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": "1"}}},
			wantHits: 2,
			minTime:  900 * time.Millisecond,
		},
		{
			name:     "429 prefers Retry-After",
			fail:     []injected{{status: 429, header: map[string]string{"Retry-After": "0", "X-Ratelimit-Reset": "20"}}},
			wantHits: 2,
		},
		{
			name:       "429 asking for too long a wait fails at once",
			fail:       []injected{{status: 429, header: map[string]string{"X-Ratelimit-Reset": "600"}}},
			wantErr:    true,
			wantStatus: 429,
			wantHits:   1,
		},
		{
			name:     "500 twice then success",
			fail:     []injected{{status: 500}, {status: 500}},
			wantHits: 3,
		},
		{
			name:       "5xx gives up after the last attempt",
			fail:       []injected{{status: 503}, {status: 502}, {status: 500}, {status: 503}},
			wantErr:    true,
			wantStatus: 503,
			wantHits:   4,
		},
		{
			name:       "403 fails without retry",
			fail:       []injected{{status: 403}},
			wantErr:    true,
			wantStatus: 403,
			wantHits:   1,
		},
		{
			name:       "401 fails without retry",
			fail:       []injected{{status: 401}},
			wantErr:    true,
			wantStatus: 401,
			wantHits:   1,
		},
		{
			name:       "404 fails without retry as ErrNotFound",
			fail:       []injected{{status: 404}},
			wantErr:    true,
			wantStatus: 404,
			wantHits:   1,
			notFound:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			a, _ := newTestAdapter(t, f)
			f.failNext(route, tt.fail...)
			start := time.Now()
			_, err := a.Post(context.Background(), model.NewId(), adapters.Message{Text: "x"})
			took := time.Since(start)
			if hits := f.hitCount(route); hits != tt.wantHits {
				t.Errorf("%d requests, want %d", hits, tt.wantHits)
			}
			if took < tt.minTime {
				t.Errorf("retried after %v, want at least %v", took, tt.minTime)
			}
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("err %v", err)
				}
				return
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Status != tt.wantStatus || apiErr.Attempts != tt.wantHits {
				t.Fatalf("err %#v, want an APIError with status %d after %d attempts", err, tt.wantStatus, tt.wantHits)
			}
			if errors.Is(err, adapters.ErrNotFound) != tt.notFound {
				t.Errorf("errors.Is(err, ErrNotFound) = %v", !tt.notFound)
			}
		})
	}
}

func TestRetryKeepsThePendingPostID(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	// The first request reaches the server, which stores the post, but the answer is lost.
	var first string
	a.client.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		res, err := http.DefaultTransport.RoundTrip(r)
		if err == nil && first == "" && r.URL.Path == "/api/v4/posts" {
			res.Body.Close()
			first = "lost"
			return nil, &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
		}
		return res, err
	})}
	ref, err := a.Post(context.Background(), model.NewId(), adapters.Message{Text: "once"})
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.created) != 2 || f.created[0].PendingPostId != f.created[1].PendingPostId {
		t.Fatalf("requests %d; pending ids must match across the retry", len(f.created))
	}
	if len(f.posts) != 1 || f.posts[ref.ID] == nil {
		t.Errorf("%d posts stored, want only %s", len(f.posts), ref.ID)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestNetworkErrorsAreRetried(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close() // nothing listens there now
	a, err := newAdapter(Options{URL: dead, Token: "t", PublicURL: testPublicURL})
	if err != nil {
		t.Fatal(err)
	}
	a.retryBase, a.retryMax = time.Millisecond, 2*time.Millisecond
	err = a.fetchMe(context.Background())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 0 || apiErr.Attempts != a.maxAttempts {
		t.Fatalf("err %#v, want a network APIError after %d attempts", err, a.maxAttempts)
	}
	if !strings.Contains(err.Error(), "MATTERMOST_URL") {
		t.Errorf("error %q does not name MATTERMOST_URL", err)
	}
}

func TestRateLimitWait(t *testing.T) {
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
		ok     bool
	}{
		{"Retry-After seconds", map[string]string{"Retry-After": "3"}, 3 * time.Second, true},
		{"Retry-After date", map[string]string{"Retry-After": now.Add(5 * time.Second).Format(http.TimeFormat)}, 5 * time.Second, true},
		{"X-Ratelimit-Reset seconds", map[string]string{"X-Ratelimit-Reset": "2"}, 2 * time.Second, true},
		{"X-Ratelimit-Reset Unix time", map[string]string{"X-Ratelimit-Reset": strconv.FormatInt(now.Unix()+7, 10)}, 7 * time.Second, true},
		{"Retry-After first", map[string]string{"Retry-After": "1", "X-Ratelimit-Reset": "9"}, time.Second, true},
		{"reset in the past", map[string]string{"X-Ratelimit-Reset": strconv.FormatInt(now.Unix()-600, 10)}, 0, true},
		{"garbage", map[string]string{"X-Ratelimit-Reset": "soon"}, 0, false},
		{"none", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			got, ok := rateLimitWait(h, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestOptionsAreValidated(t *testing.T) {
	f := newFake(t)
	good := Options{URL: f.url(), Token: f.token, PublicURL: testPublicURL}
	tests := []struct {
		name    string
		edit    func(*Options)
		wantEnv string
	}{
		{"URL missing", func(o *Options) { o.URL = "" }, "MATTERMOST_URL"},
		{"URL without scheme", func(o *Options) { o.URL = "chat.example.org" }, "MATTERMOST_URL"},
		{"URL with query", func(o *Options) { o.URL = f.url() + "?x=1" }, "MATTERMOST_URL"},
		{"token missing", func(o *Options) { o.Token = " " }, "MATTERMOST_TOKEN"},
		{"token refused", func(o *Options) { o.Token = "wrong" }, "MATTERMOST_TOKEN"},
		{"public URL missing", func(o *Options) { o.PublicURL = "" }, "WOLBOT_PUBLIC_URL"},
		{"public URL not http", func(o *Options) { o.PublicURL = "ftp://wolbot" }, "WOLBOT_PUBLIC_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := good
			tt.edit(&opts)
			_, err := New(context.Background(), opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantEnv) {
				t.Errorf("err %v, want one naming %s", err, tt.wantEnv)
			}
		})
	}

	a, err := New(context.Background(), Options{URL: f.url() + "/", Token: f.token, PublicURL: testPublicURL + "/"})
	if err != nil {
		t.Fatal(err)
	}
	if a.BotID() != f.bot.Id || a.BotName() != "wolbot" || a.actionURL != testPublicURL+ActionPath || a.wsURL != "ws://"+f.addr {
		t.Errorf("adapter %q %q %q %q", a.BotID(), a.BotName(), a.actionURL, a.wsURL)
	}
	sum := sha256.Sum256([]byte("wolbot-actions:" + f.token))
	if string(a.secret) != string(sum[:]) {
		t.Error("the default action secret is not derived from the token")
	}
}

func TestReplicasSharingATokenAgreeOnSignatures(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	b, _ := newTestAdapter(t, f)
	c, err := New(context.Background(), Options{URL: f.url(), Token: f.token, PublicURL: testPublicURL, ActionSecret: []byte("configured")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := signedFor(a, "lc.vote", "r1:2", "post1", "chan1")
	if _, _, ok := b.verify(ctx, "post1", "chan1", "user1"); !ok {
		t.Error("a replica with the same token refuses the signature")
	}
	if _, _, ok := c.verify(ctx, "post1", "chan1", "user1"); ok {
		t.Error("a replica with another WOLBOT_ACTION_SECRET accepts the signature")
	}
}
