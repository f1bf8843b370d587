package mattermost

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wolbot/wolbot/adapters"
)

// Keys of a button's integration context.
const (
	ctxAction = "action"
	ctxValue  = "value"
	ctxExp    = "exp"  // unix seconds after which the signature is no longer accepted
	ctxUser   = "user" // set on ephemeral buttons: the only user who may click them
	ctxSig    = "sig"
)

// DefaultButtonTTL is how long a button's signature is accepted when [Options].ButtonTTL is
// zero. Posts the bot updates (a Lean Coffee board) are signed afresh with every update.
const DefaultButtonTTL = 30 * 24 * time.Hour

// scope is what a button's signature is bound to besides its action and value: the post and
// channel it was issued for, or, on an ephemeral post (whose id the bot learns only after
// posting and can never update), the channel and the one user who sees it.
type scope struct {
	post, channel, user string
}

// zwsp is a zero-width space: invisible, but it breaks a token Mattermost would read as a
// mention.
const zwsp = "\u200b"

// newPost renders msg as a post in channel: the text as-is (Mattermost renders CommonMark), the
// buttons as one message attachment whose signatures are bound to sc.
func (a *Adapter) newPost(channel string, msg adapters.Message, sc scope) *model.Post {
	p := &model.Post{ChannelId: channel, Message: msg.Text}
	if len(msg.Buttons) > 0 {
		p.SetProps(model.StringInterface{model.PostPropsAttachments: a.attachments(msg.Buttons, sc)})
	}
	return p
}

// attachments renders buttons as one message attachment. Each action calls back to the action
// endpoint with a signed context. Action ids are "b0", "b1", …: Mattermost routes clicks by
// /posts/{post_id}/actions/{action_id} and accepts only letters and digits there, and the ids
// need only be unique within the post. The attachment text lists each button's text command,
// so that nothing a button does is out of reach of the keyboard or a screen reader.
func (a *Adapter) attachments(buttons []adapters.Button, sc scope) []*model.MessageAttachment {
	exp := strconv.FormatInt(a.now().Add(a.buttonTTL).Unix(), 10)
	actions := make([]*model.PostAction, 0, len(buttons))
	for i, b := range buttons {
		name := b.Label
		if name == "" {
			name = b.Command
		}
		if name == "" {
			name = b.ID
		}
		c := map[string]any{
			ctxAction: b.ID,
			ctxValue:  b.Value,
			ctxExp:    exp,
			ctxSig:    a.sign(b.ID, b.Value, exp, sc),
		}
		if sc.user != "" {
			c[ctxUser] = sc.user
		}
		actions = append(actions, &model.PostAction{
			Id:          "b" + strconv.Itoa(i),
			Type:        model.PostActionTypeButton,
			Name:        name,
			Style:       buttonStyle(b.Style),
			Integration: &model.PostActionIntegration{URL: a.actionURL, Context: c},
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

// sign returns the hex HMAC-SHA256 of a button's action id, value and expiry, and the scope
// it is issued for.
func (a *Adapter) sign(action, value, exp string, sc scope) string {
	return hex.EncodeToString(a.mac(action, value, exp, sc))
}

func (a *Adapter) mac(action, value, exp string, sc scope) []byte {
	m := hmac.New(sha256.New, a.secret)
	// A version prefix, so that a signature of the old (action, value) form never matches.
	m.Write([]byte(strings.Join([]string{"v2", action, value, exp, sc.post, sc.channel, sc.user}, "\x00")))
	return m.Sum(nil)
}

// verify checks the signature in a button callback's context against the post, channel and
// user of the click, and the expiry; it returns the action id and value it signs. A missing
// key, a non-string value, a wrong signature, an expired one, a signature issued for another
// post or channel, or an ephemeral button clicked by someone else fails.
func (a *Adapter) verify(c map[string]any, post, channel, user string) (action, value string, ok bool) {
	action, okA := c[ctxAction].(string)
	value, okV := c[ctxValue].(string)
	exp, okE := c[ctxExp].(string)
	sig, okS := c[ctxSig].(string)
	if !okA || !okV || !okE || !okS {
		return "", "", false
	}
	expires, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || a.now().Unix() > expires {
		return "", "", false
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return "", "", false
	}
	sc := scope{post: post, channel: channel}
	if u, bound := c[ctxUser]; bound {
		// An ephemeral button: only the user it was shown to may click it, on any of the
		// ephemeral posts in that channel (their ids are not known when they are signed).
		if u != user || user == "" {
			return "", "", false
		}
		sc = scope{channel: channel, user: user}
	} else if post == "" {
		return "", "", false
	}
	return action, value, hmac.Equal(got, a.mac(action, value, exp, sc))
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

// directName is the name Mattermost gives the direct channel between the bot and user: both
// ids, sorted, joined by "__".
func (a *Adapter) directName(user string) string {
	if a.botID == "" || user == "" {
		return ""
	}
	if user < a.botID {
		return user + "__" + a.botID
	}
	return a.botID + "__" + user
}
