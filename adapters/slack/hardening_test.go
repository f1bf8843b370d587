package slack

// Tests of issue 11 ("Hardening"), reproduced against the adapter's real HTTP endpoints and the
// fake Slack server.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/slack-go/slack"

	"github.com/wolbot/wolbot/adapters"
)

// Attack (issue 11.4): a request that reaches the bot with a response_url of the attacker's
// choosing made the bot post a user's private answer there. Only Slack's own hosts (and
// SLACK_API_URL) are used; any other URL is ignored.
func TestForeignResponseURLIsNeverCalled(t *testing.T) {
	var stolen atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { stolen.Add(1) }))
	t.Cleanup(evil.Close)
	f := newFakeSlack(t)
	a := newTestAdapter(t, f, Options{})
	f.on("chat.postEphemeral", func(w http.ResponseWriter, _ url.Values) bool {
		slackError(w, "not_in_channel")
		return true
	})
	rec := newRecorder()
	srv := serveHTTP(t, a, rec)
	api, _ := url.Parse(f.GetAPIURL())
	for i, u := range []string{
		evil.URL + "/commands/T1/1/x",
		"http://hooks.slack.com/commands/T1/1/x", // not https
		"https://hooks.slack.com.evil.example/commands/T1/1/x",
		"https://user@" + api.Host + "/hooks/T1/B1/x",
		f.GetAPIURL() + "hooks/../../x",
	} {
		t.Run(u, func(t *testing.T) {
			body := slashForm(slack.SlashCommand{TeamID: testTeam, ChannelID: "C0FREMD", ChannelName: "fremd",
				UserID: testUser, Command: "/daten", TriggerID: "9.9." + strconv.Itoa(i), ResponseURL: u})
			if status, _, _ := postSigned(t, srv.URL+"/slack/commands", formType, body, nil); status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			ev := rec.next(t)
			if err := a.Ephemeral(context.Background(), ev.Channel, ev.User, adapters.Message{Text: "Ihre Daten"}); err == nil {
				t.Error("Ephemeral succeeded through a foreign response_url")
			}
			if n := stolen.Load(); n != 0 {
				t.Fatalf("the answer was posted to the foreign response_url (%d requests)", n)
			}
			if n := len(f.callsTo("response_url")); n != 0 {
				t.Fatalf("the answer was posted to a malformed response_url (%d)", n)
			}
		})
	}
	for _, ok := range []string{"https://hooks.slack.com/commands/T1/1/x", "https://slack.com/x", f.GetAPIURL() + "hooks/T1/B1/x"} {
		if !a.responseURLOK(ok) {
			t.Errorf("%s refused", ok)
		}
	}
}

// Attack (issue 11.6): with the handler (or the Web API) hanging, every request was
// acknowledged and left a goroutine waiting. Beyond the queue's bound a slash command gets an
// immediate "busy, try again" and an Events API delivery a 503, so that Slack retries it.
func TestFullQueueAnswersBusy(t *testing.T) {
	f := newFakeSlack(t)
	a := newTestAdapter(t, f, Options{})
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv := serveHTTP(t, a, adapters.HandlerFunc(func(context.Context, adapters.Event) { <-release }))
	bound := adapters.DefaultWorkers + adapters.DefaultWaiting
	busy := 0
	for i := 0; i < bound+10; i++ {
		body := slashForm(slack.SlashCommand{TeamID: testTeam, ChannelID: "C1", ChannelName: "c",
			UserID: testUser, Command: "/lc", Text: "status", TriggerID: "q." + strconv.Itoa(i)})
		status, resp, _ := postSigned(t, srv.URL+"/slack/commands", formType, body, nil)
		if status != http.StatusOK {
			t.Fatalf("command %d: status %d", i, status)
		}
		if resp != "" {
			busy++
			if i < bound || !strings.Contains(resp, `"response_type":"ephemeral"`) || !strings.Contains(resp, adapters.BusyText("en")) { // the user's locale, from users.info
				t.Fatalf("command %d answered %q", i, resp)
			}
		}
	}
	if busy != 10 {
		t.Errorf("%d commands answered busy, want the 10 beyond the bound of %d", busy, bound)
	}
	ev := `{"type":"event_callback","team_id":"` + testTeam + `","event_id":"Ev1","event":{"type":"message","channel_type":"im","channel":"D1","user":"` + testUser + `","text":"lc status","ts":"1.1"}}`
	if status, _, _ := postSigned(t, srv.URL+"/slack/events", "application/json", ev, nil); status != http.StatusServiceUnavailable {
		t.Errorf("event with a full queue: status %d, want 503", status)
	}
}
