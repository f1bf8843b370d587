package mattermost

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wolbot/wolbot/adapters"
)

var board = adapters.Message{
	Text: "**Lean Coffee** — Themen:\n1. Beteiligung",
	Buttons: []adapters.Button{
		{ID: "lc.vote", Label: "Punkt auf 1", Value: "r7:1", Style: adapters.StylePrimary, Command: "/lc vote 1"},
		{ID: "lc.end", Label: "Ende @channel", Value: "r7", Style: adapters.StyleDanger, Command: "/lc end"},
		{ID: "lc.help", Label: "Hilfe", Value: ""},
	},
}

// checkButtons asserts that attachments render board's buttons with signatures valid for a
// click by user on post in channel.
func checkButtons(t *testing.T, a *Adapter, atts []*model.MessageAttachment, post, channel, user string) {
	t.Helper()
	if len(atts) != 1 {
		t.Fatalf("%d attachments, want 1", len(atts))
	}
	acts := atts[0].Actions
	if len(acts) != len(board.Buttons) {
		t.Fatalf("%d actions, want %d", len(acts), len(board.Buttons))
	}
	wantStyles := []string{"primary", "danger", "default"}
	for i, act := range acts {
		b := board.Buttons[i]
		if act.Id != "b"+string(rune('0'+i)) || act.Type != model.PostActionTypeButton || act.Name != b.Label || act.Style != wantStyles[i] {
			t.Errorf("action %d: %+v", i, act)
		}
		if act.Integration == nil || act.Integration.URL != testPublicURL+ActionPath {
			t.Fatalf("action %d: integration %+v", i, act.Integration)
		}
		action, value, ok := a.verify(act.Integration.Context, post, channel, user)
		if !ok || action != b.ID || value != b.Value {
			t.Errorf("action %d: context %v does not verify as (%q, %q)", i, act.Integration.Context, b.ID, b.Value)
		}
		if err := act.IsValid(); err != nil {
			t.Errorf("action %d is not valid for Mattermost: %v", i, err)
		}
	}
	want := "Punkt auf 1: `/lc vote 1` · Ende @\u200bchannel: `/lc end`"
	if atts[0].Text != want {
		t.Errorf("attachment text\n got %q\nwant %q", atts[0].Text, want)
	}
}

func TestPost(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	channel := model.NewId()
	ref, err := a.Post(context.Background(), channel, board)
	if err != nil {
		t.Fatal(err)
	}
	if ref.Channel != channel || !model.IsValidId(ref.ID) {
		t.Errorf("ref %+v", ref)
	}
	var sent *model.Post
	f.locked(func() { sent = f.created[0] })
	if sent.ChannelId != channel || sent.Message != board.Text {
		t.Errorf("sent channel %q message %q", sent.ChannelId, sent.Message)
	}
	if !strings.HasPrefix(sent.PendingPostId, f.bot.Id+":") {
		t.Errorf("pending post id %q", sent.PendingPostId)
	}
	// The post is made, then updated with buttons signed for it.
	var stored *model.Post
	var patches int
	f.locked(func() { stored, patches = f.posts[ref.ID], len(f.patches[ref.ID]) })
	if patches != 1 {
		t.Errorf("%d patches of the new post, want 1 (signing its buttons)", patches)
	}
	checkButtons(t, a, stored.Attachments(), ref.ID, channel, f.user("anna").Id)

	// A post without buttons has no attachment at all.
	if _, err := a.Post(context.Background(), channel, adapters.Message{Text: "plain"}); err != nil {
		t.Fatal(err)
	}
	var plain *model.Post
	f.locked(func() { plain = f.created[1] })
	if plain.GetProp(model.PostPropsAttachments) != nil {
		t.Errorf("plain post has attachments: %v", plain.GetProps())
	}
}

