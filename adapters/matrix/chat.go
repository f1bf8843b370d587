package matrix

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/wolbot/wolbot/adapters"
)

// Post sends msg to room channel and adds the reactions that stand for its buttons. A
// Message.Key becomes the transaction id, so that a retry after a lost answer or a crash does
// not post twice while the homeserver remembers the transaction (Synapse and Dendrite: per
// device, for at least the lifetime of the access token's session cache, typically 30
// minutes or more).
func (a *Adapter) Post(ctx context.Context, channel string, msg adapters.Message) (adapters.PostRef, error) {
	return a.send(ctx, "post", id.RoomID(channel), msg)
}

func (a *Adapter) send(ctx context.Context, op string, room id.RoomID, msg adapters.Message) (adapters.PostRef, error) {
	if room == "" {
		return adapters.PostRef{}, fmt.Errorf("matrix: %s: no room: %w", op, adapters.ErrNotFound)
	}
	content, reactions := render(msg)
	req := mautrix.ReqSendEvent{}
	if msg.Key != "" {
		req.TransactionID = txnID("post", string(room), msg.Key)
	}
	resp, err := a.cli.SendMessageEvent(ctx, room, event.EventMessage, content, req)
	if err != nil {
		return adapters.PostRef{}, wrap(op, err)
	}
	if err := a.setReactions(ctx, room, resp.EventID, reactions, true); err != nil {
		a.log.Warn().Err(err).Str("post", resp.EventID.String()).Msg("matrix: could not add reactions; the text commands still work")
	}
	return adapters.PostRef{Channel: room.String(), ID: resp.EventID.String()}, nil
}

// Update edits one of the bot's messages (m.replace) and brings its reactions in line with
// the new buttons: reactions no longer meant are redacted, new ones added.
func (a *Adapter) Update(ctx context.Context, ref adapters.PostRef, msg adapters.Message) error {
	if ref.ID == "" || ref.Channel == "" {
		return fmt.Errorf("matrix: update: no post: %w", adapters.ErrNotFound)
	}
	room, post := id.RoomID(ref.Channel), id.EventID(ref.ID)
	content, reactions := render(msg)
	if _, err := a.cli.SendMessageEvent(ctx, room, event.EventMessage, editContent(post, content)); err != nil {
		return wrap("update", err)
	}
	if err := a.setReactions(ctx, room, post, reactions, false); err != nil {
		a.log.Warn().Err(err).Str("post", ref.ID).Msg("matrix: could not update reactions; the text commands still work")
	}
	return nil
}

// setReactions makes the bot's reactions on post exactly want. fresh says the post was just
// sent and carries none yet.
func (a *Adapter) setReactions(ctx context.Context, room id.RoomID, post id.EventID, want []reaction, fresh bool) error {
	keys := make([]string, len(want))
	for i, r := range want {
		keys[i] = normalizeKey(r.Key)
	}
	sort.Strings(keys)
	sig := strings.Join(keys, " ")
	a.mu.Lock()
	last, known := a.reactions[post]
	a.mu.Unlock()
	if (known && last == sig) || (fresh && len(want) == 0) {
		return nil
	}
	have := map[string]bool{}
	if !fresh {
		rel, err := a.cli.GetRelations(ctx, room, post, &mautrix.ReqGetRelations{RelationType: event.RelAnnotation, Limit: 100})
		if err != nil {
			return fmt.Errorf("list reactions: %w", err)
		}
		for _, e := range rel.Chunk {
			if e.Sender != a.self || e.Type != event.EventReaction {
				continue
			}
			_ = e.Content.ParseRaw(e.Type)
			k := normalizeKey(e.Content.AsReaction().RelatesTo.Key)
			if slices.Contains(keys, k) && !have[k] {
				have[k] = true
				continue
			}
			if _, err := a.cli.RedactEvent(ctx, room, e.ID, mautrix.ReqRedact{TxnID: txnID("unreact", e.ID.String())}); err != nil {
				return fmt.Errorf("redact reaction: %w", err)
			}
		}
	}
	for _, r := range want {
		if have[normalizeKey(r.Key)] {
			continue
		}
		c := &event.ReactionEventContent{RelatesTo: event.RelatesTo{Type: event.RelAnnotation, EventID: post, Key: r.Key}}
		if _, err := a.cli.SendMessageEvent(ctx, room, event.EventReaction, c,
			mautrix.ReqSendEvent{TransactionID: txnID("react", post.String(), r.Key)}); err != nil {
			return fmt.Errorf("add reaction: %w", err)
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.reactions) > 10000 {
		clear(a.reactions)
	}
	a.reactions[post] = sig
	return nil
}

// Ephemeral sends msg to user as a direct message: Matrix has no messages that only one
// member of a room sees.
func (a *Adapter) Ephemeral(ctx context.Context, channel, user string, msg adapters.Message) error {
	_, err := a.DirectMessage(ctx, user, msg)
	return err
}

// DirectMessage posts msg in the bot's direct room with user (an MXID or a name), creating
// the room, flagged direct and recorded in the bot's m.direct, when there is none.
func (a *Adapter) DirectMessage(ctx context.Context, user string, msg adapters.Message) (adapters.PostRef, error) {
	u, err := a.LookupUser(ctx, user)
	if err != nil {
		return adapters.PostRef{}, fmt.Errorf("matrix: direct message: %w", err)
	}
	room, err := a.directRoom(ctx, id.UserID(u.ID))
	if err != nil {
		return adapters.PostRef{}, fmt.Errorf("matrix: direct message: %w", err)
	}
	return a.send(ctx, "direct message", room, msg)
}

// directRoom finds the bot's direct room with user, from memory or m.direct, where both are
// still in it (the user at least invited); else it creates one.
func (a *Adapter) directRoom(ctx context.Context, user id.UserID) (id.RoomID, error) {
	a.mu.Lock()
	room, ok := a.dms[user]
	a.mu.Unlock()
	if ok {
		return room, nil
	}
	direct, err := a.directChats(ctx)
	if err != nil {
		return "", err
	}
	rooms := direct[user]
	for i := len(rooms) - 1; i >= 0; i-- { // the newest first
		if a.member(ctx, rooms[i], a.self, event.MembershipJoin) && a.member(ctx, rooms[i], user, event.MembershipJoin, event.MembershipInvite) {
			a.rememberDM(user, rooms[i])
			return rooms[i], nil
		}
	}
	resp, err := a.cli.CreateRoom(ctx, &mautrix.ReqCreateRoom{
		Preset:       "trusted_private_chat",
		IsDirect:     true,
		Invite:       []id.UserID{user},
		InitialState: a.encryptionState(),
	})
	if err != nil {
		return "", wrap("create direct room", err)
	}
	if err := a.rememberDirect(ctx, user, resp.RoomID); err != nil {
		a.log.Warn().Err(err).Msg("matrix: could not record a direct room in m.direct")
	}
	return resp.RoomID, nil
}

func (a *Adapter) rememberDM(user id.UserID, room id.RoomID) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.dms) > 10000 {
		clear(a.dms)
	}
	a.dms[user] = room
}

