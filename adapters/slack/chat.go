package slack

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/wolbot/wolbot/adapters"
)

const (
	// maxChannelName is Slack's limit on channel names.
	maxChannelName = 80
	// maxNameTries bounds the suffixes tried when a channel name is taken.
	maxNameTries = 20
	// maxInvite is how many users conversations.invite takes at once.
	maxInvite = 1000
)

var (
	channelNameBad = regexp.MustCompile(`[^a-z0-9_-]+`)
)

// msgOptions renders msg as the text and blocks of a chat.postMessage/update/postEphemeral.
// Blocks are always sent, so that an update also removes buttons the new message lacks.
func msgOptions(msg adapters.Message) []slack.MsgOption {
	text, blocks := render(msg)
	return []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)}
}

// Post sends msg to channel with chat.postMessage. The returned PostRef.ID is the message ts.
func (a *Adapter) Post(ctx context.Context, channel string, msg adapters.Message) (adapters.PostRef, error) {
	return a.post(ctx, "chat.postMessage", channel, msg)
}

// post sends msg with chat.postMessage. Files go Slack's external upload way: each file's
// bytes are uploaded first (files.getUploadURLExternal, then a POST to the upload URL), so a
// refused upload leaves no half message behind; then the message is posted, and
// files.completeUploadExternal shares all files into the channel right below it. A message
// with files only (no text, no buttons) is just the share; its PostRef has no ID, since
// Slack posts the share asynchronously and names no ts for it.
func (a *Adapter) post(ctx context.Context, op, channel string, msg adapters.Message) (adapters.PostRef, error) {
	uploaded, err := a.uploadFiles(ctx, msg.Files)
	if err != nil {
		return adapters.PostRef{}, err
	}
	ref := adapters.PostRef{Channel: channel}
	if msg.Text != "" || len(msg.Buttons) > 0 || len(uploaded) == 0 {
		var ch, ts string
		opts := msgOptions(msg)
		err := a.call(ctx, op, func(ctx context.Context) (err error) {
			ch, ts, err = a.api.PostMessageContext(ctx, channel, opts...)
			return err
		})
		if err != nil {
			return adapters.PostRef{}, err
		}
		if ch != "" {
			ref.Channel = ch
		}
		ref.ID = ts
	}
	if len(uploaded) > 0 {
		err := a.call(ctx, "files.completeUploadExternal", func(ctx context.Context) error {
			_, err := a.api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
				Files: uploaded, Channel: ref.Channel,
			})
			return err
		})
		if err != nil {
			return ref, fmt.Errorf("slack: share files after posting %s: %w", ref.ID, err)
		}
	}
	return ref, nil
}

// uploadFiles uploads the bytes of files and returns their ids and titles for
// files.completeUploadExternal. Slack refuses empty files, so an empty file is an error.
func (a *Adapter) uploadFiles(ctx context.Context, files []adapters.File) ([]slack.FileSummary, error) {
	var out []slack.FileSummary
	for _, f := range files {
		name := f.BaseName()
		if len(f.Data) == 0 {
			return nil, fmt.Errorf("slack: upload file %q: empty", name)
		}
		var u *slack.GetUploadURLExternalResponse
		err := a.call(ctx, "files.getUploadURLExternal", func(ctx context.Context) (err error) {
			u, err = a.api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: name, FileSize: len(f.Data)})
			return err
		})
		if err != nil {
			return nil, err
		}
		err = a.call(ctx, "files upload", func(ctx context.Context) error {
			return a.api.UploadToURL(ctx, slack.UploadToURLParameters{UploadURL: u.UploadURL, Reader: bytes.NewReader(f.Data), Filename: name})
		})
		if err != nil {
			return nil, err
		}
		out = append(out, slack.FileSummary{ID: u.FileID, Title: name})
	}
	return out, nil
}

// Update replaces the text and buttons of the message ref with chat.update. Files in msg are
// ignored: the message keeps its files.
func (a *Adapter) Update(ctx context.Context, ref adapters.PostRef, msg adapters.Message) error {
	if ref.Channel == "" || ref.ID == "" {
		return fmt.Errorf("slack: chat.update %q in %q: %w", ref.ID, ref.Channel, adapters.ErrNotFound)
	}
	opts := msgOptions(msg)
	return a.call(ctx, "chat.update", func(ctx context.Context) error {
		_, _, _, err := a.api.UpdateMessageContext(ctx, ref.Channel, ref.ID, opts...)
		return err
	})
}

// Ephemeral shows msg to user only, in channel, with chat.postEphemeral. Where the bot is not
// a member of the channel, Slack refuses that; if the user's latest slash command or click in
// the channel is less than 25 minutes old, its response_url delivers the message instead.
//
// Slack's ephemeral messages cannot carry files, so a message with files goes to the user as
// a direct message instead, text and buttons included, so that the files keep their context.
func (a *Adapter) Ephemeral(ctx context.Context, channel, user string, msg adapters.Message) error {
	if len(msg.Files) > 0 {
		if _, err := a.DirectMessage(ctx, user, msg); err != nil {
			return fmt.Errorf("slack: ephemeral message with files as direct message: %w", err)
		}
		return nil
	}
	opts := msgOptions(msg)
	err := a.call(ctx, "chat.postEphemeral", func(ctx context.Context) error {
		_, err := a.api.PostEphemeralContext(ctx, channel, user, opts...)
		return err
	})
	if code := slackCode(err); code == "not_in_channel" || code == "channel_not_found" {
		if a.viaResponseURL(ctx, channel, user, msg) {
			a.log.Warn().Str("channel", channel).Str("error", code).
				Msg("answered via response_url: invite the bot to this channel")
			return nil
		}
	}
	return err
}

