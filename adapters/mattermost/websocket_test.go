package mattermost

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wolbot/wolbot/adapters"
)

func TestPostedEvents(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	anna := f.user("anna")
	channel := model.NewId()
	dm := dmName(anna.Id, f.bot.Id)
	tests := []struct {
		name        string
		post        *model.Post
		channelType model.ChannelType
		channelName string
		want        string // the command text; "-" for a post that is not addressed to the bot
		direct      bool
	}{
		{name: "mention", post: &model.Post{Message: "@wolbot lc start votes=3"}, want: "lc start votes=3"},
		{name: "mention in other case, with colon", post: &model.Post{Message: "@WolBot: lc status"}, want: "lc status"},
		{name: "mention with comma and slash", post: &model.Post{Message: "  @wolbot, /lc help"}, want: "lc help"},
		{name: "mention alone is nothing", post: &model.Post{Message: "@wolbot"}, want: "-"},
		{name: "mention on a new line", post: &model.Post{Message: "@wolbot\nlc next"}, want: "lc next"},
		{name: "mention in a private channel", post: &model.Post{Message: "@wolbot lc end"}, channelType: model.ChannelTypePrivate, want: "lc end"},
		{name: "mention in a thread reply", post: &model.Post{Message: "@wolbot lc next", RootId: model.NewId()}, want: "lc next"},
		{name: "mention not at the start", post: &model.Post{Message: "hey @wolbot lc start"}, want: "-"},
		{name: "another user whose name starts alike", post: &model.Post{Message: "@wolbot2 lc start"}, want: "-"},
		{name: "another user with a dot", post: &model.Post{Message: "@wolbot.test lc start"}, want: "-"},
		{name: "plain channel chat", post: &model.Post{Message: "lc start"}, want: "-"},
		{name: "direct message", post: &model.Post{Message: "lc start"}, channelType: model.ChannelTypeDirect, channelName: dm, want: "lc start", direct: true},
		{name: "direct message with slash", post: &model.Post{Message: "/lc vote 2"}, channelType: model.ChannelTypeDirect, channelName: dm, want: "lc vote 2", direct: true},
		{name: "direct message with mention", post: &model.Post{Message: "@wolbot lc status"}, channelType: model.ChannelTypeDirect, channelName: dm, want: "lc status", direct: true},
		{name: "someone else's direct channel", post: &model.Post{Message: "lc start"}, channelType: model.ChannelTypeDirect, channelName: dmName(anna.Id, f.user("bob").Id), want: "-"},
		{name: "group message needs a mention", post: &model.Post{Message: "lc start"}, channelType: model.ChannelTypeGroup, want: "-"},
		{name: "the bot's own post", post: &model.Post{Message: "@wolbot lc start", UserId: f.bot.Id}, want: "-"},
		{name: "own post in a direct channel", post: &model.Post{Message: "Hallo", UserId: f.bot.Id}, channelType: model.ChannelTypeDirect, channelName: dm, want: "-"},
		{name: "system post", post: &model.Post{Message: "@wolbot joined", Type: model.PostTypeJoinChannel}, want: "-"},
		{name: "edited post", post: &model.Post{Message: "@wolbot lc start", EditAt: 1}, want: "-"},
		{name: "webhook post", post: &model.Post{Message: "@wolbot lc end", Props: model.StringInterface{"from_webhook": "true"}}, want: "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.post
			if p.UserId == "" {
				p.UserId = anna.Id
			}
			p.ChannelId = channel
			ct := tt.channelType
			if ct == "" {
				ct = model.ChannelTypeOpen
			}
			name := tt.channelName
			if name == "" {
				name = "kreis-dueren"
			}
			ev, ok := a.postedEvent(f.posted(p, ct, name, "anna"))
			if tt.want == "-" {
				if ok {
					t.Fatalf("became an event: %+v", ev)
				}
				return
			}
			if !ok {
				t.Fatal("not addressed to the bot")
			}
			team := f.team.Id
			chName := name
			if ct == model.ChannelTypeDirect {
				team, chName = "", "@anna"
			}
			want := adapters.Event{
				Kind: adapters.KindCommand, Platform: "mattermost", Team: team, Channel: channel, ChannelName: chName,
				User: anna.Id, UserName: "anna", ID: "mm-post-" + p.Id, Direct: tt.direct, Text: tt.want,
			}
			if ev != want {
				t.Errorf("event\n got %+v\nwant %+v", ev, want)
			}
		})
	}
}

