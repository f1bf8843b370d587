package slack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/wolbot/wolbot/adapters"
)

// Slack's documented signing example
// (https://api.slack.com/authentication/verifying-requests-from-slack). The body is the one
// on that page; it is the one that gives the documented signature.
const (
	docSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	docTimestamp = 1531420618
	docBody      = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	docSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	// weatherBody is the /weather example body quoted in some copies of the page; with the
	// documented secret and timestamp it does not give the documented signature.
	weatherBody = "token=xyzz0WbapA4vBCDEPjxyzAbvW&team_id=T03E94MJU&team_domain=xyz&channel_id=C2147483705&channel_name=test&user_id=U2147483697&user_name=Steve&command=%2Fweather&text=94070&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1234%2F5678&trigger_id=13345224609.738474920.8088930838d8d3c4a7a9d9d3d6d2a7b3"
)

func docHeader() http.Header {
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", "1531420618")
	h.Set("X-Slack-Signature", docSignature)
	return h
}

func TestVerifySignature(t *testing.T) {
	at := time.Unix(docTimestamp, 0)
	tests := []struct {
		name   string
		secret string
		header func(http.Header)
		body   string
		now    time.Time
		want   error
	}{
		{name: "documented example passes", now: at},
		{name: "a little clock skew passes", now: at.Add(4 * time.Minute)},
		{name: "older than five minutes is stale", now: at.Add(5*time.Minute + time.Second), want: ErrSignatureStale},
		{name: "from the future is stale", now: at.Add(-6 * time.Minute), want: ErrSignatureStale},
		{name: "changed body is refused", body: strings.Replace(docBody, "text=&", "text=x&", 1), now: at, want: ErrSignatureInvalid},
		{name: "the /weather body is not the signed one", body: weatherBody, now: at, want: ErrSignatureInvalid},
		{name: "other secret is refused", secret: "not-the-secret", now: at, want: ErrSignatureInvalid},
		{name: "changed signature is refused", header: func(h http.Header) {
			h.Set("X-Slack-Signature", strings.Replace(docSignature, "a2114d", "a2114e", 1))
		}, now: at, want: ErrSignatureInvalid},
		{name: "wrong version is refused", header: func(h http.Header) {
			h.Set("X-Slack-Signature", "v1="+strings.TrimPrefix(docSignature, "v0="))
		}, now: at, want: ErrSignatureInvalid},
		{name: "missing signature", header: func(h http.Header) { h.Del("X-Slack-Signature") }, now: at, want: ErrSignatureMissing},
		{name: "missing timestamp", header: func(h http.Header) { h.Del("X-Slack-Request-Timestamp") }, now: at, want: ErrSignatureMissing},
		{name: "bad timestamp", header: func(h http.Header) { h.Set("X-Slack-Request-Timestamp", "soon") }, now: at, want: ErrSignatureInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret, body, h := docSecret, docBody, docHeader()
			if tt.secret != "" {
				secret = tt.secret
			}
			if tt.body != "" {
				body = tt.body
			}
			if tt.header != nil {
				tt.header(h)
			}
			err := VerifySignature(secret, h, []byte(body), tt.now)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("VerifySignature = %v, want %v", err, tt.want)
			}
		})
	}
}

