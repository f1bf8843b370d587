// Command wolbot runs the bot. With nothing configured it starts the console chat with an
// embedded, in-memory Redis, so that anyone can try it in a terminal:
//
//	go run ./cmd/wolbot
//
// Configuration comes from environment variables, each also settable as a flag
// (wolbot --help lists them).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // clock times in Europe/Berlin even where the system has no zone database

	"github.com/mattn/go-isatty"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters/matrix"
	"github.com/wolbot/wolbot/adapters/mattermost"
	"github.com/wolbot/wolbot/adapters/slack"
	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/bot/impulses"
	"github.com/wolbot/wolbot/bot/leancoffee"
	"github.com/wolbot/wolbot/circles"
	"github.com/wolbot/wolbot/metrics"
	"github.com/wolbot/wolbot/storage"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// config is everything wolbot reads at start.
type config struct {
	RedisURL   string
	RedisAddrs []string
	MasterName string
	Namespace  string
	Admins     []string
	LogLevel   zerolog.Level
	Location   *time.Location
	Channel    string
	Locale     string
	FilesDir   string // WOLBOT_CONSOLE_FILES: where the console saves attached files; "" saves none
	Listen     string // "" means: no listener (the console's default)
	// AdminListen serves health and metrics; "" means 127.0.0.1:9090 with a platform, none
	// for the console.
	AdminListen string

	ImpulseSchedule, ImpulseHolidays, ImpulsesDir string
	ImpulseRate                                   float64
	Week                                          time.Duration        // WOL circles: time between meetings
	Retention                                     time.Duration        // WOLBOT_RETENTION; 0 = each feature's default
	RateLimit                                     bot.RateLimit        // WOLBOT_RATE_LIMIT; see RateLimitSet
	RateLimitSet                                  bool                 // false: the platform's default (none on the console)
	TimerConcurrency                              map[storage.Lane]int // WOLBOT_TIMER_CONCURRENCY; nil = storage defaults
	MeetingURL                                    string               // WOLBOT_MEETING_URL: template of the circles' video rooms

	Mattermost mattermost.Options
	Slack      slack.Options
	Matrix     matrix.Options
	Chat       string // WOLBOT_CHAT: console, mattermost, slack, matrix; empty picks by what is configured
}

// setting is one configuration variable: its environment name, flag name, default, meaning.
type setting struct {
	env, flag, def, help string
}

