package matrix

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/wolbot/wolbot/adapters"
)

// timelineLimit is how many timeline events per room one /sync returns at most; a longer gap
// (a long downtime in a busy room) is reported as limited, and the older events are skipped.
const timelineLimit = 100

// batch is what one /sync response brought for the handler: timeline events of joined rooms
// (decrypted where the binary can) and invites of the bot, in the order the syncer saw them.
type batch struct {
	events  []*event.Event
	invites []*event.Event // the bot's own m.room.member invite events
}

// Run syncs with the homeserver and hands every command and reaction to h until ctx ends.
//
// The loop: load next_batch from the cursor; /sync (long-polling pollTimeout); run the
// response through mautrix' syncer, so that the crypto machine sees keys and decrypts; answer
// invites; hand the batch's events to h concurrently and wait for all of them; only then save
// next_batch. A crash in between replays the batch, and the core drops the replays by event id.
// Errors back off exponentially with jitter; a revoked token ends Run.
func (a *Adapter) Run(ctx context.Context, h adapters.Handler) error {
	since, err := a.loadCursor(ctx)
	if err != nil {
		return err
	}
	a.curMu.Lock()
	a.handler = h
	a.curMu.Unlock()
	filter, err := a.cli.CreateFilter(ctx, &mautrix.Filter{
		Room: &mautrix.RoomFilter{Timeline: &mautrix.FilterPart{Limit: timelineLimit}},
		// Presence is noise for a bot and costs bandwidth.
		Presence: &mautrix.FilterPart{NotTypes: []event.Type{{Type: "*"}}},
	})
	if err != nil {
		return fmt.Errorf("matrix: create sync filter: %w", err)
	}
	if since != "" && a.crypto != nil && a.crypto.Fresh() {
		// Without the room state a full sync brings, the bot would take encrypted rooms for
		// plain ones and send in clear text.
		a.log.Warn().Msg("matrix: new encryption key database: starting with a full sync; messages sent while the bot was down are skipped")
		since = ""
	}
	if since == "" {
		a.log.Info().Msg("matrix: no stored sync position: the first sync skips the rooms' history")
	}
	backoff := time.Duration(0)
	for synced := false; ; synced = true {
		// The first sync of a process, and one after an error, returns at once, so that
		// Connected (and /readyz) turns true without waiting out a long poll.
		timeout := a.pollTimeout
		if !synced || since == "" || backoff > 0 {
			timeout = 0
		}
		resp, err := a.cli.FullSyncRequest(ctx, mautrix.ReqSync{
			Timeout: int(timeout / time.Millisecond), Since: since, FilterID: filter.FilterID,
		})
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			a.connected.Store(false)
			if errors.Is(err, mautrix.MUnknownToken) {
				return fmt.Errorf("matrix: the access token was revoked: %w", err)
			}
			backoff = min(max(2*backoff, a.backoffMin), a.backoffMax)
			wait := backoff/2 + rand.N(backoff/2+1) // jitter: replicas do not retry in step
			a.log.Warn().Err(err).Dur("retry_in", wait).Msg("matrix: sync failed")
			if !sleep(ctx, wait) {
				return nil
			}
			continue
		}
		backoff = 0
		a.connected.Store(true)

		trimBeforeJoin(resp, a.self, since == "")
		a.curMu.Lock()
		a.cur = &batch{}
		a.curMu.Unlock()
		if err := a.syncer.ProcessResponse(ctx, resp, since); err != nil {
			a.log.Error().Err(err).Msg("matrix: processing a sync response failed")
		}
		a.curMu.Lock()
		b := a.cur
		a.cur = nil
		a.curMu.Unlock()
		a.answerInvites(ctx, b.invites)
		a.dispatch(ctx, h, b.events)
		if err := a.saveCursor(ctx, resp.NextBatch); err != nil {
			// The next sync goes on from memory; a restart before the next save replays a
			// batch, which the core drops by event id.
			a.log.Error().Err(err).Msg("matrix: could not store the sync position")
		}
		since = resp.NextBatch
	}
}

