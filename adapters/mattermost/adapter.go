package mattermost

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mattermost/mattermost/server/public/model"
	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
)

// platform is the value of Event.Platform for Mattermost events.
const platform = "mattermost"

// The paths under which [Adapter.Routes] registers the callbacks, relative to wolbot's listener
// and to [Options].PublicURL.
const (
	CommandPath = "/mattermost/command"
	ActionPath  = "/mattermost/action"
)

// Options configures [New]. URL, Token and PublicURL are required; every other zero value
// means the documented default.
type Options struct {
	// URL is the Mattermost server, e.g. https://chat.example.org (MATTERMOST_URL).
	URL string
	// Token is the bot account's access token (MATTERMOST_TOKEN). It is never logged.
	Token string
	// PublicURL is where Mattermost reaches wolbot (WOLBOT_PUBLIC_URL); buttons call back to
	// PublicURL+"/mattermost/action" and Setup points slash commands at
	// PublicURL+"/mattermost/command".
	PublicURL string
	// CommandTokens are the accepted slash-command tokens (MATTERMOST_COMMAND_TOKENS). Empty
	// means every slash command request is refused.
	CommandTokens []string
	// ActionSecret is the key of the HMAC-SHA256 that signs button contexts
	// (WOLBOT_ACTION_SECRET). Empty means sha256("wolbot-actions:"+Token), so that replicas
	// sharing a token agree without further configuration.
	ActionSecret []byte
	// ButtonTTL is how long a button's signature is accepted after the post was made or last
	// updated (WOLBOT_BUTTON_TTL); zero means [DefaultButtonTTL].
	ButtonTTL time.Duration
	// HTTPClient makes the REST calls; its transport's proxy and TLS settings are used for the
	// WebSocket too. Default: a client with a 30-second timeout.
	HTTPClient *http.Client
	// Logger receives the adapter's logs; message contents are never logged above debug level,
	// tokens never. The zero value logs nothing.
	Logger zerolog.Logger
	// Observer is told about every REST call attempt, for metrics; nil means none.
	Observer adapters.APIObserver
}

// Adapter is the Mattermost chat. It implements [adapters.Chat]; its methods are safe for
// concurrent use.
type Adapter struct {
	client    *model.Client4
	http      *http.Client
	dialer    *websocket.Dialer
	log       zerolog.Logger
	obs       adapters.APIObserver // nil: none
	token     string
	serverURL string // MATTERMOST_URL without a trailing slash
	wsURL     string // serverURL with a ws:// or wss:// scheme
	publicURL string // WOLBOT_PUBLIC_URL without a trailing slash
	actionURL string
	cmdTokens [][]byte
	secret    []byte
	buttonTTL time.Duration
	now       func() time.Time // the clock of button expiry; tests move it

	botID   string
	botName string

	users   *userCache
	members *memberCache
	replies *responseURLs

	dmMu sync.Mutex
	dms  map[string]string // user id → direct channel id with the bot; ids never change

	// ephemeralDeniedUntil is when to try the ephemeral REST endpoint again after a 403 (unix ns).
	ephemeralDeniedUntil atomic.Int64

	connected atomic.Bool
	inflight  *inflight       // events being handled, from the WebSocket and the HTTP callbacks
	queue     *adapters.Queue // bounds events handled at once and waiting; see dispatch

	// Tunables, shortened by tests.
	retryBase     time.Duration // first backoff after a 5xx or network error; doubles per attempt
	retryMax      time.Duration
	maxAttempts   int           // calls per operation, including the first
	maxRateWait   time.Duration // a 429 asking for a longer wait fails instead
	backoffMin    time.Duration // first WebSocket reconnect delay; doubles per failure
	backoffMax    time.Duration // also how long a connection must last to reset the backoff
	handleTimeout time.Duration // per event
}

var _ adapters.Chat = (*Adapter)(nil)

// New validates opts, fetches the bot's own user (GET /users/me) to learn its id and name, and
// returns an Adapter. Errors name the environment variable that holds the faulty option.
func New(ctx context.Context, opts Options) (*Adapter, error) {
	a, err := newAdapter(opts)
	if err != nil {
		return nil, err
	}
	if err := a.fetchMe(ctx); err != nil {
		return nil, err
	}
	if len(a.cmdTokens) == 0 {
		a.log.Warn().Msg("MATTERMOST_COMMAND_TOKENS is empty: every slash command request will be refused")
	}
	return a, nil
}

