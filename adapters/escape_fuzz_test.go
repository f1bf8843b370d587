package adapters

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// mentionRe finds what a platform would still read as a channel-wide mention after Escape:
// the broadcast words as whole words ("@channels" is someone's handle and stays).
var mentionRe = regexp.MustCompile(`(?i)@(channel|here|all|everyone)\b`)

// userMentionRe finds a user mention: an "@" that starts a word, followed by a handle.
var userMentionRe = regexp.MustCompile(`(^|[^\pL\pN])@[\pL\pN_]`)

// FuzzEscape (issue 7, "Reliability drills"; issue 11, "Hardening"): whatever a user types,
// the escaped text contains no channel-wide or user mention, no Slack control sequence (<!…>,
// <@…>, <#…>), no Markdown link "](", no control character or line break, no bidi or other
// format character except the zero-width spaces Escape inserts, no web address an autolinker
// would find, only single spaces, and is valid UTF-8; Escape is idempotent and keeps the
// text's words readable (only zero-width spaces are added).
func FuzzEscape(f *testing.F) {
	for _, s := range []string{
		"Wie beteiligen wir Jugendliche?", "hallo @channel!", "@HERE bitte", "an @all", "@everyone",
		"@channels", "anna@stadt-koeln.de", "<!channel> los", "<!here|here>", "<@U123>", "<#C1|x>",
		"[Wolbot](http://evil.example)", "]]((", "erste Zeile\nzweite\r\n\tdritte", "\u2028@here\u2029",
		"@@channel", "@\u200bchannel", "<<!channel>", "<\u200b!x", "@chan\nnel", "@Channel_x", "@channelé",
		"\x00@all\x7f", "\xff\xfe@here", "a\u0085b\u00a0c", "@ＣＨＡＮＮＥＬ", "<!subteam^S1>", "](", "<!",
		"frag @anna", "\u202eabc", "@\u2060anna", "x https://a.example/b.png y", "`www.a.de`", "@`http://x`",
		strings.Repeat("@here ", 100),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Escape(s)
		if m := mentionRe.FindString(got); m != "" {
			t.Fatalf("Escape(%q) = %q still mentions %q", s, got, m)
		}
		if m := userMentionRe.FindString(got); m != "" {
			t.Fatalf("Escape(%q) = %q still mentions a user: %q", s, got, m)
		}
		if m := schemeRe.FindString(got) + wwwRe.FindString(got); m != "" {
			t.Fatalf("Escape(%q) = %q still has a web address: %q", s, got, m)
		}
		for _, r := range strings.ReplaceAll(got, zwsp, "") {
			if isFormatChar(r) {
				t.Fatalf("Escape(%q) = %q contains the format character %U", s, got, r)
			}
		}
		for _, bad := range []string{"<!", "<@", "<#", "](", "  "} {
			if strings.Contains(got, bad) {
				t.Fatalf("Escape(%q) = %q contains %q", s, got, bad)
			}
		}
		if !utf8.ValidString(got) {
			t.Fatalf("Escape(%q) = %q is not valid UTF-8", s, got)
		}
		if got != strings.TrimSpace(got) {
			t.Fatalf("Escape(%q) = %q has surrounding space", s, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || (unicode.IsSpace(r) && r != ' ') {
				t.Fatalf("Escape(%q) = %q contains %U", s, got, r)
			}
		}
		if again := Escape(got); again != got {
			t.Fatalf("Escape is not idempotent: %q → %q → %q", s, got, again)
		}
		// Readability: removing the inserted zero-width spaces gives the input's
		// words (with invalid bytes and control characters folded and format characters
		// removed), nothing else is changed.
		if utf8.ValidString(s) {
			visible := strings.Map(func(r rune) rune {
				if isFormatChar(r) {
					return -1
				}
				return r
			}, s)
			folded := strings.Join(strings.FieldsFunc(visible, func(r rune) bool {
				return unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
			}), " ")
			if plain := strings.ReplaceAll(got, zwsp, ""); plain != folded {
				t.Fatalf("Escape(%q) = %q changes more than mentions: %q vs %q", s, got, plain, folded)
			}
		}
	})
}
