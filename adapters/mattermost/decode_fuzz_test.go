package mattermost

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
)

// Fuzz tests of everything the Mattermost adapter reads from the network (issue 7,
// "Reliability drills"): the slash-command form, the button callback with its signed context,
// and the WebSocket "posted" event.

const (
	fuzzBotID   = "bot0000000000000000000000a"
	fuzzBotName = "wolbot"
	fuzzToken   = "cmd-token-1"
)

// fuzzDM is the id the fuzz adapter's server gives the direct channel of the bot and anyone.
const fuzzDM = "dm000000000000000000000000"

// fuzzAdapter is an Adapter whose server answers only two questions: every user is a member
// of every channel, and the bot's direct channel with anyone is fuzzDM. Every other call
// fails at once, so the user lookup of dispatch fails and a handled event reaches the handler
// without name and locale.
func fuzzAdapter(t testing.TB) *Adapter {
	offline := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		reply := func(status int, v any) (*http.Response, error) {
			js, _ := json.Marshal(v)
			return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(bytes.NewReader(js)), Request: r}, nil
		}
		switch {
		case r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/members/"):
			return reply(200, &model.ChannelMember{})
		case r.Method == http.MethodPost && r.URL.Path == "/api/v4/channels/direct":
			return reply(201, &model.Channel{Id: fuzzDM, Type: model.ChannelTypeDirect})
		}
		return nil, errors.New("offline")
	})
	a, err := newAdapter(Options{
		URL: "http://mm.invalid", Token: "bot-token", PublicURL: "http://wolbot.test",
		CommandTokens: []string{"other-team-token", fuzzToken}, HTTPClient: &http.Client{Transport: offline},
		Logger: zerolog.Nop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	a.botID, a.botName = fuzzBotID, fuzzBotName
	a.maxAttempts = 1
	return a
}

// collect is a Handler that keeps the events it is given.
type collect struct {
	mu     sync.Mutex
	events []adapters.Event
}

func (c *collect) HandleEvent(_ context.Context, ev adapters.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, ev)
}

// serve runs one request through h and waits until its event, if any, has been handled.
func serve(a *Adapter, h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, r)
	a.inflight.Wait()
	return rr
}

