package leancoffee

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
)

// Fuzz tests of the pure parsers behind /lc (issue 7, "Reliability drills"). Run one with
//
//	go test -run '^$' -fuzz '^FuzzParseSettings$' -fuzztime 30s ./bot/leancoffee/
//
// Without -fuzz they run their seed corpus as ordinary tests.

// FuzzParseDuration: ParseDuration never panics; a bare number means exactly that many
// minutes (no silent overflow); whatever it accepts survives a round trip through
// time.Duration.String.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{
		"8m", "90s", "1m30s", "8", " 8 ", "8min", "8 Min", "8 Minuten", "30sek", "30 Sekunden",
		"1h", "2 Stunden", "1std.", "1,5h", "-5", "0", "", " ", "sek", "min.", "1e3", "+3",
		"1.5h", "µs", "1µs", "300ms",
		"\x00", "8m\r", "８", "1h1h1h", "1Minute",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := bot.ParseDuration(s)
		if err != nil {
			if d != 0 {
				t.Fatalf("bot.ParseDuration(%q) = %v with error %v; want 0 on error", s, d, err)
			}
			return
		}
		norm := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), " ", "")
		if n, aerr := strconv.Atoi(norm); aerr == nil {
			// A bare number of minutes: the result must be exactly n minutes.
			if d%time.Minute != 0 || int64(d/time.Minute) != int64(n) {
				t.Fatalf("bot.ParseDuration(%q) = %v, want %d minutes or an error (overflow?)", s, d, n)
			}
		}
		back, err := bot.ParseDuration(d.String())
		if err != nil || back != d {
			t.Fatalf("bot.ParseDuration(%q) = %v, but bot.ParseDuration(%q) = %v, %v", s, d, d.String(), back, err)
		}
	})
}

// formatSettings writes s as /lc start options, so that ParseSettings can read it back.
func formatSettings(s Settings) []string {
	ext := "none"
	if len(s.Extensions) > 0 {
		parts := make([]string, len(s.Extensions))
		for i, d := range s.Extensions {
			parts[i] = d.String()
		}
		ext = strings.Join(parts, ",")
	}
	return []string{
		"votes=" + strconv.Itoa(s.Dots), "pertopic=" + strconv.Itoa(s.PerTopic),
		"timebox=" + s.Timebox.String(), "extensions=" + ext, "thumbs=" + s.ThumbsWindow.String(),
		"warn=" + s.Warning.String(),
	}
}

func equalSettings(a, b Settings) bool {
	if a.Dots != b.Dots || a.PerTopic != b.PerTopic || a.Timebox != b.Timebox || a.ThumbsWindow != b.ThumbsWindow || a.Warning != b.Warning ||
		len(a.Extensions) != len(b.Extensions) {
		return false
	}
	for i := range a.Extensions {
		if a.Extensions[i] != b.Extensions[i] {
			return false
		}
	}
	return true
}

