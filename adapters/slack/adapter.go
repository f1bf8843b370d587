package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/wolbot/wolbot/adapters"
)

// platform is the value of Event.Platform for Slack events.
const platform = "slack"

// handlerTimeout bounds one event's handling after the acknowledgement, so that a stuck
// handler cannot keep [Adapter.Run] from returning forever.
const handlerTimeout = 2 * time.Minute

// Options configures an [Adapter]. BotToken is required, and at least one of AppToken and
// SigningSecret; every other zero value means the documented default.
type Options struct {
	BotToken string // SLACK_BOT_TOKEN (xoxb-…): the Web API token of the bot user
	// AppToken is SLACK_APP_TOKEN (xapp-…, scope connections:write). When set, [Adapter.Run]
	// receives events over Socket Mode.
	AppToken string
	// SigningSecret is SLACK_SIGNING_SECRET. When set, [Adapter.Routes] registers the HTTP
	// endpoints, which accept only requests signed with it.
	SigningSecret string
	// APIURL is SLACK_API_URL, the Web API base; default "https://slack.com/api/". A missing
	// trailing "/" is added.
	APIURL string
	// HTTPClient makes the Web API calls; default a client with a 30 s timeout.
	HTTPClient *http.Client
	// Logger receives connection changes at info and per-event debug logs; the zero value logs
	// nothing.
	Logger zerolog.Logger
	// Now is the clock for the freshness check of request signatures; default time.Now.
	Now func() time.Time
	// Observer is told about every Web API call attempt, for metrics; nil means none.
	Observer adapters.APIObserver
}

// Adapter is the Slack chat. It implements [adapters.Chat]; its methods are safe for
// concurrent use.
type Adapter struct {
	opts Options
	api  *slack.Client
	log  zerolog.Logger

	botUser string // the bot's user id, from auth.test
	team    string // the workspace the token belongs to

	retry     retryPolicy
	users     *userCache
	responses *responseURLs

	connected atomic.Bool

	mu      sync.Mutex // guards closing and orders wg.Add before wg.Wait
	closing bool
	wg      sync.WaitGroup  // in-flight event handling
	queue   *adapters.Queue // bounds events handled at once and waiting; see async
}

var _ adapters.Chat = (*Adapter)(nil)

