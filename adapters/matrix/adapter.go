package matrix

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"

	"github.com/wolbot/wolbot/adapters"
)

// platform is the value of Event.Platform for Matrix events.
const platform = "matrix"

// maxConcurrentEvents bounds how many events of one sync batch are handled at once.
const maxConcurrentEvents = 32

// Cursor keeps the sync position (the next_batch token of /sync) across restarts, so that a
// restart neither replays nor loses events. The adapter defines it and cmd wires it to Redis:
// concrete adapters import only the port, never storage.
type Cursor interface {
	// LoadNextBatch returns the stored token, or "" when there is none.
	LoadNextBatch(ctx context.Context) (string, error)
	// SaveNextBatch stores token; it is called after every batch has been handled.
	SaveNextBatch(ctx context.Context, token string) error
}

// Options configures [New]. Homeserver, User and one of Token or Password are required; every
// other zero value means the documented default.
type Options struct {
	// Homeserver is the client-server API base URL, e.g. https://matrix.example.org
	// (MATRIX_HOMESERVER).
	Homeserver string
	// User is the bot account's MXID, e.g. @wolbot:example.org, or its localpart (MATRIX_USER).
	// With Token it may be empty: the server tells whom the token belongs to.
	User string
	// Token is an access token of the bot account (MATRIX_TOKEN). It is never logged.
	Token string
	// Password logs in with m.login.password when Token is empty (MATRIX_PASSWORD).
	Password string
	// DeviceID is the device to log in as with Password (MATRIX_DEVICE_ID); default WOLBOT, so
	// that restarts reuse one device and its encryption keys.
	DeviceID string
	// AllowedServers are the homeservers whose users may invite the bot into rooms
	// (MATRIX_ALLOWED_SERVERS); "*" allows every server. Empty means the bot's own server only.
	// Invites from other servers are declined.
	AllowedServers []string
	// Commands are the command words a "!word" message may start with in a room ("lc", "wol",
	// …); other "!word" messages belong to other bots and are ignored. Empty accepts every word.
	Commands []string
	// Cursor keeps next_batch across restarts. nil keeps it in memory: a restart then skips
	// what happened while the bot was down (logged loudly).
	Cursor Cursor
	// CryptoDir is the directory of the end-to-end encryption state (MATRIX_CRYPTO_DIR); see
	// the package documentation. Only binaries built with -tags goolm can encrypt.
	CryptoDir string
	// PickleKey encrypts the keys in the crypto database (MATRIX_PICKLE_KEY); default derived
	// from the account's MXID (then the file itself must be protected).
	PickleKey string
	// HTTPClient makes the API calls. Default: a client with a 60-second timeout (a long-poll
	// /sync holds its request for 30 seconds).
	HTTPClient *http.Client
	// Logger receives the adapter's logs; message contents are never logged above debug level,
	// tokens never. The zero value logs nothing.
	Logger zerolog.Logger
	// Observer is told about every API call, for metrics; nil means none.
	Observer adapters.APIObserver
	// SyncTimeout is how long one /sync long-poll waits for new events (MATRIX_SYNC_TIMEOUT);
	// zero means 30 seconds. Shorter bounds how late an event arrives when a homeserver misses
	// waking a waiting poll, and suits proxies that cut long requests.
	SyncTimeout time.Duration
}

// Adapter is the Matrix chat. It implements [adapters.Chat]; its methods are safe for
// concurrent use.
type Adapter struct {
	cli      *mautrix.Client
	log      zerolog.Logger
	obs      adapters.APIObserver
	self     id.UserID
	server   string // the bot's homeserver name, the part of its MXID after ':'
	names    []string
	allowed  map[string]bool // nil: every server
	commands map[string]bool // nil: every word
	cursor   Cursor
	crypto   cryptoState // nil-safe; see crypto_*.go

	connected atomic.Bool

	// The syncer dispatches to onSyncEvent; Run sets handler and collects each response's
	// events in cur.
	syncer  *mautrix.DefaultSyncer
	curMu   sync.Mutex
	cur     *batch
	handler adapters.Handler

	direct    *roomCache[bool]   // room → is a DM of the bot with one person
	roomNames *roomCache[string] // room → its name, for texts people read

	mu        sync.Mutex
	dms       map[id.UserID]id.RoomID          // user → DM room with the bot
	reactions map[id.EventID]string            // post → reaction keys the bot last put on it
	actions   map[id.EventID]map[string]action // post → reaction map of its latest version seen in sync

	toldEncrypted map[id.RoomID]bool // rooms told that this binary cannot decrypt

	// Tunables, shortened by tests.
	backoffMin    time.Duration
	backoffMax    time.Duration
	pollTimeout   time.Duration
	handleTimeout time.Duration
}