func TestWebSocketMentionsAndDirectMessages(t *testing.T) {
	f := newFake(t)
	a, logs := newTestAdapter(t, f)
	rec := newRecorder()
	run(t, a, rec)
	f.waitConnected(t)
	waitFor(t, "Connected() true after the hello", a.Connected)
	anna, bob := f.user("anna"), f.user("bob")
	channel := model.NewId()

	f.push(f.posted(&model.Post{UserId: anna.Id, ChannelId: channel, Message: "@wolbot lc topic Geheimes Thema"}, model.ChannelTypeOpen, "kreis-dueren", "anna"))
	ev := rec.next(t)
	if ev.Text != "lc topic Geheimes Thema" || ev.User != anna.Id || ev.Locale != "de" || ev.Direct || !strings.HasPrefix(ev.ID, "mm-post-") {
		t.Errorf("mention: %+v", ev)
	}

	// Chat that is not addressed to the bot and the bot's own posts pass silently; the DM
	// after them arrives as the next event.
	f.push(f.posted(&model.Post{UserId: anna.Id, ChannelId: channel, Message: "lc start"}, model.ChannelTypeOpen, "kreis-dueren", "anna"))
	f.push(f.posted(&model.Post{UserId: f.bot.Id, ChannelId: channel, Message: "@wolbot lc start"}, model.ChannelTypeOpen, "kreis-dueren", "wolbot"))
	dm := model.NewId()
	f.push(f.posted(&model.Post{UserId: bob.Id, ChannelId: dm, Message: "lc status"}, model.ChannelTypeDirect, dmName(bob.Id, f.bot.Id), "bob"))
	ev = rec.next(t)
	if ev.Text != "lc status" || ev.User != bob.Id || ev.Channel != dm || !ev.Direct || ev.Locale != "en" {
		t.Errorf("direct message: %+v", ev)
	}
	rec.none(t, 50*time.Millisecond)

	if l := logs.String(); strings.Contains(l, "Geheimes") || strings.Contains(l, f.token) {
		t.Errorf("logs hold message contents or the token:\n%s", l)
	}
}

func TestWebSocketRedeliveryKeepsTheEventID(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	rec := newRecorder()
	run(t, a, rec)
	f.waitConnected(t)
	p := &model.Post{Id: model.NewId(), UserId: f.user("anna").Id, ChannelId: model.NewId(), Message: "@wolbot lc vote 1"}
	f.push(f.posted(p, model.ChannelTypeOpen, "kreis-dueren", "anna"))
	f.push(f.posted(p, model.ChannelTypeOpen, "kreis-dueren", "anna"))
	first, second := rec.next(t), rec.next(t)
	if first.ID != "mm-post-"+p.Id || second.ID != first.ID {
		t.Errorf("ids %q and %q, want both mm-post-%s", first.ID, second.ID, p.Id)
	}
}

func TestWebSocketReconnects(t *testing.T) {
	f := newFake(t)
	a, logs := newTestAdapter(t, f)
	rec := newRecorder()
	run(t, a, rec)
	f.waitConnected(t)
	anna := f.user("anna")
	say := func(text string) {
		t.Helper()
		f.push(f.posted(&model.Post{UserId: anna.Id, ChannelId: model.NewId(), Message: "@wolbot " + text}, model.ChannelTypeOpen, "town-square", "anna"))
		if ev := rec.next(t); ev.Text != text {
			t.Fatalf("event %q, want %q", ev.Text, text)
		}
	}
	say("lc status")

	// The network drops: the adapter reconnects and resumes with the connection id it got.
	f.dropWS()
	f.waitConnected(t)
	say("lc next")
	var dials []string
	f.locked(func() { dials = append(dials, f.wsDials...) })
	if len(dials) != 2 || !strings.Contains(dials[1], "connection_id=connx&") || !strings.Contains(dials[1], "sequence_number=") {
		t.Errorf("dials %q: the reconnect should present the previous connection id", dials)
	}

	// The server restarts: the listener is gone for a moment, then back on the same address.
	f.restart()
	f.waitConnected(t)
	say("lc end")

	// The server refuses connections for a while: Connected turns false, and true again.
	f.locked(func() { f.acceptWS = false })
	f.dropWS()
	waitFor(t, "Connected() false", func() bool { return !a.Connected() })
	waitFor(t, "failed dials", func() bool { return f.hitCount("GET /api/v4/websocket") >= 6 })
	f.locked(func() { f.acceptWS = true })
	f.waitConnected(t)
	waitFor(t, "Connected() true", a.Connected)
	say("lc help")

	if n := strings.Count(logs.String(), "mattermost websocket disconnected; reconnecting"); n < 3 {
		t.Errorf("%d reconnects logged, want at least 3", n)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRunWaitsForEventsInFlight(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	started, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	h := adapters.HandlerFunc(func(ctx context.Context, ev adapters.Event) {
		close(started)
		<-release
		finished.Store(ctx.Err() == nil) // the handler's context outlives Run's
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	f.waitConnected(t)
	f.push(f.posted(&model.Post{UserId: f.user("anna").Id, ChannelId: model.NewId(), Message: "@wolbot lc end"}, model.ChannelTypeOpen, "x", "anna"))
	<-started
	cancel()
	select {
	case <-done:
		t.Fatal("Run returned while an event was still being handled")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	if !finished.Load() {
		t.Error("the handler's context was cancelled with Run's")
	}
	if a.Connected() {
		t.Error("Connected() is true after Run returned")
	}
}

func TestInflightAllowsWorkWhileWaiting(t *testing.T) {
	tr := newInflight()
	tr.Wait() // nothing in flight: returns at once
	release := make(chan struct{})
	tr.Go(func() { <-release })
	waited := make(chan struct{})
	go func() { tr.Wait(); close(waited) }()
	tr.Go(func() {}) // new work while someone waits must not panic
	select {
	case <-waited:
		t.Fatal("Wait returned while work was in flight")
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	select {
	case <-waited:
	case <-time.After(5 * time.Second):
		t.Fatal("Wait did not return")
	}
}
