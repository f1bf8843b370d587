package bot

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/adapters/chattest"
	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// Test events happen in channel testChannel of team testTeam, by user testUser (@anna).
const (
	testPlatform = "test"
	testTeam     = "T1"
	testChannel  = "C1"
	testUser     = "u1"
	testUserName = "anna"
)

// eventSeq makes every event built by the helpers a new delivery; a redelivery is built by
// reusing an event value.
var eventSeq atomic.Int64

func nextEventID() string { return "ev" + strconv.FormatInt(eventSeq.Add(1), 10) }

// command is the event for a user typing text, e.g. "/lc vote 2", in the test channel.
func command(text string) adapters.Event {
	return adapters.Event{
		Kind:     adapters.KindCommand,
		Platform: testPlatform,
		Team:     testTeam,
		Channel:  testChannel,
		User:     testUser,
		UserName: testUserName,
		ID:       nextEventID(),
		Text:     text,
	}
}

// click is the event for a user clicking the button with actionID carrying value.
func click(actionID, value string) adapters.Event {
	ev := command("")
	ev.Kind, ev.ActionID, ev.Value, ev.PostID = adapters.KindAction, actionID, value, "p1"
	return ev
}

// inEnglish is ev from a user whose platform reports an English locale.
func inEnglish(ev adapters.Event) adapters.Event {
	ev.Locale = "en-US"
	return ev
}

// direct is ev sent in the direct conversation dm with the bot.
func direct(ev adapters.Event, dm string) adapters.Event {
	ev.Direct, ev.Channel = true, dm
	return ev
}

// newTestBot returns a bot on a fresh store, answering through a recording chat.
func newTestBot(t *testing.T) (*Bot, *chattest.Recorder, *storage.Store) {
	t.Helper()
	store := redistest.Store(t)
	b, chat := newBotOn(t, store)
	return b, chat, store
}

// newBotOn returns a bot (a replica, with its own language cache) on store.
func newBotOn(t *testing.T, store *storage.Store) (*Bot, *chattest.Recorder) {
	t.Helper()
	chat := &chattest.Recorder{}
	b := New(Options{
		Store:  store,
		Chat:   chat,
		Logger: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel),
	})
	return b, chat
}

// served is what a handler saw of one request.
type served struct {
	Feature   string
	Args      []string
	Event     adapters.Event
	DedupeKey string
}

// spy is a handler that records every request it serves and answers with err.
type spy struct {
	mu   sync.Mutex
	reqs []served
	err  error
}

func (s *spy) Serve(ctx context.Context, req *Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, served{Feature: req.Feature, Args: req.Args, Event: req.Event, DedupeKey: req.DedupeKey()})
	return s.err
}

func (s *spy) served() []served {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]served(nil), s.reqs...)
}

// atomicSpy is a spy that claims (or not) to dedupe every request in its own script.
type atomicSpy struct {
	spy
	atomic bool
}

func (a *atomicSpy) DedupesAtomically(*Request) bool { return a.atomic }

// describedSpy is a spy that shows up in the general help.
type describedSpy struct {
	spy
	de, en string
}

func (d *describedSpy) Describe(lang string) string {
	if lang == "en" {
		return d.en
	}
	return d.de
}

// replies returns the texts the chat showed, in order, as "op channel user: text".
func replies(chat *chattest.Recorder) []string {
	var out []string
	for _, c := range chat.Calls() {
		out = append(out, string(c.Op)+" "+c.Channel+" "+c.User+": "+c.Msg.Text)
	}
	return out
}

// ephemeral is how replies renders an ephemeral reply to the test user in the test channel.
func ephemeral(text string) string {
	return string(chattest.OpEphemeral) + " " + testChannel + " " + testUser + ": " + text
}
