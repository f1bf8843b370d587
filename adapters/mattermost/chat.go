package mattermost

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wolbot/wolbot/adapters"
)

// Post creates a post in channel (a channel id).
func (a *Adapter) Post(ctx context.Context, channel string, msg adapters.Message) (adapters.PostRef, error) {
	return a.createPost(ctx, "create post", channel, msg)
}

// createPost creates a post. The pending post id makes a retry safe: Mattermost answers a
// second request with the same pending id within 30 seconds with the post the first one made.
// A Message.Key becomes that pending id, so a caller's own retry after a crash is deduped too,
// within the same 30 seconds.
//
// Files are uploaded into the channel first (POST /files, multipart), then the post names
// them in file_ids. A retried upload, or an upload for a post that the pending id then dedupes,
// leaves a file that no post references; Mattermost never shows it to anyone.
func (a *Adapter) createPost(ctx context.Context, op, channel string, msg adapters.Message) (adapters.PostRef, error) {
	if channel == "" {
		return adapters.PostRef{}, fmt.Errorf("mattermost: %s: no channel: %w", op, adapters.ErrNotFound)
	}
	// The buttons' signatures are bound to the post, whose id Mattermost assigns: the post is
	// made with buttons signed for no post (which no click can use) and then updated with
	// buttons signed for its id.
	p := a.newPost(channel, msg, scope{channel: channel})
	for _, f := range msg.Files {
		id, err := a.uploadFile(ctx, channel, f)
		if err != nil {
			return adapters.PostRef{}, fmt.Errorf("mattermost: %s: %w", op, err)
		}
		p.FileIds = append(p.FileIds, id)
	}
	p.PendingPostId = a.botID + ":" + model.NewId()
	if msg.Key != "" {
		p.PendingPostId = a.botID + ":" + keyID(msg.Key)
	}
	created, err := call(ctx, a, op, func(ctx context.Context) (*model.Post, *model.Response, error) {
		return a.client.CreatePost(ctx, p)
	})
	if err != nil {
		return adapters.PostRef{}, err
	}
	ref := adapters.PostRef{Channel: created.ChannelId, ID: created.Id}
	if len(msg.Buttons) > 0 {
		if err := a.Update(ctx, ref, msg); err != nil {
			// The post exists; failing here would make the caller post it again. Its buttons
			// work once the post is next updated.
			a.log.Warn().Err(err).Str("post", ref.ID).Msg("signing the buttons of a new post failed: they answer 403 until the post is updated")
		}
	}
	return ref, nil
}

// uploadFile uploads one file into channel and returns its file id. Mattermost derives the
// file's type from its name, so File.Type is not sent; the name is cut to its base name.
func (a *Adapter) uploadFile(ctx context.Context, channel string, f adapters.File) (string, error) {
	name := f.BaseName()
	res, err := call(ctx, a, "upload file", func(ctx context.Context) (*model.FileUploadResponse, *model.Response, error) {
		return a.client.UploadFile(ctx, f.Data, channel, name)
	})
	if err != nil {
		return "", err
	}
	if len(res.FileInfos) != 1 || res.FileInfos[0] == nil || res.FileInfos[0].Id == "" {
		return "", fmt.Errorf("upload file: answer names %d files, want 1", len(res.FileInfos))
	}
	return res.FileInfos[0].Id, nil
}

// Update replaces the text and buttons of one of the bot's posts in place. A message without
// buttons removes the post's attachment. Files in msg are ignored: the post keeps its files.
func (a *Adapter) Update(ctx context.Context, ref adapters.PostRef, msg adapters.Message) error {
	if ref.ID == "" {
		return fmt.Errorf("mattermost: update post: no post id: %w", adapters.ErrNotFound)
	}
	text := msg.Text
	props := model.StringInterface{}
	if len(msg.Buttons) > 0 {
		props[model.PostPropsAttachments] = a.attachments(msg.Buttons, scope{post: ref.ID, channel: ref.Channel})
	}
	patch := &model.PostPatch{Message: &text, Props: &props}
	_, err := call(ctx, a, "update post", func(ctx context.Context) (*model.Post, *model.Response, error) {
		return a.client.PatchPost(ctx, ref.ID, patch)
	})
	return err
}

// DirectMessage opens (or reuses) the direct channel between the bot and user (an id or a
// handle) and posts msg there.
func (a *Adapter) DirectMessage(ctx context.Context, user string, msg adapters.Message) (adapters.PostRef, error) {
	id, err := a.userID(ctx, user)
	if err != nil {
		return adapters.PostRef{}, fmt.Errorf("mattermost: direct message: %w", err)
	}
	channel, err := a.directChannel(ctx, id)
	if err != nil {
		return adapters.PostRef{}, err
	}
	return a.createPost(ctx, "direct message", channel, msg)
}

// directChannel returns the id of the direct channel between the bot and a user, creating it
// if need be (Mattermost returns the existing one when there is one).
func (a *Adapter) directChannel(ctx context.Context, userID string) (string, error) {
	if id, ok := a.knownDM(userID); ok {
		return id, nil
	}
	ch, err := call(ctx, a, "open direct channel", func(ctx context.Context) (*model.Channel, *model.Response, error) {
		return a.client.CreateDirectChannel(ctx, a.botID, userID)
	})
	if err != nil {
		return "", err
	}
	a.rememberDM(userID, ch.Id)
	return ch.Id, nil
}

