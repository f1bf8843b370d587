package mattermost

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wolbot/wolbot/adapters"
)

// wolbotServer serves the adapter's callbacks the way cmd/wolbot does.
func wolbotServer(t *testing.T, a *Adapter, h adapters.Handler) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	a.Routes(mux, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// commandForm is what Mattermost posts for "/lc start votes=3" by anna.
func commandForm(f *fakeMM, channel, channelName string) url.Values {
	anna := f.user("anna")
	return url.Values{
		"token":        {testCommandToken},
		"team_id":      {f.team.Id},
		"team_domain":  {f.team.Name},
		"channel_id":   {channel},
		"channel_name": {channelName},
		"user_id":      {anna.Id},
		"user_name":    {anna.Username},
		"command":      {"/lc"},
		"text":         {"start votes=3"},
		"trigger_id":   {"dHJpZ2dlcg=="},
		"response_url": {f.url() + "/hooks/commands/" + model.NewId()},
	}
}

func postForm(t *testing.T, u string, form url.Values, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// blockingHandler reports each event and then blocks until the test ends, like a slow core.
type blockingHandler struct {
	events  chan adapters.Event
	release chan struct{}
}

func newBlockingHandler(t *testing.T) *blockingHandler {
	h := &blockingHandler{events: make(chan adapters.Event, 10), release: make(chan struct{})}
	t.Cleanup(func() { close(h.release) })
	return h
}

func (h *blockingHandler) HandleEvent(_ context.Context, ev adapters.Event) {
	h.events <- ev
	<-h.release
}

func TestSlashCommandIsAnsweredAtOnceAndHandledAsync(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	h := newBlockingHandler(t)
	srv := wolbotServer(t, a, h)
	channel := model.NewId()

	start := time.Now()
	res := postForm(t, srv.URL+CommandPath, commandForm(f, channel, "kreis-dueren"), nil)
	took := time.Since(start)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", res.StatusCode)
	}
	if took > time.Second {
		t.Errorf("the response took %v although the handler is still busy", took)
	}
	var cr model.CommandResponse
	if err := json.NewDecoder(res.Body).Decode(&cr); err != nil {
		t.Fatalf("response is not a CommandResponse: %v", err)
	}
	if cr.ResponseType != model.CommandResponseTypeEphemeral || cr.Text != "" || len(cr.Attachments) != 0 {
		t.Errorf("response %+v, want an empty ephemeral one", cr)
	}

	var ev adapters.Event
	select {
	case ev = <-h.events:
	case <-time.After(5 * time.Second):
		t.Fatal("the handler was not called")
	}
	anna := f.user("anna")
	want := adapters.Event{
		Kind:        adapters.KindCommand,
		Platform:    "mattermost",
		Team:        f.team.Id,
		Channel:     channel,
		ChannelName: "kreis-dueren",
		User:        anna.Id,
		UserName:    "anna",
		Locale:      "de",
		ID:          "mm-cmd-dHJpZ2dlcg==",
		Text:        "lc start votes=3",
	}
	if ev != want {
		t.Errorf("event\n got %+v\nwant %+v", ev, want)
	}
}

func TestSlashCommandVariants(t *testing.T) {
	f := newFake(t)
	a, logs := newTestAdapter(t, f)
	rec := newRecorder()
	srv := wolbotServer(t, a, rec)
	anna := f.user("anna")

	tests := []struct {
		name       string
		edit       func(url.Values, http.Header)
		wantStatus int
		check      func(*testing.T, adapters.Event)
	}{
		{
			name:       "unknown token is refused",
			edit:       func(v url.Values, _ http.Header) { v.Set("token", "forged") },
			wantStatus: http.StatusUnauthorized,
		},
		{
			name:       "missing token is refused",
			edit:       func(v url.Values, _ http.Header) { v.Del("token") },
			wantStatus: http.StatusUnauthorized,
		},
		{
			name:       "a prefix of a valid token is refused",
			edit:       func(v url.Values, _ http.Header) { v.Set("token", testCommandToken[:4]) },
			wantStatus: http.StatusUnauthorized,
		},
		{
			name: "token in the Authorization header is accepted",
			edit: func(v url.Values, h http.Header) {
				v.Del("token")
				h.Set("Authorization", "Token "+testCommandToken)
			},
			wantStatus: http.StatusOK,
			check: func(t *testing.T, ev adapters.Event) {
				if ev.Text != "lc start votes=3" {
					t.Errorf("Text %q", ev.Text)
				}
			},
		},
		{
			name:       "command without arguments",
			edit:       func(v url.Values, _ http.Header) { v.Set("text", "  ") },
			wantStatus: http.StatusOK,
			check: func(t *testing.T, ev adapters.Event) {
				if ev.Text != "lc" {
					t.Errorf("Text %q, want %q", ev.Text, "lc")
				}
			},
		},
		{
			name: "in the direct channel with the bot",
			edit: func(v url.Values, _ http.Header) {
				v.Set("channel_name", dmName(anna.Id, f.bot.Id))
				v.Set("channel_id", f.dm(anna.Id))
			},
			wantStatus: http.StatusOK,
			check: func(t *testing.T, ev adapters.Event) {
				if !ev.Direct {
					t.Error("Direct is false in the bot's direct channel")
				}
			},
		},
		{
			name:       "in a direct channel between two others",
			edit:       func(v url.Values, _ http.Header) { v.Set("channel_name", dmName(anna.Id, f.user("bob").Id)) },
			wantStatus: http.StatusOK,
			check: func(t *testing.T, ev adapters.Event) {
				if ev.Direct {
					t.Error("Direct is true in someone else's direct channel")
				}
			},
		},
		{
			name:       "without trigger id the event has no idempotency id",
			edit:       func(v url.Values, _ http.Header) { v.Del("trigger_id") },
			wantStatus: http.StatusOK,
			check: func(t *testing.T, ev adapters.Event) {
				if ev.ID != "" {
					t.Errorf("ID %q, want empty", ev.ID)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form, header := commandForm(f, model.NewId(), "kreis-dueren"), http.Header{}
			tt.edit(form, header)
			res := postForm(t, srv.URL+CommandPath, form, header)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus != http.StatusOK {
				rec.none(t, 50*time.Millisecond)
				return
			}
			tt.check(t, rec.next(t))
		})
	}
	if !strings.Contains(logs.String(), "slash command with a missing or unknown token refused") {
		t.Error("a refused slash command was not logged")
	}
	if strings.Contains(logs.String(), "forged") || strings.Contains(logs.String(), testCommandToken) {
		t.Error("a command token was logged")
	}
}

func TestSlashCommandsRefusedWithoutConfiguredTokens(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	a.cmdTokens = nil
	rec := newRecorder()
	srv := wolbotServer(t, a, rec)
	res := postForm(t, srv.URL+CommandPath, commandForm(f, model.NewId(), "x"), nil)
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", res.StatusCode)
	}
	form := commandForm(f, model.NewId(), "x")
	form.Set("token", "")
	if res := postForm(t, srv.URL+CommandPath, form, nil); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("empty token: status %d, want 401", res.StatusCode)
	}
	rec.none(t, 50*time.Millisecond)
}

