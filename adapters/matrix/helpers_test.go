package matrix

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/adapters/matrix/matrixtest"
)

func TestMain(m *testing.M) { os.Exit(matrixtest.Main(m)) }

// memCursor is a Cursor in memory, shared by the "processes" of one test.
type memCursor struct {
	mu    sync.Mutex
	token string
	saves int
}

func (c *memCursor) LoadNextBatch(context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token, nil
}

func (c *memCursor) SaveNextBatch(_ context.Context, t string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.token = t
	c.saves++
	return nil
}

// recorder is a handler that passes every event on a channel.
type recorder struct{ events chan adapters.Event }

func newRecorder() *recorder { return &recorder{events: make(chan adapters.Event, 100)} }

func (r *recorder) HandleEvent(_ context.Context, ev adapters.Event) { r.events <- ev }

// next waits for the next event.
func (r *recorder) next(t *testing.T) adapters.Event {
	t.Helper()
	select {
	case ev := <-r.events:
		return ev
	case <-time.After(20 * time.Second):
		t.Fatal("no event reached the handler within 20s")
		return adapters.Event{}
	}
}

// none checks that no event arrives for a moment.
func (r *recorder) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case ev := <-r.events:
		t.Fatalf("unexpected event %+v", ev)
	case <-time.After(d):
	}
}

// fixture is a homeserver with a bot account and two people.
type fixture struct {
	hs         *matrixtest.Server
	bot        matrixtest.Account
	anna, bert matrixtest.Account
	cryptoDir  string // with -tags goolm: the bot's keys, kept across its restarts in one test
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	hs := matrixtest.Start(t)
	return &fixture{
		hs:   hs,
		bot:  hs.Register(t, "wolbot", "Wolbot"),
		anna: hs.Register(t, "anna", "Anna Schmidt"),
		bert: hs.Register(t, "bert", "Bert Meyer"),

		cryptoDir: t.TempDir(),
	}
}

// start creates an adapter for the bot account and runs it until the test ends or stop is
// called.
func (f *fixture) start(t *testing.T, cursor Cursor, opts Options) (*Adapter, *recorder, func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts.Homeserver = f.hs.URL
	opts.Token = f.bot.Token
	opts.Cursor = cursor
	if opts.CryptoDir == "" {
		opts.CryptoDir = f.cryptoDir // not the package folder
	}
	if opts.Commands == nil {
		opts.Commands = []string{"lc", "wol", "impuls"}
	}
	a, err := New(ctx, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	a.pollTimeout = 2 * time.Second
	a.backoffMin, a.backoffMax = 50*time.Millisecond, 500*time.Millisecond
	rec := newRecorder()
	runCtx, stopRun := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx, rec) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			stopRun()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Error("Run did not return within 15s of its context ending")
			}
			_ = a.Close()
		})
	}
	t.Cleanup(stop)
	waitFor(t, "first sync", a.Connected)
	return a, rec, stop
}

// room makes a room created by owner with the others invited and joined, the bot among them
// when it runs (it joins on invitation).
func (f *fixture) room(t *testing.T, owner matrixtest.Account, members ...matrixtest.Account) id.RoomID {
	t.Helper()
	ctx := context.Background()
	req := &mautrix.ReqCreateRoom{Preset: "private_chat", Name: "Runde"}
	resp, err := owner.Client.CreateRoom(ctx, req)
	if err != nil {
		t.Fatalf("create room: %v", err)
	}
	for _, m := range members {
		if _, err := owner.Client.InviteUser(ctx, resp.RoomID, &mautrix.ReqInviteUser{UserID: m.UserID}); err != nil {
			t.Fatalf("invite %s: %v", m.UserID, err)
		}
		if m.UserID != f.bot.UserID {
			if _, err := m.Client.JoinRoomByID(ctx, resp.RoomID); err != nil {
				t.Fatalf("join %s: %v", m.UserID, err)
			}
		}
	}
	return resp.RoomID
}

// joined waits until acc is joined to room.
func joined(t *testing.T, acc matrixtest.Account, room id.RoomID, who id.UserID) {
	t.Helper()
	waitFor(t, string(who)+" joined", func() bool {
		m, err := acc.Client.JoinedMembers(context.Background(), room)
		if err != nil {
			return false
		}
		_, ok := m.Joined[who]
		return ok
	})
}

func say(t *testing.T, acc matrixtest.Account, room id.RoomID, text string) id.EventID {
	t.Helper()
	resp, err := acc.Client.SendText(context.Background(), room, text)
	if err != nil {
		t.Fatalf("%s says %q: %v", acc.UserID, text, err)
	}
	return resp.EventID
}

func react(t *testing.T, acc matrixtest.Account, room id.RoomID, post id.EventID, key string) id.EventID {
	t.Helper()
	resp, err := acc.Client.SendReaction(context.Background(), room, post, key)
	if err != nil {
		t.Fatalf("%s reacts %s: %v", acc.UserID, key, err)
	}
	return resp.EventID
}

// botReactions lists the keys of the bot's reactions on post.
func botReactions(t *testing.T, acc matrixtest.Account, room id.RoomID, post id.EventID, bot id.UserID) map[string]bool {
	t.Helper()
	rel, err := acc.Client.GetRelations(context.Background(), room, post, &mautrix.ReqGetRelations{RelationType: event.RelAnnotation})
	if err != nil {
		t.Fatalf("relations: %v", err)
	}
	keys := map[string]bool{}
	for _, e := range rel.Chunk {
		if e.Sender != bot || e.Type != event.EventReaction {
			continue
		}
		_ = e.Content.ParseRaw(e.Type)
		keys[normalizeKey(e.Content.AsReaction().RelatesTo.Key)] = true
	}
	return keys
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// serverEvent reads one event back from the homeserver as c sees it. Dendrite serves
// GET /rooms/{room}/event/{id} from its sync database, which the room server feeds
// asynchronously, so an event sent a moment ago may still answer 404: wait for it.
func serverEvent(t *testing.T, c *mautrix.Client, room id.RoomID, ev id.EventID) *event.Event {
	t.Helper()
	var (
		got  *event.Event
		last error
	)
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, last = c.GetEvent(context.Background(), room, ev)
		if last == nil {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("event %s in %s not readable from the homeserver: %v", ev, room, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