// serveHTTP starts the adapter's HTTP endpoints.
func serveHTTP(t *testing.T, a *Adapter, h adapters.Handler) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	a.Routes(mux, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// postSigned posts body to the endpoint and returns the status, the response body and how
// long the answer took. Without extra headers it signs the request now with testSecret.
func postSigned(t *testing.T, endpoint, contentType, body string, extra http.Header) (int, string, time.Duration) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range extra {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	if extra == nil {
		sign(req.Header, testSecret, time.Now().Unix(), body)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), time.Since(start)
}

const formType = "application/x-www-form-urlencoded"

func TestHTTPRefusesUnsignedStaleAndForgedRequests(t *testing.T) {
	f := newFakeSlack(t)
	rec := newRecorder()

	// The adapter knows the documented secret, so the documented request fails only by age.
	docAdapter := newTestAdapter(t, f, Options{SigningSecret: docSecret})
	docSrv := serveHTTP(t, docAdapter, rec)
	status, _, _ := postSigned(t, docSrv.URL+"/slack/commands", formType, docBody, docHeader())
	if status != http.StatusUnauthorized {
		t.Errorf("documented example replayed now: status %d, want 401 (stale)", status)
	}

	// At the documented time, the very same request is accepted.
	thenAdapter := newTestAdapter(t, f, Options{SigningSecret: docSecret,
		Now: func() time.Time { return time.Unix(docTimestamp+10, 0) }})
	thenSrv := serveHTTP(t, thenAdapter, rec)
	if status, _, _ := postSigned(t, thenSrv.URL+"/slack/commands", formType, docBody, docHeader()); status != http.StatusOK {
		t.Errorf("documented example at its time: status %d, want 200", status)
	}
	if ev := rec.next(t); ev.Text != "webhook-collect" || ev.ID != "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c" {
		t.Errorf("documented command gave %+v", ev)
	}

	a := newTestAdapter(t, f, Options{})
	srv := serveHTTP(t, a, rec)
	forged := http.Header{}
	sign(forged, "guessed-secret", time.Now().Unix(), docBody)
	stale := http.Header{}
	sign(stale, testSecret, time.Now().Add(-6*time.Minute).Unix(), docBody)
	tests := []struct {
		name   string
		path   string
		header http.Header
	}{
		{"forged signature on commands", "/slack/commands", forged},
		{"forged signature on events", "/slack/events", forged},
		{"forged signature on interactivity", "/slack/interactivity", forged},
		{"stale timestamp", "/slack/commands", stale},
		{"no signature", "/slack/commands", http.Header{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, _, _ := postSigned(t, srv.URL+tt.path, formType, docBody, tt.header); status != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", status)
			}
		})
	}
	rec.none(t)

	// Without a signing secret there are no endpoints at all.
	socketOnly := newTestAdapter(t, f, Options{AppToken: testAppTok})
	mux := http.NewServeMux()
	socketOnly.Routes(mux, rec)
	rr := httptest.NewRecorder()
	mux.ServeHTTP(rr, httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(docBody)))
	if rr.Code != http.StatusNotFound {
		t.Errorf("socket-only adapter serves /slack/commands: %d", rr.Code)
	}
}

func slashForm(cmd slack.SlashCommand) string {
	return url.Values{
		"token": {cmd.Token}, "team_id": {cmd.TeamID}, "team_domain": {cmd.TeamDomain},
		"channel_id": {cmd.ChannelID}, "channel_name": {cmd.ChannelName},
		"user_id": {cmd.UserID}, "user_name": {cmd.UserName}, "command": {cmd.Command},
		"text": {cmd.Text}, "response_url": {cmd.ResponseURL}, "trigger_id": {cmd.TriggerID},
		"api_app_id": {cmd.APIAppID},
	}.Encode()
}

// blocksOf decodes the blocks of a recorded chat call.
func blocksOf(t *testing.T, c apiCall) slack.Blocks {
	t.Helper()
	var b slack.Blocks
	if err := json.Unmarshal([]byte(c.Form.Get("blocks")), &b); err != nil {
		t.Fatalf("blocks of %s: %v", c.Method, err)
	}
	return b
}

// buttonsOf returns the buttons of all actions blocks.
func buttonsOf(b slack.Blocks) []*slack.ButtonBlockElement {
	var out []*slack.ButtonBlockElement
	for _, blk := range b.BlockSet {
		if ab, ok := blk.(*slack.ActionBlock); ok {
			for _, el := range ab.Elements.ElementSet {
				if btn, ok := el.(*slack.ButtonBlockElement); ok {
					out = append(out, btn)
				}
			}
		}
	}
	return out
}

var voteButtons = []adapters.Button{
	{ID: "lc.vote", Label: "Punkt auf 1", Value: "r1:1", Style: adapters.StylePrimary, Command: "/lc vote 1"},
	{ID: "lc.vote", Label: "Punkt auf 2", Value: "r1:2", Command: "/lc vote 2"},
	{ID: "lc.end", Label: "Ende", Value: "r1", Style: adapters.StyleDanger, Command: "/lc end"},
}

