// Package adapters is the chat port: the neutral types that chat platforms and the bot core
// speak to each other.
//
// An adapter (console, Mattermost, Slack) turns platform events into an [Event] and hands it to
// a [Handler]; the core answers through the [Chat] interface with neutral [Message] values,
// which the adapter renders for its platform. Feature packages import this package, never a
// concrete adapter; adapters import this package, never a feature.
//
// Start reading at [Chat] and [Event].
package adapters

import (
	"context"
	"errors"
	"strings"
)

// Kind says what an inbound event is.
type Kind string

const (
	// KindCommand is a slash command, a message addressed to the bot, or a message in a
	// direct conversation with the bot. Event.Text holds the command without a leading slash.
	KindCommand Kind = "command"
	// KindAction is a button click. Event.ActionID and Event.Value identify the button.
	KindAction Kind = "action"
)

// Event is one inbound interaction, already translated out of the platform's format.
type Event struct {
	Kind     Kind
	Platform string // "console", "mattermost", "slack"
	Team     string // workspace or team id; empty where the platform has none
	Channel  string // channel id the event happened in
	// ChannelName is a human-readable channel name, for logs and texts; may be empty.
	ChannelName string
	User        string // platform user id
	UserName    string // handle without the @, e.g. "anna"
	Locale      string // the user's locale as the platform reports it ("de", "en-US"); may be empty
	// ID is the idempotency id of this delivery: the platform's event, post or trigger id.
	// A second event with the same ID is a redelivery and must have no second effect.
	ID string
	// Direct is true when the event came from a direct conversation with the bot.
	Direct bool

	// Text is the command text for KindCommand, e.g. "lc start votes=3".
	Text string
	// ActionID, Value and PostID describe a button click (KindAction): which button, the
	// value it carried, and the post it was attached to.
	ActionID string
	Value    string
	PostID   string
}

// Style is the visual weight of a button.
type Style string

const (
	StyleDefault Style = ""
	StylePrimary Style = "primary"
	StyleDanger  Style = "danger"
)

// Button is an interactive element of a message. Every button has a text Command that does the
// same thing, so that scripts, screen readers and platforms without buttons lose nothing.
type Button struct {
	ID      string // action id routed back in Event.ActionID, e.g. "lc.vote"
	Label   string
	Value   string // opaque payload routed back in Event.Value
	Style   Style
	Command string // the equivalent text command, e.g. "/lc vote 2"
}

// Message is a neutral chat message: CommonMark text plus optional buttons. Text that a user
// wrote must pass through [Escape] before it is put into Text.
type Message struct {
	Text    string
	Buttons []Button
	// Key, when set, is an idempotency key for Post and DirectMessage: a retry with the same
	// key after a crash must not post twice. Adapters pass it to the platform where the
	// platform can dedupe by it and document how long that holds; others ignore it.
	Key string
	// Files are attached to the post (Post, DirectMessage, Ephemeral where the platform allows,
	// otherwise sent with a DM). Update leaves a post's files as they are: a changed file is
	// sent as a new post. Adapters upload them the platform's way; the console prints a line
	// per file.
	Files []File
}

// File is a file attached to a [Message]: a calendar invitation, a round's minutes.
type File struct {
	Name string // shown to people and used when saving, e.g. "wol-kreis.ics"
	Type string // MIME type, e.g. "text/calendar; charset=utf-8"
	Data []byte
}

// BaseName is the file's name reduced to a base name that cannot leave a directory and shows
// no path: no separators of any platform, no "." or "..", no control characters or colons;
// "file" if nothing is left. Adapters upload and save files under it.
func (f File) BaseName() string {
	name := f.Name
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == ':' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || strings.Trim(name, ".") == "" {
		return "file"
	}
	return name
}

// PostRef identifies a post so that it can be updated later.
type PostRef struct {
	Channel string
	ID      string
}

// User is what the core needs to know about a platform user.
type User struct {
	ID     string
	Name   string // handle without the @
	Locale string
	IsBot  bool // a bot or integration account (this bot included), not a person
}

// ErrNotFound is returned by [Chat] methods when a user, channel or post does not exist.
var ErrNotFound = errors.New("not found")

// ErrPermanent marks a [Chat] error that no retry can fix: the bot is not in the channel, the
// channel is archived, the user is deactivated. Adapters wrap it around the platform's error
// (fmt.Errorf("%w: %w", adapters.ErrPermanent, err)); the timer loop gives a timer whose handler
// returns such an error up at once instead of retrying it (storage.IsPermanent finds it through
// its Permanent method, since storage does not import the port).
var ErrPermanent error = permanentError{}

type permanentError struct{}

func (permanentError) Error() string   { return "permanent platform error" }
func (permanentError) Permanent() bool { return true }

// IsPermanent reports whether err wraps [ErrPermanent].
func IsPermanent(err error) bool { return errors.Is(err, ErrPermanent) }

// Chat is the outbound half of the port: what the core may do on a chat platform. Every
// adapter implements it; the core calls it from any goroutine, so implementations must be safe
// for concurrent use. Errors are wrapped with the operation and, where the platform gave up
// after retries, say so.
type Chat interface {
	// Post creates a post visible to the whole channel.
	Post(ctx context.Context, channel string, msg Message) (PostRef, error)
	// Update replaces the text and buttons of an existing post in place.
	Update(ctx context.Context, ref PostRef, msg Message) error
	// Ephemeral shows a post to one user in a channel only.
	Ephemeral(ctx context.Context, channel, user string, msg Message) error
	// DirectMessage opens (or reuses) the direct conversation with a user and posts there.
	DirectMessage(ctx context.Context, user string, msg Message) (PostRef, error)
	// CreatePrivateChannel creates a private channel with the given members and returns its id.
	CreatePrivateChannel(ctx context.Context, team, name string, members []string) (string, error)
	// InviteToChannel adds members (ids or handles) to an existing channel; members already in
	// it are no error.
	InviteToChannel(ctx context.Context, channel string, members []string) error
	// LookupUser finds a user by id or by handle (with or without a leading @).
	LookupUser(ctx context.Context, idOrName string) (User, error)
}

// Handler is the inbound half of the port: adapters call HandleEvent for every event. It is the
// core's job to dedupe, route, and answer through [Chat]; an adapter only translates.
type Handler interface {
	HandleEvent(ctx context.Context, ev Event)
}

// HandlerFunc adapts a plain function to [Handler].
type HandlerFunc func(ctx context.Context, ev Event)

// HandleEvent calls f(ctx, ev).
func (f HandlerFunc) HandleEvent(ctx context.Context, ev Event) { f(ctx, ev) }

// APIObserver is told about every call an adapter makes to its platform's API, for metrics:
// each attempt of a retry loop separately, from the goroutine that made it, so it must be safe
// for concurrent use and quick. platform is the adapter's Event.Platform; op is a fixed name of
// the operation ("create post", "chat.postMessage"), never an id; status is the HTTP status (0
// when no response arrived); attempt counts from 1, so an attempt above 1 is a retry; err is
// nil on success. An err that carries the platform's own error code (Slack's
// "channel_not_found") has a method APIErrorCode() string returning it.
type APIObserver interface {
	APICall(platform, op string, status int, attempt int, err error)
}
