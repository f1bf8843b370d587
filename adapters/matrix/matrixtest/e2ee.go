//go:build goolm

package matrixtest

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto/cryptohelper"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
	_ "modernc.org/sqlite" // pure-Go SQLite for the client's keys
)

// E2EE is an account's client turned into an encrypting one, as Element is: it syncs until the
// test ends, encrypts what it sends to encrypted rooms and records the messages of others it
// decrypted.
type E2EE struct {
	acc   Account
	mu    sync.Mutex
	texts map[id.RoomID][]string
}

// Encrypting sets up end-to-end encryption for acc's client (keys in a temporary SQLite file)
// and starts its sync loop. Only with -tags goolm.
func Encrypting(tb testing.TB, acc Account) *E2EE {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(tb.TempDir(), "client.db")+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		tb.Fatal(err)
	}
	udb, err := dbutil.NewWithDB(db, "sqlite3")
	if err != nil {
		tb.Fatal(err)
	}
	cli := acc.Client
	h, err := cryptohelper.NewCryptoHelper(cli, []byte("test-pickle"), udb)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := h.Init(ctx); err != nil {
		cancel()
		tb.Fatal(err)
	}
	cli.Crypto = h
	e := &E2EE{acc: acc, texts: map[id.RoomID][]string{}}
	cli.Syncer.(mautrix.ExtensibleSyncer).OnEventType(event.EventMessage, func(_ context.Context, evt *event.Event) {
		if evt.Sender == acc.UserID || evt.Mautrix.EventSource&event.SourceDecrypted == 0 {
			return
		}
		body, _ := evt.Content.Raw["body"].(string)
		e.mu.Lock()
		defer e.mu.Unlock()
		e.texts[evt.RoomID] = append(e.texts[evt.RoomID], body)
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = cli.SyncWithContext(ctx)
	}()
	tb.Cleanup(func() {
		cancel()
		<-done
		_ = h.Close()
	})
	return e
}

// Texts lists the decrypted messages others sent to room, oldest first.
func (e *E2EE) Texts(room id.RoomID) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.texts[room]...)
}

// WaitEncrypted waits until the client knows room is encrypted, so that what it sends next is
// encrypted.
func (e *E2EE) WaitEncrypted(tb testing.TB, room id.RoomID) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if ok, err := e.acc.Client.StateStore.IsEncrypted(context.Background(), room); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("matrixtest: %s never saw that %s is encrypted", e.acc.UserID, room)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
