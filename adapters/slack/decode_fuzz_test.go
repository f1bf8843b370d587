package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/wolbot/wolbot/adapters"
)

// Fuzz tests of everything the Slack adapter reads from the network (issue 7, "Reliability
// drills"): the request signature, slash-command forms, Events API callbacks, interaction
// payloads, and Socket Mode envelopes carrying any of them. The decoders are driven through
// the same slack-go parsers the HTTP handlers and the socketmode client use.

// fuzzNow is the clock of the signature fuzz test.
var fuzzNow = time.Unix(1700000000, 0)

// FuzzVerifySignature: a request verifies if and only if its signature is the HMAC of the
// body with the secret and its timestamp is fresh. Random signatures never verify; a correctly
// signed request does unless it is stale; one changed byte of the body breaks it.
func FuzzVerifySignature(f *testing.F) {
	f.Add(docSecret, strconv.Itoa(docTimestamp), docSignature, []byte(docBody), int64(0))
	f.Add(docSecret, "1700000000", "v0=00", []byte("x"), int64(1700000000-docTimestamp))
	f.Add("s", "1700000000", "", []byte(""), int64(0))
	f.Add("", "1700000000", "v0=", []byte("{}"), int64(0))
	f.Add("s", "+1700000000", "V0=ab", []byte("a=b"), int64(0))
	f.Add("s", "01700000299", "v0=zz", []byte("a=b"), int64(301))
	f.Add("s", "-9223372036854775808", "v0=", []byte(""), int64(-1))
	f.Fuzz(func(t *testing.T, secret, ts, sig string, body []byte, shift int64) {
		now := fuzzNow.Add(time.Duration(shift) * time.Second)
		h := http.Header{}
		h.Set("X-Slack-Request-Timestamp", ts)
		h.Set("X-Slack-Signature", sig)
		ts, sig = h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature") // as the server sees them

		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte("v0:" + ts + ":"))
		mac.Write(body)
		want := mac.Sum(nil)
		sec, perr := strconv.ParseInt(ts, 10, 64)
		fresh := perr == nil && now.Sub(time.Unix(sec, 0)).Abs() <= maxSkew
		usable := secret != "" && ts != "" && fresh

		got, derr := hex.DecodeString(strings.TrimPrefix(sig, "v0="))
		sigOK := strings.HasPrefix(sig, "v0=") && derr == nil && hmac.Equal(got, want)
		if err := VerifySignature(secret, h, body, now); (err == nil) != (usable && sigOK) {
			t.Fatalf("VerifySignature(secret %q, ts %q, sig %q, body %q) = %v; fresh %v, signature right %v",
				secret, ts, sig, body, err, fresh, sigOK)
		}

		// A correctly signed request passes unless stale; any changed byte makes it fail.
		signed := http.Header{}
		signed.Set("X-Slack-Request-Timestamp", ts)
		signed.Set("X-Slack-Signature", "v0="+hex.EncodeToString(want))
		if err := VerifySignature(secret, signed, body, now); (err == nil) != usable {
			t.Fatalf("correctly signed request (secret %q, ts %q, fresh %v): %v", secret, ts, fresh, err)
		}
		if usable {
			tampered := append([]byte(nil), body...)
			if len(tampered) == 0 {
				tampered = []byte{0}
			} else {
				tampered[len(tampered)/2] ^= 0x20
			}
			if VerifySignature(secret, signed, tampered, now) == nil {
				t.Fatalf("tampered body %q verifies with the signature of %q", tampered, body)
			}
		}
	})
}

// fuzzAdapter is an Adapter with only what the decoders read.
func fuzzAdapter() *Adapter { return &Adapter{botUser: testBotUser, team: testTeam} }

// checkInbound checks what every decoded event must satisfy; ok false must come with nothing.
func checkInbound(t *testing.T, in inbound, ok bool, what string) {
	t.Helper()
	if !ok {
		if in != (inbound{}) {
			t.Fatalf("%s: refused, but half an event came back: %+v", what, in)
		}
		return
	}
	ev := in.ev
	if ev.Platform != platform || ev.User == "" {
		t.Fatalf("%s: malformed event %+v", what, ev)
	}
	switch ev.Kind {
	case adapters.KindCommand:
		if strings.TrimSpace(ev.Text) == "" || ev.ActionID != "" || ev.Value != "" || ev.PostID != "" {
			t.Fatalf("%s: command event %+v", what, ev)
		}
	case adapters.KindAction:
		if ev.ActionID == "" || ev.ID == "" || ev.Text != "" {
			t.Fatalf("%s: action event %+v", what, ev)
		}
	default:
		t.Fatalf("%s: kind %q", what, ev.Kind)
	}
}