// FuzzMattermostCommand posts arbitrary form bodies (and Authorization headers) to the
// slash-command endpoint: only a configured token is accepted (random tokens never are), an
// accepted request yields exactly one command event built from the form, a refused one none.
func FuzzMattermostCommand(f *testing.F) {
	good := url.Values{
		"token": {fuzzToken}, "team_id": {"team1"}, "channel_id": {"chan1"}, "channel_name": {"town-square"},
		"user_id": {"user1"}, "user_name": {"anna"}, "command": {"/lc"}, "text": {"start votes=3"},
		"trigger_id": {"dHJpZ2dlcg=="}, "response_url": {"http://mm.invalid/hooks/commands/x"},
	}
	f.Add(good.Encode(), "")
	dm := url.Values{"command": {" /lc "}, "text": {"  "}, "user_id": {"user1"}, "channel_name": {"user1__" + fuzzBotID}}
	f.Add(dm.Encode(), "Token "+fuzzToken)
	f.Add("token=other-team-token&command=%2Fwol&text=join", "")
	f.Add("token=cmd-token-2&command=%2Flc", "Token "+fuzzToken)
	f.Add("token=&command=%2Flc", "Token other-team-token")
	f.Add("token=cmd-token-1%20&command=%2Flc", "")
	f.Add("command=%2Flc", "Bearer "+fuzzToken)
	f.Add("%zz", "")
	f.Add("token=cmd-token-1;command=/lc", "")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, body, auth string) {
		if len(body) > maxCallbackBody {
			return // refused by the size limit
		}
		a := fuzzAdapter(t)
		h := &collect{}
		r := httptest.NewRequest(http.MethodPost, CommandPath, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if auth != "" {
			r.Header["Authorization"] = []string{auth}
		}
		rr := serve(a, a.commandHandler(h), r)

		form, ferr := url.ParseQuery(body)
		token := form.Get("token")
		if token == "" {
			token, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Token ")
		}
		known := token == fuzzToken || token == "other-team-token"
		switch {
		case ferr != nil:
			if rr.Code != http.StatusBadRequest || len(h.events) != 0 {
				t.Fatalf("unreadable form %q: status %d, %d events", body, rr.Code, len(h.events))
			}
			return
		case !known:
			if rr.Code != http.StatusUnauthorized || len(h.events) != 0 {
				t.Fatalf("token %q accepted: status %d, %d events", token, rr.Code, len(h.events))
			}
			return
		}
		if rr.Code != http.StatusOK || len(h.events) != 1 {
			t.Fatalf("form %q with a good token: status %d, %d events", body, rr.Code, len(h.events))
		}
		var resp model.CommandResponse
		if err := json.Unmarshal(rr.Body.Bytes(), &resp); err != nil || resp.ResponseType != model.CommandResponseTypeEphemeral || resp.Text != "" {
			t.Fatalf("answer %q, %v: want an empty ephemeral response", rr.Body, err)
		}
		ev := h.events[0]
		text := strings.TrimPrefix(strings.TrimSpace(form.Get("command")), "/")
		if rest := strings.TrimSpace(form.Get("text")); rest != "" {
			text += " " + rest
		}
		wantID := ""
		if tr := form.Get("trigger_id"); tr != "" {
			wantID = "mm-cmd-" + tr
		}
		want := adapters.Event{
			Kind: adapters.KindCommand, Platform: platform, Team: form.Get("team_id"), Channel: form.Get("channel_id"),
			ChannelName: form.Get("channel_name"), User: form.Get("user_id"),
			Direct: form.Get("channel_name") == a.directName(form.Get("user_id")) && form.Get("channel_id") == fuzzDM &&
				form.Get("user_id") != "",
			Text: text, ID: wantID,
		}
		if ev != want {
			t.Fatalf("form %q:\n got %+v\nwant %+v", body, ev, want)
		}
	})
}

// signedContext is the context the adapter puts on a button of post1 in chan1, as it comes
// back through JSON.
func signedContext(t testing.TB, a *Adapter, action, value string) map[string]any {
	atts := a.attachments([]adapters.Button{{ID: action, Value: value, Label: "x"}}, scope{post: "post1", channel: "chan1"})
	js, err := json.Marshal(atts)
	if err != nil {
		t.Fatal(err)
	}
	var back []*model.MessageAttachment
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	return back[0].Actions[0].Integration.Context
}

// signedFor is the context of a button of post in channel, signed by a, valid until 2100.
func signedFor(a *Adapter, action, value, post, channel string) map[string]any {
	return map[string]any{
		ctxAction: action, ctxValue: value, ctxExp: farFuture,
		ctxSig: a.sign(action, value, farFuture, scope{post: post, channel: channel}),
	}
}

// farFuture is an expiry (the year 2100) for contexts made up by the tests.
const farFuture = "4102444800"

