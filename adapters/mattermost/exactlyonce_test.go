package mattermost

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

// The tests in this file prove "exactly once" through the real core (DESIGN.md, "Scale-out"):
// two replicas — each an Adapter with its own bot and its own Redis connection on one shared
// namespace — listen to the same Mattermost. Every delivery of one post or slash command,
// to either replica and however often, runs the feature once and makes one reply post.

// onceReplica is one wolbot replica: an adapter connected to the fake's WebSocket, its bot,
// and its callback listener.
type onceReplica struct {
	a   *Adapter
	srv *httptest.Server
}

// onceCluster is two replicas on one fake Mattermost and one Redis namespace.
type onceCluster struct {
	f        *fakeMM
	store    *storage.Store // replica 0's store; replica 1 has its own connection to the namespace
	replicas [2]*onceReplica
	served   [2]atomic.Int64 // feature calls, per replica
	handled  atomic.Int64    // HandleEvent calls that returned, over both replicas
}

// newOnceCluster starts two replicas and waits until both WebSockets are authenticated. The
// "lc" feature of each replica counts its calls and answers with one post in the channel.
func newOnceCluster(t *testing.T) *onceCluster {
	t.Helper()
	f := newFake(t)
	s := redistest.Store(t)
	c := &onceCluster{f: f, store: s}
	stores := [2]*storage.Store{s, redistest.Reopen(t, s)}
	for i := range c.replicas {
		a, _ := newTestAdapter(t, f)
		b := bot.New(bot.Options{Store: stores[i], Chat: a, Logger: zerolog.Nop()})
		b.Handle("lc", bot.HandlerFunc(func(ctx context.Context, req *bot.Request) error {
			c.served[i].Add(1)
			_, err := req.Chat().Post(ctx, req.Event.Channel, adapters.Message{Text: "pong"})
			return err
		}))
		h := adapters.HandlerFunc(func(ctx context.Context, ev adapters.Event) {
			defer c.handled.Add(1)
			b.HandleEvent(ctx, ev)
		})
		c.replicas[i] = &onceReplica{a: a, srv: wolbotServer(t, a, h)}
		run(t, a, h)
		f.waitConnected(t)
	}
	if n := len(f.connections()); n != 2 {
		t.Fatalf("%d WebSocket connections, want one per replica", n)
	}
	return c
}

// waitHandled waits (at most 10 s) until the replicas' cores have returned from n events in
// total — duplicates included, so that a late second run would be seen by the assertions.
func (c *onceCluster) waitHandled(t *testing.T, n int64) {
	t.Helper()
	eventually(t, func() bool { return c.handled.Load() >= n }, "%d events handled", n)
	if got := c.handled.Load(); got != n {
		t.Fatalf("%d events handled, want %d", got, n)
	}
}

// assertOnce checks that the feature ran once over both replicas, that exactly one post — its
// "pong" in channel — reached the server and nothing else (no apology), and that the core
// recorded the event id in Redis.
func (c *onceCluster) assertOnce(t *testing.T, team, channel, eventID string) {
	t.Helper()
	if a, b := c.served[0].Load(), c.served[1].Load(); a+b != 1 {
		t.Errorf("the feature ran %d times (replica A %d, B %d), want once in total", a+b, a, b)
	}
	var created []*model.Post
	var ephemerals int
	c.f.locked(func() {
		created = append(created, c.f.created...)
		ephemerals = len(c.f.ephemerals)
	})
	if len(created) != 1 || created[0].Message != "pong" || created[0].ChannelId != channel {
		var got []string
		for _, p := range created {
			got = append(got, p.ChannelId+": "+p.Message)
		}
		t.Errorf("posts created %q, want one \"pong\" in %s", got, channel)
	}
	if ephemerals != 0 {
		t.Errorf("%d ephemeral posts, want none", ephemerals)
	}
	scope := bot.ChannelKey(adapters.Event{Platform: platform, Team: team, Channel: channel})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if n, err := c.store.Client.Exists(ctx, c.store.DedupeKey(scope, eventID)).Result(); err != nil || n != 1 {
		t.Errorf("dedupe key of %s in Redis: exists %d, err %v; want it recorded", eventID, n, err)
	}
}

// eventually polls cond every 5 ms for at most 10 s.
func eventually(t *testing.T, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for "+format, args...)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestExactlyOnceMentionSeenByTwoReplicas(t *testing.T) {
	c := newOnceCluster(t)
	anna := c.f.user("anna")
	channel := model.NewId()
	p := &model.Post{Id: model.NewId(), UserId: anna.Id, ChannelId: channel, Message: "@" + c.f.bot.Username + " lc ping"}

	// Mattermost sends the post to every connection of the bot: both replicas receive it.
	c.f.push(c.f.posted(p, model.ChannelTypeOpen, "kreis-dueren", "anna"))
	c.waitHandled(t, 2)
	c.assertOnce(t, c.f.team.Id, channel, "mm-post-"+p.Id)
}

func TestExactlyOnceMentionRedelivered(t *testing.T) {
	c := newOnceCluster(t)
	anna := c.f.user("anna")
	channel := model.NewId()
	p := &model.Post{Id: model.NewId(), UserId: anna.Id, ChannelId: channel, Message: "@" + c.f.bot.Username + " lc ping"}
	ev := func() *model.WebSocketEvent { return c.f.posted(p, model.ChannelTypeOpen, "kreis-dueren", "anna") }

	// The post twice on the same connections, as a resumed connection replays it ...
	c.f.push(ev())
	c.f.push(ev())
	c.waitHandled(t, 4)
	// ... and once more after both replicas lost their WebSocket and reconnected.
	c.f.dropWS()
	c.f.waitConnected(t)
	c.f.waitConnected(t)
	if n := len(c.f.connections()); n != 2 {
		t.Fatalf("%d WebSocket connections after the reconnect, want 2", n)
	}
	c.f.push(ev())
	c.waitHandled(t, 6)
	c.assertOnce(t, c.f.team.Id, channel, "mm-post-"+p.Id)
}

func TestExactlyOnceSlashCommandToTwoReplicas(t *testing.T) {
	c := newOnceCluster(t)
	channel := model.NewId()
	// One slash command (one trigger id) that reached replica A and, say after a load
	// balancer's retry, replica B.
	form := commandForm(c.f, channel, "kreis-dueren")
	form.Set("text", "ping")
	for i, r := range c.replicas {
		start := time.Now()
		res := postForm(t, r.srv.URL+CommandPath, form, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("replica %d: status %d, want 200", i, res.StatusCode)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("replica %d answered after %v", i, took)
		}
	}
	c.waitHandled(t, 2)
	c.assertOnce(t, c.f.team.Id, channel, "mm-cmd-"+form.Get("trigger_id"))
}