// newAdapter checks the options and builds an Adapter without talking to the server.
func newAdapter(opts Options) (*Adapter, error) {
	server, err := parseBaseURL(opts.URL, "MATTERMOST_URL")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(opts.Token) == "" {
		return nil, errors.New("mattermost: MATTERMOST_TOKEN is required (the bot account's access token)")
	}
	if strings.ContainsAny(opts.Token, " \t\r\n") {
		return nil, errors.New("mattermost: MATTERMOST_TOKEN must not contain white space")
	}
	public, err := parseBaseURL(opts.PublicURL, "WOLBOT_PUBLIC_URL")
	if err != nil {
		return nil, err
	}
	var tokens [][]byte
	for _, t := range opts.CommandTokens {
		if t = strings.TrimSpace(t); t != "" {
			tokens = append(tokens, []byte(t))
		}
	}
	secret := opts.ActionSecret
	if len(secret) == 0 {
		sum := sha256.Sum256([]byte("wolbot-actions:" + opts.Token))
		secret = sum[:]
	}
	ttl := opts.ButtonTTL
	if ttl <= 0 {
		ttl = DefaultButtonTTL
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	client := model.NewAPIv4Client(server)
	client.HTTPClient = hc
	client.SetToken(opts.Token)
	client.HTTPHeader = map[string]string{"User-Agent": "wolbot"}

	ws := "ws" + strings.TrimPrefix(server, "http") // http→ws, https→wss

	return &Adapter{
		client:    client,
		http:      hc,
		dialer:    newDialer(hc),
		log:       opts.Logger.With().Str("adapter", platform).Logger(),
		obs:       opts.Observer,
		token:     opts.Token,
		serverURL: server,
		wsURL:     ws,
		publicURL: public,
		actionURL: public + ActionPath,
		cmdTokens: tokens,
		secret:    secret,
		buttonTTL: ttl,
		now:       time.Now,
		users:     newUserCache(5 * time.Minute),
		members:   newMemberCache(5 * time.Minute),
		replies:   newResponseURLs(),
		dms:       make(map[string]string),
		queue: adapters.NewQueue(platform, adapters.DefaultWorkers, adapters.DefaultWaiting,
			adapters.DefaultMaxEvent, opts.Observer),
		inflight: newInflight(),

		retryBase:     500 * time.Millisecond,
		retryMax:      5 * time.Second,
		maxAttempts:   4,
		maxRateWait:   30 * time.Second,
		backoffMin:    time.Second,
		backoffMax:    30 * time.Second,
		handleTimeout: 2 * time.Minute,
	}, nil
}

// parseBaseURL checks that s is an absolute http(s) URL without query or fragment and returns
// it without a trailing slash.
func parseBaseURL(s, env string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("mattermost: %s is required", env)
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("mattermost: %s: %w", env, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("mattermost: %s %q must be an http:// or https:// URL without user, query or fragment", env, s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// newDialer builds the WebSocket dialer with the proxy and TLS settings of the HTTP client's
// transport, when it is an *http.Transport.
func newDialer(hc *http.Client) *websocket.Dialer {
	d := &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: 15 * time.Second}
	if t, ok := hc.Transport.(*http.Transport); ok {
		d.Proxy = t.Proxy
		d.TLSClientConfig = t.TLSClientConfig
		d.NetDialContext = t.DialContext
	}
	return d
}

// fetchMe learns the bot's own id and user name.
func (a *Adapter) fetchMe(ctx context.Context) error {
	me, err := call(ctx, a, "get own user", func(ctx context.Context) (*model.User, *model.Response, error) {
		return a.client.GetMe(ctx, "")
	})
	if err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized {
			return fmt.Errorf("mattermost: MATTERMOST_TOKEN was refused by %s: %w", a.serverURL, err)
		}
		return fmt.Errorf("mattermost: cannot fetch the bot's own user from MATTERMOST_URL %s: %w", a.serverURL, err)
	}
	a.botID, a.botName = me.Id, me.Username
	if !me.IsBot {
		a.log.Warn().Str("user", me.Id).Msg("MATTERMOST_TOKEN belongs to a regular user, not a bot account")
	}
	a.users.put(toUser(me))
	a.log.Info().Str("bot", me.Id).Str("bot_name", me.Username).Msg("mattermost: authenticated")
	return nil
}

// Connected reports whether the WebSocket is currently connected and authenticated.
func (a *Adapter) Connected() bool { return a.connected.Load() }

// BotID is the bot account's user id.
func (a *Adapter) BotID() string { return a.botID }

// BotName is the bot account's user name, without the @.
func (a *Adapter) BotName() string { return a.botName }
