package matrix

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/wolbot/wolbot/adapters"
)

// TestCommands: in a room only "!word" with a known word and messages addressed to the bot are
// commands; in a DM every message is. A marker command ends each case, so that a message that
// wrongly became a command shows up before it.
func TestCommands(t *testing.T) {
	f := newFixture(t)
	a, rec, _ := f.start(t, &memCursor{}, Options{})
	room := f.room(t, f.anna, f.bot, f.bert)
	joined(t, f.anna, room, f.bot.UserID)

	cases := []struct {
		name, text, want string
	}{
		{"bang command", "!lc start votes=3", "lc start votes=3"},
		{"other bot's command", "!ban someone", ""},
		{"plain chat", "Guten Morgen zusammen", ""},
		{"slash passed through by Element", "/lc status", ""},
		{"addressed by display name", "Wolbot: lc status", "lc status"},
		{"addressed by MXID", f.bot.UserID.String() + " wol status", "wol status"},
		{"addressed with bang", "wolbot, !impuls abo", "impuls abo"},
		{"name as part of a word", "Wolbotfans, hallo", ""},
		{"edit is no command", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.text != "" {
				say(t, f.anna, room, c.text)
			} else {
				orig := say(t, f.anna, room, "!lc topic Tippfehler")
				if ev := rec.next(t); ev.Text != "lc topic Tippfehler" {
					t.Fatalf("original: got %q", ev.Text)
				}
				edit := &event.MessageEventContent{MsgType: event.MsgText, Body: "* !lc topic Tippfehler behoben",
					NewContent: &event.MessageEventContent{MsgType: event.MsgText, Body: "!lc topic Tippfehler behoben"}}
				edit.SetEdit(orig)
				if _, err := f.anna.Client.SendMessageEvent(context.Background(), room, event.EventMessage, edit); err != nil {
					t.Fatal(err)
				}
			}
			marker := say(t, f.anna, room, "!lc marker")
			ev := rec.next(t)
			if c.want != "" {
				if ev.Kind != adapters.KindCommand || ev.Text != c.want || ev.Direct {
					t.Fatalf("got %+v, want command %q in a room", ev, c.want)
				}
				if ev.User != f.anna.UserID.String() || ev.UserName != strings.TrimPrefix(f.anna.UserID.String(), "@") ||
					ev.Channel != room.String() || ev.ChannelName != "Runde" || ev.Platform != "matrix" || !strings.HasPrefix(ev.ID, "$") {
					t.Fatalf("event fields wrong: %+v", ev)
				}
				ev = rec.next(t)
			}
			if ev.Text != "lc marker" || ev.ID != marker.String() {
				t.Fatalf("got %+v before the marker, want none", ev)
			}
		})
	}

	t.Run("room without a name, named by its alias", func(t *testing.T) {
		alias := "jugendhilfe-" + f.anna.UserID.Localpart()
		resp, err := f.anna.Client.CreateRoom(context.Background(), &mautrix.ReqCreateRoom{
			Preset: "private_chat", RoomAliasName: alias, Invite: []id.UserID{f.bot.UserID, f.bert.UserID}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.bert.Client.JoinRoomByID(context.Background(), resp.RoomID); err != nil {
			t.Fatal(err) // three people: not a direct room
		}
		joined(t, f.anna, resp.RoomID, f.bot.UserID)
		say(t, f.anna, resp.RoomID, "!lc status")
		if ev := rec.next(t); ev.Text != "lc status" || ev.ChannelName != alias {
			t.Fatalf("got %+v, want ChannelName %q", ev, alias)
		}
	})

	t.Run("direct room", func(t *testing.T) {
		dm, err := a.directRoom(context.Background(), f.bert.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.bert.Client.JoinRoomByID(context.Background(), dm); err != nil {
			t.Fatal(err)
		}
		say(t, f.bert, dm, "lc hilfe")
		ev := rec.next(t)
		if ev.Text != "lc hilfe" || !ev.Direct || ev.Channel != dm.String() {
			t.Fatalf("got %+v, want a direct command", ev)
		}
	})
}

// TestReactionsAreButtons: the thumbs prompt carries 👍 ✋ 👎, a vote board the number
// emoji; a person's reaction arrives as the button's action, an edit replaces the reactions,
// and a reaction on someone else's message never counts, whatever its content claims.
func TestReactionsAreButtons(t *testing.T) {
	f := newFixture(t)
	a, rec, _ := f.start(t, &memCursor{}, Options{})
	room := f.room(t, f.anna, f.bot, f.bert)
	joined(t, f.anna, room, f.bot.UserID)
	ctx := context.Background()

	thumbs := adapters.Message{Text: "Zeit ist um. Weiter?", Buttons: []adapters.Button{
		{ID: "lc.thumbs", Label: "👍 Vertiefen", Value: "r1:4:up", Command: "/lc thumbs up"},
		{ID: "lc.thumbs", Label: "✋ Egal", Value: "r1:4:side", Command: "/lc thumbs side"},
		{ID: "lc.thumbs", Label: "👎 Weiter", Value: "r1:4:down", Command: "/lc thumbs down"},
	}}
	ref, err := a.Post(ctx, room.String(), thumbs)
	if err != nil {
		t.Fatal(err)
	}
	post := id.EventID(ref.ID)
	waitFor(t, "the bot's reactions 👍 ✋ 👎 on the prompt", func() bool {
		got := botReactions(t, f.anna, room, post, f.bot.UserID)
		return len(got) == 3 && got["👍"] && got["✋"] && got["👎"]
	})
	orig := serverEvent(t, f.anna.Client, room, post)
	if body, _ := orig.Content.Raw["body"].(string); !strings.Contains(body, "`!lc thumbs side`") {
		t.Fatalf("text twins missing in %q", body)
	}

	rid := react(t, f.anna, room, post, "👍️") // as Element sends it, with a variation selector
	ev := rec.next(t)
	if ev.Kind != adapters.KindAction || ev.ActionID != "lc.thumbs" || ev.Value != "r1:4:up" || ev.PostID != ref.ID ||
		ev.ID != rid.String() || ev.User != f.anna.UserID.String() {
		t.Fatalf("reaction became %+v", ev)
	}

	board := adapters.Message{Text: "Abstimmung", Buttons: []adapters.Button{
		{ID: "lc.vote", Label: "Punkt auf 1", Value: "r1:1", Command: "/lc vote 1"},
		{ID: "lc.vote", Label: "Punkt auf 2", Value: "r1:2", Command: "/lc vote 2"},
		{ID: "lc.vote", Label: "Punkt auf 3", Value: "r1:3", Command: "/lc vote 3"},
		{ID: "lc.next", Label: "Diskussion starten", Value: "r1:voting:2", Command: "/lc next"},
	}}
	if err := a.Update(ctx, ref, board); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the bot's reactions 1️⃣ 2️⃣ 3️⃣ (and no others) after the edit", func() bool {
		got := botReactions(t, f.anna, room, post, f.bot.UserID)
		return len(got) == 3 && got["1⃣"] && got["2⃣"] && got["3⃣"]
	})
	rel, err := f.anna.Client.GetRelations(ctx, room, post, &mautrix.ReqGetRelations{RelationType: event.RelReplace})
	if err != nil || len(rel.Chunk) != 1 {
		t.Fatalf("edits of the post: %v %v, want one m.replace", rel, err)
	}
	if nc, _ := rel.Chunk[0].Content.Raw["m.new_content"].(map[string]any); !strings.HasPrefix(nc["body"].(string), "Abstimmung") {
		t.Fatalf("edit's new content = %v", nc)
	}

	react(t, f.anna, room, post, "👎") // no longer offered: nothing
	react(t, f.anna, room, post, "2️⃣")
	ev = rec.next(t)
	if ev.ActionID != "lc.vote" || ev.Value != "r1:2" {
		t.Fatalf("vote reaction became %+v, want lc.vote r1:2 (and nothing for 👎)", ev)
	}

	// Anna forges a message that claims a reaction map: her reaction on it is nobody's click.
	forged := map[string]any{"msgtype": "m.text", "body": "x", reactionsKey: map[string]any{"👍": map[string]any{"action": "lc.end", "value": "r1"}}}
	resp, err := f.anna.Client.SendMessageEvent(ctx, room, event.EventMessage, forged)
	if err != nil {
		t.Fatal(err)
	}
	react(t, f.anna, room, resp.EventID, "👍")
	say(t, f.anna, room, "!lc marker")
	if ev := rec.next(t); ev.Text != "lc marker" {
		t.Fatalf("got %+v before the marker: a forged reaction map was trusted", ev)
	}
}

