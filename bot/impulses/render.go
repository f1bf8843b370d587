package impulses

import (
	"strings"
	"time"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
)

// FeedbackAction is the action id of the feedback buttons; their value is "<impulse id>:up" or
// "<impulse id>:down".
const FeedbackAction = "impuls.feedback"

// impulseMessage renders an impulse as delivered: title, body, question, a footer on pausing
// and stopping, and the feedback buttons. Everything is in the impulse's language. The texts
// come from the library's trusted Markdown files and are not escaped.
func impulseMessage(imp *Impulse, kind string) adapters.Message {
	lang := imp.Language
	footer := "imp_footer_user"
	if kind == KindChannel {
		footer = "imp_footer_channel"
	}
	text := msgs.T(lang, "imp_text", "title", imp.Title, "body", imp.Body, "question", imp.Question) +
		"\n\n" + msgs.T(lang, footer)
	return adapters.Message{Text: text, Buttons: feedbackButtons(imp.ID, lang)}
}

func feedbackButtons(id, lang string) []adapters.Button {
	return []adapters.Button{
		{ID: FeedbackAction, Label: msgs.T(lang, "btn_up"), Value: id + ":up", Style: adapters.StylePrimary,
			Command: "/impuls feedback " + id + " " + msgs.T(lang, "cmd_feedback_up")},
		{ID: FeedbackAction, Label: msgs.T(lang, "btn_down"), Value: id + ":down", Style: adapters.StyleDefault,
			Command: "/impuls feedback " + id + " " + msgs.T(lang, "cmd_feedback_down")},
	}
}

// allReceived is the one polite notice when a subscriber has received the whole series.
func allReceived(lang string) adapters.Message {
	return adapters.Message{Text: msgs.T(lang, "all_received")}
}

// clock formats times for one reader.
type clock struct {
	lang string
	loc  *time.Location
}

// dateTime is "Mo., 13.04.2026, 08:00 Uhr" or "Mon 13 Apr 2026, 08:00" (bot.FormatDayTime).
func (c clock) dateTime(t time.Time) string { return bot.FormatDayTime(c.lang, t.In(c.loc)) }

// date is "Mo., 13.04.2026" or "Mon 13 Apr 2026" (bot.FormatDay).
func (c clock) date(t time.Time) string { return bot.FormatDay(c.lang, t.In(c.loc)) }

// slots lists times separated by semicolons.
func (c clock) slots(ts []time.Time) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = c.dateTime(t)
	}
	return strings.Join(parts, "; ")
}

func audienceLabel(lang, audience string) string { return msgs.T(lang, "aud_"+audience) }

// details is "Zielgruppe: Leitungskräfte · Region: Rheinland"; the region is user text.
func details(lang string, sub *subscriber) string {
	if sub.Region == "" {
		return msgs.T(lang, "details", "audience", audienceLabel(lang, sub.Audience))
	}
	return msgs.T(lang, "details_region", "audience", audienceLabel(lang, sub.Audience), "region", adapters.Escape(sub.Region))
}