// DirectMessage posts msg in the bot's direct conversation with user (an id, or a handle
// that [Adapter.LookupUser] resolves), opened with conversations.open.
func (a *Adapter) DirectMessage(ctx context.Context, user string, msg adapters.Message) (adapters.PostRef, error) {
	id, err := a.userID(ctx, user)
	if err != nil {
		return adapters.PostRef{}, err
	}
	ch, err := a.imChannel(ctx, id)
	if err != nil {
		return adapters.PostRef{}, err
	}
	ref, err := a.post(ctx, "chat.postMessage (direct message)", ch, msg)
	if err != nil {
		a.users.dropIM(id) // in case the cached conversation is what failed
	}
	return ref, err
}

// userID returns s if it is a user id, else the id of the user with that handle.
func (a *Adapter) userID(ctx context.Context, s string) (string, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "@")
	if idRe.MatchString(s) {
		return s, nil
	}
	u, err := a.LookupUser(ctx, s)
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

// CreatePrivateChannel creates a private channel (conversations.create) and invites members
// (conversations.invite; ids or handles; the bot, already a member, is skipped). The name is
// made valid for Slack: lower case, umlauts folded, other characters replaced by "-", at most
// 80 characters. If it is taken, "-2", "-3", … is appended. team is passed to Slack only when
// it differs from the token's own workspace (Enterprise Grid). If the channel was created but
// an invitation failed, the channel id is returned together with the error.
func (a *Adapter) CreatePrivateChannel(ctx context.Context, team, name string, members []string) (string, error) {
	base := channelName(name)
	if base == "" {
		return "", fmt.Errorf("slack: create private channel %q: empty name", name)
	}
	ids, err := adapters.ResolveMembers(ctx, members, a.botUser, a.userID)
	if err != nil {
		return "", fmt.Errorf("slack: create private channel %q: member: %w", base, err)
	}
	params := slack.CreateConversationParams{IsPrivate: true}
	if team != "" && team != a.team {
		params.TeamID = team
	}

	var ch *slack.Channel
	for n := 1; ; n++ {
		params.ChannelName = base
		if n > 1 {
			suffix := "-" + strconv.Itoa(n)
			params.ChannelName = strings.TrimRight(base[:min(len(base), maxChannelName-len(suffix))], "-_") + suffix
		}
		err := a.call(ctx, "conversations.create", func(ctx context.Context) (err error) {
			ch, err = a.api.CreateConversationContext(ctx, params)
			return err
		})
		if err == nil {
			break
		}
		if slackCode(err) != "name_taken" || n == maxNameTries {
			return "", err
		}
		// The name is taken. If the bot made that channel itself (a retry after a crash or a
		// lost answer), it is this channel: reuse it rather than make a second one.
		if own, lookupErr := a.ownPrivateChannel(ctx, params.ChannelName); lookupErr == nil && own != nil {
			a.log.Info().Str("channel", own.ID).Msg("private channel existed already: reusing the bot's own")
			ch = own
			break
		}
	}

	if err := a.invite(ctx, ch.ID, ids); err != nil {
		return ch.ID, fmt.Errorf("channel %s created, but: %w", ch.ID, err)
	}
	a.log.Info().Str("channel", ch.ID).Int("members", len(ids)).Msg("private channel created")
	return ch.ID, nil
}

// InviteToChannel adds members (ids or handles) to a channel; members already in it are fine.
func (a *Adapter) InviteToChannel(ctx context.Context, channel string, members []string) error {
	ids, err := adapters.ResolveMembers(ctx, members, a.botUser, a.userID)
	if err != nil {
		return fmt.Errorf("slack: invite to channel %s: member: %w", channel, err)
	}
	return a.invite(ctx, channel, ids)
}

func (a *Adapter) invite(ctx context.Context, channel string, ids []string) error {
	for start := 0; start < len(ids); start += maxInvite {
		batch := ids[start:min(start+maxInvite, len(ids))]
		err := a.call(ctx, "conversations.invite", func(ctx context.Context) error {
			_, err := a.api.InviteUsersToConversationContext(ctx, channel, batch...)
			if slackCode(err) == "already_in_channel" {
				return nil
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// channelName makes name a valid Slack channel name, or "" if nothing of it is left.
func channelName(name string) string {
	s := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(name), "#"))
	s = adapters.FoldUmlauts.Replace(s)
	s = channelNameBad.ReplaceAllString(s, "-")
	s = strings.Trim(s, "-")
	if len(s) > maxChannelName {
		s = strings.TrimRight(s[:maxChannelName], "-_")
	}
	return s
}

// ownPrivateChannel finds the private channel called name that the bot created, or nil.
// It needs the groups:read scope; without it the lookup fails and the caller makes a new name.
func (a *Adapter) ownPrivateChannel(ctx context.Context, name string) (*slack.Channel, error) {
	params := &slack.GetConversationsParameters{Types: []string{"private_channel"}, ExcludeArchived: true, Limit: 200}
	for page := 0; page < 50; page++ { // bounded: 10,000 private channels of the bot
		var chans []slack.Channel
		var next string
		err := a.call(ctx, "conversations.list", func(ctx context.Context) (err error) {
			chans, next, err = a.api.GetConversationsContext(ctx, params)
			return err
		})
		if err != nil {
			return nil, err
		}
		for i := range chans {
			if chans[i].Name == name && chans[i].Creator == a.botUser {
				return &chans[i], nil
			}
		}
		if next == "" {
			return nil, nil
		}
		params.Cursor = next
	}
	return nil, nil
}
