package bot

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
)

// Fuzz tests of the core's pure parsing (issue 7, "Reliability drills"): how a command line is
// split into feature, args and rest, how locales are mapped, and how catalogue texts are
// rendered with arbitrary arguments.

// FuzzRequestWords: for any command text, the request's feature and args are its words, and
// Rest(n) is the text after the first n args with the user's spacing kept: it is a suffix of the
// text and its words are exactly Args[n:].
func FuzzRequestWords(f *testing.F) {
	for _, s := range []string{
		"/lc topic Wie  geht's?", "/lc", "", "   ", "/lc\ttopic\tWie\t geht's", "/lc topic\nZeile 1",
		"/lc\r\ntopic x", "/LC Vote 2", "lc\u00a0topic x", "/lc topic \u2028 x", "/lc \x00 x", "/ lc",
		"/lc topic \xff\xfe x", "//lc", "/lc  topic  " + strings.Repeat("ä ", 50),
	} {
		f.Add(s, 1)
	}
	f.Add("/lc vote 2", -1)
	f.Add("/lc vote 2", 7)
	f.Fuzz(func(t *testing.T, text string, n int) {
		log := zerolog.Nop()
		req := (*Bot)(nil).newRequest(adapters.Event{Kind: adapters.KindCommand, Text: text}, &log)
		words := strings.Fields(text)
		if len(words) == 0 {
			if req.Feature != "" || len(req.Args) != 0 {
				t.Fatalf("text %q without words: feature %q, args %q", text, req.Feature, req.Args)
			}
		} else {
			if req.Feature != strings.ToLower(strings.TrimPrefix(words[0], "/")) || !slices.Equal(req.Args, words[1:]) {
				t.Fatalf("text %q: feature %q, args %q", text, req.Feature, req.Args)
			}
		}
		n = max(-1, min(n, len(req.Args)+1))
		rest := req.Rest(n)
		if rest != strings.TrimSpace(rest) {
			t.Fatalf("Rest(%d) of %q = %q is not trimmed", n, text, rest)
		}
		if !strings.HasSuffix(strings.TrimSpace(text), rest) {
			t.Fatalf("Rest(%d) of %q = %q is not a suffix of the text", n, text, rest)
		}
		var want []string
		switch {
		case n < 0:
			want = words
		case n < len(req.Args):
			want = req.Args[n:]
		}
		if got := strings.Fields(rest); !slices.Equal(got, want) {
			t.Fatalf("Rest(%d) of %q = %q has words %q, want %q", n, text, rest, got, want)
		}
	})
}

// FuzzRequestAction: a click's feature is the action id's prefix, in lower case; it has no args.
func FuzzRequestAction(f *testing.F) {
	for _, s := range []string{"lc.vote", "wol.answer", "", ".", "LC.Vote", "nodot", "a.b.c", "\xff.x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, actionID string) {
		log := zerolog.Nop()
		req := (*Bot)(nil).newRequest(adapters.Event{Kind: adapters.KindAction, ActionID: actionID, Text: "/x y"}, &log)
		prefix, _, _ := strings.Cut(actionID, ".")
		if req.Feature != strings.ToLower(prefix) || req.Args != nil {
			t.Fatalf("action %q: feature %q, args %q", actionID, req.Feature, req.Args)
		}
	})
}

// FuzzNormalizeLang: the result is a supported language or ""; a supported language maps to
// itself; anything after the first '-' or '_' does not matter.
func FuzzNormalizeLang(f *testing.F) {
	for _, s := range []string{"de", "de-DE", "en_US", "EN", " en ", "fr", "", "-", "_de", "de-", "deu", "en-GB-oxendict", "\u212aen", "DE\x00"} {
		f.Add(s, "AT")
	}
	f.Fuzz(func(t *testing.T, locale, region string) {
		got := NormalizeLang(locale)
		if got != "" && !slices.Contains(Langs, got) {
			t.Fatalf("NormalizeLang(%q) = %q, not a supported language", locale, got)
		}
		if got != "" && NormalizeLang(got) != got {
			t.Fatalf("NormalizeLang(%q) = %q, but NormalizeLang(%q) = %q", locale, got, got, NormalizeLang(got))
		}
		if !strings.ContainsAny(locale, "-_") {
			if g := NormalizeLang(strings.TrimSpace(locale) + "-" + region); g != got {
				t.Fatalf("NormalizeLang(%q) = %q, but with region %q: %q", locale, got, region, g)
			}
		}
	})
}

// FuzzCatalogT renders arbitrary templates with arbitrary arguments: never a panic; without
// arguments or without a matching placeholder the template comes back unchanged; a value is
// inserted as it is, never expanded again; a missing key is shown as ⟦key⟧.
func FuzzCatalogT(f *testing.F) {
	f.Add("{n} Punkte", "n", "3", "Hallo {name}!", "de")
	f.Add("{a}{b}{a}", "a", "{b}", "x", "en")
	f.Add("{{n}}", "n", "1", "}{", "fr")
	f.Add("{", "", "v", "{}", "de")
	f.Add("no placeholders", "x", "y", "", "")
	f.Add("{n", "n", "\xff", "n}", "en")
	f.Fuzz(func(t *testing.T, tmpl, name, value, other, lang string) {
		c := Catalog{"de": {"k": tmpl, "only_de": other}, "en": {"k": other}}
		if got := c.T(lang, "missing"); got != "⟦missing⟧" {
			t.Fatalf("T(missing) = %q", got)
		}
		want := c[DefaultLang]["k"]
		if m, ok := c[lang]; ok {
			want = m["k"]
		}
		if got := c.T(lang, "k"); got != want {
			t.Fatalf("T(%q, k) without args = %q, want %q", lang, got, want)
		}
		if got := c.T(lang, "only_de"); got != other {
			t.Fatalf("T(%q, only_de) = %q, want the German %q", lang, got, other)
		}
		got := c.T("de", "k", name, value)
		if !strings.Contains(tmpl, "{"+name+"}") && got != tmpl {
			t.Fatalf("T(%q) with unused arg %q = %q, want the template", tmpl, name, got)
		}
		// With a template free of other braces, the value is inserted once per placeholder, as is.
		if !strings.ContainsAny(name, "{}") {
			pre, post := strings.NewReplacer("{", "", "}", "").Replace(tmpl), strings.NewReplacer("{", "", "}", "").Replace(other)
			c := Catalog{"de": {"k": pre + "{" + name + "}" + post + "{" + name + "}"}}
			if got, want := c.T("de", "k", name, value, "other", 1), pre+value+post+value; got != want {
				t.Fatalf("T(%q, %q=%q) = %q, want %q", c["de"]["k"], name, value, got, want)
			}
		}
		// Plurals: {n} is the count; other args still apply.
		pc := Catalog{"de": {"p.one": "ein " + "{x}", "p.other": "{n} {x}"}}
		if utf8.ValidString(value) && !strings.ContainsAny(value, "{}") {
			if got := pc.N("de", "p", 1, "x", value); got != "ein "+value {
				t.Fatalf("N(1) = %q", got)
			}
			if got := pc.N("de", "p", 2, "x", value); got != "2 "+value {
				t.Fatalf("N(2) = %q", got)
			}
		}
	})
}