// FuzzParseSettings feeds ParseSettings the words of an arbitrary "/lc start …" line, as the
// router splits them. Accepted settings are within the documented limits and survive a round
// trip; a refusal names a catalogue text that exists in both languages.
func FuzzParseSettings(f *testing.F) {
	for _, s := range []string{
		"", "votes=3", "votes=3 timebox=8m extensions=4m,2m", "stimmen=3 zeit=8m verlängerung=4m,2m",
		"VOTES=5 PerTopic=2", "pertopic=9 votes=2", "thumbs=30s", "daumen=11m", "extensions=none",
		"ext=keine", "extensions=0", "extensions=", "extensions=1m,1m,1m,1m,1m,1m", "timebox=0",
		"timebox=2h1s", "timebox=-1m", "votes=0", "votes=21", "votes=x", "foo=bar", "votes",
		"=", "zeit=8 min", "zeit=8min", "timebox=120", "timebox=121", "extensions=4m,,2m",
		"verlaengerungen=1m punkte=20 max=20", "votes=３", "timebox=9223372036854775807",
		"warn=0", "warnung=aus", "warn=30s", "vorwarnung=3h", "warn=x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		s, err := ParseSettings(args)
		if err != nil {
			var oe *optionError
			if !errors.As(err, &oe) {
				t.Fatalf("ParseSettings(%q): error %v (%T), want an *optionError", args, err, err)
			}
			if oe.key != "opt_unknown" && !strings.HasPrefix(oe.key, "opt_bad_") {
				t.Fatalf("ParseSettings(%q): key %q", args, oe.key)
			}
			for _, lang := range bot.Langs {
				if got := msgs.T(lang, oe.key, "name", adapters.Escape(oe.name), "value", adapters.Escape(oe.value)); strings.HasPrefix(got, "⟦") {
					t.Fatalf("ParseSettings(%q): reply key %q is missing in %s", args, oe.key, lang)
				}
			}
			return
		}
		switch {
		case s.Dots < 1 || s.Dots > maxDots:
			t.Fatalf("ParseSettings(%q): dots %d out of range", args, s.Dots)
		case s.PerTopic < 1 || s.PerTopic > s.Dots:
			t.Fatalf("ParseSettings(%q): per topic %d, dots %d", args, s.PerTopic, s.Dots)
		case s.Timebox < minTimebox || s.Timebox > maxTimebox:
			t.Fatalf("ParseSettings(%q): timebox %v out of range", args, s.Timebox)
		case len(s.Extensions) > maxExtensions:
			t.Fatalf("ParseSettings(%q): %d extensions", args, len(s.Extensions))
		case s.ThumbsWindow < minTimebox || s.ThumbsWindow > 10*time.Minute:
			t.Fatalf("ParseSettings(%q): thumbs window %v out of range", args, s.ThumbsWindow)
		case s.Warning != 0 && (s.Warning < minTimebox || s.Warning > maxTimebox):
			t.Fatalf("ParseSettings(%q): warning %v out of range", args, s.Warning)
		}
		for _, d := range s.Extensions {
			if d < minTimebox || d > maxTimebox {
				t.Fatalf("ParseSettings(%q): extension %v out of range", args, d)
			}
		}
		again, err := ParseSettings(formatSettings(s))
		if err != nil || !equalSettings(again, s) {
			t.Fatalf("round trip of %q: %+v → %q → %+v, %v", args, s, formatSettings(s), again, err)
		}
	})
}

// FuzzCommandWords: for any command text, the pure routing decisions never panic, and the
// atomic-dedupe promise is made exactly for votes and thumbs (which record the event id in
// their own script). Thumb words map to one of the three thumbs.
func FuzzCommandWords(f *testing.F) {
	for _, s := range []string{
		"lc vote 2", "lc stimme #2", "lc unvote 1", "lc thumbs up", "lc daumen 👍", "lc start votes=3",
		"lc", "", "lc THUMBS", "lc zurück 1", "lc Zurück", "lc topic Wie geht's?", "lc\u00a0vote 1",
	} {
		f.Add(s, false, "lc.vote", "r1:2")
	}
	f.Add("", true, "lc.thumbs", "r1:3:up")
	f.Add("", true, "lc.next", "r1:voting:4")
	f.Fuzz(func(t *testing.T, text string, action bool, actionID, value string) {
		ev := adapters.Event{Kind: adapters.KindCommand, Text: text}
		if action {
			ev = adapters.Event{Kind: adapters.KindAction, ActionID: actionID, Value: value}
		}
		words := strings.Fields(text)
		req := &bot.Request{Event: ev}
		if len(words) > 0 {
			req.Args = words[1:]
		}
		got := (&Feature{}).DedupesAtomically(req)
		var want bool
		if action {
			want = actionID == "lc.vote" || actionID == "lc.thumbs"
		} else if len(req.Args) > 0 {
			sub := subcommands[strings.ToLower(req.Args[0])]
			want = sub == "vote" || sub == "unvote" || sub == "thumbs"
		}
		if got != want {
			t.Fatalf("DedupesAtomically(%+v) = %v, want %v", ev, got, want)
		}
		for _, w := range append(words, value) {
			if th, ok := thumbWords[strings.ToLower(w)]; ok && th != ThumbUp && th != ThumbSide && th != ThumbDown {
				t.Fatalf("thumb word %q means %q", w, th)
			}
		}
	})
}