func TestHTTPCommandInReplyOut(t *testing.T) {
	f := newFakeSlack(t)
	a := newTestAdapter(t, f, Options{})
	rec := newRecorder()
	rec.then = func(ctx context.Context, ev adapters.Event) {
		if err := a.Ephemeral(ctx, ev.Channel, ev.User, adapters.Message{Text: "Nur für dich: **Hallo** <!channel>"}); err != nil {
			t.Errorf("Ephemeral: %v", err)
		}
		if _, err := a.Post(ctx, ev.Channel, adapters.Message{Text: "### Lean Coffee\n- Themen sammeln", Buttons: voteButtons}); err != nil {
			t.Errorf("Post: %v", err)
		}
	}
	srv := serveHTTP(t, a, rec)

	body := slashForm(slack.SlashCommand{
		Token: "legacy", TeamID: testTeam, TeamDomain: "kommunen", ChannelID: "C0LEAN", ChannelName: "lean-coffee",
		UserID: testUser, UserName: "spengler", Command: "/lc", Text: "start votes=3 &amp; more",
		ResponseURL: "https://hooks.slack.invalid/commands/1", TriggerID: "1337.42.abcdef", APIAppID: "A1",
	})
	status, respBody, took := postSigned(t, srv.URL+"/slack/commands", formType, body, nil)
	if status != http.StatusOK || respBody != "" {
		t.Fatalf("ack: status %d body %q, want an empty 200", status, respBody)
	}
	if took > 3*time.Second {
		t.Errorf("ack took %v", took)
	}

	ev := rec.next(t)
	want := adapters.Event{
		Kind: adapters.KindCommand, Platform: "slack", Team: testTeam, Channel: "C0LEAN",
		ChannelName: "lean-coffee", User: testUser, UserName: "spengler", Locale: "en-US",
		ID: "1337.42.abcdef", Text: "lc start votes=3 & more",
	}
	if ev != want {
		t.Errorf("event\n got %+v\nwant %+v", ev, want)
	}

	eph := f.waitCall("chat.postEphemeral", 1)
	if eph.Form.Get("channel") != "C0LEAN" || eph.Form.Get("user") != testUser {
		t.Errorf("postEphemeral to %q/%q", eph.Form.Get("channel"), eph.Form.Get("user"))
	}
	if got := eph.Form.Get("text"); got != "Nur für dich: *Hallo* &lt;!channel&gt;" {
		t.Errorf("ephemeral text %q", got)
	}

	post := f.waitCall("chat.postMessage", 1)
	if post.Form.Get("channel") != "C0LEAN" {
		t.Errorf("postMessage to %q", post.Form.Get("channel"))
	}
	if got := post.Form.Get("text"); got != "*Lean Coffee*\n• Themen sammeln" {
		t.Errorf("post text %q", got)
	}
	btns := buttonsOf(blocksOf(t, post))
	if len(btns) != 3 {
		t.Fatalf("%d buttons, want 3", len(btns))
	}
	for i, want := range []struct{ id, value, style string }{
		{"lc.vote|0", "r1:1", "primary"}, {"lc.vote|1", "r1:2", ""}, {"lc.end|2", "r1", "danger"},
	} {
		if b := btns[i]; b.ActionID != want.id || b.Value != want.value || string(b.Style) != want.style {
			t.Errorf("button %d = %s/%s/%s, want %+v", i, b.ActionID, b.Value, b.Style, want)
		}
	}
}

// interactionForm is the form Slack posts to the interactivity URL for a click.
func interactionForm(t *testing.T, cb slack.InteractionCallback) string {
	t.Helper()
	payload, err := json.Marshal(cb)
	if err != nil {
		t.Fatal(err)
	}
	return url.Values{"payload": {string(payload)}}.Encode()
}

func TestHTTPButtonInMessageUpdated(t *testing.T) {
	f := newFakeSlack(t)
	a := newTestAdapter(t, f, Options{})
	rec := newRecorder()
	rec.then = func(ctx context.Context, ev adapters.Event) {
		err := a.Update(ctx, adapters.PostRef{Channel: ev.Channel, ID: ev.PostID},
			adapters.Message{Text: "Board: 1 Punkt", Buttons: voteButtons[:2]})
		if err != nil {
			t.Errorf("Update: %v", err)
		}
	}
	srv := serveHTTP(t, a, rec)

	ref, err := a.Post(context.Background(), "C0LEAN", adapters.Message{Text: "Board", Buttons: voteButtons})
	if err != nil {
		t.Fatal(err)
	}
	// Click the second button exactly as it was sent.
	btn := buttonsOf(blocksOf(t, f.waitCall("chat.postMessage", 1)))[1]

	cb := slack.InteractionCallback{
		Type:      slack.InteractionTypeBlockActions,
		TriggerID: "9999.1.click",
		Team:      slack.Team{ID: testTeam},
		User:      slack.User{ID: testUser, Name: "spengler", TeamID: testTeam},
		Container: slack.Container{Type: "message", MessageTs: ref.ID, ChannelID: "C0LEAN"},
		Message:   slack.Message{Msg: slack.Msg{Timestamp: ref.ID}},
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{
			{ActionID: btn.ActionID, BlockID: "b1", Type: "button", Value: btn.Value, ActionTs: "1700000001.000200"},
		}},
	}
	cb.Channel.ID, cb.Channel.Name = "C0LEAN", "lean-coffee"
	if status, _, _ := postSigned(t, srv.URL+"/slack/interactivity", formType, interactionForm(t, cb), nil); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}

	ev := rec.next(t)
	if ev.Kind != adapters.KindAction || ev.ActionID != "lc.vote" || ev.Value != "r1:2" || ev.PostID != ref.ID ||
		ev.Channel != "C0LEAN" || ev.ID != "9999.1.click" || ev.Locale != "en-US" {
		t.Errorf("click event %+v (post %s)", ev, ref.ID)
	}
	upd := f.waitCall("chat.update", 1)
	if upd.Form.Get("channel") != "C0LEAN" || upd.Form.Get("ts") != ref.ID || upd.Form.Get("text") != "Board: 1 Punkt" {
		t.Errorf("chat.update with %v", upd.Form)
	}
	if n := len(buttonsOf(blocksOf(t, upd))); n != 2 {
		t.Errorf("updated message has %d buttons, want 2", n)
	}
}

