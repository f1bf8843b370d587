package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/wolbot/wolbot/adapters"
)

// runSocket starts a Socket Mode adapter against f and waits until it is connected. The
// returned stop cancels Run and returns its result.
func runSocket(t *testing.T, f *fakeSlack, h adapters.Handler) (*Adapter, func() error) {
	t.Helper()
	a := newTestAdapter(t, f, Options{AppToken: testAppTok})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after cancel")
			return nil
		}
	}
	t.Cleanup(func() { _ = stop() })
	waitFor(t, "socket mode connected", a.Connected)
	return a, stop
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSocketModeEnvelopesAckedAndHandled(t *testing.T) {
	f := newFakeSlack(t)
	rec := newRecorder()
	a, stop := runSocket(t, f, rec)
	rec.then = func(ctx context.Context, ev adapters.Event) {
		if ev.Kind == adapters.KindCommand {
			_ = a.Ephemeral(ctx, ev.Channel, ev.User, adapters.Message{Text: "ok"})
		}
	}

	// A slash command.
	f.send(socketmode.RequestTypeSlashCommands, "env-cmd-1", slack.SlashCommand{
		TeamID: testTeam, ChannelID: "C0LEAN", ChannelName: "lean-coffee", UserID: testUser,
		UserName: "spengler", Command: "/lc", Text: "topic Jugendbeteiligung <@U0ANNA|anna>",
		TriggerID: "111.222.cmd",
	}, 0)
	f.waitAck("env-cmd-1")
	ev := rec.next(t)
	if ev.Kind != adapters.KindCommand || ev.Text != "lc topic Jugendbeteiligung @U0ANNA" || ev.ID != "111.222.cmd" ||
		ev.Channel != "C0LEAN" || ev.Locale != "en-US" {
		t.Errorf("command event %+v", ev)
	}
	if c := f.waitCall("chat.postEphemeral", 1); c.Form.Get("channel") != "C0LEAN" || c.Form.Get("user") != testUser {
		t.Errorf("reply %v", c.Form)
	}

	// A button click.
	cb := slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, TriggerID: "333.444.click",
		Team: slack.Team{ID: testTeam}, User: slack.User{ID: testUser, Name: "spengler"},
		Container: slack.Container{Type: "message", MessageTs: "1700000000.000009", ChannelID: "C0LEAN"},
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{
			{ActionID: "lc.thumbs|1", Type: "button", Value: "up", ActionTs: "1700000001.1"},
		}},
	}
	cb.Channel.ID = "C0LEAN"
	f.send(socketmode.RequestTypeInteractive, "env-click-1", cb, 0)
	f.waitAck("env-click-1")
	ev = rec.next(t)
	if ev.Kind != adapters.KindAction || ev.ActionID != "lc.thumbs" || ev.Value != "up" ||
		ev.PostID != "1700000000.000009" || ev.ID != "333.444.click" {
		t.Errorf("click event %+v", ev)
	}

	// An Events API message in the bot's DM, then Slack's redelivery of it.
	msg := json.RawMessage(eventCallback(t, "Ev0DM1", slackevents.MessageEvent{
		Type: "message", User: testUser, Text: "lc status", Channel: "D012A3CDE", ChannelType: "im", TimeStamp: "1.5",
	}))
	f.send(socketmode.RequestTypeEventsAPI, "env-ev-1", msg, 0)
	f.waitAck("env-ev-1")
	f.send(socketmode.RequestTypeEventsAPI, "env-ev-1", msg, 1)
	f.waitAck("env-ev-1")
	first, again := rec.next(t), rec.next(t)
	if !first.Direct || first.Text != "lc status" || first.ID != "Ev0DM1" || again.ID != first.ID {
		t.Errorf("DM event %+v, redelivery id %q", first, again.ID)
	}

	// An event type the adapter does not know is acknowledged and ignored.
	unknown := json.RawMessage(eventCallback(t, "Ev0X", map[string]string{"type": "reaction_added", "user": testUser}))
	f.send(socketmode.RequestTypeEventsAPI, "env-ev-2", unknown, 0)
	f.waitAck("env-ev-2")
	rec.none(t)

	if err := stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
	if a.Connected() {
		t.Error("still connected after Run returned")
	}
}

func TestSocketModeReconnectsAfterDrop(t *testing.T) {
	f := newFakeSlack(t)
	rec := newRecorder()
	a, _ := runSocket(t, f, rec)

	f.dropConnection()
	f.wait("a second connection", func() bool { return len(f.conns) == 2 })
	waitFor(t, "connected again", a.Connected)

	f.send(socketmode.RequestTypeSlashCommands, "env-after-drop", slack.SlashCommand{
		TeamID: testTeam, ChannelID: "C0LEAN", UserID: testUser, Command: "/lc", Text: "status", TriggerID: "555.after",
	}, 0)
	f.waitAck("env-after-drop")
	if ev := rec.next(t); ev.ID != "555.after" || ev.Text != "lc status" {
		t.Errorf("event after reconnect %+v", ev)
	}

	// Slack asks for a reconnect from time to time ("disconnect" envelope): same result.
	f.send(socketmode.RequestTypeDisconnect, "", nil, 0)
	f.wait("a third connection", func() bool { return len(f.conns) == 3 })
	f.send(socketmode.RequestTypeSlashCommands, "env-after-refresh", slack.SlashCommand{
		TeamID: testTeam, ChannelID: "C0LEAN", UserID: testUser, Command: "/lc", Text: "next", TriggerID: "666.refresh",
	}, 0)
	f.waitAck("env-after-refresh")
	if ev := rec.next(t); ev.ID != "666.refresh" {
		t.Errorf("event after refresh %+v", ev)
	}
	if n := len(f.callsTo("apps.connections.open")); n != 3 {
		t.Errorf("apps.connections.open called %d times, want 3", n)
	}
}

func TestSocketModeRefusedAppToken(t *testing.T) {
	f := newFakeSlack(t)
	f.on("apps.connections.open", func(w http.ResponseWriter, _ url.Values) bool {
		slackError(w, "invalid_auth")
		return true
	})
	a := newTestAdapter(t, f, Options{AppToken: testAppTok})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := a.Run(ctx, newRecorder())
	if err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
		t.Errorf("Run = %v, want an error naming SLACK_APP_TOKEN", err)
	}
}