// onSyncEvent receives every event the syncer dispatches. a.cur collects the events of the
// sync response being processed. The crypto helper may dispatch a decrypted event later, from
// its own goroutine, once the keys it waited for have arrived: such an event joins the batch in
// progress or, between batches, is handled on its own.
func (a *Adapter) onSyncEvent(_ context.Context, evt *event.Event) {
	a.curMu.Lock()
	defer a.curMu.Unlock()
	a.noteOwn(evt)
	if a.cur != nil {
		a.cur.add(evt, a.self)
		return
	}
	late := &batch{}
	late.add(evt, a.self)
	for _, e := range late.events {
		if a.handler != nil {
			go a.handle(context.Background(), a.handler, e)
		}
	}
}

// add takes the events of a sync response that may concern the handler: messages and
// reactions in joined rooms (decrypted ones included) from people other than the bot, and the
// bot's invites. Nil-safe: events dispatched outside Run's batch are dropped.
func (b *batch) add(evt *event.Event, self id.UserID) {
	if b == nil {
		return
	}
	src := evt.Mautrix.EventSource
	switch {
	case src&event.SourceInvite != 0 && evt.Type == event.StateMember && evt.GetStateKey() == self.String():
		if evt.Content.AsMember().Membership == event.MembershipInvite {
			b.invites = append(b.invites, evt)
		}
	case src&event.SourceJoin == 0 || src&event.SourceTimeline == 0 || evt.Sender == self:
	case evt.Type == event.EventMessage, evt.Type == event.EventReaction, evt.Type == event.EventEncrypted:
		b.events = append(b.events, evt)
	}
}

// noteOwn remembers the reaction map of the bot's own messages and edits as the sync delivers
// them, in timeline order, so that a reaction right after an edit (in the same batch, or
// before the homeserver's relations index has caught up) maps by the edit. Every replica sees
// the bot's events in its own sync; after a restart the map is read back from the server.
func (a *Adapter) noteOwn(evt *event.Event) {
	if evt.Sender != a.self || evt.Type != event.EventMessage || evt.Mautrix.EventSource&event.SourceTimeline == 0 {
		return
	}
	post, content := evt.ID, evt.Content.Raw
	if rel, ok := content["m.relates_to"].(map[string]any); ok && rel["rel_type"] == string(event.RelReplace) {
		of, _ := rel["event_id"].(string)
		nc, _ := content["m.new_content"].(map[string]any)
		post, content = id.EventID(of), nc
	}
	if post == "" {
		return
	}
	m := parseActions(content)
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.actions) > 10000 {
		clear(a.actions)
	}
	a.actions[post] = m
}

// trimBeforeJoin removes what the bot must not answer: on the very first sync (no stored
// position) every room's history, and in a room it joined in this batch the events before its
// join. The bot's own join event stays, for the state store.
func trimBeforeJoin(resp *mautrix.RespSync, self id.UserID, first bool) {
	for _, room := range resp.Rooms.Join {
		evs := room.Timeline.Events
		if first {
			room.Timeline.Events = stateOnly(evs)
			continue
		}
		for i := len(evs) - 1; i >= 0; i-- {
			e := evs[i]
			if e.Type.Type == event.StateMember.Type && e.StateKey != nil && *e.StateKey == self.String() &&
				membership(e) == "join" && prevMembership(e) != "join" {
				room.Timeline.Events = append(stateOnly(evs[:i]), evs[i:]...)
				break
			}
		}
	}
}

// stateOnly keeps the state events of evs, which the state store needs.
func stateOnly(evs []*event.Event) []*event.Event {
	out := evs[:0:0]
	for _, e := range evs {
		if e.StateKey != nil {
			out = append(out, e)
		}
	}
	return out
}

func membership(e *event.Event) string {
	m, _ := e.Content.Raw["membership"].(string)
	return m
}

func prevMembership(e *event.Event) string {
	if e.Unsigned.PrevContent == nil {
		return ""
	}
	m, _ := e.Unsigned.PrevContent.Raw["membership"].(string)
	return m
}

