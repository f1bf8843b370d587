package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/wolbot/wolbot/adapters"
)

// fatalConnectCodes are answers of apps.connections.open that no retry will change.
var fatalConnectCodes = map[string]bool{
	"invalid_auth":           true,
	"not_authed":             true,
	"account_inactive":       true,
	"token_revoked":          true,
	"not_allowed_token_type": true,
}

// runSocketMode receives events over Socket Mode until ctx ends. The socketmode client
// reconnects by itself after a dropped connection or a "disconnect" from Slack; if its run
// loop gives up for another reason, it is started again after a pause. Only a refused app
// token ends it with an error.
func (a *Adapter) runSocketMode(ctx context.Context, h adapters.Handler) error {
	client := socketmode.New(a.api)

	runErr := make(chan error, 1)
	go func() { runErr <- a.keepConnected(ctx, client) }()

	for {
		select {
		case <-ctx.Done():
			a.connected.Store(false)
			<-runErr // the client's goroutines end with ctx; do not leave them behind
			return nil
		case err := <-runErr:
			a.connected.Store(false)
			return err
		case evt := <-client.Events:
			a.handleSocketEvent(ctx, client, h, evt)
		}
	}
}

// keepConnected runs the socketmode client's loop, restarting it until ctx ends or the app
// token is refused.
func (a *Adapter) keepConnected(ctx context.Context, client *socketmode.Client) error {
	pause := time.Second
	for {
		err := client.RunContext(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var sc slack.StatusCodeError
		if fatalConnectCodes[slackCode(err)] || (errors.As(err, &sc) && sc.Code == 404) {
			return fmt.Errorf("slack: socket mode: app token refused (%w); check SLACK_APP_TOKEN", err)
		}
		a.log.Warn().Err(err).Dur("retry_in", pause).Msg("slack socket mode stopped, restarting")
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		pause = min(2*pause, time.Minute)
	}
}

// handleSocketEvent acknowledges an envelope at once and hands its contents on; it keeps
// Connected up to date from the client's own events.
func (a *Adapter) handleSocketEvent(ctx context.Context, client *socketmode.Client, h adapters.Handler, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnected, socketmode.EventTypeHello:
		if !a.connected.Swap(true) {
			a.log.Info().Msg("slack socket mode connected")
		}
	case socketmode.EventTypeConnecting:
		if a.connected.Swap(false) {
			a.log.Info().Msg("slack socket mode reconnecting")
		}
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth, socketmode.EventTypeIncomingError:
		a.connected.Store(false)
		var err error
		switch d := evt.Data.(type) {
		case *slack.ConnectionErrorEvent:
			err = d.ErrorObj
		case *slack.IncomingEventError:
			err = d.ErrorObj
		}
		a.log.Warn().Err(err).Str("type", string(evt.Type)).Msg("slack socket mode connection problem")
	case socketmode.EventTypeErrorWriteFailed:
		// Slack redelivers an envelope whose acknowledgement was lost; the core drops the
		// repeat by its event id.
		a.log.Warn().Msg("slack socket mode: an acknowledgement could not be sent")
	case socketmode.EventTypeErrorBadMessage:
		// Acknowledged anyway: a message we cannot parse would otherwise come back forever.
		if d, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
			var env struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if json.Unmarshal(d.Message, &env) == nil && env.EnvelopeID != "" {
				a.ack(ctx, client, env.EnvelopeID)
			}
			a.log.Debug().Err(d.Cause).Msg("slack socket mode: message ignored")
		}
	case socketmode.EventTypeEventsAPI:
		a.ack(ctx, client, envelopeID(evt))
		if outer, ok := evt.Data.(slackevents.EventsAPIEvent); ok {
			if in, ok := a.fromEventsAPI(outer); ok {
				a.deliver(ctx, h, in)
			}
		}
	case socketmode.EventTypeSlashCommand:
		a.ack(ctx, client, envelopeID(evt))
		if cmd, ok := evt.Data.(slack.SlashCommand); ok {
			if in, ok := a.fromSlash(cmd, envelopeID(evt)); ok {
				a.deliver(ctx, h, in)
			}
		}
	case socketmode.EventTypeInteractive:
		a.ack(ctx, client, envelopeID(evt))
		if cb, ok := evt.Data.(slack.InteractionCallback); ok {
			for _, in := range a.fromInteraction(cb) {
				a.deliver(ctx, h, in)
			}
		}
	}
}

func envelopeID(evt socketmode.Event) string {
	if evt.Request == nil {
		return ""
	}
	return evt.Request.EnvelopeID
}

// ack acknowledges an envelope. It queues the answer for the client's writer, which sends it
// on the current connection (or the next one, after a reconnect).
func (a *Adapter) ack(ctx context.Context, client *socketmode.Client, envelope string) {
	if envelope == "" {
		return
	}
	if err := client.AckCtx(ctx, envelope, nil); err != nil {
		a.log.Warn().Err(err).Msg("slack socket mode: acknowledgement failed")
	}
}
