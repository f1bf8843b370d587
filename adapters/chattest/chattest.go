// Package chattest provides a recording implementation of the chat port for tests of the core
// and of features, the way net/http/httptest does for handlers. It keeps every outbound call
// in order so tests can assert on what people would read. Adapters themselves are tested
// against servers speaking their platform's wire format, not with this.
package chattest

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/wolbot/wolbot/adapters"
)

// Op names the kind of a recorded call.
type Op string

const (
	OpPost      Op = "post"
	OpUpdate    Op = "update"
	OpEphemeral Op = "ephemeral"
	OpDM        Op = "dm"
	OpChannel   Op = "channel"
	OpInvite    Op = "invite"
)

// Call is one recorded outbound call.
type Call struct {
	Op      Op
	Channel string
	User    string // ephemeral and DM recipient
	PostID  string // the created or updated post
	Msg     adapters.Message
	Members []string // OpChannel, OpInvite
}

// Recorder implements adapters.Chat and records every call. The zero value is ready to use.
type Recorder struct {
	mu    sync.Mutex
	calls []Call
	seq   int
	fail  func(op Op) error
	keyed map[string]string // Message.Key → post id: the recorder dedupes keyed posts like a platform would
	// Duplicates counts keyed posts that were refused as repeats.
	Duplicates int
	bots       map[string]bool // handles LookupUser reports as bots
	unknown    map[string]bool // handles LookupUser does not find
	// ChannelIDPrefix, when set, makes CreatePrivateChannel return ids that differ from the
	// names ("<prefix><name>"), as on Mattermost and Slack; by default the id is the name.
	// Set it with SetChannelIDPrefix once the recorder is in use.
	ChannelIDPrefix string
}

// SetChannelIDPrefix sets ChannelIDPrefix.
func (r *Recorder) SetChannelIDPrefix(p string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ChannelIDPrefix = p
}

// AddBots makes LookupUser report these handles (without '@') as bots.
func (r *Recorder) AddBots(names ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bots == nil {
		r.bots = make(map[string]bool)
	}
	for _, n := range names {
		r.bots[n] = true
	}
}

// RemoveUsers makes LookupUser report these handles (without '@') as not found.
func (r *Recorder) RemoveUsers(names ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.unknown == nil {
		r.unknown = make(map[string]bool)
	}
	for _, n := range names {
		r.unknown[n] = true
	}
}

// SetFail installs a hook consulted before each call; a non-nil error is returned instead of
// recording the call (for error-path tests). nil removes it.
func (r *Recorder) SetFail(fail func(op Op) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = fail
}

var _ adapters.Chat = (*Recorder)(nil)

func (r *Recorder) record(c Call) (Call, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(c.Op); err != nil {
			return c, err
		}
	}
	if c.Op == OpPost || c.Op == OpDM {
		if id, ok := r.keyed[c.Msg.Key]; ok && c.Msg.Key != "" {
			r.Duplicates++
			c.PostID = id
			return c, nil
		}
		r.seq++
		c.PostID = fmt.Sprintf("p%d", r.seq)
		if c.Msg.Key != "" {
			if r.keyed == nil {
				r.keyed = make(map[string]string)
			}
			r.keyed[c.Msg.Key] = c.PostID
		}
	}
	r.calls = append(r.calls, c)
	return c, nil
}

// Post records a channel post.
func (r *Recorder) Post(ctx context.Context, channel string, msg adapters.Message) (adapters.PostRef, error) {
	c, err := r.record(Call{Op: OpPost, Channel: channel, Msg: msg})
	return adapters.PostRef{Channel: channel, ID: c.PostID}, err
}

// Update records an update in place.
func (r *Recorder) Update(ctx context.Context, ref adapters.PostRef, msg adapters.Message) error {
	_, err := r.record(Call{Op: OpUpdate, Channel: ref.Channel, PostID: ref.ID, Msg: msg})
	return err
}

// Ephemeral records a post only user sees.
func (r *Recorder) Ephemeral(ctx context.Context, channel, user string, msg adapters.Message) error {
	_, err := r.record(Call{Op: OpEphemeral, Channel: channel, User: user, Msg: msg})
	return err
}

// DirectMessage records a direct message.
func (r *Recorder) DirectMessage(ctx context.Context, user string, msg adapters.Message) (adapters.PostRef, error) {
	c, err := r.record(Call{Op: OpDM, Channel: "@" + user, User: user, Msg: msg})
	return adapters.PostRef{Channel: "@" + user, ID: c.PostID}, err
}

// CreatePrivateChannel records a channel creation and returns name as its id.
func (r *Recorder) CreatePrivateChannel(ctx context.Context, team, name string, members []string) (string, error) {
	_, err := r.record(Call{Op: OpChannel, Channel: name, Members: members})
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ChannelIDPrefix + name, err
}

// InviteToChannel records an invitation.
func (r *Recorder) InviteToChannel(ctx context.Context, channel string, members []string) error {
	_, err := r.record(Call{Op: OpInvite, Channel: channel, Members: members})
	return err
}

// LookupUser knows every handle except those passed to RemoveUsers: the id is the handle
// without '@'. Handles passed to AddBots are bots.
func (r *Recorder) LookupUser(ctx context.Context, idOrName string) (adapters.User, error) {
	name := strings.TrimPrefix(idOrName, "@")
	r.mu.Lock()
	defer r.mu.Unlock()
	if name == "" || strings.ContainsAny(name, " \t") || r.unknown[name] {
		return adapters.User{}, fmt.Errorf("chattest: user %q: %w", idOrName, adapters.ErrNotFound)
	}
	return adapters.User{ID: name, Name: name, IsBot: r.bots[name]}, nil
}

// Calls returns a copy of all calls so far.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

// Reset forgets all calls.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = nil
}

// LastTo returns the text of the last ephemeral or DM to user, or "".
func (r *Recorder) LastTo(user string) string {
	calls := r.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		if (calls[i].Op == OpEphemeral || calls[i].Op == OpDM) && calls[i].User == user {
			return calls[i].Msg.Text
		}
	}
	return ""
}

// Board returns the latest version of post id (its creation or last update), or "".
func (r *Recorder) Board(id string) adapters.Message {
	calls := r.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].PostID == id && (calls[i].Op == OpPost || calls[i].Op == OpUpdate) {
			return calls[i].Msg
		}
	}
	return adapters.Message{}
}

// Posts returns the texts of all channel posts (not updates) in channel, in order.
func (r *Recorder) Posts(channel string) []string {
	var out []string
	for _, c := range r.Calls() {
		if c.Op == OpPost && c.Channel == channel {
			out = append(out, c.Msg.Text)
		}
	}
	return out
}

// Count returns how many calls of op were recorded.
func (r *Recorder) Count(op Op) int {
	n := 0
	for _, c := range r.Calls() {
		if c.Op == op {
			n++
		}
	}
	return n
}
