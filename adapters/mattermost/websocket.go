package mattermost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
	"unicode"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wolbot/wolbot/adapters"
)

// wsState is what survives from one WebSocket connection to the next: Mattermost resumes a
// connection (replaying the events the bot missed) when the client presents the previous
// connection id and the next sequence number it expects.
type wsState struct {
	connID  string
	nextSeq int64
}

// Run listens on Mattermost's WebSocket as the bot and hands every command addressed to it to
// h, until ctx is done. A dropped connection is re-established with exponential backoff and
// jitter (backoffMin doubling to backoffMax; a connection that lasted backoffMax resets it).
// When ctx is done Run waits for the events still being handled — from the WebSocket and from
// the HTTP callbacks of [Adapter.Routes] — and returns nil. Run must not be called twice at once.
func (a *Adapter) Run(ctx context.Context, h adapters.Handler) error {
	defer a.inflight.Wait()
	var st wsState
	backoff := a.backoffMin
	for attempt := 1; ; attempt++ {
		up, err := a.session(ctx, h, &st, attempt)
		a.connected.Store(false)
		if ctx.Err() != nil {
			a.log.Info().Msg("mattermost websocket closed")
			return nil
		}
		if up >= a.backoffMax {
			backoff = a.backoffMin
		}
		wait := jitter(backoff)
		a.log.Info().Err(err).Dur("retry_in", wait).Int("attempt", attempt).Msg("mattermost websocket disconnected; reconnecting")
		if !sleep(ctx, wait) {
			return nil
		}
		backoff = min(2*backoff, a.backoffMax)
	}
}

// errClosed reports a connection that the server or the network ended.
var errClosed = errors.New("connection closed")

// session runs one WebSocket connection until it breaks or ctx is done, and reports how long
// it was connected.
func (a *Adapter) session(ctx context.Context, h adapters.Handler, st *wsState, attempt int) (time.Duration, error) {
	// The client dials without a context; bind the TCP connect to ctx so that shutdown does
	// not wait for an unreachable server (the handshake itself is bounded by HandshakeTimeout).
	dialer := *a.dialer
	netDial := dialer.NetDialContext
	if netDial == nil {
		netDial = (&net.Dialer{Timeout: 15 * time.Second}).DialContext
	}
	dialer.NetDialContext = func(_ context.Context, network, addr string) (net.Conn, error) {
		return netDial(ctx, network, addr)
	}
	ws, err := model.NewReliableWebSocketClientWithDialer(&dialer, a.wsURL, a.token, st.connID, int(st.nextSeq), true)
	if err != nil {
		return 0, fmt.Errorf("connect: %w", err)
	}
	ws.Listen()
	defer ws.Close()

	// The token went in the Authorization header of the handshake, so an accepted handshake is
	// an authenticated connection. (A resumed connection gets no new hello, and the server
	// ignores the client's authentication challenge on a connection it has authenticated.)
	since := time.Now()
	up := func() time.Duration { return time.Since(since) }
	a.connected.Store(true)
	a.log.Info().Int("attempt", attempt).Bool("resumed", st.connID != "").Msg("mattermost websocket connected")
	// The client closes both channels when its reader stops, the event channel first. Only the
	// closed event channel ends the session: it is closed after the reader's last event, so
	// the events still buffered in it are all received before.
	events, responses := ws.EventChannel, ws.ResponseChannel
	for {
		select {
		case <-ctx.Done():
			return up(), ctx.Err()
		case <-ws.PingTimeoutChannel:
			return up(), errors.New("no ping from the server: connection presumed dead")
		case resp, ok := <-responses:
			if !ok {
				responses = nil // a nil channel blocks: wait for the event channel to drain
				continue
			}
			if resp.Status != model.StatusOk {
				// The only request the bot sends is the authentication challenge.
				var cause error = errors.New(resp.Status)
				if resp.Error != nil {
					cause = resp.Error
				}
				return up(), fmt.Errorf("authentication refused: %w", cause)
			}
		case ev, ok := <-events:
			if !ok {
				return up(), listenErr(ws)
			}
			if seq := ev.GetSequence(); ev.EventType() != model.WebsocketEventHello && seq != st.nextSeq {
				a.log.Info().Int64("expected", st.nextSeq).Int64("got", seq).Msg("mattermost websocket skipped events; posts in between are not seen")
			}
			st.nextSeq = ev.GetSequence() + 1
			switch ev.EventType() {
			case model.WebsocketEventHello:
				id, _ := ev.GetData()["connection_id"].(string)
				if st.connID != "" && id != st.connID {
					a.log.Info().Msg("mattermost websocket could not resume the previous connection; posts sent while disconnected are not seen")
				}
				st.connID = id
			case model.WebsocketEventPosted:
				if cmd, ok := a.postedEvent(ev); ok {
					a.log.Debug().Str("event", cmd.ID).Str("channel", cmd.Channel).Str("user", cmd.User).Msg("post addressed to the bot received")
					a.dispatch(h, cmd, false) // when full, the refusal is logged and counted
				}
			}
		}
	}
}