var settings = []setting{
	{"REDIS_URL", "redis-url", "", "Redis server (redis:// or rediss://). Empty: embedded in-memory Redis, state is lost at exit."},
	{"REDIS_ADDRS", "redis-addrs", "", "Comma-separated Redis Cluster nodes, or Sentinel addresses with REDIS_MASTER_NAME; REDIS_URL then only supplies password, database and TLS."},
	{"REDIS_MASTER_NAME", "redis-master-name", "", "Redis Sentinel: the master's name."},
	{"WOLBOT_NAMESPACE", "namespace", "default", "Key namespace in Redis (wolbot:<namespace>:…), to share one Redis between installations."},
	{"WOLBOT_ADMINS", "admins", "", "Comma-separated user names or ids of global admins (may steer every round); names are resolved to ids at start-up."},
	{"WOLBOT_LOG_LEVEL", "log-level", "info", "Log level: debug, info, warn, error. Logs go to stderr; no message contents at info."},
	{"WOLBOT_TIMEZONE", "timezone", "Europe/Berlin", "Time zone of clock times shown in chat."},
	{"WOLBOT_CONSOLE_CHANNEL", "console-channel", "allgemein", "Console: the channel a session starts in."},
	{"WOLBOT_CONSOLE_LOCALE", "console-locale", "", "Console: locale reported for every user (de, en); empty means German."},
	{"WOLBOT_CONSOLE_FILES", "console-files", "", "Console: directory into which attached files (calendar invitations, minutes) are saved; empty saves none."},
	{"WOLBOT_IMPULSE_SCHEDULE", "impulse-schedule", impulses.DefaultSchedule, "Cron expression of impulse slots (CRON_TZ=…, @every 2s for demos); an admin's /impuls zeitplan, stored in Redis, wins."},
	{"WOLBOT_IMPULSE_HOLIDAYS", "impulse-holidays", "", "German state (NW, BY, …) whose public holidays skip an impulse slot; empty skips none."},
	{"WOLBOT_IMPULSE_RATE", "impulse-rate", "10", "Impulses sent per second, all replicas together."},
	{"WOLBOT_IMPULSES_DIR", "impulses-dir", "", "Directory with de/*.md and en/*.md that replace (same id and language) or add impulses."},
	{"WOLBOT_RETENTION", "retention", "", "How long ended Lean Coffee rounds, finished WOL circles and impulse delivery logs, feedback and stopped subscriptions are kept (e.g. 90d, 2160h); empty: 30 days for Lean Coffee, 180 days for circles and impulses."},
	{"WOLBOT_MEETING_URL", "meeting-url", "", "WOL circles: video room template, e.g. https://meet.example.de/wol-{circle}; {circle} becomes the circle and a random suffix. Empty: no links."},
	{"WOLBOT_WOL_WEEK", "wol-week", "168h", "Time between two meetings of a WOL circle; a few seconds (e.g. 7s) for demos scales all circle timing."},
	{"WOLBOT_RATE_LIMIT", "rate-limit", "", "Per-user flood limit: <commands>/<duration> as a burst that refills evenly (e.g. 20/4s, the default on Mattermost and Slack), or off. Empty on the console means off: a piped script is never cut short."},
	{"WOLBOT_TIMER_CONCURRENCY", "timer-concurrency", "", "Timer handlers running at once per lane and replica: one number for every lane, or interactive=128,companion=32,bulk=32 (the defaults)."},
	{"WOLBOT_LISTEN", "listen", "", "HTTP listener for the platform callbacks (the address the platform reaches); :8080 when a platform is configured, none for the console unless set."},
	{"WOLBOT_ADMIN_LISTEN", "admin-listen", "", "Internal HTTP listener for /healthz, /readyz and /metrics; " + defaultAdminListen + " when a platform is configured, none for the console unless set. Keep it off the public network."},
	{"WOLBOT_PUBLIC_URL", "public-url", "", "Mattermost: the address at which Mattermost reaches wolbot (button callbacks)."},
	{"WOLBOT_ACTION_SECRET", "action-secret", "", "Mattermost: key that signs button callbacks; empty derives one from MATTERMOST_TOKEN."},
	{"WOLBOT_BUTTON_TTL", "button-ttl", "720h", "Mattermost: how long a button's signature is accepted after its post was made or last updated."},
	{"MATTERMOST_URL", "mattermost-url", "", "Mattermost server URL; selects the Mattermost adapter."},
	{"MATTERMOST_TOKEN", "mattermost-token", "", "Access token of the Mattermost bot account."},
	{"MATTERMOST_COMMAND_TOKENS", "mattermost-command-tokens", "", "Comma-separated tokens of the Mattermost slash commands (wolbot mattermost setup prints them)."},
	{"SLACK_BOT_TOKEN", "slack-bot-token", "", "Slack bot token (xoxb-…); selects the Slack adapter."},
	{"SLACK_APP_TOKEN", "slack-app-token", "", "Slack app-level token (xapp-…) for Socket Mode, the default."},
	{"SLACK_SIGNING_SECRET", "slack-signing-secret", "", "Slack signing secret: enables HTTP mode (/slack/events, /slack/commands, /slack/interactivity)."},
	{"SLACK_API_URL", "slack-api-url", "", "Slack Web API base URL; empty means Slack's own (for proxies and tests)."},
	{"WOLBOT_CHAT", "chat", "", "Chat platform: console, mattermost, slack or matrix; empty picks the one configured."},
	{"MATRIX_HOMESERVER", "matrix-homeserver", "", "Matrix homeserver URL (https://matrix.example.org); selects the Matrix adapter."},
	{"MATRIX_USER", "matrix-user", "", "Matrix: the bot account's MXID (@wolbot:example.org) or localpart."},
	{"MATRIX_TOKEN", "matrix-token", "", "Matrix: access token of the bot account (or use MATRIX_PASSWORD)."},
	{"MATRIX_PASSWORD", "matrix-password", "", "Matrix: password of the bot account, when there is no MATRIX_TOKEN."},
	{"MATRIX_DEVICE_ID", "matrix-device-id", "", "Matrix: device id for a password login; empty means WOLBOT."},
	{"MATRIX_ALLOWED_SERVERS", "matrix-allowed-servers", "", "Matrix: comma-separated homeservers whose users may invite the bot; * for all; empty: the bot's own."},
	{"MATRIX_SYNC_TIMEOUT", "matrix-sync-timeout", "30s", "Matrix: how long one /sync long-poll waits for new events (e.g. 10s behind a proxy that cuts long requests)."},
	{"MATRIX_CRYPTO_DIR", "matrix-crypto-dir", "", "Matrix: directory of the encryption keys database (builds with -tags goolm); empty: ./wolbot-crypto."},
	{"MATRIX_PICKLE_KEY", "matrix-pickle-key", "", "Matrix: key that encrypts the encryption keys at rest; empty derives one from the MXID."},
}