// New checks opts and asks Slack (auth.test) who the bot is. An error names the environment
// variable to fix.
func New(ctx context.Context, opts Options) (*Adapter, error) {
	if strings.TrimSpace(opts.BotToken) == "" {
		return nil, errors.New("slack: SLACK_BOT_TOKEN is required (the bot token, xoxb-…)")
	}
	if opts.AppToken == "" && opts.SigningSecret == "" {
		return nil, errors.New("slack: set SLACK_APP_TOKEN (Socket Mode, xapp-…) or SLACK_SIGNING_SECRET (HTTP mode)")
	}
	if opts.AppToken != "" && !strings.HasPrefix(opts.AppToken, "xapp-") {
		return nil, errors.New("slack: SLACK_APP_TOKEN must be an app-level token (xapp-…), not a bot token")
	}
	if opts.APIURL == "" {
		opts.APIURL = slack.APIURL
	}
	if !strings.HasSuffix(opts.APIURL, "/") {
		opts.APIURL += "/"
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if !strings.Contains(opts.BotToken, "xoxb-") {
		opts.Logger.Warn().Msg("SLACK_BOT_TOKEN does not look like a bot token (xoxb-…)")
	}

	apiOpts := []slack.Option{
		slack.OptionAPIURL(opts.APIURL),
		slack.OptionHTTPClient(opts.HTTPClient),
	}
	if opts.AppToken != "" {
		apiOpts = append(apiOpts, slack.OptionAppLevelToken(opts.AppToken))
	}
	a := &Adapter{
		opts:      opts,
		api:       slack.New(opts.BotToken, apiOpts...),
		log:       opts.Logger.With().Str("adapter", platform).Logger(),
		retry:     defaultRetry,
		users:     newUserCache(opts.Now),
		responses: newResponseURLs(opts.Now),
		queue: adapters.NewQueue(platform, adapters.DefaultWorkers, adapters.DefaultWaiting,
			adapters.DefaultMaxEvent, opts.Observer),
	}

	var auth *slack.AuthTestResponse
	err := a.call(ctx, "auth.test", func(ctx context.Context) (err error) {
		auth, err = a.api.AuthTestContext(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%w (check SLACK_BOT_TOKEN and SLACK_API_URL)", err)
	}
	a.botUser, a.team = auth.UserID, auth.TeamID
	if opts.AppToken == "" {
		a.connected.Store(true) // HTTP mode: reachable as far as we can tell
	}
	a.log.Info().Str("team", a.team).Str("bot_user", a.botUser).Str("mode", a.mode()).Msg("slack adapter ready")
	return a, nil
}

// mode names how events arrive, for logs.
func (a *Adapter) mode() string {
	switch {
	case a.opts.AppToken != "" && a.opts.SigningSecret != "":
		return "socket+http"
	case a.opts.AppToken != "":
		return "socket"
	default:
		return "http"
	}
}

// Connected reports whether events can arrive: in Socket Mode, whether the WebSocket is up;
// in HTTP mode alone, always true after [New].
func (a *Adapter) Connected() bool { return a.connected.Load() }

// Run receives events over Socket Mode when Options.AppToken is set, reconnecting on its own,
// and hands them to h; otherwise (HTTP mode) it only waits. When ctx ends it stops accepting
// events, waits for those still being handled, and returns nil. It returns an error only when
// Slack refuses the app token.
func (a *Adapter) Run(ctx context.Context, h adapters.Handler) error {
	var err error
	if a.opts.AppToken != "" {
		err = a.runSocketMode(ctx, h)
	} else {
		<-ctx.Done()
	}
	a.stopAccepting()
	a.wg.Wait()
	return err
}

// stopAccepting makes [Adapter.async] refuse new work, so that wg.Wait sees a final count.
func (a *Adapter) stopAccepting() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closing = true
}

// admission is what [Adapter.async] did with an event.
type admission int

const (
	admitted admission = iota
	closing            // Run is shutting down: nothing runs
	busy               // the queue is full: nothing runs
)

// async runs fn on its own goroutine with a context that is detached from parent's
// cancellation (the acknowledgement must not cancel the work) but bounded by handlerTimeout.
// The adapter's queue bounds how many run at once and wait (see [adapters.Queue]); fn waits
// for a worker (not counted in its timeout) and is dropped if its turn comes too late. It runs
// nothing once Run has begun to shut down, or when the queue is full.
func (a *Adapter) async(parent context.Context, fn func(ctx context.Context)) admission {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closing {
		return closing
	}
	if !a.queue.Admit() {
		return busy
	}
	received := time.Now()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.queue.Run(received, func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), handlerTimeout)
			defer cancel()
			fn(ctx)
		})
	}()
	return admitted
}

// deliver enriches in and hands it to h after the acknowledgement; see [Adapter.async].
func (a *Adapter) deliver(parent context.Context, h adapters.Handler, in inbound) admission {
	if in.responseURL != "" && !a.responseURLOK(in.responseURL) {
		a.log.Warn().Str("user", in.ev.User).Str("event", in.ev.ID).
			Msg("response_url outside hooks.slack.com, slack.com and SLACK_API_URL: ignored")
		in.responseURL = ""
	}
	a.responses.put(in.ev.Channel, in.ev.User, in.responseURL)
	adm := a.async(parent, func(ctx context.Context) {
		a.enrich(ctx, &in)
		a.log.Debug().Str("kind", string(in.ev.Kind)).Str("event", in.ev.ID).
			Str("channel", in.ev.Channel).Str("user", in.ev.User).Msg("event received")
		h.HandleEvent(ctx, in.ev)
	})
	if adm == busy {
		a.log.Warn().Str("event", in.ev.ID).Str("kind", string(in.ev.Kind)).Msg("event refused: too many events waiting")
	}
	return adm
}

// busyText is the "busy, try again" answer in the user's language, as far as the user cache
// knows it (no API call: the API may be what is slow).
func (a *Adapter) busyText(user string) string {
	u, _ := a.users.get(user)
	return adapters.BusyText(u.Locale)
}
