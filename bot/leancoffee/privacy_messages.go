package leancoffee

import "github.com/wolbot/wolbot/bot"

// privacyMsgs are the texts of the data export and deletion (privacy.go) and the marker that
// replaces a deleted author.
var privacyMsgs = bot.Catalog{
	"de": {
		"anonymous":        "(anonym)",
		"anonymous_author": "anonym",
		"ann_mod_free":     "ℹ️ Die Moderation dieser Runde ist frei geworden. Alle können mit `/lc weiter`, `/lc verlängern` und `/lc ende` weitermachen – oder die Moderation mit `/lc moderation @name` übernehmen.",

		"data_title":   "### ☕ Lean Coffee",
		"data_intro":   "Runden, an denen Sie teilgenommen haben und die noch gespeichert sind:",
		"data_round":   "- **Runde vom {date}** im Kanal `{channel}` ({phase}){mod}",
		"data_mod":     " – von Ihnen moderiert",
		"data_prevmod": " – Moderation von Ihnen übergeben (Sie können sie zurückholen)",
		"data_topics":  "  - Ihre Themen: {list}",
		"data_topic":   "#{n} „{text}“",
		"data_votes":   "  - Ihre Punkte: {dots} ({list})",
		"data_dots_on": "{dots} auf Thema {n}",
		"data_notes":   "  - Ihre Notizen: {list}",
		"data_note":    "zu Thema {n}: „{text}“",
		"data_thumbs":  "  - Ihre Stimme in der laufenden Daumen-Abstimmung: {thumb}",

		"data_actions_own":   "  - Ihre Aufgaben: {list}",
		"data_actions_wrote": "  - Von Ihnen eingetragene Aufgaben: {list}",
		"data_action":        "zu Thema {n}: „{text}“ (für {owner})",
		"data_expires":       "  - wird automatisch gelöscht am {date}",
	},
	"en": {
		"anonymous":        "(anonymous)",
		"anonymous_author": "anonymous",
		"ann_mod_free":     "ℹ️ This round no longer has a moderator. Anyone can go on with `/lc next`, `/lc extend` and `/lc end` – or take over the moderation with `/lc moderator @name`.",

		"data_title":   "### ☕ Lean Coffee",
		"data_intro":   "Rounds you took part in that are still stored:",
		"data_round":   "- **Round of {date}** in channel `{channel}` ({phase}){mod}",
		"data_mod":     " – moderated by you",
		"data_prevmod": " – moderation handed over by you (you can take it back)",
		"data_topics":  "  - Your topics: {list}",
		"data_topic":   "#{n} “{text}”",
		"data_votes":   "  - Your dots: {dots} ({list})",
		"data_dots_on": "{dots} on topic {n}",
		"data_notes":   "  - Your notes: {list}",
		"data_note":    "on topic {n}: “{text}”",
		"data_thumbs":  "  - Your vote in the open thumbs vote: {thumb}",

		"data_actions_own":   "  - Your action items: {list}",
		"data_actions_wrote": "  - Action items you recorded: {list}",
		"data_action":        "on topic {n}: “{text}” (for {owner})",
		"data_expires":       "  - deleted automatically on {date}",
	},
}