// dispatch translates and hands the events to h and returns when all are handled. Rooms are
// handled concurrently, at most maxConcurrentEvents at a time; the events of one room one after
// another, in timeline order, as people wrote them ("lc topic …" before "lc next").
func (a *Adapter) dispatch(ctx context.Context, h adapters.Handler, evs []*event.Event) {
	byRoom := map[id.RoomID][]*event.Event{}
	var rooms []id.RoomID
	for _, evt := range evs {
		if byRoom[evt.RoomID] == nil {
			rooms = append(rooms, evt.RoomID)
		}
		byRoom[evt.RoomID] = append(byRoom[evt.RoomID], evt)
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, maxConcurrentEvents)
	for _, room := range rooms {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			for _, evt := range byRoom[room] {
				a.handle(ctx, h, evt)
			}
		})
	}
	wg.Wait()
}

// handle translates one event and hands it to h, with a time limit.
func (a *Adapter) handle(ctx context.Context, h adapters.Handler, evt *event.Event) {
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.handleTimeout)
	defer cancel()
	ev, ok := a.translate(hctx, evt)
	if !ok {
		return
	}
	a.log.Debug().Str("event", ev.ID).Str("kind", string(ev.Kind)).Str("room", ev.Channel).Msg("matrix: event")
	h.HandleEvent(hctx, ev)
}

// translate turns a timeline event into a port event; false for events that are not for the
// bot.
func (a *Adapter) translate(ctx context.Context, evt *event.Event) (adapters.Event, bool) {
	switch evt.Type {
	case event.EventEncrypted:
		a.refuseEncrypted(ctx, evt)
		return adapters.Event{}, false
	case event.EventReaction:
		return a.fromReaction(ctx, evt)
	case event.EventMessage:
		return a.fromMessage(ctx, evt)
	}
	return adapters.Event{}, false
}

// fromMessage makes a command of a text message that starts with "!word" (a known command
// word), that starts by addressing the bot (its MXID, name or pill), or that was written in a
// direct room with the bot. Edits, notices (other bots) and emotes are no commands.
func (a *Adapter) fromMessage(ctx context.Context, evt *event.Event) (adapters.Event, bool) {
	c := evt.Content.AsMessage()
	if c.MsgType != event.MsgText || c.RelatesTo != nil && c.RelatesTo.Type == event.RelReplace {
		return adapters.Event{}, false
	}
	c.RemoveReplyFallback()
	text := strings.TrimSpace(c.Body)
	rest, addressed := a.stripAddress(text)
	direct := a.isDirect(ctx, evt.RoomID)
	switch {
	case addressed:
		text = strings.TrimLeft(rest, "!/")
	case strings.HasPrefix(text, "!") && a.isCommand(text[1:]):
		text = text[1:]
	case direct:
		text = strings.TrimLeft(text, "!/")
	default:
		return adapters.Event{}, false
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return adapters.Event{}, false
	}
	ev := a.event(evt, direct, adapters.Event{Kind: adapters.KindCommand, Text: text})
	if !direct {
		ev.ChannelName = a.roomName(ctx, evt.RoomID)
	}
	return ev, true
}

// roomName is the room's name (m.room.name), else the local part of its canonical alias,
// else "": what features show people instead of the room id. Names are remembered for ten
// minutes, so a command costs a lookup only in a room not seen for a while.
func (a *Adapter) roomName(ctx context.Context, room id.RoomID) string {
	if name, ok := a.roomNames.get(room); ok {
		return name
	}
	// read fetches one state event; a missing one is no error. Other errors are logged and
	// leave the name unremembered, so the next command asks again.
	failed := false
	read := func(typ event.Type, into any) bool {
		err := a.cli.StateEvent(ctx, room, typ, "", into)
		if err != nil && !errors.Is(err, mautrix.MNotFound) {
			a.log.Warn().Err(err).Str("room", room.String()).Str("type", typ.Type).Msg("matrix: could not read a room's name")
			failed = true
		}
		return err == nil
	}
	var name string
	var n event.RoomNameEventContent
	if read(event.StateRoomName, &n) {
		name = strings.TrimSpace(n.Name)
	}
	if name == "" {
		var al event.CanonicalAliasEventContent
		if read(event.StateCanonicalAlias, &al) && al.Alias != "" {
			name = strings.TrimPrefix(al.Alias.String(), "#")
			name, _, _ = strings.Cut(name, ":")
		}
	}
	if failed {
		return name
	}
	a.roomNames.put(room, name)
	return name
}

