//go:build goolm

package matrix

import (
	"context"
	"strings"
	"testing"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/adapters/matrix/matrixtest"
)

// TestEncryptedDirectRoom: a person opens an encrypted DM with the bot, as Element does by
// default; the bot reads the commands and answers encrypted, and after a restart on the same
// crypto directory it still reads the room.
func TestEncryptedDirectRoom(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	cursor := &memCursor{}
	a, rec, stop := f.start(t, cursor, Options{CryptoDir: dir, PickleKey: "geheim"})
	if a.crypto == nil {
		t.Fatal("built with -tags goolm but no encryption")
	}
	anna := matrixtest.Encrypting(t, f.anna)
	ctx := context.Background()
	resp, err := f.anna.Client.CreateRoom(ctx, &mautrix.ReqCreateRoom{
		Preset: "trusted_private_chat", IsDirect: true, Invite: []id.UserID{f.bot.UserID},
		InitialState: []*event.Event{{Type: event.StateEncryption, Content: event.Content{
			Parsed: &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	dm := resp.RoomID
	joined(t, f.anna, dm, f.bot.UserID)
	anna.WaitEncrypted(t, dm)

	sent, err := f.anna.Client.SendText(ctx, dm, "wol join")
	if err != nil {
		t.Fatal(err)
	}
	if raw := serverEvent(t, f.anna.Client, dm, sent.EventID); raw.Type != event.EventEncrypted {
		t.Fatalf("anna's message on the server is %v, want m.room.encrypted", raw.Type)
	}
	ev := rec.next(t)
	if ev.Text != "wol join" || !ev.Direct || ev.Channel != dm.String() {
		t.Fatalf("decrypted command = %+v", ev)
	}

	ref, err := a.DirectMessage(ctx, f.anna.UserID.String(), adapters.Message{Text: "**1/5 – Für welche Region?**", Buttons: []adapters.Button{
		{ID: "wol.answer", Label: "Rheinland", Value: "region|rheinland", Command: "/wol antwort rheinland"}}})
	if err != nil || ref.Channel != dm.String() {
		t.Fatalf("answer went to %s (%v), want the encrypted DM %s", ref.Channel, err, dm)
	}
	if out := serverEvent(t, f.anna.Client, dm, id.EventID(ref.ID)); out.Type != event.EventEncrypted {
		t.Fatalf("bot's answer on the server is %v, want m.room.encrypted", out.Type)
	}
	waitFor(t, "anna decrypts the bot's answer", func() bool {
		for _, s := range anna.Texts(dm) {
			if strings.Contains(s, "Für welche Region?") && strings.Contains(s, "`!wol antwort rheinland`") {
				return true
			}
		}
		return false
	})

	// A reaction on an encrypted message of the bot is a click too: the bot decrypts its own
	// message to read the reaction map.
	prompt, err := a.Post(ctx, dm.String(), adapters.Message{Text: "Weiter?", Buttons: []adapters.Button{
		{ID: "lc.thumbs", Label: "👍 Vertiefen", Value: "r9:1:up", Command: "/lc thumbs up"},
		{ID: "lc.thumbs", Label: "👎 Weiter", Value: "r9:1:down", Command: "/lc thumbs down"}}})
	if err != nil {
		t.Fatal(err)
	}
	react(t, f.anna, dm, id.EventID(prompt.ID), "👎️")
	if ev := rec.next(t); ev.Kind != adapters.KindAction || ev.ActionID != "lc.thumbs" || ev.Value != "r9:1:down" {
		t.Fatalf("reaction on an encrypted message became %+v", ev)
	}

	// Restart on the same crypto directory: the keys survived.
	stop()
	_, rec2, _ := f.start(t, cursor, Options{CryptoDir: dir, PickleKey: "geheim"})
	if _, err := f.anna.Client.SendText(ctx, dm, "rheinland"); err != nil {
		t.Fatal(err)
	}
	if ev := rec2.next(t); ev.Text != "rheinland" || !ev.Direct {
		t.Fatalf("after restart the bot read %+v, want the decrypted answer", ev)
	}
	// The new process has not seen the prompt in its sync: it fetches and decrypts it.
	react(t, f.anna, dm, id.EventID(prompt.ID), "👍")
	if ev := rec2.next(t); ev.ActionID != "lc.thumbs" || ev.Value != "r9:1:up" {
		t.Fatalf("after restart a reaction became %+v", ev)
	}
}
