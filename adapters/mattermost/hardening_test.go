package mattermost

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wolbot/wolbot/adapters"
)

// Tests of issue 11 ("Hardening"): each attack on the HTTP callbacks, reproduced against the
// adapter's real endpoints and the fake Mattermost server.

// voteBoard is a post with one vote button, as Lean Coffee makes it.
var voteBoard = adapters.Message{Text: "Board", Buttons: []adapters.Button{{ID: "lc.vote", Label: "1", Value: "r7:1", Command: "/lc vote 1"}}}

// Attack (issue 11.1): a button signature captured once was a bearer token — replayed on other
// posts and channels, under invented user ids, with the user_name of an admin. Now a click
// reaches the core only on the post and in the channel it was signed for, from a user
// Mattermost knows who is a member of the channel, and with the name Mattermost has for that
// user id.
func TestCapturedButtonSignatureIsNoBearerToken(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	rec := newRecorder()
	srv := wolbotServer(t, a, rec)
	channel := model.NewId()
	ref, err := a.Post(context.Background(), channel, voteBoard)
	if err != nil {
		t.Fatal(err)
	}
	captured := storedAction(t, f, ref.ID, 0).Integration.Context
	anna, bob := f.user("anna"), f.user("bob")
	admin := &model.User{Id: model.NewId(), Username: "chefin", Locale: "de"}
	f.addUser(admin)
	clickAs := func(user, userName, post, channel string) *http.Response {
		return click(t, srv, model.PostActionIntegrationRequest{
			UserId: user, UserName: userName, ChannelId: channel, PostId: post, TeamId: f.team.Id,
			TriggerId: model.NewId(), Type: model.PostActionTypeButton, Context: captured,
		})
	}

	// The signature holds only on its own post, in its own channel.
	if res := clickAs(bob.Id, "bob", model.NewId(), channel); res.StatusCode != http.StatusForbidden {
		t.Errorf("replayed on another post: status %d, want 403", res.StatusCode)
	}
	if res := clickAs(bob.Id, "bob", ref.ID, model.NewId()); res.StatusCode != http.StatusForbidden {
		t.Errorf("replayed in another channel: status %d, want 403", res.StatusCode)
	}
	// Invented user ids cast no votes.
	for i := 0; i < 30; i++ {
		clickAs(model.NewId(), "nobody", ref.ID, channel)
	}
	// Nor does a real user who is not in the channel.
	stranger := &model.User{Id: model.NewId(), Username: "fremd"}
	f.addUser(stranger)
	f.locked(func() { f.outsiders[channel+"/"+stranger.Id] = true })
	clickAs(stranger.Id, "fremd", ref.ID, channel)
	rec.none(t, 300*time.Millisecond)

	// bob claiming to be the admin is bob; anna's click is anna's.
	if res := clickAs(bob.Id, admin.Username, ref.ID, channel); res.StatusCode != http.StatusOK {
		t.Fatalf("bob's click: status %d", res.StatusCode)
	}
	if ev := rec.next(t); ev.User != bob.Id || ev.UserName != "bob" {
		t.Errorf("bob posing as %q: event user %q name %q, want bob's id and name", admin.Username, ev.User, ev.UserName)
	}
	clickAs(anna.Id, "", ref.ID, channel)
	if ev := rec.next(t); ev.User != anna.Id || ev.UserName != "anna" || ev.Value != "r7:1" {
		t.Errorf("anna's click: %+v", ev)
	}
}

