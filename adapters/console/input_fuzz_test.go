package console

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"unicode"

	"github.com/wolbot/wolbot/adapters"
)

// Fuzz tests of the console input (issue 7, "Reliability drills"): the line parser, the
// command detection, and whole scripts through Run.

var consoleSeeds = []string{
	"anna: /lc start votes=3", "anna:/lc help", "anna: @wolbot  lc start ", "anna: @WolBot help",
	"anna: @wolbot", "anna: @wolbotter hi", "anna: Hallo zusammen", "#kreis-dueren", "#", "#a b",
	"@wolbot", "@WOLBOT", "// comment", "", "   ", "\t// indented", ".wait 5s", ".wait -1s",
	".wait soon", ".wait", ".click bob lc.start", ".click anna", ".click bob lc.vote   r7:1",
	".sleep 5s", "anna maria: /x", "jürgen: /a", "Özlem-K._2: /b", "anna: /lc help\r", "a\rb: /x",
	"anna: /x\x00y", "\x00", "anna: @wolbot\x85help", "anna: @wolbot\u00a0help", "\xff: /x",
	"anna: /" + strings.Repeat("ä", 300), ":", "anna:", ".click \u0301 x", "#\u00a0", "@wolbot ",
}

// FuzzParseLine: parse never panics; an error leaves the line zero; each kind of line has the
// fields it promises (a channel is one word, a user is a valid name, texts are trimmed).
func FuzzParseLine(f *testing.F) {
	for _, s := range consoleSeeds {
		f.Add(s, false)
	}
	f.Add("anna: lc help", true)
	f.Fuzz(func(t *testing.T, s string, direct bool) {
		l, err := parse(s, "wolbot")
		if err != nil {
			if l != (line{}) {
				t.Fatalf("parse(%q) = %+v with error %v; want a zero line", s, l, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("parse(%q): error %q spans lines", s, err)
			}
			return
		}
		trimmed := strings.TrimSpace(s)
		switch l.kind {
		case lineIgnore:
			if trimmed != "" && !strings.HasPrefix(trimmed, "//") {
				t.Fatalf("parse(%q) ignores a line that is neither empty nor a comment", s)
			}
		case lineChannel:
			if l.channel == "" || strings.ContainsFunc(l.channel, unicode.IsSpace) || "#"+l.channel != trimmed {
				t.Fatalf("parse(%q) = channel %q", s, l.channel)
			}
		case lineDirect:
			if !strings.EqualFold(trimmed, "@wolbot") {
				t.Fatalf("parse(%q) = direct", s)
			}
		case lineWait:
			if l.wait < 0 {
				t.Fatalf("parse(%q) = wait %v", s, l.wait)
			}
		case lineClick:
			if !nameRe.MatchString(l.user) || l.action == "" || strings.ContainsFunc(l.action, unicode.IsSpace) ||
				l.value != strings.TrimSpace(l.value) {
				t.Fatalf("parse(%q) = click %+v", s, l)
			}
		case lineSay:
			if !nameRe.MatchString(l.user) || strings.Contains(l.user, ":") || l.text != strings.TrimSpace(l.text) {
				t.Fatalf("parse(%q) = say %+v", s, l)
			}
			text, ok := command(l.text, "wolbot", direct)
			if ok && strings.HasPrefix(l.text, "/") && text != strings.TrimSpace(l.text[1:]) {
				t.Fatalf("command(%q) = %q, want the text after the slash", l.text, text)
			}
			if ok && text != strings.TrimSpace(text) {
				t.Fatalf("command(%q) = %q is not trimmed", l.text, text)
			}
			if !ok && (direct && l.text != "" || strings.HasPrefix(l.text, "/")) {
				t.Fatalf("command(%q, direct %v) is not a command", l.text, direct)
			}
		default:
			t.Fatalf("parse(%q): unknown kind %d", s, l.kind)
		}
	})
}

// FuzzConsoleRun runs whole scripts: Run returns nil, every event is well-formed and has an id
// of its own, and every hint on Err is one line starting with "console: line" (input cannot
// forge further output lines). .wait lines are defused so a script cannot sleep.
func FuzzConsoleRun(f *testing.F) {
	f.Add([]byte(strings.Join(consoleSeeds, "\n")))
	f.Add([]byte("anna: /lc help\r\n#kreis\r\nbob: /x\r\n"))
	f.Add([]byte("@wolbot\nanna: lc help\nbob: /wol join\n#rat\nanna: hallo\n.click carl lc.vote r1:1\n"))
	f.Add([]byte("what is this\nanna: /x\n\x00\xff\n"))
	f.Add([]byte("anna: /a\r\r\n\r\n\n\n#x\r"))
	f.Fuzz(func(t *testing.T, script []byte) {
		for bytes.Contains(script, []byte(".wait")) {
			script = bytes.ReplaceAll(script, []byte(".wait"), []byte(".w"))
		}
		var errOut bytes.Buffer
		var events []adapters.Event
		c := New(Options{In: bytes.NewReader(script), Out: io.Discard, Err: &errOut})
		h := adapters.HandlerFunc(func(_ context.Context, ev adapters.Event) { events = append(events, ev) })
		if err := c.Run(context.Background(), h); err != nil {
			t.Fatalf("Run: %v", err)
		}
		if lines := bytes.Count(script, []byte("\n")) + 1; len(events) > lines {
			t.Fatalf("%d events from %d lines", len(events), lines)
		}
		seen := map[string]bool{}
		for _, ev := range events {
			if ev.Platform != platform || ev.Team != "console" || ev.Channel == "" || ev.Channel != ev.ChannelName ||
				!nameRe.MatchString(ev.User) || ev.User != ev.UserName || !strings.HasPrefix(ev.ID, "console-") || seen[ev.ID] {
				t.Fatalf("malformed or repeated event %+v", ev)
			}
			seen[ev.ID] = true
			// Direct events live in "@<user>", and no channel line can pose as one ("#@anna" is
			// refused since the fuzzer found it).
			if ev.Direct != strings.HasPrefix(ev.Channel, "@") || (ev.Direct && ev.Channel != "@"+ev.User) {
				t.Fatalf("event %+v: direct flag and channel disagree", ev)
			}
			switch ev.Kind {
			case adapters.KindCommand:
				if ev.Text != strings.TrimSpace(ev.Text) || ev.ActionID != "" || ev.Value != "" {
					t.Fatalf("command event %+v", ev)
				}
			case adapters.KindAction:
				if ev.ActionID == "" || strings.ContainsFunc(ev.ActionID, unicode.IsSpace) || ev.Text != "" {
					t.Fatalf("action event %+v", ev)
				}
			default:
				t.Fatalf("event of kind %q", ev.Kind)
			}
		}
		hints := strings.TrimSuffix(errOut.String(), "\n")
		if hints == "" {
			return
		}
		for _, h := range strings.Split(hints, "\n") {
			if !strings.HasPrefix(h, "console: line ") || strings.Contains(h, "\r") {
				t.Fatalf("hint line %q does not come from the console", h)
			}
		}
	})
}