// loadConfig reads flags over environment over defaults. A wrong value is an error that names
// the variable.
func loadConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("wolbot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	values := make(map[string]*string, len(settings))
	for _, s := range settings {
		def := s.def
		if v := getenv(s.env); v != "" {
			def = v
		}
		values[s.env] = fs.String(s.flag, def, s.help+" (env "+s.env+")")
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "wolbot – Working Out Loud circles, Lean Coffee and short impulses for municipal youth welfare.\n\n")
		fmt.Fprintf(stderr, "Usage: wolbot [flags]\n       wolbot mattermost setup --team NAME\n       wolbot circles match --csv FILE [--size 4-5] [--seed N]\n       wolbot timers dead [--requeue ID | --requeue-all | --drop ID]\n       wolbot healthcheck [--ready]\n\n")
		fmt.Fprintf(stderr, "With nothing configured, wolbot runs the console chat with an embedded Redis.\n")
		fmt.Fprintf(stderr, "MATTERMOST_URL selects Mattermost, SLACK_BOT_TOKEN selects Slack, MATRIX_HOMESERVER selects Matrix.\n\n")
		fmt.Fprintf(stderr, "%-26s %-14s %s\n", "VARIABLE", "DEFAULT", "MEANING")
		for _, s := range settings {
			fmt.Fprintf(stderr, "%-26s %-14s %s\n", s.env, s.def, s.help)
		}
		fmt.Fprintf(stderr, "\nEvery variable is also a flag: --redis-url, --namespace, --admins, …\n")
	}
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	cfg := config{
		RedisURL:   *values["REDIS_URL"],
		RedisAddrs: splitList(*values["REDIS_ADDRS"]),
		MasterName: *values["REDIS_MASTER_NAME"],
		Namespace:  *values["WOLBOT_NAMESPACE"],
		Channel:    *values["WOLBOT_CONSOLE_CHANNEL"],
		Locale:     *values["WOLBOT_CONSOLE_LOCALE"],
		FilesDir:   *values["WOLBOT_CONSOLE_FILES"],
	}
	cfg.Admins = splitList(*values["WOLBOT_ADMINS"])
	cfg.Listen = *values["WOLBOT_LISTEN"]
	cfg.AdminListen = *values["WOLBOT_ADMIN_LISTEN"]
	cfg.Mattermost = mattermost.Options{
		URL: *values["MATTERMOST_URL"], Token: *values["MATTERMOST_TOKEN"], PublicURL: *values["WOLBOT_PUBLIC_URL"],
		CommandTokens: splitList(*values["MATTERMOST_COMMAND_TOKENS"]), ActionSecret: []byte(*values["WOLBOT_ACTION_SECRET"]),
	}
	cfg.Slack = slack.Options{
		BotToken: *values["SLACK_BOT_TOKEN"], AppToken: *values["SLACK_APP_TOKEN"],
		SigningSecret: *values["SLACK_SIGNING_SECRET"], APIURL: *values["SLACK_API_URL"],
	}
	cfg.Chat = strings.ToLower(strings.TrimSpace(*values["WOLBOT_CHAT"]))
	cfg.Matrix = matrix.Options{
		Homeserver: *values["MATRIX_HOMESERVER"], User: *values["MATRIX_USER"], Token: *values["MATRIX_TOKEN"],
		Password: *values["MATRIX_PASSWORD"], DeviceID: *values["MATRIX_DEVICE_ID"],
		AllowedServers: splitList(*values["MATRIX_ALLOWED_SERVERS"]), CryptoDir: *values["MATRIX_CRYPTO_DIR"],
		PickleKey: *values["MATRIX_PICKLE_KEY"], Commands: matrixCommands(),
	}
	var err error
	if cfg.Matrix.SyncTimeout, err = time.ParseDuration(*values["MATRIX_SYNC_TIMEOUT"]); err != nil || cfg.Matrix.SyncTimeout <= 0 {
		return config{}, fmt.Errorf("MATRIX_SYNC_TIMEOUT=%q: want a positive duration such as 30s", *values["MATRIX_SYNC_TIMEOUT"])
	}
	if cfg.Mattermost.ButtonTTL, err = time.ParseDuration(*values["WOLBOT_BUTTON_TTL"]); err != nil || cfg.Mattermost.ButtonTTL <= 0 {
		return config{}, fmt.Errorf("WOLBOT_BUTTON_TTL=%q: want a positive duration such as 720h", *values["WOLBOT_BUTTON_TTL"])
	}
	cfg.ImpulseSchedule = *values["WOLBOT_IMPULSE_SCHEDULE"]
	cfg.ImpulseHolidays = *values["WOLBOT_IMPULSE_HOLIDAYS"]
	cfg.ImpulsesDir = *values["WOLBOT_IMPULSES_DIR"]
	if cfg.ImpulseRate, err = strconv.ParseFloat(*values["WOLBOT_IMPULSE_RATE"], 64); err != nil || !(cfg.ImpulseRate > 0) || math.IsInf(cfg.ImpulseRate, 0) {
		return config{}, fmt.Errorf("WOLBOT_IMPULSE_RATE=%q: want a positive number of messages per second", *values["WOLBOT_IMPULSE_RATE"])
	}
	cfg.MeetingURL = *values["WOLBOT_MEETING_URL"]
	if cfg.Week, err = time.ParseDuration(*values["WOLBOT_WOL_WEEK"]); err != nil || cfg.Week <= 0 {
		return config{}, fmt.Errorf("WOLBOT_WOL_WEEK=%q: want a positive duration such as 168h or 7s", *values["WOLBOT_WOL_WEEK"])
	}
	if v := *values["WOLBOT_RETENTION"]; v != "" {
		if cfg.Retention, err = parseRetention(v); err != nil || cfg.Retention <= 0 {
			return config{}, fmt.Errorf("WOLBOT_RETENTION=%q: want a positive duration such as 90d or 2160h", v)
		}
	}
	if v := *values["WOLBOT_RATE_LIMIT"]; v != "" {
		if cfg.RateLimit, err = bot.ParseRateLimit(v); err != nil {
			return config{}, fmt.Errorf("WOLBOT_RATE_LIMIT=%q: want <commands>/<duration> such as 20/4s, or off", v)
		}
		cfg.RateLimitSet = true
	}
	if cfg.TimerConcurrency, err = parseLaneConcurrency(*values["WOLBOT_TIMER_CONCURRENCY"]); err != nil {
		return config{}, fmt.Errorf("WOLBOT_TIMER_CONCURRENCY=%q: %w", *values["WOLBOT_TIMER_CONCURRENCY"], err)
	}
	if cfg.LogLevel, err = zerolog.ParseLevel(*values["WOLBOT_LOG_LEVEL"]); err != nil || *values["WOLBOT_LOG_LEVEL"] == "" {
		return config{}, fmt.Errorf("WOLBOT_LOG_LEVEL=%q: want debug, info, warn or error", *values["WOLBOT_LOG_LEVEL"])
	}
	if cfg.Location, err = time.LoadLocation(*values["WOLBOT_TIMEZONE"]); err != nil {
		return config{}, fmt.Errorf("WOLBOT_TIMEZONE=%q: %w", *values["WOLBOT_TIMEZONE"], err)
	}
	if cfg.Namespace == "" || strings.ContainsAny(cfg.Namespace, ":{} ") {
		return config{}, fmt.Errorf("WOLBOT_NAMESPACE=%q: want a word without ':', '{', '}' or spaces", cfg.Namespace)
	}
	return cfg, nil
}

