package matrix

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"github.com/wolbot/wolbot/adapters"
)

// reactionsKey is the field of a bot message's content that maps reaction keys to the buttons
// they stand for. Clients ignore unknown fields; the adapter reads it back when someone
// reacts, from the message itself or its latest edit, and trusts it only in the bot's own
// events.
const reactionsKey = "org.wolbot.reactions"

// zwsp is a zero-width space: invisible, but it breaks "@room", which would notify a whole
// room.
const zwsp = "\u200b"

// action is the button a reaction stands for.
type action struct {
	Action string `json:"action"`
	Value  string `json:"value"`
}

// reaction is one reaction the bot offers under a message.
type reaction struct {
	Key string // the emoji, as the bot sends it
	action
}

var (
	// slashCommandRe finds a code span that starts with a slash command ("`/lc next`"): in
	// Element a leading slash is a client command, so the text shows "!lc next".
	slashCommandRe = regexp.MustCompile("`/([A-Za-z])")
	roomMentionRe  = regexp.MustCompile(`(?i)@room\b`)
)

// keycaps are the number emoji offered for numbered buttons (votes on topics 1 to 10).
var keycaps = []string{"1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟"}

// render turns msg into the content of an m.room.message: CommonMark as body and as HTML,
// every button as its text command below the text, and the reactions that stand for buttons.
// m.mentions is empty, so that nothing in it notifies anyone.
func render(msg adapters.Message) (map[string]any, []reaction) {
	text := slashCommandRe.ReplaceAllString(msg.Text, "`!$1")
	if twins := commandsText(msg.Buttons); twins != "" {
		text += "\n\n" + twins
	}
	text = roomMentionRe.ReplaceAllStringFunc(text, func(m string) string { return "@" + zwsp + m[1:] })
	md := format.RenderMarkdown(text, true, false)
	reactions := reactionsFor(msg.Buttons)
	c := map[string]any{
		"msgtype":    event.MsgText,
		"body":       text,
		"m.mentions": map[string]any{},
	}
	if md.FormattedBody != "" {
		c["format"] = event.FormatHTML
		c["formatted_body"] = md.FormattedBody
	}
	if len(reactions) > 0 {
		m := make(map[string]action, len(reactions))
		for _, r := range reactions {
			m[normalizeKey(r.Key)] = r.action
		}
		c[reactionsKey] = m
	}
	return c, reactions
}

// editContent wraps new content as an edit (m.replace) of the event orig.
func editContent(orig id.EventID, c map[string]any) map[string]any {
	e := map[string]any{
		"msgtype":       c["msgtype"],
		"body":          "* " + c["body"].(string),
		"m.mentions":    map[string]any{},
		"m.new_content": c,
		"m.relates_to":  map[string]any{"rel_type": event.RelReplace, "event_id": orig},
	}
	if html, ok := c["formatted_body"].(string); ok {
		e["format"] = event.FormatHTML
		e["formatted_body"] = "* " + html
	}
	return e
}

// commandsText lists "label: `!command`" for every button with a command, one per line, so
// that everything a button does can be typed.
func commandsText(buttons []adapters.Button) string {
	var lines []string
	for _, b := range buttons {
		cmd := strings.Join(strings.Fields(b.Command), " ")
		if cmd == "" {
			continue
		}
		cmd = "!" + strings.TrimLeft(cmd, "/!")
		line := "`" + strings.ReplaceAll(cmd, "`", "'") + "`"
		if label := strings.TrimSpace(b.Label); label != "" {
			line = label + ": " + line
		}
		lines = append(lines, "- "+line)
	}
	return strings.Join(lines, "\n")
}

// reactionsFor picks the reactions that stand for buttons: a button whose label starts with
// an emoji ("👍 Vertiefen") gets that emoji; a run of buttons with one action id whose
// commands end in 1, 2, … n (n ≤ 10: the votes on topics) gets the number emoji. An emoji
// claimed twice is dropped, so a reaction is never ambiguous.
func reactionsFor(buttons []adapters.Button) []reaction {
	var out []reaction
	count := map[string]int{}
	add := func(key string, b adapters.Button) {
		out = append(out, reaction{Key: key, action: action{Action: b.ID, Value: b.Value}})
		count[normalizeKey(key)]++
	}
	numbered := numberedButtons(buttons)
	for i, b := range buttons {
		if n, ok := numbered[i]; ok {
			add(keycaps[n-1], b)
			continue
		}
		if e := leadingEmoji(b.Label); e != "" {
			add(e, b)
		}
	}
	unique := out[:0]
	for _, r := range out {
		if count[normalizeKey(r.Key)] == 1 {
			unique = append(unique, r)
		}
	}
	return unique
}

// numberedButtons finds, per action id, buttons whose commands end in the numbers 1…n, n from
// 2 to 10, each once; it returns button index → number.
func numberedButtons(buttons []adapters.Button) map[int]int {
	byID := map[string]map[int]int{} // action id → number → index
	bad := map[string]bool{}
	for i, b := range buttons {
		f := strings.Fields(b.Command)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.Atoi(f[len(f)-1])
		if err != nil {
			continue
		}
		if byID[b.ID] == nil {
			byID[b.ID] = map[int]int{}
		}
		if _, dup := byID[b.ID][n]; dup || n < 1 || n > len(keycaps) {
			bad[b.ID] = true
		}
		byID[b.ID][n] = i
	}
	out := map[int]int{}
	for aid, nums := range byID {
		if bad[aid] || len(nums) < 2 {
			continue
		}
		complete := true
		for n := 1; n <= len(nums); n++ {
			if _, ok := nums[n]; !ok {
				complete = false
			}
		}
		if complete {
			for n, i := range nums {
				out[i] = n
			}
		}
	}
	return out
}

// leadingEmoji returns the first word of label if it is an emoji (a symbol outside ASCII).
func leadingEmoji(label string) string {
	word, _, _ := strings.Cut(strings.TrimSpace(label), " ")
	r, _ := utf8.DecodeRuneInString(word)
	if r < 0x2000 || !unicode.Is(unicode.So, r) {
		return ""
	}
	return word
}

// normalizeKey drops variation selectors, so that "👍" and "👍️" (as Element sends it) match.
func normalizeKey(k string) string {
	return strings.ReplaceAll(strings.TrimSpace(k), "\ufe0f", "")
}

// txnID makes a transaction id from parts: the homeserver answers a repeated PUT with the same
// transaction id (same device, within the server's window) with the first event.
func txnID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return "wolbot-" + hex.EncodeToString(sum[:16])
}
