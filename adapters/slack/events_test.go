package slack

import (
	"testing"

	"github.com/slack-go/slack/slackevents"

	"github.com/wolbot/wolbot/adapters"
)

func TestEventsAPITranslation(t *testing.T) {
	a := &Adapter{botUser: testBotUser, team: testTeam}
	mention := func(text string) slackevents.AppMentionEvent {
		return slackevents.AppMentionEvent{Type: "app_mention", User: testUser, Text: text, Channel: "C0LEAN", TimeStamp: "1.1"}
	}
	im := func(m slackevents.MessageEvent) slackevents.MessageEvent {
		m.Type, m.Channel, m.TimeStamp = "message", "D012A3CDE", "1.2"
		if m.ChannelType == "" {
			m.ChannelType = "im"
		}
		if m.User == "" && m.BotID == "" {
			m.User = testUser
		}
		return m
	}
	tests := []struct {
		name   string
		inner  any
		want   string // Event.Text; "" means no event
		direct bool
	}{
		{name: "mention first is a command", inner: mention("<@" + testBotUser + "> lc start votes=3"), want: "lc start votes=3"},
		{name: "mention with name and colon", inner: mention("<@" + testBotUser + "|wolbot>: lc status"), want: "lc status"},
		{name: "mention in passing is chat", inner: mention("frag mal <@" + testBotUser + ">")},
		{name: "mention of someone else first is chat", inner: mention("<@U0ANNA> <@" + testBotUser + "> lc")},
		{name: "mention alone is nothing", inner: mention("<@" + testBotUser + ">")},
		{name: "mention by another bot is ignored", inner: func() any {
			m := mention("<@" + testBotUser + "> lc start")
			m.BotID = "B0OTHER"
			return m
		}()},
		{name: "edited mention is ignored", inner: func() any {
			m := mention("<@" + testBotUser + "> lc start")
			m.Edited = &slackevents.Edited{User: testUser, TimeStamp: "1.3"}
			return m
		}()},
		{name: "mention in a DM is left to message.im", inner: func() any {
			m := mention("<@" + testBotUser + "> lc start")
			m.Channel = "D012A3CDE"
			return m
		}()},
		{name: "slack markup is simplified", inner: mention("<@" + testBotUser + "> lc moderator <@U0ANNA|anna> in <#C0LEAN|lean-coffee> &amp; <https://example.org|hier> &lt;3"),
			want: "lc moderator @U0ANNA in #lean-coffee & https://example.org <3"},
		{name: "broadcast markup becomes plain text", inner: mention("<@" + testBotUser + "> lc topic <!here> bitte"), want: "lc topic @here bitte"},
		{name: "IM is a direct command", inner: im(slackevents.MessageEvent{Text: "lc help"}), want: "lc help", direct: true},
		{name: "IM with slash and mention", inner: im(slackevents.MessageEvent{Text: "<@" + testBotUser + "> /lc help"}), want: "lc help", direct: true},
		{name: "bot's own IM message is ignored", inner: im(slackevents.MessageEvent{User: testBotUser, Text: "Hilfe"})},
		{name: "bot message is ignored", inner: im(slackevents.MessageEvent{BotID: testBotID, Text: "Hilfe"})},
		{name: "edit is ignored", inner: im(slackevents.MessageEvent{SubType: "message_changed", Text: "lc help"})},
		{name: "join is ignored", inner: im(slackevents.MessageEvent{SubType: "channel_join", Text: "joined"})},
		{name: "channel message is ignored", inner: im(slackevents.MessageEvent{ChannelType: "channel", Text: "lc help"})},
		{name: "empty IM is ignored", inner: im(slackevents.MessageEvent{Text: "  "})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outer, err := slackevents.ParseEvent(eventCallback(t, "Ev1", tt.inner), slackevents.OptionNoVerifyToken())
			if err != nil {
				t.Fatal(err)
			}
			in, ok := a.fromEventsAPI(outer)
			if tt.want == "" {
				if ok {
					t.Errorf("got event %+v, want none", in.ev)
				}
				return
			}
			if !ok {
				t.Fatalf("no event, want %q", tt.want)
			}
			ev := in.ev
			if ev.Text != tt.want || ev.Direct != tt.direct || ev.ID != "Ev1" || ev.Kind != adapters.KindCommand ||
				ev.Platform != "slack" || ev.Team != testTeam || ev.User != testUser {
				t.Errorf("event %+v, want text %q direct %v", ev, tt.want, tt.direct)
			}
		})
	}
}
