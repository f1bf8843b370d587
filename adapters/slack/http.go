package slack

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/wolbot/wolbot/adapters"
)

const (
	// maxSkew is how far a request's timestamp may be from now: older requests are replays.
	maxSkew = 5 * time.Minute
	// maxBody bounds what is read of a request; Slack's payloads are far smaller.
	maxBody = 1 << 20
)

// Errors of [VerifySignature]; every one makes the endpoints answer 401.
var (
	ErrSignatureMissing = errors.New("slack: request signature or timestamp missing")
	ErrSignatureStale   = errors.New("slack: request timestamp more than 5 minutes from now")
	ErrSignatureInvalid = errors.New("slack: request signature invalid")
)

// VerifySignature checks Slack's request signature: X-Slack-Signature must be "v0=" and the
// hex HMAC-SHA256, keyed with secret, of "v0:{X-Slack-Request-Timestamp}:{body}", compared in
// constant time; and the timestamp must be within 5 minutes of now, so that a recorded request
// cannot be replayed later.
func VerifySignature(secret string, header http.Header, body []byte, now time.Time) error {
	ts := header.Get("X-Slack-Request-Timestamp")
	sig := header.Get("X-Slack-Signature")
	if secret == "" || ts == "" || sig == "" {
		return ErrSignatureMissing
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q", ErrSignatureInvalid, ts)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > maxSkew || d < -maxSkew {
		return ErrSignatureStale
	}
	got, err := hex.DecodeString(strings.TrimPrefix(sig, "v0="))
	if !strings.HasPrefix(sig, "v0=") || err != nil {
		return ErrSignatureInvalid
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return ErrSignatureInvalid
	}
	return nil
}

// Routes registers the HTTP mode endpoints on mux: POST /slack/events (Events API),
// /slack/commands (slash commands) and /slack/interactivity (buttons). Without
// Options.SigningSecret it registers nothing. Every request is verified before it is read,
// answered at once, and handled afterwards by h.
func (a *Adapter) Routes(mux *http.ServeMux, h adapters.Handler) {
	if a.opts.SigningSecret == "" {
		return
	}
	mux.Handle("POST /slack/events", a.verified(func(w http.ResponseWriter, r *http.Request, body []byte) {
		a.serveEvents(w, r, body, h)
	}))
	mux.Handle("POST /slack/commands", a.verified(func(w http.ResponseWriter, r *http.Request, body []byte) {
		a.serveCommand(w, r, body, h)
	}))
	mux.Handle("POST /slack/interactivity", a.verified(func(w http.ResponseWriter, r *http.Request, body []byte) {
		a.serveInteraction(w, r, body, h)
	}))
}

// verified reads the raw body, checks its signature, and only then calls next.
func (a *Adapter) verified(next func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			http.Error(w, "request too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		if err := VerifySignature(a.opts.SigningSecret, r.Header, body, a.opts.Now()); err != nil {
			a.log.Warn().Err(err).Str("path", r.URL.Path).Msg("slack request refused")
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		// The slack-go parsers read the form from the body, which has been consumed.
		r.Body = io.NopCloser(bytes.NewReader(body))
		next(w, r, body)
	})
}

// shuttingDown answers a request that can no longer be handled with 503, so that Slack
// retries it (events) or tells the user (commands), instead of it being lost.
func shuttingDown(w http.ResponseWriter) {
	http.Error(w, "shutting down", http.StatusServiceUnavailable)
}

func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request, body []byte, h adapters.Handler) {
	var env struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		http.Error(w, "invalid JSON", http.StatusBadRequest)
		return
	}
	switch env.Type {
	case slackevents.URLVerification:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"challenge": env.Challenge})
		return
	case slackevents.CallbackEvent:
	default:
		w.WriteHeader(http.StatusOK)
		return
	}
	outer, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
	if err != nil {
		// An event type this adapter does not know: acknowledged, so that Slack does not retry.
		a.log.Debug().Err(err).Msg("slack event ignored")
		w.WriteHeader(http.StatusOK)
		return
	}
	if retry := r.Header.Get("X-Slack-Retry-Num"); retry != "" {
		a.log.Debug().Str("retry", retry).Str("reason", r.Header.Get("X-Slack-Retry-Reason")).Msg("slack event redelivered")
	}
	if in, ok := a.fromEventsAPI(outer); ok && a.deliver(r.Context(), h, in) != admitted {
		shuttingDown(w) // 503: Slack delivers the event again later
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request, _ []byte, h adapters.Handler) {
	cmd, err := slack.SlashCommandParse(r)
	if err != nil {
		http.Error(w, "invalid form", http.StatusBadRequest)
		return
	}
	if in, ok := a.fromSlash(cmd, ""); ok {
		switch a.deliver(r.Context(), h, in) {
		case closing:
			shuttingDown(w)
			return
		case busy:
			// Slack shows an immediate answer to the user who typed the command.
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: a.busyText(in.ev.User)})
			return
		}
	}
	// An empty 200 shows the user nothing; the answer follows through the Web API.
	w.WriteHeader(http.StatusOK)
}

func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request, _ []byte, h adapters.Handler) {
	cb, err := slack.InteractionCallbackParse(r)
	if err != nil {
		http.Error(w, "invalid payload", http.StatusBadRequest)
		return
	}
	for _, in := range a.fromInteraction(cb) {
		// A click refused as busy is dropped (counted): Slack does not retry interactions.
		if a.deliver(r.Context(), h, in) == closing {
			shuttingDown(w)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}
