package console

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
)

// platform is the value of Event.Platform for console events.
const platform = "console"

// maxTrackedPosts bounds how many posts with buttons are remembered per channel for resolving
// clicks; older posts are forgotten, so a long session does not grow without limit.
const maxTrackedPosts = 1000

// nameRe matches a user name: letters (with combining marks, so decomposed umlauts pass too),
// digits, '.', '_' and '-'.
var nameRe = regexp.MustCompile(`^[\p{L}\p{M}\p{Nd}._-]+$`)

// Options configures a [Console]. Every zero value means the documented default.
type Options struct {
	In      io.Reader // input lines; default os.Stdin
	Out     io.Writer // bot posts; default os.Stdout
	Err     io.Writer // hints about unreadable lines and the banner; default os.Stderr
	BotName string    // the bot's handle, without @; default "wolbot"
	Channel string    // the channel input starts in; default "allgemein"
	Team    string    // reported as Event.Team; default "console"
	// Locale is reported for every user; default "" (the core then uses its default language).
	Locale string
	// Logger receives debug logs of events; the zero value logs nothing.
	Logger zerolog.Logger
	// FilesDir, when set, is a directory into which every attached file (Message.Files) is
	// written under its base name, replacing an earlier file of that name; default "" prints
	// the 📎 line only.
	FilesDir string
}

// Console is a chat in the terminal. It implements [adapters.Chat]; its methods are safe for
// concurrent use.
type Console struct {
	opts  Options
	runID string // random per Console, so that ids never repeat across runs of the bot

	mu       sync.Mutex // guards the fields below and serialises writes to opts.Out
	nextPost int
	created  map[string]bool             // private channel ids created by this Console
	keyed    map[string]adapters.PostRef // Message.Key → post made with it, in this process
	posts    map[string][]postInfo       // channel → posts with buttons, oldest first
}

// postInfo is what a click needs to know about an earlier post.
type postInfo struct {
	id      string
	buttons []adapters.Button
}

var _ adapters.Chat = (*Console)(nil)

// New returns a Console with the defaults of [Options] filled in.
func New(opts Options) *Console {
	if opts.In == nil {
		opts.In = os.Stdin
	}
	if opts.Out == nil {
		opts.Out = os.Stdout
	}
	if opts.Err == nil {
		opts.Err = os.Stderr
	}
	if opts.BotName == "" {
		opts.BotName = "wolbot"
	}
	if opts.Channel == "" {
		opts.Channel = "allgemein"
	}
	if opts.Team == "" {
		opts.Team = "console"
	}
	b := make([]byte, 6)
	rand.Read(b) // never returns an error; crashes the program instead
	return &Console{
		opts:    opts,
		runID:   hex.EncodeToString(b),
		created: make(map[string]bool),
		posts:   make(map[string][]postInfo),
	}
}

// Post prints msg as a post in channel and returns a reference to it.
func (c *Console) Post(ctx context.Context, channel string, msg adapters.Message) (adapters.PostRef, error) {
	if err := ctx.Err(); err != nil {
		return adapters.PostRef{}, fmt.Errorf("console: post: %w", err)
	}
	return c.post(channel, msg, "post")
}

// DirectMessage prints msg as a post in the direct conversation "@user".
func (c *Console) DirectMessage(ctx context.Context, user string, msg adapters.Message) (adapters.PostRef, error) {
	if err := ctx.Err(); err != nil {
		return adapters.PostRef{}, fmt.Errorf("console: direct message: %w", err)
	}
	return c.post("@"+strings.TrimPrefix(user, "@"), msg, "direct message")
}