// checkSlash checks fromSlash's result against the command it was given.
func checkSlash(t *testing.T, a *Adapter, cmd slack.SlashCommand, what string) {
	t.Helper()
	in, ok := a.fromSlash(cmd, "env-1")
	checkInbound(t, in, ok, what)
	word := strings.TrimPrefix(strings.TrimSpace(cmd.Command), "/")
	if ok != (word != "" && cmd.UserID != "") {
		t.Fatalf("%s: fromSlash(%+v) ok = %v", what, cmd, ok)
	}
	if !ok {
		return
	}
	ev := in.ev
	wantID := cmd.TriggerID
	if wantID == "" {
		wantID = "env-1"
	}
	if ev.Kind != adapters.KindCommand || ev.ID != wantID || ev.User != cmd.UserID || ev.Channel != cmd.ChannelID ||
		ev.Team != cmd.TeamID || !strings.HasPrefix(ev.Text, word) || in.responseURL != cmd.ResponseURL ||
		ev.Direct != strings.HasPrefix(cmd.ChannelID, "D") || in.checkIM != ev.Direct {
		t.Fatalf("%s: fromSlash(%+v) = %+v", what, cmd, in)
	}
	if rest := strings.TrimPrefix(ev.Text, word); rest != "" && (rest[0] != ' ' || rest[1:] != plainText(cmd.Text)) {
		t.Fatalf("%s: fromSlash(%+v) text %q, want %q + plain text", what, cmd, ev.Text, word)
	}
}

// checkEventsAPI checks fromEventsAPI's result.
func checkEventsAPI(t *testing.T, a *Adapter, outer slackevents.EventsAPIEvent, what string) {
	t.Helper()
	in, ok := a.fromEventsAPI(outer)
	checkInbound(t, in, ok, what)
	if !ok {
		return
	}
	ev := in.ev
	if ev.Kind != adapters.KindCommand || ev.User == a.botUser || ev.Team == "" || outer.Type != slackevents.CallbackEvent {
		t.Fatalf("%s: fromEventsAPI = %+v", what, ev)
	}
	if in.checkIM || ev.ID != outer.Data.(*slackevents.EventsAPICallbackEvent).EventID {
		t.Fatalf("%s: fromEventsAPI = %+v", what, in)
	}
}

// checkInteraction checks fromInteraction's results.
func checkInteraction(t *testing.T, a *Adapter, cb slack.InteractionCallback, what string) {
	t.Helper()
	out := a.fromInteraction(cb)
	if len(out) > 0 && (cb.Type != slack.InteractionTypeBlockActions || cb.User.ID == "") {
		t.Fatalf("%s: %d events from a %q interaction by %q", what, len(out), cb.Type, cb.User.ID)
	}
	ids := map[string]bool{}
	for _, in := range out {
		checkInbound(t, in, true, what)
		ev := in.ev
		if ev.Kind != adapters.KindAction || ev.User != cb.User.ID || in.responseURL != cb.ResponseURL ||
			ev.Direct != strings.HasPrefix(ev.Channel, "D") || in.checkIM != ev.Direct {
			t.Fatalf("%s: fromInteraction = %+v", what, in)
		}
		if cb.TriggerID != "" && ids[ev.ID] {
			t.Fatalf("%s: two actions of one click share the id %q", what, ev.ID)
		}
		ids[ev.ID] = true
	}
}

// FuzzSlackSlashCommandForm: the form body of POST /slack/commands.
func FuzzSlackSlashCommandForm(f *testing.F) {
	f.Add(docBody)
	f.Add(weatherBody)
	f.Add(slashForm(slack.SlashCommand{TeamID: testTeam, ChannelID: "D012A3CDE", ChannelName: "directmessage",
		UserID: testUser, UserName: "spengler", Command: "/lc", Text: "topic <@U0ANNA|anna> &amp; <!here>", TriggerID: "1.2.3"}))
	f.Add("command=%2F&user_id=U1")
	f.Add("command=&user_id=")
	f.Add("command=lc&user_id=U1&text=%20%20")
	f.Add("%zz=1&command=lc")
	f.Add("command=/lc&command=/x&user_id=U1;text=a")
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		cmd, err := slack.SlashCommandParse(r)
		if err != nil {
			return // answered 400
		}
		checkSlash(t, fuzzAdapter(), cmd, "form "+strconv.Quote(body))
	})
}

