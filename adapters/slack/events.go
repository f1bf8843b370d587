package slack

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/wolbot/wolbot/adapters"
)

// inbound is an event on its way to the handler, with what enrich still has to find out.
type inbound struct {
	ev adapters.Event
	// checkIM: the event came from a direct conversation ("D…"), but not necessarily the
	// bot's own one (a slash command works in any DM); enrich asks Slack.
	checkIM bool
	// responseURL is Slack's response_url of a command or click, for [Adapter.Ephemeral].
	responseURL string
}

var (
	mentionRe  = regexp.MustCompile(`<@([UW][A-Z0-9]+)(?:\|[^>]*)?>`)
	channelRe  = regexp.MustCompile(`<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>`)
	specialRe  = regexp.MustCompile(`<!([a-z]+)(?:\^[^|>]*)?(?:\|([^>]*))?>`)
	linkMarkRe = regexp.MustCompile(`<([^@#!|>][^|>]*)(?:\|[^>]*)?>`)
	unescaper  = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
)

// plainText turns the text of a Slack message or command into what a user would have typed:
// mentions become "@U123", channels "#name", broadcasts "@here", links their URL, and the
// entities &amp; &lt; &gt; their characters.
func plainText(s string) string {
	s = mentionRe.ReplaceAllString(s, "@$1")
	s = channelRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := channelRe.FindStringSubmatch(m)
		if sub[2] != "" {
			return "#" + sub[2]
		}
		return "#" + sub[1]
	})
	s = specialRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := specialRe.FindStringSubmatch(m)
		if sub[2] != "" {
			return sub[2]
		}
		return "@" + sub[1]
	})
	s = linkMarkRe.ReplaceAllString(s, "$1")
	return strings.TrimSpace(unescaper.Replace(s))
}

// stripMention removes the bot's mention from the start of text and reports whether it was
// there.
func (a *Adapter) stripMention(text string) (string, bool) {
	t := strings.TrimLeft(text, " \t\n")
	m := mentionRe.FindStringSubmatchIndex(t)
	if m == nil || m[0] != 0 || t[m[2]:m[3]] != a.botUser {
		return text, false
	}
	return strings.TrimLeft(t[m[1]:], " \t\n:,"), true
}

// fromSlash translates a slash command. fallbackID is used as Event.ID when Slack sent no
// trigger_id (the Socket Mode envelope id).
func (a *Adapter) fromSlash(cmd slack.SlashCommand, fallbackID string) (inbound, bool) {
	word := strings.TrimPrefix(strings.TrimSpace(cmd.Command), "/")
	if word == "" || cmd.UserID == "" {
		return inbound{}, false
	}
	id := cmd.TriggerID
	if id == "" {
		id = fallbackID
	}
	text := word
	if rest := plainText(cmd.Text); rest != "" {
		text += " " + rest
	}
	direct := strings.HasPrefix(cmd.ChannelID, "D")
	name := cmd.ChannelName
	if name == "directmessage" || name == "privategroup" {
		name = ""
	}
	return inbound{
		ev: adapters.Event{
			Kind:        adapters.KindCommand,
			Platform:    platform,
			Team:        cmd.TeamID,
			Channel:     cmd.ChannelID,
			ChannelName: name,
			User:        cmd.UserID,
			UserName:    cmd.UserName,
			ID:          id,
			Direct:      direct,
			Text:        text,
		},
		checkIM:     direct,
		responseURL: cmd.ResponseURL,
	}, true
}

// fromEventsAPI translates an Events API callback (app_mention, message.im). Other events,
// and messages not meant as commands, give false.
func (a *Adapter) fromEventsAPI(outer slackevents.EventsAPIEvent) (inbound, bool) {
	cb, ok := outer.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok || outer.Type != slackevents.CallbackEvent {
		return inbound{}, false
	}
	ev := adapters.Event{
		Kind:     adapters.KindCommand,
		Platform: platform,
		Team:     outer.TeamID,
		ID:       cb.EventID,
	}
	switch e := outer.InnerEvent.Data.(type) {
	case *slackevents.AppMentionEvent:
		// In the bot's DM the message.im event carries the same message; an edit would
		// run the command a second time.
		if e.BotID != "" || e.User == "" || e.User == a.botUser || e.Edited != nil || strings.HasPrefix(e.Channel, "D") {
			return inbound{}, false
		}
		text, ok := a.stripMention(e.Text)
		if !ok {
			return inbound{}, false // mentioned in passing, not addressed
		}
		ev.Channel, ev.User, ev.Text = e.Channel, e.User, plainText(text)
	case *slackevents.MessageEvent:
		if e.ChannelType != "im" || e.SubType != "" || e.BotID != "" || e.User == "" || e.User == a.botUser {
			return inbound{}, false
		}
		text, _ := a.stripMention(e.Text)
		ev.Channel, ev.User, ev.Direct = e.Channel, e.User, true
		ev.Text = strings.TrimPrefix(plainText(text), "/")
	default:
		return inbound{}, false
	}
	if ev.Team == "" {
		ev.Team = a.team
	}
	if strings.TrimSpace(ev.Text) == "" {
		return inbound{}, false
	}
	return inbound{ev: ev}, true
}

// fromInteraction translates the button clicks of a block_actions interaction; other
// interactions give none.
func (a *Adapter) fromInteraction(cb slack.InteractionCallback) []inbound {
	if cb.Type != slack.InteractionTypeBlockActions || cb.User.ID == "" {
		return nil
	}
	channel := cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	post := cb.Container.MessageTs
	if post == "" {
		post = cb.Message.Timestamp
	}
	team := cb.Team.ID
	if team == "" {
		team = cb.User.TeamID
	}
	var out []inbound
	for i, act := range cb.ActionCallback.BlockActions {
		if act == nil || actionID(act.ActionID) == "" {
			continue // no button id: nothing to route (a forged or foreign payload)
		}
		id := cb.TriggerID
		if id == "" {
			id = cb.User.ID + ":" + act.ActionTs
		}
		if i > 0 {
			id += "#" + strconv.Itoa(i) // Slack sends one action per click; be safe
		}
		direct := strings.HasPrefix(channel, "D")
		out = append(out, inbound{
			ev: adapters.Event{
				Kind:        adapters.KindAction,
				Platform:    platform,
				Team:        team,
				Channel:     channel,
				ChannelName: cb.Channel.Name,
				User:        cb.User.ID,
				UserName:    cb.User.Name,
				ID:          id,
				Direct:      direct,
				ActionID:    actionID(act.ActionID),
				Value:       act.Value,
				PostID:      post,
			},
			checkIM:     direct,
			responseURL: cb.ResponseURL,
		})
	}
	return out
}

// enrich adds what the payload lacks: the user's name and locale (users.info, cached), and
// whether a "D…" channel is the bot's own direct conversation. Failures are logged and the
// event goes on without.
func (a *Adapter) enrich(ctx context.Context, in *inbound) {
	if u, err := a.userInfo(ctx, in.ev.User); err != nil {
		a.log.Warn().Err(err).Str("user", in.ev.User).Msg("user name and locale unavailable")
	} else {
		if u.Name != "" {
			in.ev.UserName = u.Name
		}
		in.ev.Locale = u.Locale
	}
	if in.checkIM {
		im, err := a.imChannel(ctx, in.ev.User)
		if err != nil {
			// Most commands typed in a DM are typed in the bot's: assume so.
			a.log.Warn().Err(err).Str("user", in.ev.User).Msg("could not tell whether a DM is the bot's")
			return
		}
		in.ev.Direct = im == in.ev.Channel
	}
}