// TestSyncCursor: a restart goes on from the stored next_batch, so a command sent while the
// bot was down arrives once; a first start without a stored position skips the history; and
// events from before the bot joined a room are never answered.
func TestSyncCursor(t *testing.T) {
	f := newFixture(t)
	room := f.room(t, f.anna)
	say(t, f.anna, room, "!lc vor dem beitritt") // before the bot is even in the room

	cursor := &memCursor{}
	_, rec, stop := f.start(t, cursor, Options{})
	if _, err := f.anna.Client.InviteUser(context.Background(), room, &mautrix.ReqInviteUser{UserID: f.bot.UserID}); err != nil {
		t.Fatal(err)
	}
	joined(t, f.anna, room, f.bot.UserID)
	say(t, f.anna, room, "!lc eins")
	if ev := rec.next(t); ev.Text != "lc eins" {
		t.Fatalf("got %q, want the first command after joining (not the history)", ev.Text)
	}
	stop()

	say(t, f.anna, room, "!lc waehrend der pause")
	_, rec2, _ := f.start(t, cursor, Options{})
	if ev := rec2.next(t); ev.Text != "lc waehrend der pause" {
		t.Fatalf("after restart got %q, want the command sent during the downtime", ev.Text)
	}
	rec2.none(t, 3*time.Second)

	// A fresh start without a cursor skips what happened before.
	_, rec3, _ := f.start(t, &memCursor{}, Options{})
	say(t, f.anna, room, "!lc neu")
	if ev := rec3.next(t); ev.Text != "lc neu" {
		t.Fatalf("fresh start got %q, want only the new command", ev.Text)
	}
}

