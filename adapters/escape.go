package adapters

import (
	"regexp"
	"strings"
	"unicode"
)

// zwsp is a zero-width space: invisible to readers, but it breaks the token a platform would
// otherwise turn into a mention or a link.
const zwsp = "\u200b"

var (
	broadcastRe = regexp.MustCompile(`(?i)@(channel|here|all|everyone)\b`)
	slackSpecRe = regexp.MustCompile(`<([!@#])`)
)

// Escape makes user-written text safe to embed in a [Message]: it folds line breaks and control
// characters into single spaces, neutralises channel-wide mentions (@channel, @here, @all,
// @everyone, Slack's <!channel> family and <@user> tokens) and breaks Markdown link syntax so
// that a topic cannot pose as a link from the bot. The text stays readable as typed.
func Escape(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	s = broadcastRe.ReplaceAllString(s, "@"+zwsp+"$1")
	s = slackSpecRe.ReplaceAllString(s, "<"+zwsp+"$1")
	s = strings.ReplaceAll(s, "](", "]"+zwsp+"(")
	return s
}