// FuzzSlackEventsAPI: the JSON body of POST /slack/events, as serveEvents reads it.
func FuzzSlackEventsAPI(f *testing.F) {
	mention := slackevents.AppMentionEvent{Type: "app_mention", User: testUser, Text: "<@" + testBotUser + "> lc start votes=3", Channel: "C0LEAN", TimeStamp: "1.1"}
	im := slackevents.MessageEvent{Type: "message", User: testUser, Text: "<@" + testBotUser + "> /lc help", Channel: "D012A3CDE", ChannelType: "im", TimeStamp: "1.2"}
	for _, inner := range []any{mention, im,
		slackevents.MessageEvent{Type: "message", SubType: "message_changed", User: testUser, Text: "x", ChannelType: "im"},
		slackevents.AppMentionEvent{Type: "app_mention", User: testUser, Text: "frag <@" + testBotUser + ">"},
	} {
		f.Add(eventCallbackBytes(f, "Ev1", inner))
	}
	f.Add([]byte(`{"type":"url_verification","challenge":"abc"}`))
	f.Add([]byte(`{"type":"event_callback","event":{"type":"unknown_event"}}`))
	f.Add([]byte(`{"type":"event_callback","event":null}`))
	f.Add([]byte(`{"type":"event_callback","event":{"type":"app_mention","text":"<@UBOT00001|> <#C1> <!here^x|y> <x|>"}}`))
	f.Add([]byte(`{"type":"event_callback"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var env struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(body, &env) != nil || env.Type != slackevents.CallbackEvent {
			return // 400, url_verification, or acknowledged and ignored
		}
		outer, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
		if err != nil {
			return // acknowledged and ignored
		}
		checkEventsAPI(t, fuzzAdapter(), outer, "body "+strconv.Quote(string(body)))
	})
}

// eventCallbackBytes is eventCallback for a fuzz seed.
func eventCallbackBytes(f *testing.F, eventID string, inner any) []byte {
	raw, err := json.Marshal(inner)
	if err != nil {
		f.Fatal(err)
	}
	msg := json.RawMessage(raw)
	b, err := json.Marshal(slackevents.EventsAPICallbackEvent{
		Type: slackevents.CallbackEvent, Token: "legacy", TeamID: testTeam, APIAppID: "A1",
		InnerEvent: &msg, EventID: eventID, EventTime: 1700000000,
	})
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// clickPayload is the JSON of a block_actions interaction.
func clickPayload(f *testing.F, trigger string, actions ...*slack.BlockAction) string {
	cb := slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, TriggerID: trigger, Team: slack.Team{ID: testTeam},
		User:           slack.User{ID: testUser, Name: "spengler", TeamID: testTeam},
		Container:      slack.Container{Type: "message", MessageTs: "1.1", ChannelID: "C0LEAN"},
		ResponseURL:    "https://hooks.slack.com/actions/x",
		ActionCallback: slack.ActionCallbacks{BlockActions: actions},
	}
	b, err := json.Marshal(cb)
	if err != nil {
		f.Fatal(err)
	}
	return string(b)
}

// FuzzSlackInteraction: the form body of POST /slack/interactivity, whose "payload" field is
// the interaction's JSON; the action ids are the ones render made ("lc.vote|1").
func FuzzSlackInteraction(f *testing.F) {
	vote := &slack.BlockAction{ActionID: "lc.vote" + actionSep + "1", Value: "r1:2", ActionTs: "1.2", Type: "button"}
	f.Add(url.Values{"payload": {clickPayload(f, "9.1.click", vote)}}.Encode())
	f.Add(url.Values{"payload": {clickPayload(f, "", vote, &slack.BlockAction{ActionID: "lc.end|2", ActionTs: "1.2#1"})}}.Encode())
	f.Add(url.Values{"payload": {clickPayload(f, "t", &slack.BlockAction{}, nil)}}.Encode())
	f.Add(url.Values{"payload": {`{"type":"view_submission","user":{"id":"U1"}}`}}.Encode())
	f.Add(url.Values{"payload": {`{"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"x","block_id":"b"},{"action_id":"y","block_id":"b","action_ts":"1"}]}`}}.Encode())
	f.Add("payload=")
	f.Add("payload=%7B")
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/slack/interactivity", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		cb, err := slack.InteractionCallbackParse(r)
		if err != nil {
			return // answered 400
		}
		checkInteraction(t, fuzzAdapter(), cb, "form "+strconv.Quote(body))
	})
}

// FuzzSlackSocketEnvelope: a Socket Mode message, decoded as the socketmode client does
// (envelope, then the payload by type), and handed to the same translations.
func FuzzSlackSocketEnvelope(f *testing.F) {
	env := func(typ string, payload string) []byte {
		b, err := json.Marshal(map[string]any{"type": typ, "envelope_id": "e1", "payload": json.RawMessage(payload),
			"accepts_response_payload": false, "retry_attempt": 0})
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	slash, _ := json.Marshal(slack.SlashCommand{Command: "/lc", Text: "start", UserID: testUser, ChannelID: "C0LEAN", TeamID: testTeam})
	f.Add(env(string(socketmode.RequestTypeSlashCommands), string(slash)))
	f.Add(env(string(socketmode.RequestTypeSlashCommands), `{"command":"/lc","user_id":"U1","is_enterprise_install":"true"}`))
	f.Add(env(string(socketmode.RequestTypeEventsAPI), string(eventCallbackBytes(f, "Ev2",
		slackevents.AppMentionEvent{Type: "app_mention", User: testUser, Text: "<@" + testBotUser + "> lc help", Channel: "C1"}))))
	f.Add(env(string(socketmode.RequestTypeInteractive), clickPayload(f, "t1",
		&slack.BlockAction{ActionID: "lc.next|0", Value: "r1:voting:3", ActionTs: "1.3"})))
	f.Add(env("hello", `{}`))
	f.Add([]byte(`{"type":"slash_commands","payload":[]}`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		var req socketmode.Request
		if json.Unmarshal(msg, &req) != nil {
			return
		}
		a := fuzzAdapter()
		what := "envelope " + strconv.Quote(string(msg))
		switch req.Type {
		case socketmode.RequestTypeSlashCommands:
			var cmd slack.SlashCommand
			if json.Unmarshal(req.Payload, &cmd) == nil {
				checkSlash(t, a, cmd, what)
			}
		case socketmode.RequestTypeEventsAPI:
			if outer, err := slackevents.ParseEvent(req.Payload, slackevents.OptionNoVerifyToken()); err == nil {
				checkEventsAPI(t, a, outer, what)
			}
		case socketmode.RequestTypeInteractive:
			var cb slack.InteractionCallback
			if json.Unmarshal(req.Payload, &cb) == nil {
				checkInteraction(t, a, cb, what)
			}
		}
	})
}

// FuzzSlackMarkup: plainText (inbound) undoes escapeText (outbound) exactly; stripMention only
// ever strips the bot's own leading mention; actionID recovers the id render put into an
// action_id.
func FuzzSlackMarkup(f *testing.F) {
	for _, s := range []string{
		"lc moderator <@U0ANNA|anna> in <#C0LEAN|lean-coffee> &amp; <https://example.org|hier> &lt;3",
		"<@" + testBotUser + "> lc start", "<@" + testBotUser + "|wolbot>: lc", "  <@" + testBotUser + ">",
		"<!here>", "<!subteam^S1|@team>", "&amp;lt;", "a < b > c & d", "<@W1><#G2><!x>", "<", "<>", "<|>",
		"lc.vote", "a|b|c", "\xff<@U1>", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := plainText(escapeText(s)); got != strings.TrimSpace(s) {
			t.Fatalf("plainText(escapeText(%q)) = %q", s, got)
		}
		out := plainText(s)
		if out != strings.TrimSpace(out) {
			t.Fatalf("plainText(%q) = %q is not trimmed", s, out)
		}
		a := fuzzAdapter()
		rest, ok := a.stripMention(s)
		if !ok && rest != s {
			t.Fatalf("stripMention(%q) changed a text without the mention: %q", s, rest)
		}
		if ok && !strings.HasPrefix(strings.TrimLeft(s, " \t\n"), "<@"+testBotUser) {
			t.Fatalf("stripMention(%q) = %q: not the bot's mention", s, rest)
		}
		if ok && !strings.HasSuffix(s, rest) {
			t.Fatalf("stripMention(%q) = %q is not the rest of the text", s, rest)
		}
		for i := range 3 {
			if got := actionID(s + actionSep + strconv.Itoa(i)); got != s {
				t.Fatalf("actionID of button %q number %d = %q", s, i, got)
			}
		}
	})
}
