package mattermost

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

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
		// The user name is not taken from the request (user_name): enrich looks it up by id.
		// Whether the channel is the bot's direct channel is decided in dispatch too.
		ev := adapters.Event{
			Kind:        adapters.KindCommand,
			Platform:    platform,
			Team:        f.Get("team_id"),
			Channel:     f.Get("channel_id"),
			ChannelName: f.Get("channel_name"),
			User:        f.Get("user_id"),
			Text:        text,
		}
		if t := f.Get("trigger_id"); t != "" {
			ev.ID = "mm-cmd-" + t
		}
		if ru := f.Get("response_url"); ru != "" {
			if a.responseURLOK(ru) {
				a.replies.put(ev.Channel, ev.User, ru)
			} else {
				a.log.Warn().Str("remote", r.RemoteAddr).Str("user", ev.User).
					Msg("slash command with a response_url outside MATTERMOST_URL/hooks/commands/: ignored")
			}
		}

		if !a.dispatch(h, ev, true) {
			writeJSON(w, model.CommandResponse{ResponseType: model.CommandResponseTypeEphemeral, Text: a.busyText(ev.User)})
			return
		}
		writeJSON(w, model.CommandResponse{ResponseType: model.CommandResponseTypeEphemeral})
		a.log.Debug().Str("event", ev.ID).Str("channel", ev.Channel).Str("user", ev.User).
			Str("command", word).Msg("slash command received")
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
		action, value, ok := a.verify(req.Context, req.PostId, req.ChannelId, req.UserId)
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
			ActionID:    action,
			Value:       value,
			PostID:      req.PostId,
			ID:          actionEventID(req.PostId, req.UserId, action, value, req.TriggerId),
		}
		if !a.dispatch(h, ev, true) {
			writeJSON(w, model.PostActionIntegrationResponse{EphemeralText: a.busyText(ev.User)})
			return
		}
		writeJSON(w, model.PostActionIntegrationResponse{})
		a.log.Debug().Str("event", ev.ID).Str("channel", ev.Channel).Str("user", ev.User).
			Str("action", action).Msg("button click received")
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

// responseURLOK reports whether a slash command's response_url points where Mattermost's own
// do: MATTERMOST_URL + "/hooks/commands/<id>". Any other URL would let whoever holds a command
// token make the bot post a user's private answer to an address of their choosing.
func (a *Adapter) responseURLOK(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	base, err := url.Parse(a.serverURL)
	if err != nil {
		return false
	}
	id, ok := strings.CutPrefix(u.Path, strings.TrimRight(base.Path, "/")+"/hooks/commands/")
	return ok && strings.EqualFold(u.Scheme, base.Scheme) && strings.EqualFold(u.Host, base.Host) &&
		u.RawPath == "" && id != "" && !strings.ContainsAny(id, "/.%\\")
}

// dispatch hands ev to h in the background, with a context of its own: the request or the
// WebSocket session it came from may end long before the handler does. It reports false, and
// does nothing, when the adapter's queue is full; an event whose turn comes too late is
// dropped (see [adapters.Queue]). The user is looked up
// by id first (name and locale); an event of a user Mattermost does not know is dropped. For a
// callback (fromHTTP), whether the channel is the bot's direct channel with the user is
// checked with Mattermost, since the request's channel name is only a claim; a button click
// is dropped unless the user is a member of the channel.
func (a *Adapter) dispatch(h adapters.Handler, ev adapters.Event, fromHTTP bool) bool {
	if !a.queue.Admit() {
		a.log.Warn().Str("event", ev.ID).Str("kind", string(ev.Kind)).Msg("event refused: too many events waiting")
		return false
	}
	received := time.Now()
	a.inflight.Go(func() {
		a.queue.Run(received, func() {
			ctx, cancel := context.WithTimeout(context.Background(), a.handleTimeout)
			defer cancel()
			defer func() {
				if p := recover(); p != nil {
					a.log.Error().Interface("panic", p).Str("event", ev.ID).Msg("event handler panicked")
				}
			}()
			if !a.enrich(ctx, &ev) || (fromHTTP && !a.checkCallback(ctx, &ev)) {
				return
			}
			h.HandleEvent(ctx, ev)
		})
	})
	return true
}

// busyText is the "busy, try again" answer in the user's language, as far as the user cache
// knows it (no API call: the API may be what is slow).
func (a *Adapter) busyText(user string) string {
	u, _ := a.users.get(user)
	return adapters.BusyText(u.Locale)
}

// checkCallback completes an event from an HTTP callback with what the request can only claim:
// Direct is true only for the bot's direct channel with this very user (its name is the pair
// of ids, and its id is the one Mattermost gives for that pair); a click is accepted only from
// a member of the channel. It reports false for a click to drop.
func (a *Adapter) checkCallback(ctx context.Context, ev *adapters.Event) bool {
	if ev.ChannelName != "" && ev.ChannelName == a.directName(ev.User) {
		id, err := a.directChannel(ctx, ev.User)
		if err != nil {
			a.log.Warn().Err(err).Str("user", ev.User).Msg("could not tell whether a channel is the bot's direct channel: taken as not")
		}
		ev.Direct = err == nil && id == ev.Channel
	}
	if ev.Kind != adapters.KindAction || ev.Direct {
		return true
	}
	if err := a.checkMember(ctx, ev.Channel, ev.User); err != nil {
		a.log.Warn().Err(err).Str("user", ev.User).Str("channel", ev.Channel).Str("event", ev.ID).
			Msg("button click by someone who is not a member of the channel dropped")
		return false
	}
	return true
}
