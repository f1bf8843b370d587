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
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // clock times in Europe/Berlin even where the system has no zone database

	"github.com/mattn/go-isatty"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters/console"
	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/bot/leancoffee"
	"github.com/wolbot/wolbot/storage"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// config is everything wolbot reads at start.
type config struct {
	RedisURL  string
	Namespace string
	Admins    []string
	LogLevel  zerolog.Level
	Location  *time.Location
	Channel   string
	Locale    string
}

// setting is one configuration variable: its environment name, flag name, default, meaning.
type setting struct {
	env, flag, def, help string
}

var settings = []setting{
	{"REDIS_URL", "redis-url", "", "Redis server (redis:// or rediss://). Empty: embedded in-memory Redis, state is lost at exit."},
	{"WOLBOT_NAMESPACE", "namespace", "default", "Key namespace in Redis (wolbot:<namespace>:…), to share one Redis between installations."},
	{"WOLBOT_ADMINS", "admins", "", "Comma-separated user names or ids of global admins (may steer every round)."},
	{"WOLBOT_LOG_LEVEL", "log-level", "info", "Log level: debug, info, warn, error. Logs go to stderr; no message contents at info."},
	{"WOLBOT_TIMEZONE", "timezone", "Europe/Berlin", "Time zone of clock times shown in chat."},
	{"WOLBOT_CONSOLE_CHANNEL", "console-channel", "allgemein", "Console: the channel a session starts in."},
	{"WOLBOT_CONSOLE_LOCALE", "console-locale", "", "Console: locale reported for every user (de, en); empty means German."},
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
		fmt.Fprintf(stderr, "Usage: wolbot [flags]\n\nWith nothing configured, wolbot runs the console chat with an embedded Redis.\n\n")
		fmt.Fprintf(stderr, "%-24s %-16s %s\n", "VARIABLE", "DEFAULT", "MEANING")
		for _, s := range settings {
			fmt.Fprintf(stderr, "%-24s %-16s %s\n", s.env, s.def, s.help)
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
		RedisURL:  *values["REDIS_URL"],
		Namespace: *values["WOLBOT_NAMESPACE"],
		Channel:   *values["WOLBOT_CONSOLE_CHANNEL"],
		Locale:    *values["WOLBOT_CONSOLE_LOCALE"],
	}
	for _, a := range strings.Split(*values["WOLBOT_ADMINS"], ",") {
		if a = strings.TrimSpace(a); a != "" {
			cfg.Admins = append(cfg.Admins, a)
		}
	}
	var err error
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
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger()
}

// run is main without the process: it returns the exit code, so tests can drive it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
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
	store, err := storage.Open(ctx, storage.Options{URL: cfg.RedisURL, Namespace: cfg.Namespace})
	if err != nil {
		return err
	}
	defer store.Close()
	if store.Embedded {
		log.Warn().Msg("REDIS_URL is not set: using an embedded in-memory Redis. All state is lost when wolbot exits.")
	} else {
		log.Info().Str("namespace", cfg.Namespace).Msg("connected to Redis")
	}

	chat := console.New(console.Options{
		In: stdin, Out: stdout, Err: stderr, Channel: cfg.Channel, Locale: cfg.Locale, Logger: log,
	})
	timers := storage.NewTimers(store, storage.TimerOptions{Logger: log})
	b := bot.New(bot.Options{Store: store, Chat: chat, Admins: cfg.Admins, Logger: log})
	b.Handle("lc", leancoffee.New(leancoffee.Options{
		Store: store, Chat: chat, Timers: timers, Location: cfg.Location, Logger: log,
	}), "leancoffee")

	// The timer loop stops after the chat does: at end of input, in-flight handlers finish
	// and unstarted claims are released for the next process.
	timerCtx, stopTimers := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := timers.Run(timerCtx); err != nil {
			log.Error().Err(err).Msg("timer loop stopped")
		}
	})
	log.Info().Msg("wolbot console ready")
	err = chat.Run(ctx, b)
	stopTimers()
	wg.Wait()
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	return nil
}

// redisLogger sends go-redis' own messages (dial retries and the like) to our log at debug
// level; the errors that matter reach us as return values and are logged with context there.
type redisLogger struct{ log zerolog.Logger }

func (l redisLogger) Printf(_ context.Context, format string, v ...any) {
	l.log.Debug().Str("component", "go-redis").Msgf(format, v...)
}