// roomCache remembers one fact per room for ttl. Past 10,000 rooms it forgets everything,
// which only costs lookups.
type roomCache[T any] struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[id.RoomID]roomEntry[T]
}

type roomEntry[T any] struct {
	v   T
	exp time.Time
}

func newRoomCache[T any](ttl time.Duration) *roomCache[T] {
	return &roomCache[T]{ttl: ttl, m: make(map[id.RoomID]roomEntry[T])}
}

// get returns the fact about room while it is fresh.
func (c *roomCache[T]) get(room id.RoomID) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[room]
	if !ok || !time.Now().Before(e.exp) {
		var zero T
		return zero, false
	}
	return e.v, true
}

// put remembers v for room.
func (c *roomCache[T]) put(room id.RoomID, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) > 10000 {
		clear(c.m)
	}
	c.m[room] = roomEntry[T]{v: v, exp: time.Now().Add(c.ttl)}
}

// forget drops what is remembered about room.
func (c *roomCache[T]) forget(room id.RoomID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, room)
}

var _ adapters.Chat = (*Adapter)(nil)

// New checks opts, logs in (or checks the token with /whoami), sets up encryption where the
// binary supports it and returns an Adapter. Errors name the environment variable of the faulty
// option.
func New(ctx context.Context, opts Options) (*Adapter, error) {
	hs, err := parseHomeserver(opts.Homeserver)
	if err != nil {
		return nil, err
	}
	if opts.Token == "" && opts.Password == "" {
		return nil, errors.New("matrix: MATRIX_TOKEN or MATRIX_PASSWORD is required")
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	a := &Adapter{
		log:       opts.Logger.With().Str("adapter", platform).Logger(),
		obs:       opts.Observer,
		cursor:    opts.Cursor,
		direct:    newRoomCache[bool](time.Minute),
		roomNames: newRoomCache[string](10 * time.Minute),
		dms:       make(map[id.UserID]id.RoomID),
		reactions: make(map[id.EventID]string),
		actions:   make(map[id.EventID]map[string]action),

		toldEncrypted: make(map[id.RoomID]bool),

		backoffMin:    time.Second,
		backoffMax:    30 * time.Second,
		pollTimeout:   30 * time.Second,
		handleTimeout: 2 * time.Minute,
	}
	if opts.SyncTimeout > 0 {
		a.pollTimeout = opts.SyncTimeout
	}
	cli, err := mautrix.NewClient(hs, "", "")
	if err != nil {
		return nil, fmt.Errorf("matrix: MATRIX_HOMESERVER: %w", err)
	}
	cli.Client = hc
	cli.Log = a.log.Level(max(a.log.GetLevel(), zerolog.WarnLevel))
	cli.DefaultHTTPRetries = 3
	cli.DefaultHTTPBackoff = 500 * time.Millisecond
	cli.UserAgent = "wolbot"
	cli.ResponseHook = a.observe
	a.cli = cli
	if err := a.login(ctx, opts); err != nil {
		return nil, err
	}
	a.server = a.self.Homeserver()
	a.names = a.ownNames(ctx)
	a.allowed = allowList(opts.AllowedServers, a.server)
	if len(opts.Commands) > 0 {
		a.commands = make(map[string]bool, len(opts.Commands))
		for _, c := range opts.Commands {
			a.commands[strings.ToLower(strings.TrimSpace(c))] = true
		}
	}
	if a.cursor == nil {
		a.log.Warn().Msg("matrix: no sync cursor configured: a restart skips the events of the downtime")
	}
	a.syncer = mautrix.NewDefaultSyncer()
	a.syncer.OnEvent(a.onSyncEvent)
	cli.Syncer = a.syncer
	if a.crypto, err = setupCrypto(ctx, a, opts); err != nil {
		return nil, err
	}
	// Encryption is ready before New returns, so that nothing (a timer firing before Run)
	// can send in plain text to an encrypted room.
	if a.crypto != nil {
		if err := a.crypto.Init(ctx); err != nil {
			_ = a.crypto.Close()
			return nil, fmt.Errorf("matrix: start encryption: %w", err)
		}
	}
	a.log.Info().Str("bot", a.self.String()).Str("device", string(cli.DeviceID)).Bool("encryption", a.crypto != nil).Msg("matrix: authenticated")
	return a, nil
}

// login authenticates with the token (asking /whoami whose it is) or with the password.
func (a *Adapter) login(ctx context.Context, opts Options) error {
	if opts.Token != "" {
		a.cli.AccessToken = opts.Token
		who, err := a.cli.Whoami(ctx)
		if err != nil {
			if errors.Is(err, mautrix.MUnknownToken) {
				return fmt.Errorf("matrix: MATRIX_TOKEN was refused by %s: %w", a.cli.HomeserverURL, err)
			}
			return fmt.Errorf("matrix: cannot check MATRIX_TOKEN with %s: %w", a.cli.HomeserverURL, err)
		}
		if want := userID(opts.User, who.UserID.Homeserver()); opts.User != "" && want != who.UserID {
			return fmt.Errorf("matrix: MATRIX_TOKEN belongs to %s, not to MATRIX_USER %s", who.UserID, want)
		}
		a.self, a.cli.UserID, a.cli.DeviceID = who.UserID, who.UserID, who.DeviceID
		return nil
	}
	if strings.TrimSpace(opts.User) == "" {
		return errors.New("matrix: MATRIX_USER is required for a password login")
	}
	device := opts.DeviceID
	if device == "" {
		device = "WOLBOT"
	}
	user := strings.TrimSpace(opts.User) // an MXID or a localpart: the server takes both
	resp, err := a.cli.Login(ctx, &mautrix.ReqLogin{
		Type:                     mautrix.AuthTypePassword,
		Identifier:               mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: user},
		Password:                 opts.Password,
		DeviceID:                 id.DeviceID(device),
		InitialDeviceDisplayName: "wolbot",
		StoreCredentials:         true,
	})
	if err != nil {
		return fmt.Errorf("matrix: password login of MATRIX_USER %s at %s failed: %w", opts.User, a.cli.HomeserverURL, err)
	}
	a.self = resp.UserID
	return nil
}

