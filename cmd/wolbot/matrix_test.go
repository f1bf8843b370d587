package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/wolbot/wolbot/adapters/matrix/matrixtest"
	"github.com/wolbot/wolbot/storage/redistest"
)

// End-to-end on Matrix: real wolbot processes (WOLBOT_CHAT=matrix) against a real homeserver
// (matrixtest: Dendrite on loopback) and the tests' Redis; people are mautrix clients.

// mxWorld is a homeserver with the bot's account and the people of a test.
type mxWorld struct {
	hs    *matrixtest.Server
	bot   matrixtest.Account
	ns    string
	vars  []string
	users map[string]matrixtest.Account
}

func newMxWorld(t *testing.T, people ...string) *mxWorld {
	t.Helper()
	hs := matrixtest.Start(t)
	w := &mxWorld{hs: hs, bot: hs.Register(t, "wolbot", "wolbot"), ns: redistest.Store(t).NS, users: map[string]matrixtest.Account{}}
	for _, p := range people {
		w.users[p] = hs.Register(t, p, strings.ToUpper(p[:1])+p[1:])
	}
	return w
}

// start runs a wolbot process on the bot's account and waits until its first sync is done.
func (w *mxWorld) start(t *testing.T, bin, name string, vars ...string) *replica {
	t.Helper()
	env := append([]string{"WOLBOT_CHAT=matrix", "MATRIX_HOMESERVER=" + w.hs.URL, "MATRIX_TOKEN=" + w.bot.Token,
		"MATRIX_SYNC_TIMEOUT=3s"}, redisVars(w.ns)...) // a missed long-poll wake-up costs 3 s, not 30
	env = append(append(env, w.vars...), vars...)
	r := launch(t, bin, name, env...)
	r.waitReady(t, 30*time.Second)
	return r
}

// room is created by owner with the bot and the members invited and joined.
func (w *mxWorld) room(t *testing.T, owner string, members ...string) id.RoomID {
	t.Helper()
	ctx := context.Background()
	o := w.users[owner]
	resp, err := o.Client.CreateRoom(ctx, &mautrix.ReqCreateRoom{Preset: "private_chat", Name: "Fachaustausch",
		Invite: []id.UserID{w.bot.UserID}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if _, err := o.Client.InviteUser(ctx, resp.RoomID, &mautrix.ReqInviteUser{UserID: w.users[m].UserID}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.users[m].Client.JoinRoomByID(ctx, resp.RoomID); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 20*time.Second, "the bot joined", func() bool {
		m, err := o.Client.JoinedMembers(ctx, resp.RoomID)
		_, ok := m.Joined[w.bot.UserID]
		return err == nil && ok
	})
	return resp.RoomID
}

func (w *mxWorld) say(t *testing.T, who string, room id.RoomID, text string) {
	t.Helper()
	if _, err := w.users[who].Client.SendText(context.Background(), room, text); err != nil {
		t.Fatalf("%s says %q: %v", who, text, err)
	}
}

func (w *mxWorld) react(t *testing.T, who string, room id.RoomID, post id.EventID, key string) {
	t.Helper()
	if _, err := w.users[who].Client.SendReaction(context.Background(), room, post, key); err != nil {
		t.Fatalf("%s reacts %s: %v", who, key, err)
	}
}

// mxPost is one of the bot's messages as a reader sees it: the text of its latest edit.
type mxPost struct {
	ID    id.EventID
	Text  string
	Edits int
}

// posts lists the bot's messages in room, oldest first, read with the bot's own account (it
// is in every room it posts to).
func (w *mxWorld) posts(t *testing.T, room id.RoomID) []mxPost {
	t.Helper()
	resp, err := w.bot.Client.Messages(context.Background(), room, "", "", mautrix.DirectionBackward, nil, 1000)
	if err != nil {
		t.Fatalf("messages of %s: %v", room, err)
	}
	var out []mxPost
	idx := map[id.EventID]int{}
	type edit struct {
		of   id.EventID
		text string
		ts   int64
	}
	var edits []edit
	for i := len(resp.Chunk) - 1; i >= 0; i-- { // oldest first
		e := resp.Chunk[i]
		if e.Sender != w.bot.UserID || e.Type != event.EventMessage {
			continue
		}
		body, _ := e.Content.Raw["body"].(string)
		if rel, ok := e.Content.Raw["m.relates_to"].(map[string]any); ok && rel["rel_type"] == "m.replace" {
			nc, _ := e.Content.Raw["m.new_content"].(map[string]any)
			text, _ := nc["body"].(string)
			of, _ := rel["event_id"].(string)
			edits = append(edits, edit{id.EventID(of), text, e.Timestamp})
			continue
		}
		idx[e.ID] = len(out)
		out = append(out, mxPost{ID: e.ID, Text: body})
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].ts < edits[j].ts })
	for _, e := range edits {
		if i, ok := idx[e.of]; ok {
			out[i].Text = e.text
			out[i].Edits++
		}
	}
	return out
}

