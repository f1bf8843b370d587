package slack

// Tests of issue 11 ("Hardening"), reproduced against the adapter's real HTTP endpoints and the
// fake Slack server.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
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