// click sends a button callback as Mattermost does and returns the response.
func click(t *testing.T, srv *httptest.Server, req model.PostActionIntegrationRequest) *http.Response {
	t.Helper()
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Post(srv.URL+ActionPath, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// storedAction returns the integration of a button of a post as the fake stored it, which is
// what Mattermost sends back on a click.
func storedAction(t *testing.T, f *fakeMM, postID string, i int) *model.PostAction {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.posts[postID]
	if !ok {
		t.Fatalf("no post %s", postID)
	}
	atts := p.Attachments()
	if len(atts) != 1 || len(atts[0].Actions) <= i || atts[0].Actions[i].Integration == nil {
		t.Fatalf("post %s has no button %d with an integration: %+v", postID, i, atts)
	}
	return atts[0].Actions[i]
}

func TestButtonClick(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	rec := newRecorder()
	srv := wolbotServer(t, a, rec)
	channel := model.NewId()
	ref, err := a.Post(context.Background(), channel, adapters.Message{
		Text: "Board",
		Buttons: []adapters.Button{
			{ID: "lc.vote", Label: "1", Value: "r7:1", Command: "/lc vote 1"},
			{ID: "lc.vote", Label: "2", Value: "r7:2", Command: "/lc vote 2"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	action := storedAction(t, f, ref.ID, 1)
	anna := f.user("anna")
	req := model.PostActionIntegrationRequest{
		UserId:      anna.Id,
		UserName:    anna.Username,
		ChannelId:   channel,
		ChannelName: "kreis-dueren",
		TeamId:      f.team.Id,
		TeamName:    f.team.Name,
		PostId:      ref.ID,
		TriggerId:   "trigger-1",
		Type:        model.PostActionTypeButton,
		Context:     action.Integration.Context,
	}
	start := time.Now()
	res := click(t, srv, req)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", res.StatusCode)
	}
	if time.Since(start) > time.Second {
		t.Errorf("the click took %v to answer", time.Since(start))
	}
	var resp model.PostActionIntegrationResponse
	if err := json.NewDecoder(res.Body).Decode(&resp); err != nil {
		t.Fatalf("response is not a PostActionIntegrationResponse: %v", err)
	}
	if resp.Update != nil || resp.EphemeralText != "" {
		t.Errorf("response %+v, want empty", resp)
	}
	ev := rec.next(t)
	want := adapters.Event{
		Kind:        adapters.KindAction,
		Platform:    "mattermost",
		Team:        f.team.Id,
		Channel:     channel,
		ChannelName: "kreis-dueren",
		User:        anna.Id,
		UserName:    "anna",
		Locale:      "de",
		ActionID:    "lc.vote",
		Value:       "r7:2",
		PostID:      ref.ID,
		ID:          ev.ID,
	}
	if ev != want {
		t.Errorf("event\n got %+v\nwant %+v", ev, want)
	}
	if !strings.HasPrefix(ev.ID, "mm-act-") {
		t.Errorf("ID %q", ev.ID)
	}

	// The same click delivered again keeps its id; another click (new trigger id) gets a new one.
	click(t, srv, req)
	if again := rec.next(t); again.ID != ev.ID {
		t.Errorf("redelivered click: ID %q, want %q", again.ID, ev.ID)
	}
	req.TriggerId = "trigger-2"
	click(t, srv, req)
	if other := rec.next(t); other.ID == ev.ID {
		t.Error("a second click has the id of the first")
	}
}

func TestButtonClickWithBadSignatureIsRefused(t *testing.T) {
	f := newFake(t)
	a, logs := newTestAdapter(t, f)
	rec := newRecorder()
	srv := wolbotServer(t, a, rec)
	other, _ := newTestAdapter(t, f)
	other.secret = []byte("another secret")
	post, channel := model.NewId(), model.NewId()
	good := signedFor(a, "lc.vote", "r7:2", post, channel)
	with := func(k string, v any) map[string]any {
		c := map[string]any{}
		for key, val := range good {
			c[key] = val
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}

	tests := []struct {
		name    string
		context map[string]any
	}{
		{"no context", nil},
		{"no signature", with(ctxSig, nil)},
		{"signature of another value", with(ctxValue, "r7:3")},
		{"signature of another action", with(ctxAction, "lc.end")},
		{"signature under another secret", with(ctxSig, other.sign("lc.vote", "r7:2", farFuture, scope{post: post, channel: channel}))},
		{"signature not hex", with(ctxSig, "zz")},
		{"signature not a string", with(ctxSig, 42)},
		{"value missing", map[string]any{"action": "lc.vote", "exp": farFuture, "sig": a.sign("lc.vote", "", farFuture, scope{post: post, channel: channel})}},
		{"expiry missing", with(ctxExp, nil)},
		{"expiry changed", with(ctxExp, "4102444801")},
		{"signature of another post", with(ctxSig, a.sign("lc.vote", "r7:2", farFuture, scope{post: model.NewId(), channel: channel}))},
		{"signature of another channel", with(ctxSig, a.sign("lc.vote", "r7:2", farFuture, scope{post: post, channel: model.NewId()}))},
		{"post-bound signature claimed for a user", with(ctxUser, f.user("bob").Id)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := click(t, srv, model.PostActionIntegrationRequest{
				UserId: f.user("bob").Id, ChannelId: channel, PostId: post, TriggerId: "t", Context: tt.context,
			})
			if res.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403", res.StatusCode)
			}
		})
	}
	rec.none(t, 50*time.Millisecond)
	if n := strings.Count(logs.String(), "button callback with a missing or wrong signature refused"); n != len(tests) {
		t.Errorf("%d refusals logged, want %d", n, len(tests))
	}

	// Malformed JSON is a bad request, and the good signature still works.
	res, err := http.Post(srv.URL+ActionPath, "application/json", strings.NewReader("{"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed JSON: status %d, want 400", res.StatusCode)
	}
	if res := click(t, srv, model.PostActionIntegrationRequest{UserId: f.user("bob").Id, ChannelId: channel, PostId: post, Context: good}); res.StatusCode != 200 {
		t.Errorf("good signature: status %d", res.StatusCode)
	}
	if ev := rec.next(t); ev.Value != "r7:2" || ev.UserName != "bob" {
		t.Errorf("event %+v", ev)
	}
}

func TestCallbacksAcceptOnlyPost(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	srv := wolbotServer(t, a, newRecorder())
	for _, p := range []string{CommandPath, ActionPath} {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET %s: status %d, want 405", p, res.StatusCode)
		}
	}
}