// directChats reads the bot's m.direct account data; none yet is an empty map.
func (a *Adapter) directChats(ctx context.Context) (event.DirectChatsEventContent, error) {
	direct := event.DirectChatsEventContent{}
	if err := a.cli.GetAccountData(ctx, event.AccountDataDirectChats.Type, &direct); err != nil && !errors.Is(err, mautrix.MNotFound) {
		return nil, wrap("read m.direct", err)
	}
	return direct, nil
}

// rememberDirect adds room to the bot's m.direct for user, so that Element shows it as a
// direct chat and the next DirectMessage finds it.
func (a *Adapter) rememberDirect(ctx context.Context, user id.UserID, room id.RoomID) error {
	a.rememberDM(user, room)
	a.direct.forget(room) // recount members on the next event
	direct, err := a.directChats(ctx)
	if err != nil {
		return err
	}
	if slices.Contains(direct[user], room) {
		return nil
	}
	direct[user] = append(direct[user], room)
	if err := a.cli.SetAccountData(ctx, event.AccountDataDirectChats.Type, direct); err != nil {
		return wrap("write m.direct", err)
	}
	return nil
}

// member reports whether user's membership in room is one of states.
func (a *Adapter) member(ctx context.Context, room id.RoomID, user id.UserID, states ...event.Membership) bool {
	var m event.MemberEventContent
	if err := a.cli.StateEvent(ctx, room, event.StateMember, user.String(), &m); err != nil {
		return false
	}
	return slices.Contains(states, m.Membership)
}

// CreatePrivateChannel creates an invite-only room named name (end-to-end encrypted where the
// binary can encrypt), invites the members (MXIDs or names) and returns the room id. The room
// gets the alias #wolbot-<hash of name>:<bot's server>, so that a retry after a crash finds the
// room the first attempt made instead of making a second one. If inviting fails, the room id
// is returned with the error.
func (a *Adapter) CreatePrivateChannel(ctx context.Context, team, name string, members []string) (string, error) {
	display := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), "#"))
	if display == "" {
		return "", errors.New("matrix: create private room: empty name")
	}
	ids, err := adapters.ResolveMembers(ctx, members, a.self.String(), a.memberID)
	if err != nil {
		return "", fmt.Errorf("matrix: create private room: %w", err)
	}
	sum := sha256.Sum256([]byte(display))
	alias := "wolbot-" + hex.EncodeToString(sum[:10])
	req := &mautrix.ReqCreateRoom{
		Preset:        "private_chat",
		Visibility:    "private",
		Name:          display,
		RoomAliasName: alias,
		InitialState:  a.encryptionState(),
	}
	for _, u := range ids {
		req.Invite = append(req.Invite, id.UserID(u))
	}
	resp, err := a.cli.CreateRoom(ctx, req)
	if err == nil {
		return resp.RoomID.String(), nil
	}
	if !errors.Is(err, mautrix.MRoomInUse) {
		return "", wrap("create private room", err)
	}
	// The alias exists: the room of an earlier attempt, or someone else's.
	if existing, rerr := a.cli.ResolveAlias(ctx, id.NewRoomAlias(alias, a.server)); rerr == nil && a.createdBySelf(ctx, existing.RoomID) {
		a.log.Info().Str("room", existing.RoomID.String()).Msg("matrix: private room existed already: reusing the bot's own")
		return existing.RoomID.String(), a.InviteToChannel(ctx, existing.RoomID.String(), ids)
	}
	req.RoomAliasName = ""
	if resp, err = a.cli.CreateRoom(ctx, req); err != nil {
		return "", wrap("create private room", err)
	}
	return resp.RoomID.String(), nil
}