// TestInvites: invites from allowed servers are accepted, others declined.
func TestInvites(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	t.Run("own server allowed by default", func(t *testing.T) {
		_, _, stop := f.start(t, &memCursor{}, Options{})
		defer stop()
		room := f.room(t, f.anna, f.bot)
		joined(t, f.anna, room, f.bot.UserID)
	})
	t.Run("server not on the list", func(t *testing.T) {
		_, _, stop := f.start(t, &memCursor{}, Options{AllowedServers: []string{"other.example"}})
		defer stop()
		room := f.room(t, f.anna, f.bot)
		waitFor(t, "invite declined", func() bool {
			var m event.MemberEventContent
			err := f.anna.Client.StateEvent(ctx, room, event.StateMember, f.bot.UserID.String(), &m)
			return err == nil && m.Membership == event.MembershipLeave
		})
	})
}

// TestRoomsAndUsers: DMs are flagged direct and reused; private rooms invite their members and
// a retry finds the room the first attempt made; users are found by MXID, localpart or display
// name.
func TestRoomsAndUsers(t *testing.T) {
	f := newFixture(t)
	a, _, _ := f.start(t, &memCursor{}, Options{})
	ctx := context.Background()
	// Homeserver user directories show the users who share a room with the searcher.
	shared := f.room(t, f.anna, f.bot, f.bert)
	joined(t, f.anna, shared, f.bot.UserID)

	ref, err := a.DirectMessage(ctx, "Anna Schmidt", adapters.Message{Text: "Hallo"})
	if err != nil {
		t.Fatal(err)
	}
	var direct event.DirectChatsEventContent
	if err := f.bot.Client.GetAccountData(ctx, "m.direct", &direct); err != nil {
		t.Fatal(err)
	}
	if rooms := direct[f.anna.UserID]; len(rooms) != 1 || rooms[0].String() != ref.Channel {
		t.Fatalf("m.direct = %v, want anna's DM %s", direct, ref.Channel)
	}
	ref2, err := a.DirectMessage(ctx, f.anna.UserID.String(), adapters.Message{Text: "Nochmal", Key: "k1"})
	if err != nil || ref2.Channel != ref.Channel {
		t.Fatalf("second DM in %s (%v), want the same room %s", ref2.Channel, err, ref.Channel)
	}
	ref3, err := a.DirectMessage(ctx, f.anna.UserID.String(), adapters.Message{Text: "Nochmal", Key: "k1"})
	if err != nil || ref3.ID != ref2.ID {
		t.Fatalf("keyed repeat posted %s, want the first post %s (%v)", ref3.ID, ref2.ID, err)
	}

	members := []string{f.anna.UserID.String(), "Bert Meyer"}
	// Room aliases are global on the homeserver and outlive a test: the name is unique to
	// this run's bot account, so that -count=N does not meet the rooms of earlier runs.
	name := "wol-Rheinland-" + f.bot.UserID.Localpart()
	roomID, err := a.CreatePrivateChannel(ctx, "", name, members)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []id.UserID{f.anna.UserID, f.bert.UserID} {
		var m event.MemberEventContent
		if err := a.cli.StateEvent(ctx, id.RoomID(roomID), event.StateMember, u.String(), &m); err != nil || m.Membership != event.MembershipInvite {
			t.Fatalf("%s in the new room: %v %v, want invited", u, m.Membership, err)
		}
	}
	again, err := a.CreatePrivateChannel(ctx, "", name, members)
	if err != nil || again != roomID {
		t.Fatalf("retry created %s (%v), want the first room %s", again, err, roomID)
	}

	for _, c := range []struct{ in, want string }{
		{f.anna.UserID.String(), f.anna.UserID.String()},
		{strings.TrimPrefix(f.anna.UserID.String(), "@"), f.anna.UserID.String()},
		{f.bert.UserID.Localpart(), f.bert.UserID.String()},
		{"Bert Meyer", f.bert.UserID.String()},
	} {
		u, err := a.LookupUser(ctx, c.in)
		if err != nil || u.ID != c.want || u.Name != strings.TrimPrefix(c.want, "@") {
			t.Errorf("LookupUser(%q) = %+v, %v; want %s", c.in, u, err, c.want)
		}
	}
	for _, in := range []string{"@niemand:" + f.hs.ServerName, "Niemand Bekanntes", ""} {
		if _, err := a.LookupUser(ctx, in); !errors.Is(err, adapters.ErrNotFound) {
			t.Errorf("LookupUser(%q) error = %v, want ErrNotFound", in, err)
		}
	}
}