// dms lists the bot's messages in its direct rooms with who, as recorded in m.direct.
func (w *mxWorld) dms(t *testing.T, who string) []mxPost {
	t.Helper()
	var direct event.DirectChatsEventContent
	if err := w.bot.Client.GetAccountData(context.Background(), "m.direct", &direct); err != nil {
		return nil
	}
	var out []mxPost
	for _, room := range direct[w.users[who].UserID] {
		out = append(out, w.posts(t, room)...)
	}
	return out
}

// findPosts returns the posts whose text contains s.
func findPosts(posts []mxPost, s string) []mxPost {
	var out []mxPost
	for _, p := range posts {
		if strings.Contains(p.Text, s) {
			out = append(out, p)
		}
	}
	return out
}

// waitPost waits until exactly one post in room contains s and returns it.
func (w *mxWorld) waitPost(t *testing.T, room id.RoomID, s string) mxPost {
	t.Helper()
	var got []mxPost
	eventually(t, 20*time.Second, fmt.Sprintf("a post with %q", s), func() bool {
		got = findPosts(w.posts(t, room), s)
		return len(got) >= 1
	})
	return got[0]
}

// TestMatrixLeanCoffeeRound plays a round in a Matrix room: commands with "!", votes and the
// thumbs vote by reaction, the board updated in place by edits, replies as DMs, and the
// wolbot process killed in the middle of a timebox: a new process posts the thumbs prompt once.
func TestMatrixLeanCoffeeRound(t *testing.T) {
	bin := wolbotBinary(t)
	w := newMxWorld(t, "anna", "bert")
	rep := w.start(t, bin, "wolbot-1")
	room := w.room(t, "anna", "bert")

	w.say(t, "anna", room, "!lc start timebox=4s thumbs=30s")
	board := w.waitPost(t, room, "Lean Coffee – Themen sammeln")
	if !strings.Contains(board.Text, "`!lc thema <Ihr Thema>`") || !strings.Contains(board.Text, "`!lc weiter`") {
		t.Errorf("board shows no !-commands:\n%s", board.Text)
	}
	w.say(t, "bert", room, "!lc topic Gemeinsame Jugendhilfeplanung")
	w.say(t, "anna", room, "wolbot: lc topic Fachkräftemangel im ASD")
	eventually(t, 20*time.Second, "topic replies as DMs", func() bool {
		return len(findPosts(w.dms(t, "bert"), "Ihr Thema steht als #1")) == 1 &&
			len(findPosts(w.dms(t, "anna"), "Ihr Thema steht als #2")) == 1
	})
	w.say(t, "anna", room, "!lc next")
	eventually(t, 20*time.Second, "voting board", func() bool {
		return len(findPosts(w.posts(t, room), "Lean Coffee – Abstimmung")) == 1
	})
	// Votes by reaction: both on topic 2, as the number emoji the bot put under the board.
	w.react(t, "anna", room, board.ID, "2️⃣")
	w.react(t, "bert", room, board.ID, "2️⃣")
	eventually(t, 20*time.Second, "two dots on topic 2", func() bool {
		return len(findPosts(w.posts(t, room), "Fachkräftemangel im ASD — **2 Punkte**")) == 1
	})
	w.say(t, "anna", room, "!lc next")
	eventually(t, 20*time.Second, "discussion of topic 2 first", func() bool {
		return len(findPosts(w.posts(t, room), "Thema 1 von 2:** Fachkräftemangel")) == 1
	})

	// The process dies mid-timebox; the next one takes over the durable timer.
	rep.kill()
	w.start(t, bin, "wolbot-2")
	prompt := w.waitPost(t, room, "ist um. Wie geht es weiter?")
	w.react(t, "bert", room, prompt.ID, "👍️")
	w.react(t, "anna", room, prompt.ID, "👍")
	eventually(t, 20*time.Second, "thumbs counted on the board", func() bool {
		return len(findPosts(w.posts(t, room), "👍 2 · ✋ 0 · 👎 0")) == 1
	})
	w.say(t, "anna", room, "!lc end")
	w.waitPost(t, room, "Lean Coffee – Zusammenfassung")
	time.Sleep(time.Second) // anything doubled would have arrived

	posts := w.posts(t, room)
	for _, s := range []string{"Lean Coffee – beendet", "ist um.", "Lean Coffee – Zusammenfassung"} {
		if n := len(findPosts(posts, s)); n != 1 {
			t.Errorf("%d posts contain %q, want 1", n, s)
		}
	}
	if b := findPosts(posts, "Lean Coffee – beendet"); len(b) == 1 && (b[0].ID != board.ID || b[0].Edits < 4) {
		t.Errorf("the board was not updated in place: %+v (first board %s)", b[0], board.ID)
	}
	if p := findPosts(posts, "ist um."); len(p) == 1 && p[0].Edits == 0 {
		t.Errorf("the thumbs prompt was not edited with the result: %q", p[0].Text)
	}
	if n := len(findPosts(w.dms(t, "bert"), "Ihre Stimme (👍")); n != 1 {
		t.Errorf("bert got %d thumbs confirmations, want 1", n)
	}
}