// createdBySelf reports whether the bot created room and is in it.
func (a *Adapter) createdBySelf(ctx context.Context, room id.RoomID) bool {
	if !a.member(ctx, room, a.self, event.MembershipJoin) {
		return false
	}
	st, err := a.cli.FullStateEvent(ctx, room, event.StateCreate, "")
	return err == nil && st.Sender == a.self
}

// InviteToChannel invites members (MXIDs or names) to room channel; members already in it or
// invited are skipped.
func (a *Adapter) InviteToChannel(ctx context.Context, channel string, members []string) error {
	ids, err := adapters.ResolveMembers(ctx, members, a.self.String(), a.memberID)
	if err != nil {
		return fmt.Errorf("matrix: invite: %w", err)
	}
	room := id.RoomID(channel)
	for _, u := range ids {
		uid := id.UserID(u)
		if a.member(ctx, room, uid, event.MembershipJoin, event.MembershipInvite) {
			continue
		}
		if _, err := a.cli.InviteUser(ctx, room, &mautrix.ReqInviteUser{UserID: uid}); err != nil {
			return fmt.Errorf("matrix: invite %s to %s: %w", u, channel, err)
		}
	}
	return nil
}

// memberID resolves one member for [adapters.ResolveMembers], naming it in the error.
func (a *Adapter) memberID(ctx context.Context, m string) (string, error) {
	u, err := a.LookupUser(ctx, m)
	if err != nil {
		return "", fmt.Errorf("member %q: %w", m, err)
	}
	return u.ID, nil
}

// LookupUser finds a user by MXID ("@anna:example.org", with or without @), by localpart on
// the bot's server ("anna"), or by display name ("Anna Schmidt") in the user directory, where
// it must match exactly one user. Matrix has no profile locale: Locale stays empty and the
// core uses German unless the user chose otherwise.
func (a *Adapter) LookupUser(ctx context.Context, idOrName string) (adapters.User, error) {
	s := strings.TrimPrefix(strings.TrimSpace(idOrName), "@")
	if s == "" {
		return adapters.User{}, fmt.Errorf("matrix: lookup user: empty: %w", adapters.ErrNotFound)
	}
	if !strings.Contains(s, " ") {
		uid := userID(s, a.server)
		if _, err := a.cli.GetProfile(ctx, uid); err == nil {
			return adapters.User{ID: uid.String(), Name: handle(uid)}, nil
		} else if !errors.Is(err, mautrix.MNotFound) && strings.Contains(s, ":") {
			return adapters.User{}, wrap("lookup user", err)
		}
		if strings.Contains(s, ":") {
			return adapters.User{}, fmt.Errorf("matrix: lookup user %s: %w", uid, adapters.ErrNotFound)
		}
	}
	res, err := a.cli.SearchUserDirectory(ctx, s, 20)
	if err != nil {
		return adapters.User{}, wrap("search user directory", err)
	}
	var found []id.UserID
	for _, r := range res.Results {
		name := r.DisplayName
		if dn, ok := r.Extra["display_name"].(string); ok && name == "" {
			name = dn // the spec's field in directory results; mautrix reads "displayname"
		}
		if strings.EqualFold(strings.TrimSpace(name), s) {
			found = append(found, r.UserID)
		}
	}
	if len(found) != 1 {
		return adapters.User{}, fmt.Errorf("matrix: lookup user %q: %d users have that name: %w", s, len(found), adapters.ErrNotFound)
	}
	return adapters.User{ID: found[0].String(), Name: handle(found[0])}, nil
}

// wrap names the operation in an API error; a missing room or event is ErrNotFound.
func wrap(op string, err error) error {
	if errors.Is(err, mautrix.MNotFound) {
		return fmt.Errorf("matrix: %s: %w: %w", op, adapters.ErrNotFound, err)
	}
	return fmt.Errorf("matrix: %s: %w", op, err)
}