// Attack (issue 11.1): a signature is valid for a limited time only, and an ephemeral post's
// buttons only for the user who saw them.
func TestButtonSignatureExpiresAndEphemeralButtonsAreTheirUsers(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	rec := newRecorder()
	srv := wolbotServer(t, a, rec)
	channel := model.NewId()
	ref, err := a.Post(context.Background(), channel, voteBoard)
	if err != nil {
		t.Fatal(err)
	}
	bob := f.user("bob")
	captured := storedAction(t, f, ref.ID, 0).Integration.Context
	a.now = func() time.Time { return time.Now().Add(DefaultButtonTTL + time.Hour) }
	res := click(t, srv, model.PostActionIntegrationRequest{UserId: bob.Id, ChannelId: channel, PostId: ref.ID, Context: captured})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("expired signature: status %d, want 403", res.StatusCode)
	}
	a.now = time.Now

	anna := f.user("anna")
	if err := a.Ephemeral(context.Background(), channel, anna.Id, voteBoard); err != nil {
		t.Fatal(err)
	}
	var eph *model.Post
	f.locked(func() { eph = f.ephemerals[0].Post })
	ctx := eph.Attachments()[0].Actions[0].Integration.Context
	res = click(t, srv, model.PostActionIntegrationRequest{UserId: bob.Id, ChannelId: channel, PostId: eph.Id, Context: ctx})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("anna's ephemeral button clicked by bob: status %d, want 403", res.StatusCode)
	}
	res = click(t, srv, model.PostActionIntegrationRequest{UserId: anna.Id, ChannelId: channel, PostId: eph.Id, Context: ctx})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("anna's own ephemeral button: status %d", res.StatusCode)
	}
	if ev := rec.next(t); ev.User != anna.Id || ev.ActionID != "lc.vote" {
		t.Errorf("event %+v", ev)
	}
}

// Attack (issue 11.3): a public channel named like the bot's direct channel with a user
// ("<bot id>__<user id>") made private answers public. Direct is now true only in the channel
// Mattermost gives for the pair of the bot and the requesting user.
func TestChannelNamedLikeTheBotsDirectChannelIsNotDirect(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	rec := newRecorder()
	srv := wolbotServer(t, a, rec)
	anna, bob := f.user("anna"), f.user("bob")
	public := model.NewId()

	tests := []struct {
		name, channel, channelName, user string
		want                             bool
	}{
		{"public channel with the name of anna's direct channel", public, dmName(f.bot.Id, anna.Id), anna.Id, false},
		{"bot and anything", public, f.bot.Id + "__" + "zzzzzzzzzzzzzzzzzzzzzzzzzz", anna.Id, false},
		{"bob's direct channel claimed by anna", f.dm(bob.Id), dmName(f.bot.Id, bob.Id), anna.Id, false},
		{"anna's real direct channel", f.dm(anna.Id), dmName(f.bot.Id, anna.Id), anna.Id, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := commandForm(f, tt.channel, tt.channelName)
			form.Set("user_id", tt.user)
			if res := postForm(t, srv.URL+CommandPath, form, nil); res.StatusCode != http.StatusOK {
				t.Fatalf("command: status %d", res.StatusCode)
			}
			if ev := rec.next(t); ev.Direct != tt.want {
				t.Errorf("command: Direct = %v, want %v", ev.Direct, tt.want)
			}
			ref, err := a.Post(context.Background(), tt.channel, voteBoard)
			if err != nil {
				t.Fatal(err)
			}
			res := click(t, srv, model.PostActionIntegrationRequest{
				UserId: tt.user, ChannelId: tt.channel, ChannelName: tt.channelName, PostId: ref.ID,
				Context: storedAction(t, f, ref.ID, 0).Integration.Context,
			})
			if res.StatusCode != http.StatusOK {
				t.Fatalf("click: status %d", res.StatusCode)
			}
			if tt.channel == f.dm(bob.Id) {
				rec.none(t, 200*time.Millisecond) // anna is no member of bob's direct channel
				return
			}
			if ev := rec.next(t); ev.Direct != tt.want {
				t.Errorf("click: Direct = %v, want %v", ev.Direct, tt.want)
			}
		})
	}
}

