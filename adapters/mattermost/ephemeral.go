package mattermost

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wolbot/wolbot/adapters"
)

// Mattermost accepts up to 5 responses within 30 minutes on a slash command's response URL;
// a little margin keeps us clear of the edge.
const (
	responseURLTTL  = 25 * time.Minute
	responseURLUses = 5
	maxResponseURLs = 10000
)

// ephemeralRetryAfter is how long the adapter trusts a 403 from the ephemeral endpoint before
// trying it again (an admin may grant the permission meanwhile).
const ephemeralRetryAfter = 10 * time.Minute

// Ephemeral shows msg to one user in a channel. It uses POST /posts/ephemeral; if Mattermost
// refuses that for lack of the create_post_ephemeral permission (403), it answers on the
// response URL of the user's latest slash command in that channel, and failing that in a direct
// message.
//
// Mattermost's ephemeral posts cannot carry files (they are never stored, and an upload
// belongs to a stored post), so a message with files goes to the user as a direct message
// instead, text and buttons included, so that the files keep their context.
func (a *Adapter) Ephemeral(ctx context.Context, channel, user string, msg adapters.Message) error {
	if len(msg.Files) > 0 {
		if _, err := a.DirectMessage(ctx, user, msg); err != nil {
			return fmt.Errorf("mattermost: ephemeral post with files as direct message: %w", err)
		}
		return nil
	}
	if time.Now().UnixNano() >= a.ephemeralDeniedUntil.Load() {
		post := a.newPost(channel, msg, scope{channel: channel, user: user})
		_, err := call(ctx, a, "ephemeral post", func(ctx context.Context) (*model.Post, *model.Response, error) {
			return a.client.CreatePostEphemeral(ctx, &model.PostEphemeral{UserID: user, Post: post})
		})
		if !hasStatus(err, http.StatusForbidden) {
			return err // nil, too
		}
		a.ephemeralDeniedUntil.Store(time.Now().Add(ephemeralRetryAfter).UnixNano())
		a.log.Warn().Msg("the bot may not post ephemerally (Mattermost grants create_post_ephemeral to system admins only); " +
			"answering by slash-command response URL or direct message instead")
	}
	if url, ok := a.replies.take(channel, user); ok {
		err := a.respond(ctx, url, msg, scope{channel: channel, user: user})
		if err == nil {
			return nil
		}
		a.log.Warn().Err(err).Str("channel", channel).Str("user", user).Msg("answer on the slash command's response URL failed; sending a direct message")
	}
	if _, err := a.DirectMessage(ctx, user, msg); err != nil {
		return fmt.Errorf("mattermost: ephemeral post as direct message: %w", err)
	}
	return nil
}

// respond posts msg as an ephemeral command response to a slash command's response URL.
// Slack-compatible parsing is switched off so that Mattermost turns no <!channel> into a
// mention.
func (a *Adapter) respond(ctx context.Context, url string, msg adapters.Message, sc scope) error {
	resp := model.CommandResponse{
		ResponseType:     model.CommandResponseTypeEphemeral,
		Text:             msg.Text,
		SkipSlackParsing: true,
	}
	if len(msg.Buttons) > 0 {
		resp.Attachments = a.attachments(msg.Buttons, sc)
	}
	body, err := json.Marshal(resp)
	if err != nil {
		return fmt.Errorf("mattermost: command response: %w", err)
	}
	// The request goes through call, so a 5xx or network error is retried and the
	// APIObserver sees every attempt, like every other API call.
	_, err = call(ctx, a, "command response", func(ctx context.Context) (struct{}, *model.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return struct{}{}, nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := a.http.Do(req)
		if err != nil {
			return struct{}{}, nil, err
		}
		defer res.Body.Close()
		io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10)) // let the connection be reused
		resp := &model.Response{StatusCode: res.StatusCode, Header: res.Header}
		if res.StatusCode/100 != 2 {
			return struct{}{}, resp, fmt.Errorf("status %d", res.StatusCode)
		}
		return struct{}{}, resp, nil
	})
	return err // an *APIError, already named "mattermost: command response"
}

// responseURLs remembers the response URL of each user's latest slash command per channel, for
// the ephemeral fallback. It lives in memory only: the replica that received a slash command is
// the one that handles it, and losing the map costs no more than a direct message instead of
// an ephemeral post.
type responseURLs struct {
	mu sync.Mutex
	m  map[string]*responseURL // channel + "\x00" + user
}

type responseURL struct {
	url     string
	expires time.Time
	left    int
}

func newResponseURLs() *responseURLs {
	return &responseURLs{m: make(map[string]*responseURL)}
}

func (r *responseURLs) put(channel, user, url string) {
	if url == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if len(r.m) >= maxResponseURLs {
		for k, v := range r.m {
			if now.After(v.expires) {
				delete(r.m, k)
			}
		}
		if len(r.m) >= maxResponseURLs {
			clear(r.m)
		}
	}
	r.m[channel+"\x00"+user] = &responseURL{url: url, expires: now.Add(responseURLTTL), left: responseURLUses}
}

// take returns a usable response URL for the user in channel and counts the use.
func (r *responseURLs) take(channel, user string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := channel + "\x00" + user
	v, ok := r.m[k]
	if !ok {
		return "", false
	}
	if time.Now().After(v.expires) || v.left <= 0 {
		delete(r.m, k)
		return "", false
	}
	v.left--
	return v.url, true
}
