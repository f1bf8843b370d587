package impulses

import "github.com/wolbot/wolbot/bot"

// msgs holds every text of the feature. Markdown; user text is inserted already escaped. The
// impulses themselves come from the library, whose authors are trusted.
var msgs = bot.Catalog{
	"de": {
		"describe": "Kurzimpulse: jede Woche ein kurzer Denkanstoß mit einer Reflexionsfrage für Leitung und Planung (`/impuls hilfe`)",
		"help": "**Kurzimpulse mit wolbot** – in der Regel einmal pro Woche ein kurzer Impuls (höchstens 150 Wörter) mit einer Frage zum Nachdenken, " +
			"als Direktnachricht. Die Reihe kommt in fester Reihenfolge, jeder Impuls genau einmal.\n\n" +
			"- `/impuls abo [leitung|planung|alle] [region=<Name>]` – abonnieren (ohne Angabe: für Leitungskräfte)\n" +
			"- `/impuls jetzt` – den nächsten Impuls sofort erhalten\n" +
			"- `/impuls pause 4w` – pausieren (`10d`, `2 Wochen`; 1 Tag bis 52 Wochen); Sie verpassen nichts\n" +
			"- `/impuls weiter` – die Pause vorzeitig beenden\n" +
			"- `/impuls archiv` – alle erhaltenen Impulse\n" +
			"- `/impuls status` – Ihr Abo auf einen Blick\n" +
			"- `/impuls feedback <id> gut|weniger` – wie die Knöpfe unter jedem Impuls\n" +
			"- `/impuls stopp` – abbestellen (das Archiv bleibt)\n" +
			"- `/impuls sprache de` – Antworten auf Deutsch · `/impuls sprache en` – answers in English",
		"help_admin": "\n\n**Für Admins**\n" +
			"- `/impuls abo @name …` oder `/impuls abo # …` – eine Person oder diesen Kanal anmelden (`#<Kanal-ID>` für einen anderen); auch `sprache=en`\n" +
			"- `/impuls stopp @name` oder `/impuls stopp #` – eine Person oder einen Kanal abmelden\n" +
			"- `/impuls zeitplan [<cron>|standard]` – Zeitplan zeigen oder ändern, z. B. `0 8 * * MON` oder `@every 2s`\n" +
			"- `/impuls vorschau <id>` – einen Impuls ansehen, ohne ihn zu verschicken\n" +
			"- `/impuls statistik` – Zustellungen und Rückmeldungen je Impuls\n" +
			"- `/impuls bibliothek` – alle Impulse je Sprache\n" +
			"- `/impuls abonnenten` – Abonnent:innen nach Zielgruppe und Region",

		"aud_leaders":    "Leitungskräfte",
		"aud_planners":   "Planungsfachkräfte",
		"aud_all":        "Leitung und Planung",
		"lang_de":        "Deutsch",
		"lang_en":        "Englisch",
		"details":        "Zielgruppe: {audience}",
		"details_region": "Zielgruppe: {audience} · Region: {region}",
		"next_none":      "sobald neue Impulse dazukommen",

		"imp_text":           "**{title}**\n\n{body}\n\n**Frage:** {question}",
		"imp_footer_user":    "_Pausieren: `/impuls pause 4w` · Abbestellen: `/impuls stopp` · Archiv: `/impuls archiv`_",
		"imp_footer_channel": "_Dieser Kanal erhält die Kurzimpulse von wolbot. Rückmeldungen gern über die Knöpfe; abbestellen können Admins mit `/impuls stopp #`._",
		"btn_up":             "Hilfreich",
		"btn_down":           "Weniger hilfreich",
		// The words of /impuls feedback that the feedback buttons send as their command.
		"cmd_feedback_up":   "gut",
		"cmd_feedback_down": "weniger",
		"all_received": "🎉 Sie haben alle Kurzimpulse der Reihe erhalten – danke, dass Sie dabei waren! " +
			"Sobald neue dazukommen, schicke ich sie Ihnen wie gewohnt. Zum Nachlesen: `/impuls archiv`.",

		"reply_subscribed": "Willkommen bei den Kurzimpulsen! Ab jetzt erhalten Sie regelmäßig einen kurzen Impuls mit einer Frage zum Nachdenken als Direktnachricht – " +
			"den nächsten am {next}. {details}.\nSie möchten nicht warten? `/impuls jetzt`. Pausieren: `/impuls pause 4w`, abbestellen: `/impuls stopp`.",
		"reply_resubscribed":       "Schön, dass Sie wieder dabei sind! Die Reihe geht dort weiter, wo sie stand – der nächste Impuls kommt am {next}. {details}.",
		"reply_subscribed_user":    "{name} erhält ab jetzt die Kurzimpulse als Direktnachricht, den nächsten am {next}. {details}.",
		"reply_subscribed_channel": "Der Kanal {name} erhält ab jetzt die Kurzimpulse, den nächsten am {next}. {details}.",
		"reply_paused":             "Ihre Kurzimpulse pausieren bis {until}. Danach geht die Reihe genau dort weiter, wo sie jetzt steht – Sie verpassen nichts. Früher weitermachen: `/impuls weiter`.",
		"reply_resumed":            "Willkommen zurück! Die Pause ist beendet; der nächste Impuls kommt am {next}.",
		"reply_stopped":            "Sie haben die Kurzimpulse abbestellt – danke fürs Mitlesen! Ihr Archiv bleibt erhalten; mit `/impuls abo` geht die Reihe später dort weiter, wo sie jetzt steht.",
		"reply_stopped_other":      "{name} erhält keine Kurzimpulse mehr. Das Archiv bleibt erhalten.",
		"reply_now":                "Gern – Ihr nächster Impuls ist unterwegs und kommt gleich als Direktnachricht.",
		"reply_all_received.one":   "Sie haben den Kurzimpuls der Reihe schon erhalten. Sobald neue dazukommen, schicke ich sie Ihnen.",
		"reply_all_received.other": "Sie haben schon alle {n} Kurzimpulse der Reihe erhalten. Sobald neue dazukommen, schicke ich sie Ihnen.",
		"reply_feedback_up":        "Danke für Ihre Rückmeldung – schön, dass „{title}“ hilfreich war!",
		"reply_feedback_down":      "Danke für Ihre ehrliche Rückmeldung zu „{title}“ – sie hilft, die Reihe besser zu machen.",
		"reply_feedback_changed":   "Danke – ich habe Ihre Rückmeldung zu „{title}“ geändert: {vote}.",
		"reply_feedback_same":      "Ihre Rückmeldung zu „{title}“ ist schon notiert: {vote}.",
		"vote_up":                  "hilfreich",
		"vote_down":                "weniger hilfreich",

		"archive_title": "**Ihr Archiv** – erhalten: {count} von {total}",
		"archive_line":  "{pos}. **{title}** (`{id}`) – {date}",
		"archive_empty": "Sie haben noch keinen Kurzimpuls erhalten. Den ersten gibt es sofort mit `/impuls jetzt`.",

		"status_none":    "Sie haben die Kurzimpulse nicht abonniert. Mit `/impuls abo` erhalten Sie jede Woche einen kurzen Impuls mit einer Frage zum Nachdenken.",
		"status_stopped": "Sie haben die Kurzimpulse abbestellt ({count} von {total} erhalten). Mit `/impuls abo` geht die Reihe dort weiter, wo sie stand.",
		"status_active":  "**Ihre Kurzimpulse:** aktiv · {details}\nErhalten: {count} von {total} · nächster Impuls: {next}",
		"status_paused":  "**Ihre Kurzimpulse:** pausiert bis {until} · {details}\nErhalten: {count} von {total} · Weiter geht es nach der Pause oder jetzt gleich mit `/impuls weiter`.",

		"schedule_show":      "**Zeitplan:** `{expr}` ({source})\nDie nächsten Termine: {slots}",
		"schedule_src_admin": "von Admins gesetzt",
		"schedule_src_start": "Startwert",
		"schedule_set":       "Der neue Zeitplan `{expr}` gilt ab sofort. Die nächsten Termine: {slots}",
		"schedule_reset":     "Der Zeitplan ist zurückgesetzt auf den Startwert `{expr}`. Die nächsten Termine: {slots}",
		"preview_title":      "**Vorschau** (`{id}`, {lang}, {audience}, Position {order}, {words}):",
		"stats_title":        "**Statistik der Kurzimpulse** (zugestellt · 👍 hilfreich · 👎 weniger hilfreich)",
		"stats_line":         "- `{id}` {title}: {delivered} · 👍 {up} · 👎 {down}",
		"library_title":      "**Bibliothek – {lang}** ({count})",
		"library_line":       "{order}. `{id}` – {title} ({audience})",
		"library_problems":   "⚠️ Nicht geladen:",
		"library_problem":    "- {problem}",
		"subscribers_title":  "**Abonnent:innen:** {total} – davon {people} und {channels}",
		"subscribers_aud":    "Nach Zielgruppe: {list}",
		"subscribers_region": "Nach Region: {list}",
		"region_none":        "ohne Region",
		"impulses.one":       "1 Impuls",
		"impulses.other":     "{n} Impulse",
		"people.one":         "1 Person",
		"people.other":       "{n} Personen",
		"channels.one":       "1 Kanal",
		"channels.other":     "{n} Kanäle",
		"words.one":          "1 Wort",
		"words.other":        "{n} Wörter",

		"err_unknown_sub":          "„{sub}“ kenne ich bei den Kurzimpulsen nicht. Alle Befehle zeigt `/impuls hilfe`.",
		"err_admin_only":           "Das dürfen nur Admins. Was Sie selbst tun können, zeigt `/impuls hilfe`.",
		"err_already":              "Sie erhalten die Kurzimpulse schon – ich habe nichts geändert. Ihren Stand zeigt `/impuls status`.",
		"err_already_other":        "{name} erhält die Kurzimpulse schon – ich habe nichts geändert. Für eine andere Zielgruppe oder Region erst abmelden, dann neu anmelden.",
		"err_not_subscribed":       "Sie haben die Kurzimpulse derzeit nicht abonniert. Anmelden können Sie sich mit `/impuls abo`.",
		"err_not_subscribed_other": "{name} hat die Kurzimpulse derzeit nicht abonniert.",
		"err_not_paused":           "Ihre Kurzimpulse sind gar nicht pausiert – sie kommen wie gewohnt. Pausieren können Sie zum Beispiel mit `/impuls pause 2w`.",
		"err_pause_arg":            "„{arg}“ verstehe ich nicht als Dauer. Bitte zum Beispiel `/impuls pause 4w`, `/impuls pause 10d` oder `/impuls pause 2 Wochen` – mindestens 1 Tag, höchstens 52 Wochen.",
		"err_sub_arg":              "„{arg}“ verstehe ich hier nicht. Möglich sind eine Zielgruppe (`leitung`, `planung` oder `alle`) und `region=<Name>`, zum Beispiel: `/impuls abo planung region=Rheinland`.",
		"err_target_arg":           "Bitte nennen Sie, wen es betrifft: `@name` für eine Person, `#` für diesen Kanal oder `#<Kanal-ID>` für einen anderen.",
		"err_user_unknown":         "„{name}“ kann ich nicht finden. Bitte prüfen Sie den Namen.",
		"err_feedback_arg":         "Bitte so: `/impuls feedback <id> gut` oder `/impuls feedback <id> weniger`. Die Kennung steht in Ihrem Archiv.",
		"err_unknown_impulse":      "Einen Kurzimpuls „{id}“ gibt es nicht. Die Kennungen zeigt `/impuls archiv`.",
		"err_schedule_bad":         "„{expr}“ ist kein gültiger Zeitplan: {error}. Beispiele: `0 8 * * MON` (montags 8 Uhr), `CRON_TZ=Europe/Berlin 30 7 * * TUE`, zum Ausprobieren `@every 2s`. Der bisherige Zeitplan gilt weiter.",
		"err_target_dm":            "In einer Direktnachricht gibt es keinen Kanal, den ich an- oder abmelden könnte. Schreiben Sie den Befehl bitte im Kanal selbst oder nennen Sie ihn: `#<Kanal-ID>`.",
		"sched_fields.one":         "Ein Zeitplan hat fünf Angaben (Minute, Stunde, Tag im Monat, Monat, Wochentag), hier steht nur eine",
		"sched_fields.other":       "Ein Zeitplan hat fünf Angaben (Minute, Stunde, Tag im Monat, Monat, Wochentag), hier stehen {n}",
		"sched_field":              "Die Angabe für {field} („{value}“) verstehe ich nicht; möglich sind {range}, `*` für jede, Listen wie `1,15` und Bereiche wie `1-5`",
		"sched_never":              "Diese Angaben passen zu keinem Tag im Kalender, der Zeitplan käme also nie",
		"sched_zone":               "Die Zeitzone „{zone}“ kenne ich nicht; üblich ist `CRON_TZ=Europe/Berlin`",
		"sched_descriptor":         "Kurzformen sind `@daily`, `@weekly`, `@monthly` und `@every` mit einer Dauer wie `2s` oder `1h`",
		"field_0":                  "die Minute",
		"field_1":                  "die Stunde",
		"field_2":                  "den Tag im Monat",
		"field_3":                  "den Monat",
		"field_4":                  "den Wochentag",
		"range_0":                  "0 bis 59",
		"range_1":                  "0 bis 23",
		"range_2":                  "1 bis 31",
		"range_3":                  "1 bis 12 oder JAN bis DEC",
		"range_4":                  "0 bis 6 (0 ist Sonntag) oder SUN, MON, TUE, WED, THU, FRI, SAT",
	},
	"en": {
		"describe": "Short impulses: a brief weekly prompt with one reflection question for leaders and planners (`/impuls help`)",
		"help": "**Short impulses with wolbot** – usually once a week a short impulse (at most 150 words) with one question to reflect on, " +
			"as a direct message. The series comes in a fixed order, each impulse exactly once.\n\n" +
			"- `/impuls subscribe [leaders|planners|all] [region=<name>]` – subscribe (default: for leaders)\n" +
			"- `/impuls now` – get the next impulse right away\n" +
			"- `/impuls pause 4w` – pause (`10d`, `3 weeks`; 1 day to 52 weeks); you miss nothing\n" +
			"- `/impuls resume` – end the pause early\n" +
			"- `/impuls archive` – every impulse you have received\n" +
			"- `/impuls status` – your subscription at a glance\n" +
			"- `/impuls feedback <id> good|less` – like the buttons below each impulse\n" +
			"- `/impuls stop` – unsubscribe (your archive is kept)\n" +
			"- `/impuls language en` – answers in English · `/impuls language de` – Antworten auf Deutsch",
		"help_admin": "\n\n**For admins**\n" +
			"- `/impuls subscribe @name …` or `/impuls subscribe # …` – subscribe a person or this channel (`#<channel id>` for another); also `lang=en`\n" +
			"- `/impuls stop @name` or `/impuls stop #` – unsubscribe a person or a channel\n" +
			"- `/impuls schedule [<cron>|default]` – show or change the schedule, e.g. `0 8 * * MON` or `@every 2s`\n" +
			"- `/impuls preview <id>` – look at an impulse without sending it\n" +
			"- `/impuls stats` – deliveries and feedback per impulse\n" +
			"- `/impuls library` – all impulses per language\n" +
			"- `/impuls subscribers` – subscribers by audience and region",

		"aud_leaders":    "leaders",
		"aud_planners":   "planners",
		"aud_all":        "leaders and planners",
		"lang_de":        "German",
		"lang_en":        "English",
		"details":        "Audience: {audience}",
		"details_region": "Audience: {audience} · region: {region}",
		"next_none":      "as soon as new impulses are added",

		"imp_text":           "**{title}**\n\n{body}\n\n**Question:** {question}",
		"imp_footer_user":    "_Pause: `/impuls pause 4w` · Unsubscribe: `/impuls stop` · Archive: `/impuls archive`_",
		"imp_footer_channel": "_This channel receives wolbot's short impulses. Feedback is welcome via the buttons; admins unsubscribe it with `/impuls stop #`._",
		"btn_up":             "Helpful",
		"btn_down":           "Less helpful",
		"cmd_feedback_up":    "good",
		"cmd_feedback_down":  "less",
		"all_received": "🎉 You have received every short impulse of the series – thank you for being part of it! " +
			"As soon as new ones are added, I will send them as usual. To read them again: `/impuls archive`.",

		"reply_subscribed": "Welcome to the short impulses! From now on you will regularly receive a short impulse with a question to reflect on as a direct message – " +
			"the next one on {next}. {details}.\nDon't want to wait? `/impuls now`. Pause: `/impuls pause 4w`, unsubscribe: `/impuls stop`.",
		"reply_resubscribed":       "Good to have you back! The series continues where it stood – the next impulse comes on {next}. {details}.",
		"reply_subscribed_user":    "{name} now receives the short impulses as direct messages, the next one on {next}. {details}.",
		"reply_subscribed_channel": "The channel {name} now receives the short impulses, the next one on {next}. {details}.",
		"reply_paused":             "Your short impulses are paused until {until}. Then the series continues exactly where it stands now – you miss nothing. To continue earlier: `/impuls resume`.",
		"reply_resumed":            "Welcome back! The pause is over; the next impulse comes on {next}.",
		"reply_stopped":            "You have unsubscribed from the short impulses – thank you for reading! Your archive is kept; `/impuls subscribe` continues the series later where it stands now.",
		"reply_stopped_other":      "{name} no longer receives short impulses. The archive is kept.",
		"reply_now":                "Sure – your next impulse is on its way and arrives as a direct message in a moment.",
		"reply_all_received.one":   "You have already received the series' short impulse. As soon as new ones are added, I will send them.",
		"reply_all_received.other": "You have already received all {n} short impulses of the series. As soon as new ones are added, I will send them.",
		"reply_feedback_up":        "Thank you for your feedback – glad “{title}” was helpful!",
		"reply_feedback_down":      "Thank you for your honest feedback on “{title}” – it helps make the series better.",
		"reply_feedback_changed":   "Thanks – I have changed your feedback on “{title}”: {vote}.",
		"reply_feedback_same":      "Your feedback on “{title}” is already noted: {vote}.",
		"vote_up":                  "helpful",
		"vote_down":                "less helpful",

		"archive_title": "**Your archive** – received: {count} of {total}",
		"archive_line":  "{pos}. **{title}** (`{id}`) – {date}",
		"archive_empty": "You have not received a short impulse yet. Get the first one right away with `/impuls now`.",

		"status_none":    "You have not subscribed to the short impulses. With `/impuls subscribe` you receive a short impulse with a question to reflect on every week.",
		"status_stopped": "You have unsubscribed from the short impulses ({count} of {total} received). `/impuls subscribe` continues the series where it stood.",
		"status_active":  "**Your short impulses:** active · {details}\nReceived: {count} of {total} · next impulse: {next}",
		"status_paused":  "**Your short impulses:** paused until {until} · {details}\nReceived: {count} of {total} · They continue after the pause, or right now with `/impuls resume`.",

		"schedule_show":      "**Schedule:** `{expr}` ({source})\nThe next slots: {slots}",
		"schedule_src_admin": "set by admins",
		"schedule_src_start": "start value",
		"schedule_set":       "The new schedule `{expr}` applies from now on. The next slots: {slots}",
		"schedule_reset":     "The schedule is reset to the start value `{expr}`. The next slots: {slots}",
		"preview_title":      "**Preview** (`{id}`, {lang}, {audience}, position {order}, {words}):",
		"stats_title":        "**Short impulse statistics** (delivered · 👍 helpful · 👎 less helpful)",
		"stats_line":         "- `{id}` {title}: {delivered} · 👍 {up} · 👎 {down}",
		"library_title":      "**Library – {lang}** ({count})",
		"library_line":       "{order}. `{id}` – {title} ({audience})",
		"library_problems":   "⚠️ Not loaded:",
		"library_problem":    "- {problem}",
		"subscribers_title":  "**Subscribers:** {total} – {people} and {channels}",
		"subscribers_aud":    "By audience: {list}",
		"subscribers_region": "By region: {list}",
		"region_none":        "no region",
		"impulses.one":       "1 impulse",
		"impulses.other":     "{n} impulses",
		"people.one":         "1 person",
		"people.other":       "{n} people",
		"channels.one":       "1 channel",
		"channels.other":     "{n} channels",
		"words.one":          "1 word",
		"words.other":        "{n} words",

		"err_unknown_sub":          "I don't know “{sub}” for short impulses. `/impuls help` lists all commands.",
		"err_admin_only":           "Only admins may do that. `/impuls help` shows what you can do yourself.",
		"err_already":              "You already receive the short impulses – I changed nothing. `/impuls status` shows where you stand.",
		"err_already_other":        "{name} already receives the short impulses – I changed nothing. For another audience or region, unsubscribe first, then subscribe again.",
		"err_not_subscribed":       "You are not subscribed to the short impulses at the moment. Subscribe with `/impuls subscribe`.",
		"err_not_subscribed_other": "{name} is not subscribed to the short impulses at the moment.",
		"err_not_paused":           "Your short impulses are not paused – they arrive as usual. To pause, try `/impuls pause 2w`.",
		"err_pause_arg":            "I don't understand “{arg}” as a duration. Please try `/impuls pause 4w`, `/impuls pause 10d` or `/impuls pause 3 weeks` – at least 1 day, at most 52 weeks.",
		"err_sub_arg":              "I don't understand “{arg}” here. Possible are an audience (`leaders`, `planners` or `all`) and `region=<name>`, for example: `/impuls subscribe planners region=Rhineland`.",
		"err_target_arg":           "Please say whom it concerns: `@name` for a person, `#` for this channel or `#<channel id>` for another one.",
		"err_user_unknown":         "I can't find “{name}” – please check the name.",
		"err_feedback_arg":         "Please write: `/impuls feedback <id> good` or `/impuls feedback <id> less`. The id is shown in your archive.",
		"err_unknown_impulse":      "There is no short impulse “{id}” – `/impuls archive` shows the ids.",
		"err_schedule_bad":         "“{expr}” is not a valid schedule: {error}. Examples: `0 8 * * MON` (Mondays at 8), `CRON_TZ=Europe/Berlin 30 7 * * TUE`, for trying out `@every 2s`. The current schedule stays in force.",
		"err_target_dm":            "A direct message has no channel I could subscribe or unsubscribe. Please send the command in the channel itself, or name it: `#<channel id>`.",
		"sched_fields.one":         "a schedule has five fields (minute, hour, day of month, month, weekday), this has only one",
		"sched_fields.other":       "a schedule has five fields (minute, hour, day of month, month, weekday), this has {n}",
		"sched_field":              "I don't understand the {field} (“{value}”); possible are {range}, `*` for every, lists like `1,15` and ranges like `1-5`",
		"sched_never":              "these fields match no day in the calendar, so the schedule would never come",
		"sched_zone":               "I don't know the time zone “{zone}”; the usual one is `CRON_TZ=Europe/Berlin`",
		"sched_descriptor":         "short forms are `@daily`, `@weekly`, `@monthly` and `@every` with a duration such as `2s` or `1h`",
		"field_0":                  "minute",
		"field_1":                  "hour",
		"field_2":                  "day of month",
		"field_3":                  "month",
		"field_4":                  "weekday",
		"range_0":                  "0 to 59",
		"range_1":                  "0 to 23",
		"range_2":                  "1 to 31",
		"range_3":                  "1 to 12 or JAN to DEC",
		"range_4":                  "0 to 6 (0 is Sunday) or SUN, MON, TUE, WED, THU, FRI, SAT",
	},
}
