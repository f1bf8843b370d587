//go:build goolm

package matrix

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto/cryptohelper"
	"maunium.net/go/mautrix/event"
	_ "modernc.org/sqlite" // pure-Go SQLite: the binary stays static (CGO_ENABLED=0)
)

// cryptoHelper is mautrix' crypto helper on a SQLite file: the Olm account, Megolm sessions
// and the room state the encryption needs. See the package documentation for why it is a
// file and not Redis.
type cryptoHelper struct {
	h       *cryptohelper.CryptoHelper
	cli     *mautrix.Client
	fresh   bool
	onError func(*event.Event, error)
}

// setupCrypto opens (or creates) <CryptoDir>/<user>_<device>.db and prepares the crypto
// helper; Run initialises it once the syncer is in place.
func setupCrypto(_ context.Context, a *Adapter, opts Options) (cryptoState, error) {
	dir := opts.CryptoDir
	if dir == "" {
		dir = "wolbot-crypto"
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("matrix: MATRIX_CRYPTO_DIR %s: %w", dir, err)
	}
	name := strings.NewReplacer("@", "", ":", "_", "/", "_").Replace(a.self.String()) + "_" + string(a.cli.DeviceID) + ".db"
	path := filepath.Join(dir, name)
	_, statErr := os.Stat(path)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("matrix: open crypto database %s: %w", path, err)
	}
	udb, err := dbutil.NewWithDB(db, "sqlite3")
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("matrix: crypto database %s: %w", path, err)
	}
	key := []byte(opts.PickleKey)
	if len(key) == 0 {
		sum := sha256.Sum256([]byte("wolbot-pickle:" + a.self.String()))
		key = sum[:]
		a.log.Warn().Str("file", path).Msg("matrix: MATRIX_PICKLE_KEY is empty: the crypto database is only as safe as its file")
	}
	h, err := cryptohelper.NewCryptoHelper(a.cli, key, udb)
	if err != nil {
		_ = udb.Close()
		return nil, fmt.Errorf("matrix: set up encryption: %w", err)
	}
	a.log.Info().Str("file", path).Msg("matrix: end-to-end encryption state in SQLite")
	return &cryptoHelper{h: h, cli: a.cli, fresh: os.IsNotExist(statErr), onError: func(evt *event.Event, err error) {
		a.log.Warn().Err(err).Str("room", evt.RoomID.String()).Str("event", evt.ID.String()).Msg("matrix: could not decrypt a message")
	}}, nil
}

// Init loads the device's keys (creating and uploading them on first start) and hooks
// decryption into the client's syncer; from then on the client encrypts what it sends to
// encrypted rooms.
func (c *cryptoHelper) Init(ctx context.Context) error {
	if err := c.h.Init(ctx); err != nil {
		return err
	}
	c.cli.Crypto = c.h
	c.h.DecryptErrorCallback = c.onError
	return nil
}

func (c *cryptoHelper) Decrypt(ctx context.Context, evt *event.Event) (*event.Event, error) {
	return c.h.Decrypt(ctx, evt)
}

func (c *cryptoHelper) Fresh() bool { return c.fresh }

func (c *cryptoHelper) Close() error { return c.h.Close() }