func TestUpdate(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	ctx := context.Background()
	ref, err := a.Post(ctx, model.NewId(), adapters.Message{Text: "old"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Update(ctx, ref, board); err != nil {
		t.Fatal(err)
	}
	if err := a.Update(ctx, ref, adapters.Message{Text: "closed"}); err != nil {
		t.Fatal(err)
	}
	var patches []*model.PostPatch
	var stored *model.Post
	f.locked(func() { patches, stored = f.patches[ref.ID], f.posts[ref.ID] })
	if len(patches) != 2 {
		t.Fatalf("%d patches, want 2", len(patches))
	}
	if *patches[0].Message != board.Text {
		t.Errorf("first patch message %q", *patches[0].Message)
	}
	p := &model.Post{}
	p.SetProps(*patches[0].Props)
	checkButtons(t, a, p.Attachments(), ref.ID, ref.Channel, f.user("bob").Id)
	if *patches[1].Message != "closed" || patches[1].Props == nil || len(*patches[1].Props) != 0 {
		t.Errorf("second patch %+v: want the text and empty props, removing the buttons", patches[1])
	}
	if stored.Message != "closed" || len(stored.Attachments()) != 0 {
		t.Errorf("stored post %q with %d attachments", stored.Message, len(stored.Attachments()))
	}

	err = a.Update(ctx, adapters.PostRef{Channel: "c", ID: model.NewId()}, board)
	if !errors.Is(err, adapters.ErrNotFound) {
		t.Errorf("update of a missing post: %v, want ErrNotFound", err)
	}
	if err := a.Update(ctx, adapters.PostRef{}, board); !errors.Is(err, adapters.ErrNotFound) {
		t.Errorf("update without id: %v, want ErrNotFound", err)
	}
}

func TestEphemeral(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	anna, channel := f.user("anna"), model.NewId()
	if err := a.Ephemeral(context.Background(), channel, anna.Id, board); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.ephemerals) != 1 {
		t.Fatalf("%d ephemeral posts, want 1", len(f.ephemerals))
	}
	e := f.ephemerals[0]
	if e.UserID != anna.Id || e.Post.ChannelId != channel || e.Post.Message != board.Text {
		t.Errorf("ephemeral %+v / %+v", e, e.Post)
	}
	checkButtons(t, a, e.Post.Attachments(), model.NewId(), channel, anna.Id)
}

func TestEphemeralFallsBackWithoutPermission(t *testing.T) {
	f := newFake(t)
	f.denyEphem = true
	a, logs := newTestAdapter(t, f)
	rec := newRecorder()
	srv := wolbotServer(t, a, rec)
	anna, channel := f.user("anna"), model.NewId()
	ctx := context.Background()

	// After a slash command, the answer goes to its response URL.
	postForm(t, srv.URL+CommandPath, commandForm(f, channel, "kreis-dueren"), nil)
	rec.next(t)
	if err := a.Ephemeral(ctx, channel, anna.Id, board); err != nil {
		t.Fatal(err)
	}
	var responses []*model.CommandResponse
	f.locked(func() { responses = slices.Clone(f.responses) })
	if len(responses) != 1 {
		t.Fatalf("%d command responses, want 1", len(responses))
	}
	r := responses[0]
	if r.ResponseType != model.CommandResponseTypeEphemeral || r.Text != board.Text || !r.SkipSlackParsing {
		t.Errorf("command response %+v", r)
	}
	checkButtons(t, a, r.Attachments, model.NewId(), channel, anna.Id)
	if !strings.Contains(logs.String(), "may not post ephemerally") {
		t.Error("the missing permission was not logged")
	}

	// The response URL takes five answers; then, and elsewhere, a direct message is sent. The
	// refused endpoint is not asked again for a while.
	for range 4 {
		if err := a.Ephemeral(ctx, channel, anna.Id, adapters.Message{Text: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Ephemeral(ctx, channel, anna.Id, adapters.Message{Text: "sixth"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Ephemeral(ctx, model.NewId(), anna.Id, adapters.Message{Text: "elsewhere"}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.responses) != 5 {
		t.Errorf("%d command responses, want 5", len(f.responses))
	}
	var dms []string
	for _, p := range f.created {
		dms = append(dms, p.Message)
	}
	if !slices.Equal(dms, []string{"sixth", "elsewhere"}) {
		t.Errorf("direct messages %q", dms)
	}
	if n := f.hits["POST /api/v4/posts/ephemeral"]; n != 1 {
		t.Errorf("ephemeral endpoint asked %d times, want 1", n)
	}
}

func TestDirectMessage(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	anna := f.user("anna")
	ctx := context.Background()
	ref, err := a.DirectMessage(ctx, anna.Id, adapters.Message{Text: "Hallo"})
	if err != nil {
		t.Fatal(err)
	}
	ref2, err := a.DirectMessage(ctx, "@anna", adapters.Message{Text: "Nochmal"})
	if err != nil {
		t.Fatal(err)
	}
	var ch *model.Channel
	var directCalls int
	f.locked(func() { ch, directCalls = f.channels[ref.Channel], f.hits["POST /api/v4/channels/direct"] })
	if ch == nil || ch.Type != model.ChannelTypeDirect || ch.Name != dmName(anna.Id, f.bot.Id) {
		t.Fatalf("posted into %+v, want the direct channel of bot and anna", ch)
	}
	if ref2.Channel != ref.Channel || directCalls != 1 {
		t.Errorf("second DM in %s after %d direct-channel calls; want the same channel, one call", ref2.Channel, directCalls)
	}
	if _, err := a.DirectMessage(ctx, "@nobody", adapters.Message{Text: "x"}); !errors.Is(err, adapters.ErrNotFound) {
		t.Errorf("DM to an unknown user: %v, want ErrNotFound", err)
	}
}

func TestCreatePrivateChannel(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	anna, bob := f.user("anna"), f.user("bob")
	ctx := context.Background()

	// By team id, then by team name: the second call is a retry of the first and finds the
	// channel the bot made (see TestCreatePrivateChannelAgainReusesTheBotsOwn).
	var first string
	for i, team := range []string{f.team.Id, f.team.Name} {
		id, err := a.CreatePrivateChannel(ctx, team, "#WOL Rheinland: Köln & Düren", []string{"@anna", bob.Id, f.bot.Id})
		if err != nil {
			t.Fatalf("team %q: %v", team, err)
		}
		if i == 1 {
			if id != first {
				t.Errorf("second call made channel %q, want the first %q", id, first)
			}
			continue
		}
		first = id
		var ch *model.Channel
		var members []string
		f.locked(func() { ch, members = f.channels[id], f.members[id] })
		if ch == nil || ch.Type != model.ChannelTypePrivate || ch.TeamId != f.team.Id || ch.DisplayName != "WOL Rheinland: Köln & Düren" {
			t.Fatalf("channel %+v", ch)
		}
		if ch.Name != "wol-rheinland-koeln-dueren" || !model.IsValidChannelIdentifier(ch.Name) {
			t.Errorf("channel name %q", ch.Name)
		}
		if !slices.Equal(members, []string{anna.Id, bob.Id}) {
			t.Errorf("members added %v, want anna and bob (the bot is in already)", members)
		}
	}

	before := f.hitCount("POST /api/v4/channels")
	_, err := a.CreatePrivateChannel(ctx, f.team.Id, "wol", []string{"@anna", "@nobody"})
	if !errors.Is(err, adapters.ErrNotFound) {
		t.Errorf("unknown member: %v, want ErrNotFound", err)
	}
	if f.hitCount("POST /api/v4/channels") != before {
		t.Error("a channel was created although a member is unknown")
	}
	if _, err := a.CreatePrivateChannel(ctx, f.team.Id, " # ", nil); err == nil {
		t.Error("empty name accepted")
	}
}

func TestLookupUser(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	anna, bot := f.user("anna"), f.user("wolbot")
	tests := []struct {
		in      string
		want    adapters.User
		missing bool
	}{
		{in: anna.Id, want: adapters.User{ID: anna.Id, Name: "anna", Locale: "de"}},
		{in: "anna", want: adapters.User{ID: anna.Id, Name: "anna", Locale: "de"}},
		{in: "@anna", want: adapters.User{ID: anna.Id, Name: "anna", Locale: "de"}},
		{in: " @Anna ", want: adapters.User{ID: anna.Id, Name: "anna", Locale: "de"}},
		{in: "@wolbot", want: adapters.User{ID: bot.Id, Name: "wolbot", Locale: "en", IsBot: true}},
		{in: model.NewId(), missing: true},
		{in: "@nobody", missing: true},
		{in: "@", missing: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := a.LookupUser(context.Background(), tt.in)
			if tt.missing {
				if !errors.Is(err, adapters.ErrNotFound) {
					t.Errorf("err %v, want ErrNotFound", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	// Users are cached by id and name: anna was fetched once, by id, for all four lookups.
	if n, m := f.hitCount("GET /api/v4/users/"+anna.Id), f.hitCount("GET /api/v4/users/username/anna"); n != 1 || m != 0 {
		t.Errorf("anna fetched %d times by id and %d by name, want 1 and 0", n, m)
	}
}

func TestChatMethodsFailWithTheOperationNamed(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	f.failNext("POST /api/v4/posts", injected{status: http.StatusForbidden})
	_, err := a.Post(context.Background(), model.NewId(), adapters.Message{Text: "x"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Op != "create post" || apiErr.Status != 403 || apiErr.Attempts != 1 {
		t.Fatalf("err %#v", err)
	}
	if !strings.HasPrefix(err.Error(), "mattermost: create post: status 403") {
		t.Errorf("message %q", err.Error())
	}
}

func TestFiles(t *testing.T) {
	ics := adapters.File{Name: "wol-kreis.ics", Type: "text/calendar", Data: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")}
	md := adapters.File{Name: "../protokoll.md", Type: "text/markdown", Data: []byte("# Protokoll\n")}
	tests := []struct {
		name string
		// send sends msg and returns the channel the post should land in.
		send      func(ctx context.Context, a *Adapter, f *fakeMM, msg adapters.Message) (string, error)
		files     []adapters.File
		wantNames []string
	}{
		{name: "post with two files",
			send: func(ctx context.Context, a *Adapter, f *fakeMM, msg adapters.Message) (string, error) {
				ch := model.NewId()
				_, err := a.Post(ctx, ch, msg)
				return ch, err
			},
			files: []adapters.File{ics, md}, wantNames: []string{"wol-kreis.ics", "protokoll.md"}},
		{name: "direct message uploads into the DM channel",
			send: func(ctx context.Context, a *Adapter, f *fakeMM, msg adapters.Message) (string, error) {
				ref, err := a.DirectMessage(ctx, "anna", msg)
				return ref.Channel, err
			},
			files: []adapters.File{ics}, wantNames: []string{"wol-kreis.ics"}},
		{name: "ephemeral with a file becomes a direct message",
			send: func(ctx context.Context, a *Adapter, f *fakeMM, msg adapters.Message) (string, error) {
				if err := a.Ephemeral(ctx, model.NewId(), f.user("anna").Id, msg); err != nil {
					return "", err
				}
				dm, err := a.directChannel(ctx, f.user("anna").Id)
				return dm, err
			},
			files: []adapters.File{ics}, wantNames: []string{"wol-kreis.ics"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			a, _ := newTestAdapter(t, f)
			channel, err := tt.send(context.Background(), a, f, adapters.Message{Text: "Willkommen", Files: tt.files})
			if err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.ephemerals) != 0 {
				t.Errorf("%d ephemeral posts, want none: they cannot carry files", len(f.ephemerals))
			}
			if len(f.created) != 1 {
				t.Fatalf("%d posts, want 1", len(f.created))
			}
			p := f.created[0]
			if p.ChannelId != channel || p.Message != "Willkommen" {
				t.Errorf("post in %q with %q, want %q", p.ChannelId, p.Message, channel)
			}
			if len(p.FileIds) != len(tt.wantNames) {
				t.Fatalf("post names files %v, want %d", p.FileIds, len(tt.wantNames))
			}
			for i, id := range p.FileIds {
				ff := f.files[id]
				if ff == nil || ff.info.Name != tt.wantNames[i] || ff.info.ChannelId != channel || string(ff.data) != string(tt.files[i].Data) {
					t.Errorf("file %d: %+v, want %q with the sent bytes in %s", i, ff, tt.wantNames[i], channel)
				}
			}
		})
	}
}

func TestFileUploadFailures(t *testing.T) {
	ics := adapters.File{Name: "wol-kreis.ics", Data: []byte("BEGIN:VCALENDAR\r\n")}
	t.Run("a 503 is retried", func(t *testing.T) {
		f := newFake(t)
		a, _ := newTestAdapter(t, f)
		f.failNext("POST /api/v4/files", injected{status: 503})
		if _, err := a.Post(context.Background(), model.NewId(), adapters.Message{Text: "x", Files: []adapters.File{ics}}); err != nil {
			t.Fatal(err)
		}
		if n := f.hitCount("POST /api/v4/files"); n != 2 {
			t.Errorf("%d uploads, want 2", n)
		}
	})
	t.Run("a refused upload posts nothing", func(t *testing.T) {
		f := newFake(t)
		a, _ := newTestAdapter(t, f)
		f.failNext("POST /api/v4/files", injected{status: 413})
		_, err := a.Post(context.Background(), model.NewId(), adapters.Message{Text: "x", Files: []adapters.File{ics}})
		if !hasStatus(err, 413) {
			t.Errorf("Post = %v, want the 413", err)
		}
		if n := f.hitCount("POST /api/v4/posts"); n != 0 {
			t.Errorf("%d posts made after a failed upload", n)
		}
	})
}
