//go:build goolm

package matrix

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto/cryptohelper"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/adapters/matrix/matrixtest"
)

// e2eeClient makes acc an encrypting client, as Element is, syncing until the test ends; it
// returns a function that lists the decrypted texts it has received from from.
func e2eeClient(t *testing.T, acc matrixtest.Account, from id.UserID) func() []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "client.db")+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	udb, err := dbutil.NewWithDB(db, "sqlite3")
	if err != nil {
		t.Fatal(err)
	}
	cli := acc.Client
	h, err := cryptohelper.NewCryptoHelper(cli, []byte("test-pickle"), udb)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := h.Init(ctx); err != nil {
		t.Fatal(err)
	}
	cli.Crypto = h
	var mu sync.Mutex
	var texts []string
	cli.Syncer.(mautrix.ExtensibleSyncer).OnEventType(event.EventMessage, func(_ context.Context, evt *event.Event) {
		if evt.Sender != from || evt.Mautrix.EventSource&event.SourceDecrypted == 0 {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		body, _ := evt.Content.Raw["body"].(string)
		texts = append(texts, body)
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = cli.SyncWithContext(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = h.Close()
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), texts...)
	}
}

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
	received := e2eeClient(t, f.anna, f.bot.UserID)
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
	time.Sleep(time.Second) // anna's client learns the bot's device from its sync

	sent, err := f.anna.Client.SendText(ctx, dm, "wol join")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := f.anna.Client.GetEvent(ctx, dm, sent.EventID)
	if err != nil || raw.Type != event.EventEncrypted {
		t.Fatalf("anna's message on the server is %v (%v), want m.room.encrypted", raw.Type, err)
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
	out, err := f.anna.Client.GetEvent(ctx, dm, id.EventID(ref.ID))
	if err != nil || out.Type != event.EventEncrypted {
		t.Fatalf("bot's answer on the server is %v (%v), want m.room.encrypted", out.Type, err)
	}
	waitFor(t, "anna decrypts the bot's answer", func() bool {
		for _, s := range received() {
			if strings.Contains(s, "Für welche Region?") && strings.Contains(s, "`!wol antwort rheinland`") {
				return true
			}
		}
		return false
	})

	// Restart on the same crypto directory: the keys survived.
	stop()
	_, rec2, _ := f.start(t, cursor, Options{CryptoDir: dir, PickleKey: "geheim"})
	if _, err := f.anna.Client.SendText(ctx, dm, "rheinland"); err != nil {
		t.Fatal(err)
	}
	if ev := rec2.next(t); ev.Text != "rheinland" || !ev.Direct {
		t.Fatalf("after restart the bot read %+v, want the decrypted answer", ev)
	}
}