// TestMatrixReplicasAnswerOnce runs two wolbot processes on one Matrix account: both see every
// event in their own /sync, and the shared Redis lets each be answered once.
func TestMatrixReplicasAnswerOnce(t *testing.T) {
	bin := wolbotBinary(t)
	w := newMxWorld(t, "anna", "bert")
	w.start(t, bin, "wolbot-a")
	w.start(t, bin, "wolbot-b")
	room := w.room(t, "anna", "bert")

	w.say(t, "anna", room, "!lc start timebox=2s thumbs=30s")
	board := w.waitPost(t, room, "Lean Coffee – Themen sammeln")
	w.say(t, "bert", room, "!lc topic Beteiligung von Jugendlichen")
	w.say(t, "anna", room, "!lc topic Hilfeplanung digital")
	w.say(t, "anna", room, "!lc next")
	eventually(t, 20*time.Second, "voting", func() bool { return len(findPosts(w.posts(t, room), "Lean Coffee – Abstimmung")) == 1 })
	w.react(t, "bert", room, board.ID, "1️⃣")
	w.say(t, "anna", room, "!lc next")
	w.waitPost(t, room, "ist um. Wie geht es weiter?")
	time.Sleep(2 * time.Second)

	posts := w.posts(t, room)
	for _, s := range []string{"### ☕ Lean Coffee – ", "ist um.", "Thema 1 von 2:**"} {
		if n := len(findPosts(posts, s)); n != 1 {
			t.Errorf("%d posts contain %q, want 1:\n%v", n, s, posts)
		}
	}
	if n := len(findPosts(w.dms(t, "bert"), "Ihr Punkt auf Thema 1 ist gezählt")); n != 1 {
		t.Errorf("bert's vote confirmed %d times, want once", n)
	}
	if n := len(findPosts(w.dms(t, "bert"), "Ihr Thema steht als #1")); n != 1 {
		t.Errorf("bert's topic confirmed %d times, want once", n)
	}
}

// TestMatrixImpulseByDM: "!impuls abo" in a room subscribes; impulses arrive in the person's
// direct room with the bot, which is flagged direct.
func TestMatrixImpulseByDM(t *testing.T) {
	bin := wolbotBinary(t)
	w := newMxWorld(t, "lea", "tom")
	w.start(t, bin, "wolbot-1", "WOLBOT_IMPULSE_SCHEDULE=@every 2s", "WOLBOT_IMPULSE_RATE=50")
	room := w.room(t, "lea", "tom")
	w.say(t, "lea", room, "!impuls abo")
	eventually(t, 30*time.Second, "welcome and an impulse by DM", func() bool {
		dms := w.dms(t, "lea")
		return len(findPosts(dms, "Willkommen bei den Kurzimpulsen")) == 1 && len(findPosts(dms, "**Frage:**")) >= 1
	})
	dm := w.dms(t, "lea")
	if imp := findPosts(dm, "**Frage:**")[0]; !strings.Contains(imp.Text, "`!impuls feedback ") {
		t.Errorf("impulse without the text twins of its feedback buttons:\n%s", imp.Text)
	}
}