// FuzzMattermostSignature: a button's signed context verifies after its trip through JSON and
// gives back the action and value, for a click on its post in its channel; changing the
// action, the value, the post, the channel or the signature, or a context made up from scratch,
// never verifies.
func FuzzMattermostSignature(f *testing.F) {
	f.Add("lc.vote", "r1:2", "", "")
	f.Add("", "", "00", "x")
	f.Add("wol.answer", "step|value with spaces ✓", "zz", "a\x00b")
	f.Add("lc.end", "r1:discussing:7", strings.Repeat("ab", 32), "lc.end")
	f.Add("lc.vote", "r1:2", "", "post1")
	f.Fuzz(func(t *testing.T, action, value, sig, other string) {
		a := fuzzAdapter(t)
		if utf8.ValidString(action) && utf8.ValidString(value) { // what JSON carries unchanged
			c := signedContext(t, a, action, value)
			gotA, gotV, ok := a.verify(c, "post1", "chan1", "user1")
			if !ok || gotA != action || gotV != value {
				t.Fatalf("own context for %q/%q: verify = %q, %q, %v", action, value, gotA, gotV, ok)
			}
			if other != action {
				forged := map[string]any{ctxAction: other, ctxValue: value, ctxExp: c[ctxExp], ctxSig: c[ctxSig]}
				if _, _, ok := a.verify(forged, "post1", "chan1", "user1"); ok {
					t.Fatalf("signature of %q/%q verifies action %q", action, value, other)
				}
			}
			if other != value {
				forged := map[string]any{ctxAction: action, ctxValue: other, ctxExp: c[ctxExp], ctxSig: c[ctxSig]}
				if _, _, ok := a.verify(forged, "post1", "chan1", "user1"); ok {
					t.Fatalf("signature of %q/%q verifies value %q", action, value, other)
				}
			}
			if _, _, ok := a.verify(c, other, "chan1", "user1"); ok != (other == "post1") {
				t.Fatalf("signature for post1 on post %q: verify = %v", other, ok)
			}
			if _, _, ok := a.verify(c, "post1", other, "user1"); ok != (other == "chan1") {
				t.Fatalf("signature for chan1 in channel %q: verify = %v", other, ok)
			}
		}
		want := a.mac(action, value, farFuture, scope{post: "post1", channel: "chan1"})
		got, err := hex.DecodeString(sig)
		_, _, ok := a.verify(map[string]any{ctxAction: action, ctxValue: value, ctxExp: farFuture, ctxSig: sig}, "post1", "chan1", "user1")
		if ok != (err == nil && bytes.Equal(got, want)) {
			t.Fatalf("verify(%q, %q, sig %q) = %v", action, value, sig, ok)
		}
		// Keys missing or of another type never verify.
		for _, c := range []map[string]any{
			nil, {ctxAction: action, ctxValue: value, ctxExp: farFuture},
			{ctxAction: action, ctxExp: farFuture, ctxSig: hex.EncodeToString(want)},
			{ctxAction: action, ctxValue: value, ctxSig: hex.EncodeToString(want)},
			{ctxAction: []byte(action), ctxValue: value, ctxExp: farFuture, ctxSig: hex.EncodeToString(want)},
			{ctxAction: action, ctxValue: value, ctxExp: farFuture, ctxSig: want},
			{ctxAction: action, ctxValue: value, ctxExp: 4102444800.0, ctxSig: hex.EncodeToString(want)},
		} {
			if _, _, ok := a.verify(c, "post1", "chan1", "user1"); ok {
				t.Fatalf("verify(%v) = true", c)
			}
		}
	})
}

