package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/adapters/console"
	"github.com/wolbot/wolbot/adapters/mattermost"
	"github.com/wolbot/wolbot/adapters/slack"
	"github.com/wolbot/wolbot/storage"
)

// platform is a chat adapter as main sees it: the outbound port plus its event loop.
type platform interface {
	adapters.Chat
	// Run delivers events to h until ctx ends (or, for the console, input ends).
	Run(ctx context.Context, h adapters.Handler) error
}

// router is implemented by adapters that receive callbacks over HTTP.
type router interface {
	Routes(mux *http.ServeMux, h adapters.Handler)
}

// connector is implemented by adapters with a long-lived connection, for /readyz.
type connector interface {
	Connected() bool
}

// platformName picks the chat from what is configured: Mattermost, Slack, or the console.
func platformName(cfg config) (string, error) {
	mm := cfg.Mattermost.URL != "" || cfg.Mattermost.Token != ""
	sl := cfg.Slack.BotToken != ""
	switch {
	case mm && sl:
		return "", errors.New("both MATTERMOST_URL and SLACK_BOT_TOKEN are set: run one wolbot per chat platform")
	case mm:
		return "mattermost", nil
	case sl:
		return "slack", nil
	default:
		return "console", nil
	}
}

func newPlatform(ctx context.Context, name string, cfg config, stdin io.Reader, stdout, stderr io.Writer, log zerolog.Logger, obs adapters.APIObserver) (platform, error) {
	switch name {
	case "mattermost":
		o := cfg.Mattermost
		o.Logger = log.With().Str("platform", "mattermost").Logger()
		o.Observer = obs
		return mattermost.New(ctx, o)
	case "slack":
		o := cfg.Slack
		o.Logger = log.With().Str("platform", "slack").Logger()
		o.Observer = obs
		return slack.New(ctx, o)
	default:
		return console.New(console.Options{
			In: stdin, Out: stdout, Err: stderr, Channel: cfg.Channel, Locale: cfg.Locale, Logger: log,
			FilesDir: cfg.FilesDir,
		}), nil
	}
}

// newHTTPServer serves health, readiness, metrics and the adapter's callbacks on WOLBOT_LISTEN.
func newHTTPServer(listen string, store *storage.Store, p platform, h adapters.Handler, metricsHandler http.Handler) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metricsHandler)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := store.Client.Ping(ctx).Err(); err != nil {
			http.Error(w, "redis unreachable", http.StatusServiceUnavailable)
			return
		}
		if c, ok := p.(connector); ok && !c.Connected() {
			http.Error(w, "chat not connected", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	if rt, ok := p.(router); ok {
		rt.Routes(mux, h)
	}
	return &http.Server{Addr: listen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
}

// runSubcommand handles "wolbot mattermost setup --team NAME", "wolbot circles match …" and
// "wolbot healthcheck";
// ok is false for other args.
func runSubcommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) (code int, ok bool) {
	if len(args) >= 1 && args[0] == "healthcheck" {
		return runHealthcheck(ctx, args[1:], stderr, getenv), true
	}
	if len(args) >= 2 && args[0] == "circles" && args[1] == "match" {
		return runCirclesMatch(args[2:], stdout, stderr), true
	}
	if len(args) < 2 || args[0] != "mattermost" || args[1] != "setup" {
		return 0, false
	}
	fs := flag.NewFlagSet("wolbot mattermost setup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	team := fs.String("team", "", "team name or id to register the slash commands in")
	if err := fs.Parse(args[2:]); err != nil {
		return 2, true
	}
	cfg, err := loadConfig(nil, getenv, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "wolbot: %v\n", err)
		return 2, true
	}
	if *team == "" {
		fmt.Fprintln(stderr, "wolbot mattermost setup: --team is required")
		return 2, true
	}
	opts := cfg.Mattermost
	opts.Logger = newLogger(stderr, cfg.LogLevel)
	if err := mattermost.Setup(ctx, opts, *team, stdout); err != nil {
		fmt.Fprintf(stderr, "wolbot mattermost setup: %v\n", err)
		return 1, true
	}
	return 0, true
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