func (a *Adapter) knownDM(userID string) (string, bool) {
	a.dmMu.Lock()
	defer a.dmMu.Unlock()
	id, ok := a.dms[userID]
	return id, ok
}

func (a *Adapter) rememberDM(userID, channelID string) {
	a.dmMu.Lock()
	defer a.dmMu.Unlock()
	if len(a.dms) >= maxCachedUsers {
		clear(a.dms)
	}
	a.dms[userID] = channelID
}

// CreatePrivateChannel creates a private channel in team (an id or a team name) whose display
// name is name and whose URL name is derived from it plus a random suffix, adds the members
// (ids or handles) and returns the channel id. If adding a member fails, the id of the channel
// already created is returned together with the error.
func (a *Adapter) CreatePrivateChannel(ctx context.Context, team, name string, members []string) (string, error) {
	display := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), "#"))
	if display == "" {
		return "", errors.New("mattermost: create private channel: empty name")
	}
	teamID, err := a.teamID(ctx, team)
	if err != nil {
		return "", fmt.Errorf("mattermost: create private channel: %w", err)
	}
	// Resolve every member first, so that an unknown handle fails before a channel exists.
	ids, err := adapters.ResolveMembers(ctx, members, a.botID, a.memberID)
	if err != nil {
		return "", fmt.Errorf("mattermost: create private channel: %w", err)
	}
	// The channel's name is derived from the display name alone, so a retry after a crash (or
	// a lost answer) finds the channel the first attempt made instead of making a second one:
	// circles number their channels uniquely, so a bot-made channel of that name is ours.
	ch := &model.Channel{
		TeamId:      teamID,
		Type:        model.ChannelTypePrivate,
		Name:        strings.TrimSuffix(channelSlug(display, ""), "-"),
		DisplayName: truncateRunes(display, model.ChannelDisplayNameMaxRunes),
	}
	created, err := call(ctx, a, "create private channel", func(ctx context.Context) (*model.Channel, *model.Response, error) {
		return a.client.CreateChannel(ctx, ch)
	})
	if err != nil {
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest {
			return "", err
		}
		// The name exists: ours from an earlier attempt, or someone else's.
		existing, lookupErr := call(ctx, a, "get channel by name", func(ctx context.Context) (*model.Channel, *model.Response, error) {
			return a.client.GetChannelByName(ctx, ch.Name, teamID, "")
		})
		if lookupErr == nil && existing.CreatorId == a.botID && existing.Type == model.ChannelTypePrivate {
			a.log.Info().Str("channel", existing.Id).Msg("private channel existed already: reusing the bot's own")
			created = existing
		} else {
			ch.Name = channelSlug(display, model.NewId()[:8]) // someone else's name: make ours unique
			if created, err = call(ctx, a, "create private channel", func(ctx context.Context) (*model.Channel, *model.Response, error) {
				return a.client.CreateChannel(ctx, ch)
			}); err != nil {
				return "", err
			}
		}
	}
	if err := a.addMembers(ctx, created.Id, ids); err != nil {
		return created.Id, fmt.Errorf("mattermost: create private channel %s: %w", created.Id, err)
	}
	return created.Id, nil
}

// InviteToChannel adds members (ids or handles) to a channel. Mattermost answers an add of an
// existing member with that membership, so repeating it is harmless.
func (a *Adapter) InviteToChannel(ctx context.Context, channel string, members []string) error {
	ids, err := adapters.ResolveMembers(ctx, members, a.botID, a.memberID)
	if err != nil {
		return fmt.Errorf("mattermost: invite to channel: %w", err)
	}
	if err := a.addMembers(ctx, channel, ids); err != nil {
		return fmt.Errorf("mattermost: invite to channel %s: %w", channel, err)
	}
	return nil
}

// memberID resolves one member (id or handle) for [adapters.ResolveMembers], naming it in the
// error.
func (a *Adapter) memberID(ctx context.Context, m string) (string, error) {
	id, err := a.userID(ctx, m)
	if err != nil {
		return "", fmt.Errorf("member %q: %w", m, err)
	}
	return id, nil
}

// addMembers adds ids, as resolved by [adapters.ResolveMembers] (so without the bot, which as
// creator is a member already), to channel.
func (a *Adapter) addMembers(ctx context.Context, channel string, ids []string) error {
	for _, id := range ids {
		_, err := call(ctx, a, "add channel member", func(ctx context.Context) (*model.ChannelMember, *model.Response, error) {
			return a.client.AddChannelMember(ctx, channel, id)
		})
		if err != nil {
			return fmt.Errorf("add member %s: %w", id, err)
		}
	}
	return nil
}

// teamID resolves a team id or team name to an id; a valid id is taken as-is without a call.
func (a *Adapter) teamID(ctx context.Context, team string) (string, error) {
	team = strings.TrimSpace(team)
	if team == "" {
		return "", fmt.Errorf("no team: %w", adapters.ErrNotFound)
	}
	if model.IsValidId(team) {
		return team, nil
	}
	t, err := call(ctx, a, "get team by name", func(ctx context.Context) (*model.Team, *model.Response, error) {
		return a.client.GetTeamByName(ctx, strings.ToLower(team), "")
	})
	if err != nil {
		return "", err
	}
	return t.Id, nil
}

// keyID turns an idempotency key into the 26-character id shape Mattermost uses.
func keyID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return strings.ToLower(base32.StdEncoding.EncodeToString(sum[:]))[:26]
}