// event fills in what every port event from evt carries.
func (a *Adapter) event(evt *event.Event, direct bool, ev adapters.Event) adapters.Event {
	ev.Platform = platform
	ev.Channel = evt.RoomID.String()
	ev.User = evt.Sender.String()
	ev.UserName = handle(evt.Sender)
	ev.ID = evt.ID.String()
	ev.Direct = direct
	return ev
}

// handle is the MXID without the @: unique across servers, so that a display name or a
// localpart on another server can never pass for an admin configured by name.
func handle(u id.UserID) string { return strings.TrimPrefix(u.String(), "@") }

// isCommand reports whether text starts with an accepted command word.
func (a *Adapter) isCommand(text string) bool {
	word, _, _ := strings.Cut(text, " ")
	word = strings.ToLower(word)
	if word == "" || !(word[0] >= 'a' && word[0] <= 'z') {
		return false
	}
	return a.commands == nil || a.commands[word]
}

// stripAddress removes the bot's name from the start of text ("wolbot: lc start", "@wolbot:
// example.org lc start") and reports whether it was there.
func (a *Adapter) stripAddress(text string) (string, bool) {
	lower := strings.ToLower(text)
	for _, n := range a.names {
		for _, form := range []string{n, "@" + n} {
			if !strings.HasPrefix(lower, form) {
				continue
			}
			rest := text[len(form):]
			if rest != "" && !strings.ContainsAny(rest[:1], " :,\t\n") {
				continue // "wolbotter" is not "wolbot"
			}
			return strings.TrimLeft(rest, " :,\t\n"), true
		}
	}
	return text, false
}

// isDirect reports whether room is a direct conversation of the bot with one person: a room
// with exactly two joined members. Remembered for a minute.
func (a *Adapter) isDirect(ctx context.Context, room id.RoomID) bool {
	if yes, ok := a.direct.get(room); ok {
		return yes
	}
	m, err := a.cli.JoinedMembers(ctx, room)
	if err != nil {
		a.log.Warn().Err(err).Str("room", room.String()).Msg("matrix: could not count a room's members")
		return false
	}
	yes := len(m.Joined) == 2
	a.direct.put(room, yes)
	return yes
}

// answerInvites joins the rooms the bot was invited to by users of allowed servers and
// declines the others. A room invited to as a direct chat is recorded in m.direct.
func (a *Adapter) answerInvites(ctx context.Context, invites []*event.Event) {
	for _, evt := range invites {
		server := evt.Sender.Homeserver()
		if a.allowed != nil && !a.allowed[strings.ToLower(server)] {
			a.log.Warn().Str("room", evt.RoomID.String()).Str("server", server).Msg("matrix: invite from a server not in MATRIX_ALLOWED_SERVERS declined")
			if _, err := a.cli.LeaveRoom(ctx, evt.RoomID, &mautrix.ReqLeave{Reason: "server not allowed"}); err != nil {
				a.log.Warn().Err(err).Str("room", evt.RoomID.String()).Msg("matrix: could not decline an invite")
			}
			continue
		}
		if _, err := a.cli.JoinRoomByID(ctx, evt.RoomID); err != nil {
			a.log.Error().Err(err).Str("room", evt.RoomID.String()).Msg("matrix: could not join a room it was invited to")
			continue
		}
		a.log.Info().Str("room", evt.RoomID.String()).Msg("matrix: joined a room on invitation")
		if evt.Content.AsMember().IsDirect {
			if err := a.rememberDirect(ctx, evt.Sender, evt.RoomID); err != nil {
				a.log.Warn().Err(err).Msg("matrix: could not record a direct room in m.direct")
			}
		}
	}
}

func (a *Adapter) loadCursor(ctx context.Context) (string, error) {
	if a.cursor == nil {
		return "", nil
	}
	s, err := a.cursor.LoadNextBatch(ctx)
	if err != nil {
		return "", fmt.Errorf("matrix: load the sync position: %w", err)
	}
	return s, nil
}

func (a *Adapter) saveCursor(ctx context.Context, token string) error {
	if a.cursor == nil || token == "" {
		return nil
	}
	return a.cursor.SaveNextBatch(context.WithoutCancel(ctx), token)
}

// sleep waits d or until ctx ends; false when ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
