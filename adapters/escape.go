package adapters

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// zwsp is a zero-width space: invisible to readers, but it breaks the token a platform would
// otherwise turn into a mention or a link. Escape strips zero-width characters from what users
// type first and then inserts its own, so that escaping twice gives the same text.
const zwsp = "\u200b"

var (
	broadcastRe = regexp.MustCompile(`(?i)@(channel|here|all|everyone)\b`)
	slackSpecRe = regexp.MustCompile(`<([!@#])`)
	// schemeRe and wwwRe find the start of a web address as the platforms' autolinkers do.
	schemeRe = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*)://`)
	wwwRe    = regexp.MustCompile(`(?i)(^|[^\pL\pN.])www\.`)
)

// isFormatChar reports the invisible characters that change how text around them is shown:
// the bidirectional embeddings, overrides and isolates (a topic could show its text
// backwards, or move the bot's own words) and the zero-width characters and byte order mark
// (which hide what a text really says).
func isFormatChar(r rune) bool {
	switch {
	case r >= '\u200b' && r <= '\u200f', // zero-width space, non-joiner, joiner; LRM, RLM
		r >= '\u202a' && r <= '\u202e', // LRE, RLE, PDF, LRO, RLO
		r >= '\u2060' && r <= '\u2064', // word joiner and invisible operators
		r >= '\u2066' && r <= '\u2069', // LRI, RLI, FSI, PDI
		r == '\ufeff', r == '\u061c':   // byte order mark, Arabic letter mark
		return true
	}
	return false
}

// Escape makes user-written text safe to embed in a [Message]: it folds line breaks and control
// characters into single spaces, removes invisible format characters (direction overrides,
// zero-width characters), neutralises mentions — channel-wide ones (@channel, @here, @all,
// @everyone, Slack's <!channel> family and <@user> tokens) and user mentions (@anna), so that a
// topic pings nobody each time it is shown —, breaks Markdown link syntax so that a topic cannot
// pose as a link from the bot, and breaks bare web addresses, so that no platform links or
// unfurls them (an image address would otherwise show the image). The text stays readable as
// typed. A feature that means to mention someone puts the "@" outside: "@"+Escape(name).
func Escape(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case isFormatChar(r):
			return -1
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	s = broadcastRe.ReplaceAllString(s, "@"+zwsp+"$1")
	s = breakUserMentions(s)
	s = slackSpecRe.ReplaceAllString(s, "<"+zwsp+"$1")
	s = strings.ReplaceAll(s, "](", "]"+zwsp+"(")
	return breakURLs(s)
}

// breakUserMentions puts a zero-width space after every "@" that starts a word and is followed
// by a letter, digit or underscore, as a mention would; an "@" inside a word (an e-mail
// address) stays as it is.
func breakUserMentions(s string) string {
	var b strings.Builder
	prev := ' '
	for i, r := range s {
		b.WriteRune(r)
		if r == '@' && !unicode.IsLetter(prev) && !unicode.IsDigit(prev) {
			next, _ := utf8.DecodeRuneInString(s[i+1:])
			if unicode.IsLetter(next) || unicode.IsDigit(next) || next == '_' {
				b.WriteString(zwsp)
			}
		}
		prev = r
	}
	return b.String()
}

// breakURLs puts a zero-width space into the "://" of every web address and after a leading
// "www", so that no autolinker on any platform makes a link of it — and so no platform
// unfurls it (an image address would otherwise show the image in every announcement). The
// address stays readable.
func breakURLs(s string) string {
	s = schemeRe.ReplaceAllString(s, "$1:"+zwsp+"//")
	return wwwRe.ReplaceAllString(s, "${1}www"+zwsp+".")
}
