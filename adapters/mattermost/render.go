package mattermost

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wolbot/wolbot/adapters"
)

// Keys of a button's integration context.
const (
	ctxAction = "action"
	ctxValue  = "value"
	ctxSig    = "sig"
)

// zwsp is a zero-width space: invisible, but it breaks a token Mattermost would read as a
// mention.
const zwsp = "\u200b"

// newPost renders msg as a post in channel: the text as-is (Mattermost renders CommonMark), the
// buttons as one message attachment.
func (a *Adapter) newPost(channel string, msg adapters.Message) *model.Post {
	p := &model.Post{ChannelId: channel, Message: msg.Text}
	if len(msg.Buttons) > 0 {
		p.SetProps(model.StringInterface{model.PostPropsAttachments: a.attachments(msg.Buttons)})
	}
	return p
}

// attachments renders buttons as one message attachment. Each action calls back to the action
// endpoint with a signed context. Action ids are "b0", "b1", …: Mattermost routes clicks by
// /posts/{post_id}/actions/{action_id} and accepts only letters and digits there, and the ids
// need only be unique within the post. The attachment text lists each button's text command,
// so that nothing a button does is out of reach of the keyboard or a screen reader.
func (a *Adapter) attachments(buttons []adapters.Button) []*model.MessageAttachment {
	actions := make([]*model.PostAction, 0, len(buttons))
	for i, b := range buttons {
		name := b.Label
		if name == "" {
			name = b.Command
		}
		if name == "" {
			name = b.ID
		}
		actions = append(actions, &model.PostAction{
			Id:    "b" + strconv.Itoa(i),
			Type:  model.PostActionTypeButton,
			Name:  name,
			Style: buttonStyle(b.Style),
			Integration: &model.PostActionIntegration{
				URL: a.actionURL,
				Context: map[string]any{
					ctxAction: b.ID,
					ctxValue:  b.Value,
					ctxSig:    a.sign(b.ID, b.Value),
				},
			},
		})
	}
	return []*model.MessageAttachment{{Text: commandsText(buttons), Actions: actions}}
}

func buttonStyle(s adapters.Style) string {
	switch s {
	case adapters.StylePrimary:
		return "primary"
	case adapters.StyleDanger:
		return "danger"
	default:
		return "default"
	}
}

// commandsText lists "label: `command`" for every button with a command, separated by " · ".
// Mattermost looks for mentions in attachment text, so labels lose any mention they might
// form; commands sit in code spans, where Mattermost finds no mentions.
func commandsText(buttons []adapters.Button) string {
	var parts []string
	for _, b := range buttons {
		if strings.TrimSpace(b.Command) == "" {
			continue
		}
		part := codeSpan(b.Command)
		if label := strings.TrimSpace(b.Label); label != "" {
			part = noMentions(label) + ": " + part
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, " · ")
}

// codeSpan wraps s in a CommonMark code span that survives backticks inside s.
func codeSpan(s string) string {
	s = strings.Join(strings.Fields(s), " ") // a code span cannot hold a line break
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// noMentions breaks every @ and Slack-style <! <@ token so that Mattermost reads no mention in s.
func noMentions(s string) string {
	s = strings.ReplaceAll(s, "@", "@"+zwsp)
	s = strings.ReplaceAll(s, "<!", "<"+zwsp+"!")
	return s
}

// sign returns the hex HMAC-SHA256 of a button's action id and value.
func (a *Adapter) sign(action, value string) string {
	return hex.EncodeToString(a.mac(action, value))
}

func (a *Adapter) mac(action, value string) []byte {
	m := hmac.New(sha256.New, a.secret)
	m.Write([]byte(action + "\x00" + value))
	return m.Sum(nil)
}

// verify checks the signature in a button callback's context and returns the action id and
// value it signs. A missing key, a non-string value or a wrong signature fails.
func (a *Adapter) verify(c map[string]any) (action, value string, ok bool) {
	action, okA := c[ctxAction].(string)
	value, okV := c[ctxValue].(string)
	sig, okS := c[ctxSig].(string)
	if !okA || !okV || !okS {
		return "", "", false
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return "", "", false
	}
	return action, value, hmac.Equal(got, a.mac(action, value))
}

// channelSlug makes a URL-safe, unique channel name from a display name: lower-case letters,
// digits and single hyphens, then a random suffix, at most 64 bytes in all.
func channelSlug(display, suffix string) string {
	s := adapters.FoldUmlauts.Replace(strings.ToLower(display)) // "Köln" → "koeln", not "k-ln"
	var b strings.Builder
	hyphen := false
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			hyphen = false
		} else if !hyphen && b.Len() > 0 {
			b.WriteByte('-')
			hyphen = true
		}
	}
	slug := strings.TrimRight(b.String(), "-")
	if limit := model.ChannelNameMaxLength - len(suffix) - 1; len(slug) > limit {
		slug = strings.TrimRight(slug[:limit], "-")
	}
	if slug == "" {
		slug = "wolbot"
	}
	return slug + "-" + suffix
}

// truncateRunes shortens s to at most n runes.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// isDirectWithBot reports whether a channel name is that of the direct channel between the bot
// and someone: Mattermost names direct channels "<user id>__<user id>".
func (a *Adapter) isDirectWithBot(channelName string) bool {
	x, y, ok := strings.Cut(channelName, "__")
	return ok && (x == a.botID || y == a.botID) && a.botID != ""
}