// eventCallback is an Events API delivery of inner, built from slack-go's types.
func eventCallback(t *testing.T, eventID string, inner any) []byte {
	t.Helper()
	raw, err := json.Marshal(inner)
	if err != nil {
		t.Fatal(err)
	}
	msg := json.RawMessage(raw)
	b, err := json.Marshal(slackevents.EventsAPICallbackEvent{
		Type: slackevents.CallbackEvent, Token: "legacy", TeamID: testTeam, APIAppID: "A1",
		InnerEvent: &msg, EventID: eventID, EventTime: 1700000000,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHTTPEventsRetryAckedFastWithSameID(t *testing.T) {
	f := newFakeSlack(t)
	a := newTestAdapter(t, f, Options{})
	rec := newRecorder()
	rec.release = make(chan struct{}) // a slow handler: it finishes only when the test says so
	srv := serveHTTP(t, a, rec)

	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- a.Run(ctx, rec) }()

	body := string(eventCallback(t, "Ev0LEAN1", slackevents.AppMentionEvent{
		Type: "app_mention", User: testUser, Text: "<@" + testBotUser + "> lc status",
		TimeStamp: "1700000000.000100", Channel: "C0LEAN", EventTimeStamp: "1700000000.000100",
	}))
	retryHeader := http.Header{"X-Slack-Retry-Num": {"1"}, "X-Slack-Retry-Reason": {"http_timeout"}}
	sign(retryHeader, testSecret, time.Now().Unix(), body)
	for retry, hdr := range []http.Header{nil, retryHeader} {
		status, _, took := postSigned(t, srv.URL+"/slack/events", "application/json", body, hdr)
		if status != http.StatusOK {
			t.Fatalf("delivery %d: status %d", retry, status)
		}
		if took > 3*time.Second {
			t.Errorf("delivery %d acknowledged after %v, Slack allows 3 s", retry, took)
		}
	}
	first, second := rec.next(t), rec.next(t)
	if first.ID != "Ev0LEAN1" || second.ID != first.ID {
		t.Errorf("ids %q and %q, want both Ev0LEAN1 so that the core drops the retry", first.ID, second.ID)
	}
	if first.Text != "lc status" || first.Channel != "C0LEAN" || first.Direct {
		t.Errorf("mention event %+v", first)
	}

	// Shutting down waits for the handlers still running.
	cancel()
	select {
	case err := <-runDone:
		t.Fatalf("Run returned (%v) while handlers were still running", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(rec.release)
	if err := <-runDone; err != nil {
		t.Errorf("Run: %v", err)
	}
	// After shutdown, deliveries are refused so that Slack redelivers them elsewhere.
	if status, _, _ := postSigned(t, srv.URL+"/slack/events", "application/json", body, nil); status != http.StatusServiceUnavailable {
		t.Errorf("after shutdown: status %d, want 503", status)
	}
}

func TestHTTPURLVerification(t *testing.T) {
	f := newFakeSlack(t)
	a := newTestAdapter(t, f, Options{})
	srv := serveHTTP(t, a, newRecorder())
	body, _ := json.Marshal(slackevents.EventsAPIURLVerificationEvent{
		Token: "legacy", Challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", Type: slackevents.URLVerification,
	})
	status, resp, _ := postSigned(t, srv.URL+"/slack/events", "application/json", string(body), nil)
	var got slackevents.ChallengeResponse
	if err := json.Unmarshal([]byte(resp), &got); status != http.StatusOK || err != nil ||
		got.Challenge != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("status %d, body %q", status, resp)
	}
}

func TestHTTPDirectMessageIsDirectCommand(t *testing.T) {
	f := newFakeSlack(t)
	a := newTestAdapter(t, f, Options{})
	rec := newRecorder()
	rec.then = func(ctx context.Context, ev adapters.Event) {
		if _, err := a.Post(ctx, ev.Channel, adapters.Message{Text: "Hilfe …"}); err != nil {
			t.Errorf("Post: %v", err)
		}
	}
	srv := serveHTTP(t, a, rec)
	for _, m := range []slackevents.MessageEvent{
		{Type: "message", User: testBotUser, Text: "my own answer", Channel: "D012A3CDE", ChannelType: "im", TimeStamp: "1.1"},
		{Type: "message", User: testUser, Text: "lc help", Channel: "D012A3CDE", ChannelType: "im", TimeStamp: "1.2"},
	} {
		body := eventCallback(t, "Ev"+m.TimeStamp, m)
		if status, _, _ := postSigned(t, srv.URL+"/slack/events", "application/json", string(body), nil); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
	}
	ev := rec.next(t)
	if !ev.Direct || ev.Text != "lc help" || ev.Channel != "D012A3CDE" || ev.ID != "Ev1.2" || ev.UserName != "spengler" {
		t.Errorf("DM event %+v", ev)
	}
	rec.none(t) // the bot's own message was not a command
	if c := f.waitCall("chat.postMessage", 1); c.Form.Get("channel") != "D012A3CDE" {
		t.Errorf("answer went to %q", c.Form.Get("channel"))
	}
}

func TestHTTPSlashCommandInDirectConversations(t *testing.T) {
	f := newFakeSlack(t)
	a := newTestAdapter(t, f, Options{})
	rec := newRecorder()
	srv := serveHTTP(t, a, rec)
	tests := []struct {
		name    string
		channel string
		direct  bool
	}{
		{"in the bot's DM", "D012A3CDE", true}, // the fake's conversations.open answers D012A3CDE
		{"in a DM between two people", "D0PEOPLE", false},
		{"in a channel", "C0LEAN", false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := slashForm(slack.SlashCommand{TeamID: testTeam, ChannelID: tt.channel, ChannelName: "directmessage",
				UserID: testUser, Command: "/lc", Text: "help", TriggerID: "7.7." + strconv.Itoa(i)})
			if status, _, _ := postSigned(t, srv.URL+"/slack/commands", formType, body, nil); status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			if ev := rec.next(t); ev.Direct != tt.direct || ev.ChannelName != "" {
				t.Errorf("Direct = %v, ChannelName %q; want %v", ev.Direct, ev.ChannelName, tt.direct)
			}
		})
	}
	if n := len(f.callsTo("conversations.open")); n != 1 {
		t.Errorf("conversations.open called %d times, want 1 (cached)", n)
	}
}

func TestEphemeralFallsBackToResponseURL(t *testing.T) {
	f := newFakeSlack(t)
	a := newTestAdapter(t, f, Options{})
	f.on("chat.postEphemeral", func(w http.ResponseWriter, _ url.Values) bool {
		slackError(w, "not_in_channel") // the bot was never invited to #fremd
		return true
	})
	rec := newRecorder()
	errs := make(chan error, 1)
	rec.then = func(ctx context.Context, ev adapters.Event) {
		errs <- a.Ephemeral(ctx, ev.Channel, ev.User, adapters.Message{Text: "Bitte lade **wolbot** ein"})
	}
	srv := serveHTTP(t, a, rec)
	body := slashForm(slack.SlashCommand{TeamID: testTeam, ChannelID: "C0FREMD", ChannelName: "fremd",
		UserID: testUser, Command: "/lc", Text: "start", TriggerID: "8.8.8", ResponseURL: f.GetAPIURL() + "hooks/T1/B1/xyz"})
	if status, _, _ := postSigned(t, srv.URL+"/slack/commands", formType, body, nil); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	rec.next(t)
	if err := <-errs; err != nil {
		t.Fatalf("Ephemeral: %v", err)
	}
	c := f.waitCall("response_url", 1)
	if c.Form.Get("path") != "/hooks/T1/B1/xyz" || c.Form.Get("response_type") != "ephemeral" || c.Form.Get("text") != "Bitte lade *wolbot* ein" {
		t.Errorf("response_url got %v", c.Form)
	}

	// Without a recent command of that user there, the error is returned.
	err := a.Ephemeral(context.Background(), "C0FREMD", "U0ANNA", adapters.Message{Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "not_in_channel") {
		t.Errorf("Ephemeral without response_url = %v", err)
	}
}
