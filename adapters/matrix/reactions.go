package matrix

import (
	"context"
	"encoding/json"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/wolbot/wolbot/adapters"
)

// fromReaction makes a button click of a reaction on one of the bot's messages whose key
// stands for a button there (see [reactionsFor]). The mapping is read back from the message,
// or from its latest edit by the bot, so that every replica and every restart agrees without
// state of its own; the core then applies the same checks as to a typed command or a click.
func (a *Adapter) fromReaction(ctx context.Context, evt *event.Event) (adapters.Event, bool) {
	rel := evt.Content.AsReaction().RelatesTo
	if rel.Type != event.RelAnnotation || rel.EventID == "" {
		return adapters.Event{}, false
	}
	actions, err := a.currentActions(ctx, evt.RoomID, rel.EventID)
	if err != nil {
		a.log.Warn().Err(err).Str("post", rel.EventID.String()).Msg("matrix: could not read the message a reaction is on")
		return adapters.Event{}, false
	}
	act, ok := actions[normalizeKey(rel.Key)]
	if !ok {
		return adapters.Event{}, false
	}
	return a.event(evt, a.isDirect(ctx, evt.RoomID), adapters.Event{
		Kind: adapters.KindAction, ActionID: act.Action, Value: act.Value, PostID: rel.EventID.String(),
	}), true
}

// currentActions returns the reaction → button map of the bot's message post as last edited;
// nil for a message that is not the bot's.
func (a *Adapter) currentActions(ctx context.Context, room id.RoomID, post id.EventID) (map[string]action, error) {
	a.mu.Lock()
	m, ok := a.actions[post]
	a.mu.Unlock()
	if ok {
		return m, nil
	}
	orig, err := a.fetch(ctx, room, post)
	if err != nil || orig == nil || orig.Sender != a.self {
		return nil, err
	}
	content := orig.Content.Raw
	rel, err := a.cli.GetRelations(ctx, room, post, &mautrix.ReqGetRelations{RelationType: event.RelReplace, Limit: 100})
	if err != nil {
		return nil, err
	}
	var latest int64
	for _, e := range rel.Chunk {
		if e.Sender != a.self || e.Timestamp < latest {
			continue
		}
		if e, err = a.decrypt(ctx, e); err != nil || e == nil {
			continue
		}
		if nc, ok := e.Content.Raw["m.new_content"].(map[string]any); ok {
			content, latest = nc, e.Timestamp
		}
	}
	return parseActions(content), nil
}

// parseActions reads the reaction map from a message's content; nil when there is none or it
// is malformed.
func parseActions(content map[string]any) map[string]action {
	raw, ok := content[reactionsKey]
	if !ok {
		return nil
	}
	js, err := json.Marshal(raw)
	if err != nil {
		return nil
	}
	var m map[string]action
	if json.Unmarshal(js, &m) != nil {
		return nil
	}
	return m
}

// fetch gets one event of room, decrypted where the binary can; nil for an encrypted event
// it cannot read.
func (a *Adapter) fetch(ctx context.Context, room id.RoomID, evID id.EventID) (*event.Event, error) {
	e, err := a.cli.GetEvent(ctx, room, evID)
	if err != nil {
		return nil, err
	}
	e.RoomID = room
	return a.decrypt(ctx, e)
}

// decrypt returns e itself when it is not encrypted, its decrypted copy when the binary can
// decrypt, and nil otherwise. Content is parsed in each case.
func (a *Adapter) decrypt(ctx context.Context, e *event.Event) (*event.Event, error) {
	if e.Type != event.EventEncrypted {
		return e, nil
	}
	if a.crypto == nil {
		return nil, nil
	}
	if err := e.Content.ParseRaw(e.Type); err != nil {
		return nil, err
	}
	return a.crypto.Decrypt(ctx, e)
}
