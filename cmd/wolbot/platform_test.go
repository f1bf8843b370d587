package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/wolbot/wolbot/storage/redistest"
)

// fakeSlack answers the Web API methods the adapter uses with slack-go's own response types and
// records what was posted.
type fakeSlack struct {
	mu    sync.Mutex
	calls map[string][]url.Values
}

func (f *fakeSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	f.mu.Lock()
	f.calls[method] = append(f.calls[method], r.Form)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	ok := slack.SlackResponse{Ok: true}
	var resp any
	switch method {
	case "auth.test":
		resp = struct {
			slack.SlackResponse
			slack.AuthTestResponse
		}{ok, slack.AuthTestResponse{User: "wolbot", UserID: "UBOT", TeamID: "T1", Team: "kommunen", BotID: "B1"}}
	case "users.info":
		resp = struct {
			slack.SlackResponse
			User slack.User `json:"user"`
		}{ok, slack.User{ID: r.Form.Get("user"), Name: "anna", Locale: "de-DE"}}
	case "chat.postMessage":
		resp = struct {
			slack.SlackResponse
			Channel string `json:"channel"`
			TS      string `json:"ts"`
		}{ok, r.Form.Get("channel"), "1700000000.000100"}
	case "chat.postEphemeral":
		resp = struct {
			slack.SlackResponse
			TS string `json:"message_ts"`
		}{ok, "1700000000.000200"}
	default:
		resp = ok
	}
	_ = json.NewEncoder(w).Encode(resp)
}

func (f *fakeSlack) texts(method string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, v := range f.calls[method] {
		out = append(out, v.Get("text")+" "+v.Get("blocks"))
	}
	return out
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestSlackHTTPModeThroughMain starts wolbot as main does, configured for Slack in HTTP mode
// against a local Web API: health endpoints answer on the admin listener, a signed /lc start posts the board.
func TestSlackHTTPModeThroughMain(t *testing.T) {
	store := redistest.Store(t)
	api := &fakeSlack{calls: map[string][]url.Values{}}
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	addr, adminAddr := freeAddr(t), freeAddr(t)
	const secret = "test-signing-secret"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var stderr syncBuffer
	go func() {
		done <- run(ctx, nil, strings.NewReader(""), io.Discard, &stderr, env(withRedis(map[string]string{
			"WOLBOT_NAMESPACE": store.NS, "WOLBOT_LISTEN": addr, "WOLBOT_ADMIN_LISTEN": adminAddr,
			"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": secret, "SLACK_API_URL": apiSrv.URL + "/api/",
		})))
	}()
	base, admin := "http://"+addr, "http://"+adminAddr
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; stderr:\n%s", what, stderr.String())
			}
		}
	}
	waitFor("healthz", func() bool {
		resp, err := http.Get(admin + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	resp, err := http.Get(admin + "/readyz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()
	scrape := func() string {
		t.Helper()
		resp, err := http.Get(admin + "/metrics")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("metrics: %v %v", resp, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}

	form := url.Values{"command": {"/lc"}, "text": {"start votes=2"}, "team_id": {"T1"}, "channel_id": {"C1"},
		"user_id": {"U1"}, "user_name": {"anna"}, "trigger_id": {"13345224609.1"}}.Encode()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, form)
	req, _ := http.NewRequest(http.MethodPost, base+"/slack/commands", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("slash command: %v %v", resp, err)
	}
	resp.Body.Close()
	waitFor("board posted", func() bool {
		for _, text := range api.texts("chat.postMessage") {
			if strings.Contains(text, "Lean Coffee") {
				return true
			}
		}
		return false
	})
	waitFor("moderator reply", func() bool { return len(api.texts("chat.postEphemeral")) > 0 })
	waitFor("command counted in /metrics", func() bool {
		return strings.Contains(scrape(), `wolbot_commands_total{feature="lc",kind="command",outcome="ok"} 1`)
	})
	if body := scrape(); !strings.Contains(body, `wolbot_platform_api_calls_total{op="chat.postMessage",platform="slack",status_class="2xx"}`) {
		t.Errorf("platform API calls not counted:\n%s", body)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code %d; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("wolbot did not stop after cancel")
	}
}
