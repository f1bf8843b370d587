package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

// The tests in this file prove "exactly once" through the real core (DESIGN.md, "Scale-out"):
// two replicas — each an Adapter with its own bot and its own Redis connection on one shared
// namespace — receive the same Slack event several times, and the feature runs once and makes
// one chat.postMessage.

// onceCluster is two replicas on one fake Slack and one Redis namespace.
type onceCluster struct {
	f        *fakeSlack
	store    *storage.Store // replica 0's store; replica 1 has its own connection to the namespace
	adapters [2]*Adapter
	served   [2]atomic.Int64 // feature calls, per replica
	handled  atomic.Int64    // HandleEvent calls that returned, over both replicas
	busy     atomic.Bool     // the feature is running
	// slowFirst is how long the feature's first call (over both replicas) takes.
	slowFirst time.Duration
}

// newOnceCluster builds two replicas with opts and runs them until the test ends; start is
// called after each replica's Run has begun (Socket Mode: to wait for its connection). The
// "lc" feature counts its calls and answers with one chat.postMessage in the channel.
func newOnceCluster(t *testing.T, opts Options, slowFirst time.Duration, start func(f *fakeSlack, i int, a *Adapter)) (*onceCluster, [2]adapters.Handler) {
	t.Helper()
	f := newFakeSlack(t)
	s := redistest.Store(t)
	c := &onceCluster{f: f, store: s, slowFirst: slowFirst}
	stores := [2]*storage.Store{s, redistest.Reopen(t, s)}
	var calls atomic.Int64
	var handlers [2]adapters.Handler
	for i := range c.adapters {
		a := newTestAdapter(t, f, opts)
		b := bot.New(bot.Options{Store: stores[i], Chat: a, Logger: zerolog.Nop()})
		b.Handle("lc", bot.HandlerFunc(func(ctx context.Context, req *bot.Request) error {
			c.busy.Store(true)
			defer c.busy.Store(false)
			c.served[i].Add(1)
			if calls.Add(1) == 1 && c.slowFirst > 0 {
				select {
				case <-time.After(c.slowFirst):
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			_, err := req.Chat().Post(ctx, req.Event.Channel, adapters.Message{Text: "pong"})
			return err
		}))
		h := adapters.HandlerFunc(func(ctx context.Context, ev adapters.Event) {
			defer c.handled.Add(1)
			b.HandleEvent(ctx, ev)
		})
		c.adapters[i], handlers[i] = a, h

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx, h) }()
		t.Cleanup(func() { // Run returns once the events in flight are handled
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("replica %d: Run: %v", i, err)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("replica %d: Run did not return after cancel", i)
			}
		})
		if start != nil {
			start(f, i, a)
		}
	}
	return c, handlers
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

// assertOnce checks that the feature ran once over both replicas, that exactly one
// chat.postMessage — its "pong" in channel — reached the Web API and no ephemeral message (an
// apology) did, and that the core recorded the event id in Redis.
func (c *onceCluster) assertOnce(t *testing.T, channel, eventID string) {
	t.Helper()
	if a, b := c.served[0].Load(), c.served[1].Load(); a+b != 1 {
		t.Errorf("the feature ran %d times (replica A %d, B %d), want once in total", a+b, a, b)
	}
	posts := c.f.callsTo("chat.postMessage")
	if len(posts) != 1 || posts[0].Form.Get("channel") != channel || posts[0].Form.Get("text") != "pong" {
		t.Errorf("chat.postMessage calls %v, want one \"pong\" in %s", posts, channel)
	}
	if n := len(c.f.callsTo("chat.postEphemeral")); n != 0 {
		t.Errorf("%d chat.postEphemeral calls, want none", n)
	}
	scope := bot.ChannelKey(adapters.Event{Platform: platform, Team: testTeam, Channel: channel})
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

// mentionCallback is the Events API callback of "@wolbot lc ping" in channel.
func mentionCallback(t *testing.T, eventID, channel string) []byte {
	return eventCallback(t, eventID, slackevents.AppMentionEvent{
		Type: "app_mention", User: testUser, Text: "<@" + testBotUser + "> lc ping",
		TimeStamp: "1700000000.000200", Channel: channel, EventTimeStamp: "1700000000.000200",
	})
}

func TestExactlyOnceHTTPEventRetriedToTwoReplicas(t *testing.T) {
	c, handlers := newOnceCluster(t, Options{}, 4*time.Second, nil)
	var urls [2]string
	for i, a := range c.adapters {
		urls[i] = serveHTTP(t, a, handlers[i]).URL + "/slack/events"
	}
	const channel, eventID = "C0LEAN", "Ev0ONCE1"
	body := string(mentionCallback(t, eventID, channel))

	// Slack delivers the event, and — as if the first answer had been too slow — retries it
	// twice; a load balancer spreads the deliveries over the replicas.
	deliver := func(replica, retry int) {
		t.Helper()
		var hdr http.Header // nil: postSigned signs it plainly
		if retry > 0 {
			hdr = http.Header{"X-Slack-Retry-Num": {strconv.Itoa(retry)}, "X-Slack-Retry-Reason": {"http_timeout"}}
			sign(hdr, testSecret, time.Now().Unix(), body)
		}
		status, _, took := postSigned(t, urls[replica], "application/json", body, hdr)
		if status != http.StatusOK {
			t.Errorf("delivery %d to replica %d: status %d, want 200", retry, replica, status)
		}
		if took > 3*time.Second {
			t.Errorf("delivery %d to replica %d answered after %v; Slack allows 3 s", retry, replica, took)
		}
	}
	deliver(0, 0)
	// The first delivery is being handled — slowly — when the retries arrive.
	eventually(t, c.busy.Load, "the feature to start")
	deliver(1, 1)
	deliver(0, 2)
	if !c.busy.Load() {
		t.Error("the feature finished before the retries were answered; the test proves less than it should")
	}
	c.waitHandled(t, 3)
	c.assertOnce(t, channel, eventID)
}

func TestExactlyOnceSocketModeEnvelopeRedelivered(t *testing.T) {
	var conns [2]*websocket.Conn
	c, _ := newOnceCluster(t, Options{AppToken: testAppTok}, 0, func(f *fakeSlack, i int, a *Adapter) {
		// Replica i's connection is the fake's (i+1)-th: connect one replica at a time.
		eventually(t, a.Connected, "replica %d connected", i)
		conns[i] = f.current()
		if n := len(f.allConns()); n != i+1 {
			t.Fatalf("%d Socket Mode connections after replica %d connected, want %d", n, i, i+1)
		}
	})
	const channel, eventID, envelope = "C0LEAN", "Ev0SOCK1", "env-once-1"
	payload := json.RawMessage(mentionCallback(t, eventID, channel))

	// Slack redelivers an envelope whose acknowledgement it did not get, on any of the app's
	// connections: here to replica A, then B, then A again.
	for retry, replica := range []int{0, 1, 0} {
		req := socketmode.Request{Type: socketmode.RequestTypeEventsAPI, EnvelopeID: envelope, Payload: payload, RetryAttempt: retry}
		if retry > 0 {
			req.RetryReason = "timeout"
		}
		if err := c.f.write(conns[replica], req); err != nil {
			t.Fatalf("send to replica %d: %v", replica, err)
		}
		c.f.waitAck(envelope)
	}
	c.waitHandled(t, 3)
	c.assertOnce(t, channel, eventID)
}