// FuzzMattermostAction posts arbitrary JSON to the button endpoint: it answers 200 with one
// action event exactly when the context carries the adapter's own signature of its action and
// value, 403 for any other context and 400 for what is not JSON.
func FuzzMattermostAction(f *testing.F) {
	a := fuzzAdapter(f)
	req := model.PostActionIntegrationRequest{
		UserId: "user1", UserName: "anna", ChannelId: "chan1", ChannelName: "town-square", TeamId: "team1",
		PostId: "post1", TriggerId: "trig1", Type: "button",
		Context: signedFor(a, "lc.vote", "r1:2", "post1", "chan1"),
	}
	js, _ := json.Marshal(req)
	f.Add(js)
	req.Context = map[string]any{ctxAction: "lc.vote", ctxValue: "r1:3", ctxExp: farFuture,
		ctxSig: a.sign("lc.vote", "r1:2", farFuture, scope{post: "post1", channel: "chan1"})}
	js, _ = json.Marshal(req)
	f.Add(js)
	req.ChannelName, req.ChannelId = a.directName("user1"), fuzzDM
	req.Context = map[string]any{ctxAction: "", ctxValue: "", ctxExp: farFuture,
		ctxSig: strings.ToUpper(a.sign("", "", farFuture, scope{post: "post1", channel: fuzzDM}))}
	js, _ = json.Marshal(req)
	f.Add(js)
	req.Context = signedFor(a, "lc.vote", "r1:2", "", fuzzDM)
	req.Context[ctxUser] = "user1"
	req.Context[ctxSig] = a.sign("lc.vote", "r1:2", farFuture, scope{channel: fuzzDM, user: "user1"})
	js, _ = json.Marshal(req)
	f.Add(js)
	f.Add([]byte(`{"context":{"action":"lc.vote","value":"r1:2","sig":123}}`))
	f.Add([]byte(`{"context":null}`))
	f.Add([]byte(`{"context":[1]}`))
	f.Add([]byte(`not json`))
	f.Add([]byte(`{} {}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > maxCallbackBody {
			return // refused by the size limit
		}
		a := fuzzAdapter(t)
		h := &collect{}
		r := httptest.NewRequest(http.MethodPost, ActionPath, bytes.NewReader(body))
		rr := serve(a, a.actionHandler(h), r)

		var req model.PostActionIntegrationRequest
		if err := json.NewDecoder(bytes.NewReader(body)).Decode(&req); err != nil {
			if rr.Code != http.StatusBadRequest || len(h.events) != 0 {
				t.Fatalf("not JSON: status %d, %d events", rr.Code, len(h.events))
			}
			return
		}
		action, okA := req.Context[ctxAction].(string)
		value, okV := req.Context[ctxValue].(string)
		exp, okE := req.Context[ctxExp].(string)
		sig, _ := req.Context[ctxSig].(string)
		got, err := hex.DecodeString(sig)
		expires, expErr := strconv.ParseInt(exp, 10, 64)
		sc := scope{post: req.PostId, channel: req.ChannelId}
		boundUser, userBound := req.Context[ctxUser]
		if userBound {
			sc = scope{channel: req.ChannelId, user: req.UserId}
		}
		scopeOK := (!userBound && req.PostId != "") || (userBound && boundUser == req.UserId && req.UserId != "")
		signed := okA && okV && okE && expErr == nil && expires >= time.Now().Unix() && scopeOK && err == nil &&
			bytes.Equal(got, a.mac(action, value, exp, sc))
		if !signed {
			if rr.Code != http.StatusForbidden || len(h.events) != 0 {
				t.Fatalf("unsigned context %v: status %d, %d events", req.Context, rr.Code, len(h.events))
			}
			return
		}
		if rr.Code != http.StatusOK || len(h.events) != 1 {
			t.Fatalf("signed context: status %d, %d events", rr.Code, len(h.events))
		}
		want := adapters.Event{
			Kind: adapters.KindAction, Platform: platform, Team: req.TeamId, Channel: req.ChannelId,
			ChannelName: req.ChannelName, User: req.UserId,
			Direct:   req.UserId != "" && req.ChannelName == a.directName(req.UserId) && req.ChannelId == fuzzDM,
			ActionID: action, Value: value, PostID: req.PostId,
			ID: actionEventID(req.PostId, req.UserId, action, value, req.TriggerId),
		}
		if h.events[0] != want {
			t.Fatalf("body %q:\n got %+v\nwant %+v", body, h.events[0], want)
		}
	})
}

// postedJSON is a "posted" WebSocket event as Mattermost sends it.
func postedJSON(t testing.TB, p *model.Post, channelType model.ChannelType, channelName, sender string) []byte {
	js, err := p.ToJSON()
	if err != nil {
		t.Fatal(err)
	}
	ev := model.NewWebSocketEvent(model.WebsocketEventPosted, "", p.ChannelId, "", nil, "")
	ev.Add("post", js)
	ev.Add("channel_type", string(channelType))
	ev.Add("channel_name", channelName)
	ev.Add("channel_display_name", channelName)
	ev.Add("sender_name", "@"+sender)
	ev.Add("team_id", "team1")
	out, err := ev.ToJSON()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// FuzzMattermostPosted decodes arbitrary WebSocket messages as the client does and translates
// "posted" events: a refused post yields a zero event; an accepted one is a command by a real
// user other than the bot, addressed to the bot (a leading @wolbot, or a direct channel), with a
// trimmed text and the post id as event id.
func FuzzMattermostPosted(f *testing.F) {
	post := func(msg string) *model.Post {
		return &model.Post{Id: "post1", UserId: "user1", ChannelId: "chan1", Message: msg, CreateAt: 1}
	}
	f.Add(postedJSON(f, post("@wolbot lc start"), model.ChannelTypeOpen, "town-square", "anna"))
	f.Add(postedJSON(f, post("@WOLBOT: /lc help"), model.ChannelTypeOpen, "town-square", "anna"))
	f.Add(postedJSON(f, post("lc help"), model.ChannelTypeDirect, "user1__"+fuzzBotID, "anna"))
	f.Add(postedJSON(f, post("lc help"), model.ChannelTypeDirect, "user1__user2", "anna"))
	f.Add(postedJSON(f, post("@wolbot2 hi"), model.ChannelTypeOpen, "x", "anna"))
	f.Add(postedJSON(f, post("@wolbot\u00a0x"), model.ChannelTypeOpen, "x", "anna"))
	f.Add(postedJSON(f, post("@wolbot,"), model.ChannelTypePrivate, "", ""))
	bot := post("@wolbot x")
	bot.UserId = fuzzBotID
	f.Add(postedJSON(f, bot, model.ChannelTypeOpen, "x", "wolbot"))
	hook := post("@wolbot x")
	hook.AddProp(model.PostPropsFromWebhook, "true")
	f.Add(postedJSON(f, hook, model.ChannelTypeOpen, "x", "anna"))
	f.Add([]byte(`{"event":"posted","data":{"post":"{\"id\":\"p\",\"user_id\":\"u\",\"message\":\"@wolbot\"}"},"seq":1}`))
	f.Add([]byte(`{"event":"posted","data":{"post":5},"seq":1}`))
	f.Add([]byte(`{"event":"posted","data":null}`))
	f.Add([]byte(`{"event":"hello","data":{"connection_id":"c"},"seq":0}`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		wsEv, err := model.WebSocketEventFromJSON(bytes.NewReader(msg))
		if err != nil || wsEv.EventType() != model.WebsocketEventPosted {
			return
		}
		a := &Adapter{botID: fuzzBotID, botName: fuzzBotName, log: zerolog.Nop()}
		ev, ok := a.postedEvent(wsEv)
		if !ok {
			if ev != (adapters.Event{}) {
				t.Fatalf("refused post gave half an event: %+v", ev)
			}
			return
		}
		raw, _ := wsEv.GetData()["post"].(string)
		var p model.Post
		if err := json.Unmarshal([]byte(raw), &p); err != nil {
			t.Fatalf("accepted a post that does not decode: %v", err)
		}
		if ev.Kind != adapters.KindCommand || ev.Platform != platform || ev.User == "" || ev.User == fuzzBotID ||
			ev.User != p.UserId || ev.ID != "mm-post-"+p.Id || p.Id == "" || ev.Channel != p.ChannelId ||
			ev.Text != strings.TrimSpace(ev.Text) {
			t.Fatalf("post %s gave %+v", raw, ev)
		}
		if p.Type != "" || p.EditAt != 0 || p.DeleteAt != 0 {
			t.Fatalf("system, edited or deleted post %s accepted", raw)
		}
		mention := strings.TrimSpace(p.Message)
		addressed := len(mention) >= len(fuzzBotName)+1 && strings.EqualFold(mention[:len(fuzzBotName)+1], "@"+fuzzBotName)
		if !ev.Direct && !addressed {
			t.Fatalf("post %q in a channel accepted without a mention of the bot", p.Message)
		}
		if ev.Direct && ev.ChannelName != "@"+ev.UserName {
			t.Fatalf("direct event %+v", ev)
		}
		if !strings.Contains(p.Message, ev.Text) {
			t.Fatalf("text %q is not from the post %q", ev.Text, p.Message)
		}
	})
}
