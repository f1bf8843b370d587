package slack

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/wolbot/wolbot/adapters"
)

// Slack's limits on Block Kit (https://api.slack.com/reference/block-kit).
const (
	maxBlocks         = 50    // blocks per message
	maxSectionText    = 3000  // characters in a section's text
	maxActionElements = 25    // elements per actions block
	maxButtonLabel    = 75    // characters in a button's label
	maxContextParts   = 10    // elements per context block
	maxFallbackText   = 40000 // characters in a message's text field
)

// actionSep separates a button's id from its index in the action_id.
const actionSep = "|"

var (
	headingRe = regexp.MustCompile(`^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$`)
	listRe    = regexp.MustCompile(`^(\s*)[-*+][ \t]+`)
	boldRe    = regexp.MustCompile(`\*\*(\S(?:.*?\S)??)\*\*|__(\S(?:.*?\S)??)__`)
	italicRe  = regexp.MustCompile(`\*(\S(?:[^*]*?\S)??)\*`)
	linkRe    = regexp.MustCompile(`\[([^\]|]+)\]\(((?:https?|mailto):[^\s)]+)\)`)
)

// boldMark stands for Slack's bold "*" while single-star italics are converted, so that the
// two are not confused.
const boldMark = "\x00"

// escapeText applies Slack's escaping rule: &, < and > become entities. Slack reads < and >
// as the start and end of control sequences (<!channel>, <@U123>, <https://…|link>), so after
// this no text can form one.
func escapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// mrkdwn converts the neutral CommonMark text to Slack's mrkdwn: everything is escaped first,
// then bold, italics, headings, list items and links are rewritten. Code spans and fenced code
// blocks are kept as they are.
func mrkdwn(s string) string {
	s = strings.ReplaceAll(escapeText(s), "\r\n", "\n")
	lines := strings.Split(s, "\n")
	inFence := false
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		if m := headingRe.FindStringSubmatch(line); m != nil {
			// The heading is bold as a whole; bold markers inside it would end it early.
			inner := strings.ReplaceAll(strings.ReplaceAll(m[1], "**", ""), "__", "")
			if inner != "" {
				lines[i] = "*" + inline(inner) + "*"
			} else {
				lines[i] = ""
			}
			continue
		}
		if m := listRe.FindStringSubmatchIndex(line); m != nil {
			line = line[m[2]:m[3]] + "• " + line[m[1]:]
		}
		lines[i] = inline(line)
	}
	return strings.ReplaceAll(strings.Join(lines, "\n"), boldMark, "*")
}

// inline rewrites emphasis and links outside `code spans`. An unmatched backtick leaves the
// rest of the line as it is, as Slack would show it.
func inline(line string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(line, '`')
		if open < 0 {
			b.WriteString(emphasis(line))
			return b.String()
		}
		end := strings.IndexByte(line[open+1:], '`')
		if end < 0 {
			b.WriteString(emphasis(line[:open]))
			b.WriteString(line[open:])
			return b.String()
		}
		end += open + 1
		b.WriteString(emphasis(line[:open]))
		b.WriteString(line[open : end+1])
		line = line[end+1:]
	}
}

func emphasis(s string) string {
	s = linkRe.ReplaceAllString(s, "<$2|$1>")
	s = boldRe.ReplaceAllString(s, boldMark+"$1$2"+boldMark)
	return italicRe.ReplaceAllString(s, "_${1}_")
}

// render turns msg into the fallback text and the blocks of a Slack message.
func render(msg adapters.Message) (string, []slack.Block) {
	text := mrkdwn(strings.TrimRight(msg.Text, "\r\n"))

	var actions []slack.Block
	var row []slack.BlockElement
	var commands []string
	seen := make(map[string]bool)
	for i, btn := range msg.Buttons {
		label := slack.NewTextBlockObject(slack.PlainTextType, truncate(btn.Label, maxButtonLabel), true, false)
		el := slack.NewButtonBlockElement(btn.ID+actionSep+strconv.Itoa(i), btn.Value, label)
		switch btn.Style {
		case adapters.StylePrimary:
			el = el.WithStyle(slack.StylePrimary)
		case adapters.StyleDanger:
			el = el.WithStyle(slack.StyleDanger)
		}
		row = append(row, el)
		if len(row) == maxActionElements {
			actions = append(actions, slack.NewActionBlock("", row...))
			row = nil
		}
		if btn.Command != "" && !seen[btn.Command] {
			seen[btn.Command] = true
			commands = append(commands, escapeText(btn.Label)+": `"+escapeText(btn.Command)+"`")
		}
	}
	if len(row) > 0 {
		actions = append(actions, slack.NewActionBlock("", row...))
	}
	var context []slack.Block
	if len(commands) > 0 {
		context = append(context, commandsBlock(commands))
	}

	var blocks []slack.Block
	room := maxBlocks - len(actions) - len(context)
	for _, chunk := range splitText(text, maxSectionText) {
		if room == 0 {
			break // a message this long is cut; the fallback text still holds more of it
		}
		room--
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, chunk, false, true), nil, nil))
	}
	blocks = append(append(blocks, actions...), context...)

	fallback := text
	if fallback == "" && len(msg.Buttons) > 0 {
		labels := make([]string, len(msg.Buttons))
		for i, btn := range msg.Buttons {
			labels[i] = escapeText(btn.Label)
		}
		fallback = strings.Join(labels, " · ")
	}
	return truncate(fallback, maxFallbackText), blocks
}

// commandsBlock lists the text commands that do what the buttons do, as a context block.
func commandsBlock(commands []string) slack.Block {
	var parts []slack.MixedElement
	for _, chunk := range splitText(strings.Join(commands, "\n"), maxSectionText) {
		if len(parts) == maxContextParts {
			break
		}
		parts = append(parts, slack.NewTextBlockObject(slack.MarkdownType, chunk, false, true))
	}
	return slack.NewContextBlock("", parts...)
}

// splitText cuts s into pieces of at most limit characters, at line breaks where it can, and
// never inside an entity such as &amp;. Empty pieces are dropped.
func splitText(s string, limit int) []string {
	var out []string
	for s != "" {
		if utf8.RuneCountInString(s) <= limit {
			out = append(out, s)
			break
		}
		cut := byteIndexOfRune(s, limit)
		if nl := strings.LastIndexByte(s[:cut], '\n'); nl > 0 {
			cut = nl
		} else if amp := strings.LastIndexByte(s[:cut], '&'); amp > 0 && !strings.Contains(s[amp:cut], ";") {
			cut = amp
		}
		if piece := strings.TrimRight(s[:cut], "\n"); piece != "" {
			out = append(out, piece)
		}
		s = strings.TrimLeft(s[cut:], "\n")
	}
	return out
}

// byteIndexOfRune is the byte offset of the n-th rune of s (len(s) if s is shorter).
func byteIndexOfRune(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// truncate shortens s to at most n characters, ending with "…" when it cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return s[:byteIndexOfRune(s, n-1)] + "…"
}

// actionID returns the button id in a Slack action_id: the part before the index suffix.
func actionID(slackActionID string) string {
	if i := strings.LastIndex(slackActionID, actionSep); i >= 0 {
		return slackActionID[:i]
	}
	return slackActionID
}
