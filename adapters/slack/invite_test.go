package slack

import (
	"context"
	"net/http"
	"net/url"
	"testing"
)

func TestInviteToChannel(t *testing.T) {
	f := newFakeSlack(t)
	a := newTestAdapter(t, f, Options{})
	f.on("conversations.invite", func(w http.ResponseWriter, form url.Values) bool {
		if form.Get("users") == "U0ANNA" {
			slackError(w, "already_in_channel") // a member already: no error
			return true
		}
		return false
	})
	if err := a.InviteToChannel(context.Background(), "G0CIRCLE", []string{"U0ANNA"}); err != nil {
		t.Fatalf("already a member: %v", err)
	}
	if err := a.InviteToChannel(context.Background(), "G0CIRCLE", []string{"@bob", testBotUser}); err != nil {
		t.Fatal(err)
	}
	invites := f.callsTo("conversations.invite")
	last := invites[len(invites)-1].Form
	if last.Get("channel") != "G0CIRCLE" || last.Get("users") == "" || last.Get("users") == testBotUser {
		t.Errorf("invite %v", last)
	}
}
