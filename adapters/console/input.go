package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mattn/go-isatty"

	"github.com/wolbot/wolbot/adapters"
)

// maxLine is the longest input line Run reads: well above the 64 KiB of text that the core
// still answers (with a rejection), so an over-long message gets a reply, not a read error.
const maxLine = 1 << 20

// lineKind says what an input line asks for.
type lineKind int

const (
	lineIgnore  lineKind = iota // empty line or comment
	lineSay                     // "name: text"
	lineChannel                 // "#channel"
	lineDirect                  // "@wolbot"
	lineWait                    // ".wait 5s"
	lineClick                   // ".click name action value"
)

// line is one parsed input line; which fields are set depends on kind.
type line struct {
	kind    lineKind
	user    string        // lineSay, lineClick
	text    string        // lineSay: everything after "name:", trimmed
	channel string        // lineChannel
	wait    time.Duration // lineWait
	action  string        // lineClick
	value   string        // lineClick
}

// parse reads one input line. The line's meaning for the bot (command or chat) is decided
// later by [command], because it depends on the mode.
func parse(s, bot string) (line, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || strings.HasPrefix(s, "//"):
		return line{kind: lineIgnore}, nil
	case strings.HasPrefix(s, "#"):
		ch := s[1:]
		if ch == "" || strings.ContainsFunc(ch, unicode.IsSpace) || strings.HasPrefix(ch, "@") {
			return line{}, fmt.Errorf("a channel name is one word after # (not starting with @; a line @%s switches to direct messages)", bot)
		}
		return line{kind: lineChannel, channel: ch}, nil
	case strings.EqualFold(s, "@"+bot):
		return line{kind: lineDirect}, nil
	}
	switch f := strings.Fields(s); f[0] {
	case ".wait":
		if len(f) != 2 {
			return line{}, fmt.Errorf(".wait needs one duration such as 5s")
		}
		d, err := time.ParseDuration(f[1])
		if err != nil || d < 0 {
			return line{}, fmt.Errorf(".wait needs a duration such as 5s, not %q", f[1])
		}
		return line{kind: lineWait, wait: d}, nil
	case ".click":
		if len(f) < 3 || !nameRe.MatchString(f[1]) {
			return line{}, fmt.Errorf(".click needs a user name, an action id and maybe a value")
		}
		return line{kind: lineClick, user: f[1], action: f[2], value: strings.Join(f[3:], " ")}, nil
	}
	name, text, ok := strings.Cut(s, ":")
	if !ok || !nameRe.MatchString(name) {
		return line{}, fmt.Errorf("cannot read %q", shorten(s))
	}
	return line{kind: lineSay, user: name, text: strings.TrimSpace(text)}, nil
}

// command returns the command in a user's text and whether the text is one: text starting
// with / or with a mention of the bot, or any text in a direct conversation.
func command(text, bot string, direct bool) (string, bool) {
	if rest, ok := strings.CutPrefix(text, "/"); ok {
		return strings.TrimSpace(rest), true
	}
	mention := "@" + bot
	if len(text) >= len(mention) && strings.EqualFold(text[:len(mention)], mention) {
		rest := text[len(mention):]
		if r, _ := utf8.DecodeRuneInString(rest); rest == "" || unicode.IsSpace(r) {
			return strings.TrimSpace(rest), true
		}
	}
	return text, direct && text != ""
}

// shorten cuts s for quoting in a hint.
func shorten(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

// state is where the input currently is: a channel, or direct messages with the bot.
type state struct {
	channel string
	direct  bool
}

// Run reads input lines and hands each to h until the input ends or ctx is cancelled; both
// return nil. Each line is handled synchronously — HandleEvent returns before the next line is
// read — so that scripts are deterministic. On a terminal, Run first prints a short banner on
// [Options].Err.
//
// If ctx is cancelled while a read blocks, Run returns at once; the reading goroutine then
// ends with the read.
func (c *Console) Run(ctx context.Context, h adapters.Handler) error {
	if f, ok := c.opts.In.(*os.File); ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		fmt.Fprintf(c.opts.Err, "%s console, in #%s. Type as a user: \"anna: /lc help\". "+
			"\"#channel\" switches channel, \"@%s\" talks to the bot directly, Ctrl-D quits.\n",
			c.opts.BotName, c.opts.Channel, c.opts.BotName)
	}

	// Reading happens in a goroutine so that a cancelled ctx is noticed while a read blocks;
	// the channel is unbuffered, so the reader is never more than one line ahead.
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() { readErr <- readLines(ctx, c.opts.In, lines) }()

	st := state{channel: c.opts.Channel}
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case s, ok := <-lines:
			if !ok {
				if err := <-readErr; err != nil {
					return fmt.Errorf("console: read line %d: %w", n, err)
				}
				return nil
			}
			if ctx.Err() != nil { // both cases were ready; cancellation wins
				return nil
			}
			c.handleLine(ctx, h, &st, n, s)
		}
	}
}

// readLines sends the lines of r to out until r ends or ctx is cancelled, then closes out.
func readLines(ctx context.Context, r io.Reader, out chan<- string) error {
	defer close(out)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	for sc.Scan() {
		select {
		case out <- sc.Text():
		case <-ctx.Done():
			return nil
		}
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return fmt.Errorf("line longer than %d bytes: %w", maxLine, sc.Err())
	}
	return sc.Err()
}

// handleLine carries out input line n.
func (c *Console) handleLine(ctx context.Context, h adapters.Handler, st *state, n int, s string) {
	l, err := parse(s, c.opts.BotName)
	if err != nil {
		fmt.Fprintf(c.opts.Err, "console: line %d: %v; write \"name: /command\", \"#channel\", \"@%s\", "+
			"\".wait 5s\", \".click name action value\" or \"// comment\"\n", n, err, c.opts.BotName)
		return
	}
	switch l.kind {
	case lineChannel:
		*st = state{channel: l.channel}
	case lineDirect:
		st.direct = true
	case lineWait:
		select {
		case <-time.After(l.wait):
		case <-ctx.Done():
		}
	case lineSay:
		text, ok := command(l.text, c.opts.BotName, st.direct)
		if !ok {
			return // chat among people, not addressed to the bot
		}
		ev := c.event(*st, n, l.user)
		ev.Kind = adapters.KindCommand
		ev.Text = text
		c.deliver(ctx, h, ev)
	case lineClick:
		ev := c.event(*st, n, l.user)
		ev.Kind = adapters.KindAction
		ev.ActionID = l.action
		ev.Value = l.value
		ev.PostID = c.postWithButton(ev.Channel, l.action, l.value)
		c.deliver(ctx, h, ev)
	}
}

// event fills in who and where for an event from user on input line n.
func (c *Console) event(st state, n int, user string) adapters.Event {
	ch := st.channel
	if st.direct {
		ch = "@" + user
	}
	return adapters.Event{
		Platform:    platform,
		Team:        c.opts.Team,
		Channel:     ch,
		ChannelName: ch,
		User:        user,
		UserName:    user,
		Locale:      c.opts.Locale,
		ID:          "console-" + c.runID + "-" + strconv.Itoa(n),
		Direct:      st.direct,
	}
}

func (c *Console) deliver(ctx context.Context, h adapters.Handler, ev adapters.Event) {
	c.opts.Logger.Debug().Str("id", ev.ID).Str("kind", string(ev.Kind)).Str("channel", ev.Channel).
		Str("user", ev.User).Msg("console event")
	h.HandleEvent(ctx, ev)
}