// listenErr is the reason the client's reader stopped. ListenError is written before the
// event channels are closed, so reading it after a closed channel is safe.
func listenErr(ws *model.WebSocketClient) error {
	if ws.ListenError != nil {
		return ws.ListenError
	}
	return errClosed
}

// postedEvent turns a "posted" event into a command event if the post is addressed to the bot:
// in a direct channel with the bot every post is, elsewhere a post that starts with
// @botname. The bot's own posts, system posts (which have a type), posts by webhooks (which
// could otherwise act in the name of the webhook's creator) and edited or deleted posts are
// ignored.
func (a *Adapter) postedEvent(ev *model.WebSocketEvent) (adapters.Event, bool) {
	data := ev.GetData()
	raw, _ := data["post"].(string)
	var p model.Post
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		a.log.Debug().Err(err).Msg("posted event without a readable post ignored")
		return adapters.Event{}, false
	}
	if p.Id == "" || p.UserId == "" || p.UserId == a.botID || p.Type != "" || p.EditAt != 0 || p.DeleteAt != 0 {
		return adapters.Event{}, false
	}
	if fromWebhook, _ := p.GetProp(model.PostPropsFromWebhook).(string); fromWebhook == "true" {
		return adapters.Event{}, false
	}
	channelType, _ := data["channel_type"].(string)
	channelName, _ := data["channel_name"].(string)
	// The channel type comes from Mattermost itself; the name must be the pair of the bot and
	// the author, so that a direct channel between two other people is never taken for the
	// bot's (and an empty name never for anything).
	direct := channelType == string(model.ChannelTypeDirect) && channelName == a.directName(p.UserId)
	text, ok := a.commandText(p.Message, direct)
	if !ok {
		return adapters.Event{}, false
	}
	sender, _ := data["sender_name"].(string)
	team, _ := data["team_id"].(string)
	display, _ := data["channel_display_name"].(string)
	if display == "" {
		display = channelName
	}
	e := adapters.Event{
		Kind:        adapters.KindCommand,
		Platform:    platform,
		Team:        team,
		Channel:     p.ChannelId,
		ChannelName: display,
		User:        p.UserId,
		UserName:    strings.TrimPrefix(sender, "@"),
		ID:          "mm-post-" + p.Id,
		Direct:      direct,
		Text:        text,
	}
	if direct {
		e.ChannelName = "@" + e.UserName
	}
	return e, true
}

// commandText returns the command in a post: the text after a leading @botname (and a ':' or
// ',' after it), or in a direct channel the whole text; a leading slash is dropped either way.
// It reports false for a post that is not addressed to the bot or holds no command.
func (a *Adapter) commandText(msg string, direct bool) (string, bool) {
	s := strings.TrimSpace(msg)
	if rest, ok := a.stripMention(s); ok {
		s = rest
	} else if !direct {
		return "", false
	}
	s = strings.TrimSpace(strings.TrimPrefix(s, "/"))
	return s, s != "" // a mention alone is nothing
}

// stripMention removes a leading @botname (any case) that stands on its own: followed by the
// end, white space, ':' or ','. "@wolbot2" and "@wolbot.x" are other users.
func (a *Adapter) stripMention(s string) (string, bool) {
	mention := "@" + a.botName
	if a.botName == "" || len(s) < len(mention) || !strings.EqualFold(s[:len(mention)], mention) {
		return "", false
	}
	rest := s[len(mention):]
	if rest == "" {
		return "", true
	}
	switch r := []rune(rest)[0]; {
	case r == ':' || r == ',':
		return strings.TrimSpace(rest[1:]), true
	case unicode.IsSpace(r):
		return strings.TrimSpace(rest), true
	}
	return "", false
}
