package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/adapters/console"
	"github.com/wolbot/wolbot/adapters/matrix"
	"github.com/wolbot/wolbot/adapters/mattermost"
	"github.com/wolbot/wolbot/adapters/slack"
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

// platformName picks the chat: WOLBOT_CHAT when set, else from what is configured:
// Mattermost, Slack, Matrix, or the console.
func platformName(cfg config) (string, error) {
	mm := cfg.Mattermost.URL != "" || cfg.Mattermost.Token != ""
	sl := cfg.Slack.BotToken != ""
	mx := cfg.Matrix.Homeserver != ""
	switch {
	case cfg.Chat != "":
		switch cfg.Chat {
		case "console", "mattermost", "slack", "matrix":
			return cfg.Chat, nil
		}
		return "", fmt.Errorf("WOLBOT_CHAT=%q: want console, mattermost, slack or matrix", cfg.Chat)
	case mx && (mm || sl):
		return "", errors.New("MATRIX_HOMESERVER and another chat are configured: set WOLBOT_CHAT or run one wolbot per chat platform")
	case mx:
		return "matrix", nil
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
	case "matrix":
		o := cfg.Matrix
		o.Logger = log.With().Str("platform", "matrix").Logger()
		o.Observer = obs
		return matrix.New(ctx, o)
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

// runSubcommand handles "wolbot mattermost setup --team NAME", "wolbot circles match …",
// "wolbot timers dead …" and "wolbot healthcheck";
// ok is false for other args.
func runSubcommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) (code int, ok bool) {
	if len(args) >= 1 && args[0] == "healthcheck" {
		return runHealthcheck(ctx, args[1:], stderr, getenv), true
	}
	if len(args) >= 2 && args[0] == "timers" && args[1] == "dead" {
		return runTimersDead(ctx, args[2:], stdout, stderr, getenv), true
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