// ownNames are the forms in which people address the bot at the start of a message: its MXID,
// its localpart and its display name, lower-case.
func (a *Adapter) ownNames(ctx context.Context) []string {
	names := []string{strings.ToLower(a.self.String()), strings.ToLower(a.self.Localpart())}
	if p, err := a.cli.GetDisplayName(ctx, a.self); err == nil && strings.TrimSpace(p.DisplayName) != "" {
		names = append(names, strings.ToLower(strings.TrimSpace(p.DisplayName)))
	}
	return names
}

// parseHomeserver checks that s is an absolute http(s) URL and returns it without a trailing
// slash.
func parseHomeserver(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("matrix: MATRIX_HOMESERVER is required")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("matrix: MATRIX_HOMESERVER: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("matrix: MATRIX_HOMESERVER %q must be an http:// or https:// URL without user, query or fragment", s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// userID turns "@anna:example.org", "anna:example.org" or "anna" (on server) into an MXID.
func userID(s, server string) id.UserID {
	s = strings.TrimPrefix(strings.TrimSpace(s), "@")
	if !strings.Contains(s, ":") {
		s += ":" + server
	}
	return id.UserID("@" + s)
}

// allowList builds the invite allow-list; nil means every server.
func allowList(servers []string, own string) map[string]bool {
	m := map[string]bool{}
	for _, s := range servers {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "*" {
			return nil
		}
		if s != "" {
			m[s] = true
		}
	}
	if len(m) == 0 {
		m[strings.ToLower(own)] = true
	}
	return m
}

// observe reports an API call to the observer with a fixed operation name.
func (a *Adapter) observe(req *http.Request, resp *http.Response, err error, _ time.Duration) {
	if a.obs == nil {
		return
	}
	status := 0
	if resp != nil {
		status = resp.StatusCode
		if err == nil && status >= 400 {
			err = fmt.Errorf("HTTP %d", status)
		}
	}
	a.obs.APICall(platform, opName(req.Method, req.URL.Path), status, 1, err)
}

// opName reduces a client-server API path to its shape: ids and tokens become "*", so that
// "PUT /_matrix/client/v3/rooms/!x/send/m.room.message/abc" is "PUT rooms/*/send/*/*".
func opName(method, path string) string {
	path = strings.TrimPrefix(path, "/_matrix/client/")
	parts := strings.Split(path, "/")
	if len(parts) > 0 && (parts[0] == "v3" || parts[0] == "v1" || parts[0] == "r0" || parts[0] == "unstable") {
		parts = parts[1:]
	}
	orig := slices.Clone(parts)
	for i, p := range orig {
		switch {
		case strings.ContainsAny(p, "!$@#%:"): // a room, event or user id, an alias
			parts[i] = "*"
		case i > 0 && slices.Contains([]string{"send", "state", "redact", "account_data"}, orig[i-1]):
			parts[i] = "*" // an event type or transaction id
		case i > 1 && orig[i-2] == "send":
			parts[i] = "*" // send/<type>/<transaction id>
		}
	}
	return method + " " + strings.Join(parts, "/")
}

// Connected reports whether the last /sync succeeded.
func (a *Adapter) Connected() bool { return a.connected.Load() }

// BotID is the bot account's MXID.
func (a *Adapter) BotID() string { return a.self.String() }

// Close releases the crypto database, if any.
func (a *Adapter) Close() error {
	if a.crypto != nil {
		return a.crypto.Close()
	}
	return nil
}
