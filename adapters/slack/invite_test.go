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

// TestCreatePrivateChannelAgainReusesTheBotsOwn: when the name is taken by a channel the bot
// made (a retry after a crash), that channel is reused; someone else's gets a suffix.
func TestCreatePrivateChannelAgainReusesTheBotsOwn(t *testing.T) {
	f := newFakeSlack(t)
	a := newTestAdapter(t, f, Options{})
	creator := testBotUser
	f.on("conversations.create", func(w http.ResponseWriter, form url.Values) bool {
		if form.Get("name") == "wol-rheinland-7" {
			slackError(w, "name_taken")
			return true
		}
		return false
	})
	f.on("conversations.list", func(w http.ResponseWriter, form url.Values) bool {
		writeJSON(w, map[string]any{"ok": true, "channels": []map[string]any{
			{"id": "G0OTHER", "name": "wol-rheinland-8", "creator": testBotUser},
			{"id": "G0OURS", "name": "wol-rheinland-7", "creator": creator},
		}, "response_metadata": map[string]string{"next_cursor": ""}})
		return true
	})
	id, err := a.CreatePrivateChannel(context.Background(), testTeam, "wol-rheinland-7", []string{"U0ANNA"})
	if err != nil || id != "G0OURS" {
		t.Fatalf("got %q, %v; want the bot's own G0OURS", id, err)
	}
	if n := len(f.callsTo("conversations.create")); n != 1 {
		t.Errorf("%d creates, want 1", n)
	}

	creator = "U0SOMEONE"
	id, err = a.CreatePrivateChannel(context.Background(), testTeam, "wol-rheinland-7", []string{"U0ANNA"})
	if err != nil || id == "G0OURS" {
		t.Fatalf("got %q, %v; want a new channel beside someone else's", id, err)
	}
}