func (c *Console) post(channel string, msg adapters.Message, op string) (adapters.PostRef, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ref, ok := c.keyed[msg.Key]; ok && msg.Key != "" {
		return ref, nil // idempotency: printed already by this process
	}
	if err := c.saveFiles(msg.Files); err != nil {
		return adapters.PostRef{}, fmt.Errorf("console: %s: %w", op, err)
	}
	c.nextPost++
	ref := adapters.PostRef{Channel: channel, ID: "console-" + c.runID + "-p" + strconv.Itoa(c.nextPost)}
	if err := c.write(render(c.header(channel, "")+":", msg, reader(channel, ""))); err != nil {
		return adapters.PostRef{}, fmt.Errorf("console: %s: %w", op, err)
	}
	c.track(ref, msg.Buttons)
	if msg.Key != "" {
		if c.keyed == nil {
			c.keyed = make(map[string]adapters.PostRef)
		}
		c.keyed[msg.Key] = ref
	}
	return ref, nil
}

// Update prints the new text and buttons of a post. The post need not be known: after a
// restart the console cannot know earlier posts, so ref.Channel alone decides the header.
// Files in msg are ignored, as the port says: a post keeps its files.
func (c *Console) Update(ctx context.Context, ref adapters.PostRef, msg adapters.Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("console: update: %w", err)
	}
	if ref.Channel == "" {
		return fmt.Errorf("console: update post %q without a channel: %w", ref.ID, adapters.ErrNotFound)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	msg.Files = nil
	if err := c.write(render(c.header(ref.Channel, "")+" (edited):", msg, reader(ref.Channel, ""))); err != nil {
		return fmt.Errorf("console: update: %w", err)
	}
	c.track(ref, msg.Buttons)
	return nil
}

// Ephemeral prints msg as a post that only user sees in channel, files included (the console
// needs no DM detour for them).
func (c *Console) Ephemeral(ctx context.Context, channel, user string, msg adapters.Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("console: ephemeral: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.saveFiles(msg.Files); err != nil {
		return fmt.Errorf("console: ephemeral: %w", err)
	}
	if err := c.write(render(c.header(channel, user)+":", msg, reader(channel, user))); err != nil {
		return fmt.Errorf("console: ephemeral: %w", err)
	}
	return nil
}

// CreatePrivateChannel announces a private channel and returns its id: name, with a suffix
// if a channel of that name was already created by this Console. The team is ignored; the
// console has only one.
func (c *Console) CreatePrivateChannel(ctx context.Context, team, name string, members []string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("console: create private channel: %w", err)
	}
	name = strings.TrimPrefix(strings.TrimSpace(name), "#")
	if name == "" {
		return "", fmt.Errorf("console: create private channel: empty name")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	id := name
	for n := 2; c.created[id]; n++ {
		id = name + "-" + strconv.Itoa(n)
	}
	line := "-- #" + id + " created (private)"
	if len(members) > 0 {
		line += ": " + strings.Join(members, ", ")
	}
	if err := c.write(line + "\n\n"); err != nil {
		return "", fmt.Errorf("console: create private channel %q: %w", id, err)
	}
	c.created[id] = true
	return id, nil
}

// InviteToChannel prints "-- anna, bob invited to #channel".
func (c *Console) InviteToChannel(ctx context.Context, channel string, members []string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("console: invite to channel: %w", err)
	}
	names := make([]string, len(members))
	for i, m := range members {
		names[i] = strings.TrimPrefix(m, "@")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.write("-- " + strings.Join(names, ", ") + " invited to #" + strings.TrimPrefix(channel, "#") + "\n\n"); err != nil {
		return fmt.Errorf("console: invite to channel: %w", err)
	}
	return nil
}

// LookupUser returns the user of that name; in the console, a user's id is the name, and the
// bot's own name (Options.BotName) is a bot.
func (c *Console) LookupUser(ctx context.Context, idOrName string) (adapters.User, error) {
	if err := ctx.Err(); err != nil {
		return adapters.User{}, fmt.Errorf("console: lookup user: %w", err)
	}
	name := strings.TrimPrefix(idOrName, "@")
	if !nameRe.MatchString(name) {
		return adapters.User{}, fmt.Errorf("console: lookup user %q: %w", idOrName, adapters.ErrNotFound)
	}
	return adapters.User{ID: name, Name: name, Locale: c.opts.Locale, IsBot: strings.EqualFold(name, c.opts.BotName)}, nil
}