func newLogger(w io.Writer, level zerolog.Level) zerolog.Logger {
	if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: "15:04:05"}
	} else {
		w = zerolog.SyncWriter(w) // many goroutines log; not every writer is safe for that
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger()
}

// run is main without the process: it returns the exit code, so tests can drive it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if code, ok := runSubcommand(ctx, args, stdout, stderr, getenv); ok {
		return code
	}
	cfg, err := loadConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "wolbot: %v\n", err)
		return 2
	}
	log := newLogger(stderr, cfg.LogLevel)
	redis.SetLogger(redisLogger{log})
	if err := serve(ctx, cfg, stdin, stdout, stderr, log); err != nil {
		log.Error().Err(err).Msg("wolbot stopped")
		return 1
	}
	return 0
}

func serve(ctx context.Context, cfg config, stdin io.Reader, stdout, stderr io.Writer, log zerolog.Logger) error {
	name, err := platformName(cfg)
	if err != nil {
		return err
	}
	store, err := storage.Open(ctx, storage.Options{
		URL: cfg.RedisURL, Addrs: cfg.RedisAddrs, MasterName: cfg.MasterName, Namespace: cfg.Namespace,
	})
	if err != nil {
		return err
	}
	defer store.Close()
	if store.Embedded {
		log.Warn().Msg("REDIS_URL is not set: using an embedded in-memory Redis. All state is lost when wolbot exits.")
	} else {
		log.Info().Str("namespace", cfg.Namespace).Msg("connected to Redis")
	}

	m := metrics.New()
	cfg.Matrix.Cursor = matrixCursor{store}
	chat, err := newPlatform(ctx, name, cfg, stdin, stdout, stderr, log, m)
	if err != nil {
		return err
	}
	admins, err := resolveAdmins(ctx, chat, cfg.Admins, log)
	if err != nil {
		return err
	}
	timers := storage.NewTimers(store, storage.TimerOptions{Logger: log, Observer: m, LaneConcurrency: cfg.TimerConcurrency})
	m.CollectPendingTimers(timers)
	rateLimit := cfg.RateLimit
	if !cfg.RateLimitSet && name == "console" {
		rateLimit.Disabled = true // one person's terminal: a piped script is no flood
	}
	log.Info().Int("interactive", timers.Concurrency(storage.LaneInteractive)).Int("companion", timers.Concurrency(storage.LaneCompanion)).
		Int("bulk", timers.Concurrency(storage.LaneBulk)).Msg("timer lanes: handler slots")
	// Admins hear by direct message when a timer is given up (see giveup.go).
	timers.HandleGiveUp("", (&giveUpNotifier{store: store, chat: chat, admins: admins}).notify)
	b := bot.New(bot.Options{
		Store: store, Chat: chat, Admins: admins, Logger: log, Observer: m, Location: cfg.Location,
		RateLimit: rateLimit,
	})
	b.Handle("lc", leancoffee.New(leancoffee.Options{
		Store: store, Chat: chat, Timers: timers, Location: cfg.Location, Logger: log, Retention: cfg.Retention,
	}), "leancoffee")
	lib, libErrs := impulses.LoadLibrary(impulses.Builtin, cfg.ImpulsesDir)
	for _, e := range libErrs {
		log.Error().Err(e).Msg("impulse library: file skipped") // "<file>:<line>: <problem>"
	}
	imp, err := impulses.New(ctx, impulses.Options{
		Store: store, Chat: chat, Timers: timers, Library: lib, Schedule: cfg.ImpulseSchedule,
		HolidayState: cfg.ImpulseHolidays, Rate: cfg.ImpulseRate, Location: cfg.Location, Logger: log,
		Observer: m, Retention: cfg.Retention,
	})
	if err != nil {
		return err // names WOLBOT_IMPULSE_SCHEDULE or WOLBOT_IMPULSE_HOLIDAYS
	}
	b.Handle("impuls", imp, "impulse", "impulses")
	wol, err := circles.New(circles.Options{
		Store: store, Chat: chat, Timers: timers, Location: cfg.Location, Week: cfg.Week, Logger: log,
		Retention: cfg.Retention, MeetingURL: cfg.MeetingURL,
	})
	if err != nil {
		return err
	}
	b.Handle(circles.Name, wol, circles.Aliases...) // "wol", "circle", "circles", "kreis"
	// Art. 15 and 17 DSGVO across all features; also /wol daten and /wol vergessen.
	b.Handle("daten", bot.DataCommand(), "data")
	b.Handle("vergessen", bot.ForgetCommand(), "forget")

	// Background work stops after the chat does: at end of input or on a signal, in-flight
	// timer handlers finish and unstarted claims are released for the next process.
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBackground()
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := timers.Run(bgCtx); err != nil {
			log.Error().Err(err).Msg("timer loop stopped")
		}
	})
	listen, adminListen := cfg.Listen, cfg.AdminListen
	if name != "console" {
		if listen == "" {
			listen = ":8080"
		}
		if adminListen == "" {
			adminListen = defaultAdminListen
		}
	}
	var servers []*http.Server
	for _, l := range []struct {
		env, addr string
		srv       func() *http.Server
	}{
		{"WOLBOT_LISTEN", listen, func() *http.Server { return newHTTPServer(listen, chat, b) }},
		{"WOLBOT_ADMIN_LISTEN", adminListen, func() *http.Server { return newAdminServer(adminListen, store, chat, m.Handler()) }},
	} {
		if l.addr == "" {
			continue
		}
		srv := l.srv()
		ln, err := net.Listen("tcp", l.addr)
		if err != nil {
			for _, s := range servers {
				_ = s.Close()
			}
			stopBackground()
			wg.Wait()
			return fmt.Errorf("%s=%q: %w", l.env, l.addr, err)
		}
		log.Info().Str("addr", ln.Addr().String()).Str("listener", l.env).Msg("HTTP listener ready")
		servers = append(servers, srv)
		wg.Go(func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error().Err(err).Str("listener", l.env).Msg("HTTP listener stopped")
			}
		})
	}
	log.Info().Str("platform", name).Msg("wolbot ready")
	err = chat.Run(ctx, b)
	for _, srv := range servers {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := srv.Shutdown(shutdownCtx); err != nil {
			log.Warn().Err(err).Msg("HTTP listener did not shut down cleanly")
		}
		cancel()
	}
	stopBackground()
	wg.Wait()
	imp.Close(context.WithoutCancel(ctx)) // writes the last delivery counts
	// The Matrix adapter's crypto database is closed after the timer handlers are done.
	if c, ok := chat.(io.Closer); ok {
		if cerr := c.Close(); cerr != nil {
			log.Warn().Err(cerr).Msg("closing the chat adapter failed")
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// redisLogger sends go-redis' own messages (dial retries and the like) to our log at debug
// level; the errors that matter reach us as return values and are logged with context there.
type redisLogger struct{ log zerolog.Logger }

func (l redisLogger) Printf(_ context.Context, format string, v ...any) {
	l.log.Debug().Str("component", "go-redis").Msgf(format, v...)
}

// parseLaneConcurrency reads WOLBOT_TIMER_CONCURRENCY: "" (the defaults), one number for
// every lane ("32"), or lane=number pairs ("interactive=64,bulk=8"; lanes not named keep
// their default).
func parseLaneConcurrency(s string) (map[storage.Lane]int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	out := make(map[storage.Lane]int)
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 {
			return nil, errors.New("want a positive number of handlers")
		}
		for _, l := range storage.Lanes {
			out[l] = n
		}
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		name, num, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("%q: want lane=number", part)
		}
		l, err := storage.ParseLane(strings.TrimSpace(name))
		if err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(strings.TrimSpace(num))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s=%q: want a positive number of handlers", l, num)
		}
		out[l] = n
	}
	return out, nil
}

// parseRetention accepts "<n>d" (days) besides Go durations such as "2160h".
func parseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			return 0, err
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}
