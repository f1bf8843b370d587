package circles

import "github.com/wolbot/wolbot/bot"

// meetMsgs are the texts of meeting.go: the video room, the calendar file and the fit check.
// They live in a file of their own and join msgs at start (init below), so that every lookup
// and the catalogue tests cover them like the rest.
var meetMsgs = bot.Catalog{
	"de": {
		"welcome_room":     "**Ihr Videoraum:** {link} – derselbe Link für jedes Treffen.",
		"welcome_calendar": "📎 Alle Termine hängen als Kalenderdatei an: einmal öffnen, und die Serie steht in Outlook, Thunderbird oder Ihrem anderen Kalender.",
		"remind_room":      "Videoraum: {link}",

		"ics_summary":           "Working-Out-Loud-Kreis {id}",
		"ics_description.one":   "Ihr Working-Out-Loud-Kreis {id}: ein Treffen, 1 Woche. Dabei: {members}. Ablauf und Übungen: {guides}",
		"ics_description.other": "Ihr Working-Out-Loud-Kreis {id}: einmal pro Woche, {n} Wochen lang. Dabei: {members}. Ablauf und Übungen: {guides}",
		"ics_room":              "Videoraum: {link}",
		"ics_updated":           "📅 Im Kreis `{id}` hat sich etwas geändert – hier ist die aktualisierte Kalenderdatei. Einfach öffnen: Ihr Kalender ersetzt die bisherige Terminserie, statt eine zweite anzulegen.",
		"ics_cancelled":         "📅 Die Terminserie des Kreises `{id}` endet hier. Wenn Sie die angehängte Datei öffnen, nimmt Ihr Kalender die Termine heraus.",

		"fit_question": "Eine kurze, vertrauliche Frage nach dem ersten Treffen Ihres Kreises `{id}`: **Wie passt der Kreis für Sie?** " +
			"Die anderen im Kreis sehen Ihre Antwort nicht; die Admins Ihrer Region sehen nur, ob ein Kreis Unterstützung braucht.",
		"btn_fit_good":     "Passt gut",
		"btn_fit_unsure":   "Noch unsicher",
		"btn_fit_no":       "Passt nicht",
		"cmd_fit_good":     "/wol passung gut {id}",
		"cmd_fit_unsure":   "/wol passung unsicher {id}",
		"cmd_fit_no":       "/wol passung nein {id}",
		"reply_fit_good":   "Danke! Schön, dass der Kreis `{id}` für Sie gut passt. 🙌",
		"reply_fit_unsure": "Danke für Ihre ehrliche Antwort. Nach ein, zwei weiteren Treffen wird es oft klarer – Sie können Ihre Antwort jederzeit ändern, z. B. mit `/wol passung gut {id}`.",
		"reply_fit_no":     "Danke, dass Sie es sagen. Die Admins Ihrer Region sehen, dass der Kreis `{id}` Aufmerksamkeit braucht, und können mit Ihnen nach einer Lösung suchen. Wenn Sie lieber gehen möchten: `/wol verlassen`.",
		"err_fit_args":     "So geht’s: `/wol passung gut`, `/wol passung unsicher` oder `/wol passung nein` – wenn Sie in mehreren Kreisen sind, mit dem Kreis dahinter, z. B. `/wol passung gut rheinland-1`.",
		"err_fit_unknown":  "Einen Kreis „{id}“ kenne ich nicht – Ihre Kreise zeigt `/wol ich`.",
		"err_fit_none":     "Sie sind gerade in keinem Kreis – die Frage zur Passung kommt nach dem ersten Treffen.",
		"err_fit_which":    "Sie sind in mehreren Kreisen ({ids}). Bitte nennen Sie den Kreis dazu, z. B. `/wol passung gut <Kreis>`.",
		"help_fit":         "\n- `/wol passung gut|unsicher|nein` – nach dem ersten Treffen sagen, wie gut Ihr Kreis passt (vertraulich)",

		"slot_moved":                   "📅 **Neuer Termin:** Ihr Kreis `{id}` trifft sich ab jetzt {slot}, zum nächsten Mal am {date} um {time} Uhr. Die angehängte Kalenderdatei ersetzt die bisherige Terminserie.",
		"reply_slot_moved":             "Erledigt: Der Kreis `{id}` trifft sich ab {date}, {time} Uhr, {slot}. Die Mitglieder haben die aktualisierte Kalenderdatei im Kreiskanal bekommen.",
		"reply_slot_unavailable.one":   "Achtung: {names} hat diese Zeit bei der Anmeldung nicht angegeben.",
		"reply_slot_unavailable.other": "Achtung: {n} Mitglieder ({names}) haben diese Zeit bei der Anmeldung nicht angegeben.",
		"err_slot_args":                "So geht’s: `/wol termin <Kreis> <Zeit>`, z. B. `/wol termin rheinland-1 do-nm` – eine Zeit wie bei der Anmeldung.",
		"err_slot_one":                 "Bitte genau eine Zeit angeben, z. B. `do-nm` (Donnerstag nachmittags).",
		"err_slot_finished":            "Der Kreis `{id}` hat kein Treffen mehr vor sich – da gibt es nichts zu verschieben.",
		"err_slot_same":                "Der Kreis `{id}` trifft sich schon {slot}.",
		"help_slot":                    "\n- `/wol termin <kreis> <zeit>` – einen laufenden Kreis auf eine andere Zeit verlegen; alle bekommen eine aktualisierte Kalenderdatei",

		"ov_state_attention":         "⚠️ braucht Aufmerksamkeit ({reasons})",
		"ov_reason_missed.one":       "1 Treffen ausgefallen",
		"ov_reason_missed.other":     "{n} Treffen ausgefallen",
		"ov_reason_fit_no.one":       "1 × „passt nicht“",
		"ov_reason_fit_no.other":     "{n} × „passt nicht“",
		"ov_reason_fit_unsure.one":   "noch unsicher: 1 von {answered}",
		"ov_reason_fit_unsure.other": "noch unsicher: {n} von {answered}",

		"data_fit":        "- Ihre Antwort zur Passung des Kreises `{id}`: {answer}",
		"data_fit_good":   "passt gut",
		"data_fit_unsure": "noch unsicher",
		"data_fit_no":     "passt nicht",
	},
	"en": {
		"welcome_room":     "**Your video room:** {link} – the same link for every meeting.",
		"welcome_calendar": "📎 All meetings are attached as a calendar file: open it once and the series is in Outlook, Thunderbird or whichever calendar you use.",
		"remind_room":      "Video room: {link}",

		"ics_summary":           "Working Out Loud circle {id}",
		"ics_description.one":   "Your Working Out Loud circle {id}: one meeting, 1 week. With: {members}. Guidance and exercises: {guides}",
		"ics_description.other": "Your Working Out Loud circle {id}: once a week for {n} weeks. With: {members}. Guidance and exercises: {guides}",
		"ics_room":              "Video room: {link}",
		"ics_updated":           "📅 Something changed in circle `{id}` – here is the updated calendar file. Just open it: your calendar replaces the series instead of adding a second one.",
		"ics_cancelled":         "📅 The meeting series of circle `{id}` ends here. Opening the attached file removes the meetings from your calendar.",

		"fit_question": "A short, confidential question after the first meeting of your circle `{id}`: **How well does the circle fit you?** " +
			"The others in the circle don't see your answer; your region's admins only see whether a circle needs support.",
		"btn_fit_good":     "Fits well",
		"btn_fit_unsure":   "Not sure yet",
		"btn_fit_no":       "Doesn't fit",
		"cmd_fit_good":     "/wol fit good {id}",
		"cmd_fit_unsure":   "/wol fit unsure {id}",
		"cmd_fit_no":       "/wol fit no {id}",
		"reply_fit_good":   "Thank you! Glad circle `{id}` fits you well. 🙌",
		"reply_fit_unsure": "Thanks for your honest answer. After another meeting or two it often becomes clearer – you can change your answer any time, e.g. with `/wol fit good {id}`.",
		"reply_fit_no":     "Thank you for saying so. Your region's admins see that circle `{id}` needs attention and can look for a solution with you. If you'd rather leave: `/wol leave`.",
		"err_fit_args":     "Like this: `/wol fit good`, `/wol fit unsure` or `/wol fit no` – if you are in several circles, add the circle, e.g. `/wol fit good rheinland-1`.",
		"err_fit_unknown":  "I don't know a circle called “{id}” – `/wol me` shows yours.",
		"err_fit_none":     "You're not in a circle right now – the question about the fit comes after the first meeting.",
		"err_fit_which":    "You're in several circles ({ids}). Please add the circle, e.g. `/wol fit good <circle>`.",
		"help_fit":         "\n- `/wol fit good|unsure|no` – after the first meeting, say how well your circle fits (confidential)",

		"slot_moved":                   "📅 **New time:** your circle `{id}` now meets {slot}, next on {date} at {time}. The attached calendar file replaces the previous series.",
		"reply_slot_moved":             "Done: circle `{id}` meets {slot} from {date}, {time}. The members got the updated calendar file in the circle's channel.",
		"reply_slot_unavailable.one":   "Note: {names} did not list this time when enrolling.",
		"reply_slot_unavailable.other": "Note: {n} members ({names}) did not list this time when enrolling.",
		"err_slot_args":                "Like this: `/wol slot <circle> <time>`, e.g. `/wol slot rheinland-1 thu-pm` – a time as in the enrolment.",
		"err_slot_one":                 "Please give exactly one time, e.g. `thu-pm` (Thursday afternoon).",
		"err_slot_finished":            "Circle `{id}` has no meeting ahead – there is nothing to move.",
		"err_slot_same":                "Circle `{id}` already meets {slot}.",
		"help_slot":                    "\n- `/wol slot <circle> <time>` – move a running circle to another time; everyone gets an updated calendar file",

		"ov_state_attention":         "⚠️ needs attention ({reasons})",
		"ov_reason_missed.one":       "1 meeting missed",
		"ov_reason_missed.other":     "{n} meetings missed",
		"ov_reason_fit_no.one":       "1 × “doesn't fit”",
		"ov_reason_fit_no.other":     "{n} × “doesn't fit”",
		"ov_reason_fit_unsure.one":   "not sure yet: 1 of {answered}",
		"ov_reason_fit_unsure.other": "not sure yet: {n} of {answered}",

		"data_fit":        "- Your answer on how circle `{id}` fits: {answer}",
		"data_fit_good":   "fits well",
		"data_fit_unsure": "not sure yet",
		"data_fit_no":     "doesn't fit",
	},
}

// init adds meetMsgs to msgs; a key in both is a programming error.
func init() {
	for lang, m := range meetMsgs {
		for key, text := range m {
			if _, dup := msgs[lang][key]; dup {
				panic("circles: message key " + lang + "/" + key + " defined twice")
			}
			msgs[lang][key] = text
		}
	}
}
