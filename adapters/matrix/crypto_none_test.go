//go:build !goolm

package matrix

import (
	"context"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// TestEncryptedRoomRefusedLoudly: a binary without -tags goolm cannot read an encrypted
// message; it says so in the room, once, instead of staying silent.
func TestEncryptedRoomRefusedLoudly(t *testing.T) {
	f := newFixture(t)
	a, rec, _ := f.start(t, &memCursor{}, Options{})
	if a.crypto != nil {
		t.Fatal("encryption without -tags goolm")
	}
	room := f.room(t, f.anna, f.bot, f.bert)
	joined(t, f.anna, room, f.bot.UserID)
	ctx := context.Background()
	// What an encrypting client sends; the bot cannot tell it from a real one without keys.
	enc := map[string]any{"algorithm": id.AlgorithmMegolmV1, "ciphertext": "AwgAEn…", "sender_key": "k", "session_id": "s", "device_id": "ANNA"}
	for range 2 {
		if _, err := f.anna.Client.SendMessageEvent(ctx, room, event.EventEncrypted, enc); err != nil {
			t.Fatal(err)
		}
	}
	say(t, f.anna, room, "!lc marker")
	if ev := rec.next(t); ev.Text != "lc marker" {
		t.Fatalf("got %+v, want only the marker", ev)
	}
	count := func() int {
		resp, err := f.anna.Client.Messages(ctx, room, "", "", mautrix.DirectionBackward, nil, 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range resp.Chunk {
			if body, _ := e.Content.Raw["body"].(string); e.Sender == f.bot.UserID && strings.Contains(body, "-tags goolm") {
				n++
			}
		}
		return n
	}
	waitFor(t, "the notice", func() bool { return count() > 0 })
	time.Sleep(500 * time.Millisecond) // a second notice would have arrived
	if n := count(); n != 1 {
		t.Errorf("%d notices for two encrypted messages, want 1", n)
	}
}