// header begins the first line of a block: where the post appears, for an ephemeral post to
// whom, and who speaks.
func (c *Console) header(channel, user string) string {
	user = strings.TrimPrefix(user, "@")
	where := "#" + channel
	if strings.HasPrefix(channel, "@") {
		where = channel
		if user == channel[1:] {
			user = "" // an ephemeral in a DM is seen by its only reader anyway
		}
	}
	if user != "" {
		where += " → " + user
	}
	return "[" + where + "] " + c.opts.BotName
}

// render formats one block: the header, the text, one line per button, an empty line. Each
// button line ends with the .click line that presses it — action id and value, which carry ids
// the text does not show — naming the reader, or "<name>" in a channel everyone sees.
func render(header string, msg adapters.Message, reader string) string {
	var b strings.Builder
	b.WriteString(header + "\n")
	// Dropping trailing line breaks keeps the empty line as the only block separator.
	if text := strings.TrimRight(msg.Text, "\r\n"); text != "" {
		b.WriteString(text + "\n")
	}
	if reader == "" {
		reader = "<name>"
	}
	for _, btn := range msg.Buttons {
		b.WriteString("  [" + btn.Label + "]")
		if btn.Command != "" {
			b.WriteString(" → " + btn.Command)
		}
		b.WriteString(" · .click " + reader + " " + btn.ID)
		if btn.Value != "" {
			b.WriteString(" " + btn.Value)
		}
		b.WriteString("\n")
	}
	for _, f := range msg.Files {
		b.WriteString(fileLine(f) + "\n")
	}
	b.WriteString("\n")
	return b.String()
}

// fileLine is the line that stands for an attached file: "📎 wol-kreis.ics (1234 Bytes)".
func fileLine(f adapters.File) string {
	unit := "Bytes"
	if len(f.Data) == 1 {
		unit = "Byte"
	}
	return "📎 " + f.BaseName() + " (" + strconv.Itoa(len(f.Data)) + " " + unit + ")"
}

// saveFiles writes files into Options.FilesDir, if set. The caller holds c.mu, so two posts
// never write the same name at once.
func (c *Console) saveFiles(files []adapters.File) error {
	if c.opts.FilesDir == "" {
		return nil
	}
	for _, f := range files {
		path := filepath.Join(c.opts.FilesDir, f.BaseName())
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			return fmt.Errorf("save file %q: %w", f.BaseName(), err)
		}
	}
	return nil
}

// reader is who alone sees a post in channel (for an ephemeral post, user), or "".
func reader(channel, user string) string {
	if user != "" {
		return strings.TrimPrefix(user, "@")
	}
	if name, ok := strings.CutPrefix(channel, "@"); ok {
		return name
	}
	return ""
}

// write prints s with a single Write. The caller holds c.mu, so blocks never interleave.
func (c *Console) write(s string) error {
	_, err := io.WriteString(c.opts.Out, s)
	return err
}

// track remembers which buttons a post carries, so that a later click can name the post. An
// update replaces the buttons of a known post; an unknown one is remembered as new. The
// caller holds c.mu.
func (c *Console) track(ref adapters.PostRef, buttons []adapters.Button) {
	list := c.posts[ref.Channel]
	for i := range list {
		if list[i].id == ref.ID {
			list[i].buttons = buttons
			return
		}
	}
	if len(buttons) == 0 {
		return
	}
	list = append(list, postInfo{id: ref.ID, buttons: buttons})
	if len(list) > maxTrackedPosts {
		list = list[len(list)-maxTrackedPosts:]
	}
	c.posts[ref.Channel] = list
}

// postWithButton returns the id of the most recent post in channel that carries a button with
// that action id and value, or "".
func (c *Console) postWithButton(channel, actionID, value string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	list := c.posts[channel]
	for i := len(list) - 1; i >= 0; i-- {
		for _, b := range list[i].buttons {
			if b.ID == actionID && b.Value == value {
				return list[i].id
			}
		}
	}
	return ""
}
