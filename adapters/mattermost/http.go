package mattermost

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wolbot/wolbot/adapters"
)

// maxCallbackBody bounds what the callbacks read; Mattermost's requests are a few hundred bytes.
const maxCallbackBody = 64 << 10

// Routes registers the slash-command and button callbacks on mux:
// POST /mattermost/command and POST /mattermost/action. Events from both are handed to h
// asynchronously; [Adapter.Run] waits for them when it returns.
func (a *Adapter) Routes(mux *http.ServeMux, h adapters.Handler) {
	mux.Handle("POST "+CommandPath, a.commandHandler(h))
	mux.Handle("POST "+ActionPath, a.actionHandler(h))
}

// commandHandler serves Mattermost's slash-command requests (form-encoded). It checks the
// token, answers at once with an empty ephemeral response — Mattermost gives an integration a
// few seconds only — and handles the command in the background.
func (a *Adapter) commandHandler(h adapters.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxCallbackBody)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		f := r.PostForm
		token := f.Get("token")
		if token == "" {
			token, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Token ")
		}
		if !a.commandTokenOK(token) {
			a.log.Warn().Str("remote", r.RemoteAddr).Str("team", f.Get("team_id")).
				Msg("slash command with a missing or unknown token refused")
			http.Error(w, "unknown command token", http.StatusUnauthorized)
			return
		}
		word := strings.TrimPrefix(strings.TrimSpace(f.Get("command")), "/")
		text := word
		if rest := strings.TrimSpace(f.Get("text")); rest != "" {
			text += " " + rest
		}
		ev := adapters.Event{
			Kind:        adapters.KindCommand,
			Platform:    platform,
			Team:        f.Get("team_id"),
			Channel:     f.Get("channel_id"),
			ChannelName: f.Get("channel_name"),
			User:        f.Get("user_id"),
			UserName:    f.Get("user_name"),
			Direct:      a.isDirectWithBot(f.Get("channel_name")),
			Text:        text,
		}
		if t := f.Get("trigger_id"); t != "" {
			ev.ID = "mm-cmd-" + t
		}
		a.replies.put(ev.Channel, ev.User, f.Get("response_url"))

		writeJSON(w, model.CommandResponse{ResponseType: model.CommandResponseTypeEphemeral})
		a.log.Debug().Str("event", ev.ID).Str("channel", ev.Channel).Str("user", ev.User).
			Str("command", word).Msg("slash command received")
		a.dispatch(h, ev)
	})
}

// commandTokenOK compares token with every configured command token in constant time.
func (a *Adapter) commandTokenOK(token string) bool {
	if token == "" {
		return false
	}
	match := 0
	for _, t := range a.cmdTokens {
		match |= subtle.ConstantTimeCompare([]byte(token), t)
	}
	return match == 1
}

// actionHandler serves button clicks (a model.PostActionIntegrationRequest in JSON). A click
// whose context does not carry a valid signature is refused with 403 and never reaches h; a
// valid one is answered at once with an empty response (no update, no ephemeral text) and
// handled in the background, where the core updates the post or answers through [Adapter].
func (a *Adapter) actionHandler(h adapters.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxCallbackBody)
		var req model.PostActionIntegrationRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		action, value, ok := a.verify(req.Context)
		if !ok {
			a.log.Warn().Str("remote", r.RemoteAddr).Str("user", req.UserId).Str("post", req.PostId).
				Msg("button callback with a missing or wrong signature refused")
			http.Error(w, "invalid signature", http.StatusForbidden)
			return
		}
		ev := adapters.Event{
			Kind:        adapters.KindAction,
			Platform:    platform,
			Team:        req.TeamId,
			Channel:     req.ChannelId,
			ChannelName: req.ChannelName,
			User:        req.UserId,
			UserName:    req.UserName,
			Direct:      a.isDirectWithBot(req.ChannelName),
			ActionID:    action,
			Value:       value,
			PostID:      req.PostId,
			ID:          actionEventID(req.PostId, req.UserId, action, value, req.TriggerId),
		}
		writeJSON(w, model.PostActionIntegrationResponse{})
		a.log.Debug().Str("event", ev.ID).Str("channel", ev.Channel).Str("user", ev.User).
			Str("action", action).Msg("button click received")
		a.dispatch(h, ev)
	})
}

// actionEventID derives a click's idempotency id. Mattermost gives every click a fresh trigger
// id, so two clicks are two events, while a repeated delivery of one click keeps its id.
func actionEventID(postID, user, action, value, triggerID string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{postID, user, action, value, triggerID}, "\x00")))
	return "mm-act-" + hex.EncodeToString(sum[:16])
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v) // a failed write means the client left; nothing to do
}

// dispatch hands ev to h in the background, with a context of its own: the request or the
// WebSocket session it came from may end long before the handler does. The user's locale (and
// the name, where missing) is looked up first.
func (a *Adapter) dispatch(h adapters.Handler, ev adapters.Event) {
	a.inflight.Go(func() {
		a.slots <- struct{}{}
		defer func() { <-a.slots }()
		ctx, cancel := context.WithTimeout(context.Background(), a.handleTimeout)
		defer cancel()
		defer func() {
			if p := recover(); p != nil {
				a.log.Error().Interface("panic", p).Str("event", ev.ID).Msg("event handler panicked")
			}
		}()
		a.enrich(ctx, &ev)
		h.HandleEvent(ctx, ev)
	})
}