// TestMatrixCircleEnrolment: four planners enrol in their DMs with the bot (any message there
// is for the bot), the admin confirms, and the circle's private room is created with all four
// invited.
func TestMatrixCircleEnrolment(t *testing.T) {
	bin := wolbotBinary(t)
	planners := []string{"p1", "p2", "p3", "p4"}
	w := newMxWorld(t, append([]string{"admin"}, planners...)...)
	w.vars = []string{"WOLBOT_ADMINS=" + w.users["admin"].UserID.String(), "WOLBOT_WOL_WEEK=1h"}
	w.start(t, bin, "wolbot-1")
	room := w.room(t, "admin", planners...)

	munis := []string{"Kreis Düren", "StädteRegion Aachen", "Stadt Köln", "Kreis Euskirchen"}
	w.say(t, "admin", room, `!wol region add rheinland "Rheinland"`)
	w.say(t, "admin", room, `!wol region rheinland kommunen "`+strings.Join(munis, "; ")+`"`)
	w.say(t, "admin", room, "!wol runde öffnen rheinland wochen=1")
	eventually(t, 20*time.Second, "round open", func() bool { return len(w.dms(t, "admin")) >= 3 })

	for i, p := range planners {
		w.say(t, p, room, "!wol join")
		var dm id.RoomID
		eventually(t, 20*time.Second, p+"'s first question", func() bool {
			var direct event.DirectChatsEventContent
			if err := w.bot.Client.GetAccountData(context.Background(), "m.direct", &direct); err != nil {
				return false
			}
			rooms := direct[w.users[p].UserID]
			if len(rooms) == 0 {
				return false
			}
			dm = rooms[0]
			return len(w.posts(t, dm)) >= 1
		})
		if _, err := w.users[p].Client.JoinRoomByID(context.Background(), dm); err != nil {
			t.Fatal(err)
		}
		answers := []string{"rheinland", munis[i], "Planung", "Ich möchte von anderen Kommunen lernen, wie sie Jugendliche beteiligen.", "mo-vm, di-vm", "ja"}
		for n, a := range answers {
			before := len(w.posts(t, dm))
			w.say(t, p, dm, a)
			eventually(t, 20*time.Second, fmt.Sprintf("%s: answer %d taken", p, n+1), func() bool { return len(w.posts(t, dm)) > before })
		}
		eventually(t, 20*time.Second, p+" enrolled", func() bool { return len(findPosts(w.posts(t, dm), "Sie sind angemeldet")) == 1 })
	}
	w.say(t, "admin", room, "!wol vorschau rheinland")
	w.say(t, "admin", room, "!wol bestätigen rheinland")
	defer func() {
		if t.Failed() {
			for _, p := range w.dms(t, "admin") {
				t.Logf("admin's DM: %s", p.Text)
			}
		}
	}()
	var circle id.RoomID
	eventually(t, 30*time.Second, "circle room", func() bool {
		joined, err := w.bot.Client.JoinedRooms(context.Background())
		if err != nil {
			return false
		}
		for _, r := range joined.JoinedRooms {
			var name event.RoomNameEventContent
			if w.bot.Client.StateEvent(context.Background(), r, event.StateRoomName, "", &name) == nil && strings.HasPrefix(name.Name, "wol-rheinland") {
				circle = r
				return true
			}
		}
		return false
	})
	for _, p := range planners {
		// Dendrite sends createRoom's invites after the room's name: wait for them.
		eventually(t, 20*time.Second, p+" invited to the circle room", func() bool {
			var m event.MemberEventContent
			err := w.bot.Client.StateEvent(context.Background(), circle, event.StateMember, w.users[p].UserID.String(), &m)
			return err == nil && m.Membership == event.MembershipInvite
		})
	}
	w.waitPost(t, circle, "Willkommen in Ihrem Working-Out-Loud-Kreis")
}
