package impulses

import "github.com/wolbot/wolbot/bot"

// privacyMsgs are the texts of the data export (privacy.go).
var privacyMsgs = bot.Catalog{
	"de": {
		"data_title":        "### 💡 Kurzimpulse",
		"data_sub":          "- Ihr Abo: {status} · abonniert am {since} · {details} · Sprache: {lang} · Name im Abo: {name}",
		"data_active":       "aktiv",
		"data_paused":       "pausiert bis {until}",
		"data_stopped":      "abbestellt",
		"data_sub_by_admin": "- Eingerichtet hat das Abo ein:e Admin für Sie.",
		"data_expires":      "- Das abbestellte Abo wird automatisch gelöscht am {date}.",
		"data_archive_none": "- Erhalten haben Sie noch keinen Impuls.",
		"data_archive":      "- Erhaltene Impulse ({count}):",
		"data_archive_line": "  - {date}: {title}",
		"data_archive_kept": "- Diese Liste sorgt dafür, dass Sie keinen Impuls doppelt bekommen; sie wird nach der letzten Zustellung noch eine Weile aufbewahrt und dann automatisch gelöscht.",
		"data_votes":        "- Ihre Rückmeldungen: {list}",
		"data_vote":         "„{title}“: {vote}",
		"data_set_up":       "- Abos, die Sie als Admin für andere eingerichtet haben (dort steht Ihre Nutzer-ID als „eingerichtet von“): {list}",
	},
	"en": {
		"data_title":        "### 💡 Short impulses",
		"data_sub":          "- Your subscription: {status} · subscribed on {since} · {details} · language: {lang} · name in the subscription: {name}",
		"data_active":       "active",
		"data_paused":       "paused until {until}",
		"data_stopped":      "stopped",
		"data_sub_by_admin": "- An admin set up this subscription for you.",
		"data_expires":      "- The stopped subscription is deleted automatically on {date}.",
		"data_archive_none": "- You haven't received an impulse yet.",
		"data_archive":      "- Impulses received ({count}):",
		"data_archive_line": "  - {date}: {title}",
		"data_archive_kept": "- This list makes sure you never get an impulse twice; it is kept for a while after the last delivery and then deleted automatically.",
		"data_votes":        "- Your feedback: {list}",
		"data_vote":         "“{title}”: {vote}",
		"data_set_up":       "- Subscriptions you set up for others as an admin (they name your user id as “set up by”): {list}",
	},
}