// Attack (issue 11.4): whoever holds a command token could send a response_url of their own
// and receive a user's private answer there. Only MATTERMOST_URL/hooks/commands/ is used; any
// other URL is ignored and the answer goes by direct message.
func TestForeignResponseURLIsNeverCalled(t *testing.T) {
	var stolen atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { stolen.Add(1) }))
	t.Cleanup(evil.Close)
	f := newFake(t)
	f.denyEphem = true
	a, _ := newTestAdapter(t, f)
	rec := newRecorder()
	srv := wolbotServer(t, a, rec)
	anna := f.user("anna")

	for _, u := range []string{
		evil.URL + "/hooks/commands/" + model.NewId(),
		f.url() + "/hooks/other/" + model.NewId(),
		f.url() + "/hooks/commands/../../evil",
		"http://user:pw@" + f.addr + "/hooks/commands/x",
		f.url() + "@" + evil.Listener.Addr().String() + "/hooks/commands/x",
		"https://" + f.addr + "/hooks/commands/x",
	} {
		t.Run(u, func(t *testing.T) {
			channel := model.NewId()
			form := commandForm(f, channel, "kreis-dueren")
			form.Set("response_url", u)
			postForm(t, srv.URL+CommandPath, form, nil)
			rec.next(t)
			before := f.hitCount("POST /hooks/commands/x")
			if err := a.Ephemeral(context.Background(), channel, anna.Id, adapters.Message{Text: "Ihre Daten"}); err != nil {
				t.Fatal(err)
			}
			if n := stolen.Load(); n != 0 {
				t.Fatalf("the answer was posted to the foreign response_url (%d requests)", n)
			}
			if f.hitCount("POST /hooks/commands/x") != before {
				t.Fatal("the answer was posted to a malformed response_url")
			}
		})
	}
	// Mattermost's own response URL is still used.
	channel := model.NewId()
	postForm(t, srv.URL+CommandPath, commandForm(f, channel, "kreis-dueren"), nil)
	rec.next(t)
	if err := a.Ephemeral(context.Background(), channel, anna.Id, adapters.Message{Text: "Ihre Daten"}); err != nil {
		t.Fatal(err)
	}
	var n int
	f.locked(func() { n = len(f.responses) })
	if n != 1 {
		t.Errorf("%d answers on Mattermost's own response URL, want 1", n)
	}
}

// Attack (issue 11.6): with the handler (or the platform API) hanging, every slash command was
// acknowledged and left a goroutine waiting, and answers could come an hour late. Beyond the
// queue's bound the user is told at once, in their language, to try again.
func TestFullQueueAnswersBusy(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	srv := wolbotServer(t, a, newBlockingHandler(t))
	bound := adapters.DefaultWorkers + adapters.DefaultWaiting
	busy := 0
	for i := 0; i < bound+20; i++ {
		form := commandForm(f, model.NewId(), "kreis-dueren")
		form.Set("trigger_id", "t"+strconv.Itoa(i))
		res := postForm(t, srv.URL+CommandPath, form, nil)
		var cr model.CommandResponse
		if err := json.NewDecoder(res.Body).Decode(&cr); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("command %d: status %d, %v", i, res.StatusCode, err)
		}
		if cr.Text != "" {
			busy++
			if i < bound || cr.ResponseType != model.CommandResponseTypeEphemeral || !strings.Contains(cr.Text, "versuchen Sie es") {
				t.Fatalf("command %d answered %+v", i, cr)
			}
		}
	}
	if busy != 20 {
		t.Errorf("%d commands answered busy, want the 20 beyond the bound of %d", busy, bound)
	}
}

// An event that waited for its turn longer than the queue's maximum age is dropped and counted.
func TestEventTooOldIsDropped(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	drops := &dropCounter{}
	a.queue = adapters.NewQueue(platform, 1, 5, 100*time.Millisecond, drops)
	h := newBlockingHandler(t)
	srv := wolbotServer(t, a, h)
	for i := 0; i < 2; i++ {
		form := commandForm(f, model.NewId(), "kreis-dueren")
		form.Set("trigger_id", "old"+strconv.Itoa(i))
		postForm(t, srv.URL+CommandPath, form, nil)
	}
	<-h.events // the first holds the only worker
	time.Sleep(300 * time.Millisecond)
	h.release <- struct{}{} // the first finishes; the second's turn comes too late
	select {
	case ev := <-h.events:
		t.Fatalf("a stale event was handled: %+v", ev)
	case <-time.After(300 * time.Millisecond):
	}
	if got := drops.get(adapters.DropTooOld); got != 1 {
		t.Errorf("%d events counted as too old, want 1", got)
	}
}

type dropCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (d *dropCounter) EventDropped(_, reason string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n == nil {
		d.n = map[string]int{}
	}
	d.n[reason]++
}

func (d *dropCounter) get(reason string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n[reason]
}
