package bot

// privacyMsgs are the texts of the data export and deletion commands (privacy.go).
var privacyMsgs = Catalog{
	"de": {
		"describe_data":   "Ihre Daten: alles, was ich über Sie gespeichert habe, als Direktnachricht (Auskunft nach Art. 15 DSGVO)",
		"describe_forget": "Ihre Daten löschen – nach einer Rückfrage (Art. 17 DSGVO)",

		"export_title": "## 📄 Ihre Daten bei wolbot",
		"export_meta":  "Stand: {date}, {time} Uhr · Plattform: {platform} · Ihre Nutzer-ID: `{user}` · Name: {name}",
		"export_intro": "Das ist alles, was wolbot über Sie gespeichert hat (Auskunft nach Art. 15 DSGVO). " +
			"Gespeichert wird nur in der Datenbank (Redis) Ihrer Organisation; nichts davon geht an Dritte. " +
			"Nachrichten, die im Chat stehen, verwaltet der Chat-Server, nicht wolbot.",
		"export_nothing": "Über Sie habe ich derzeit nichts gespeichert.",
		"export_footer": "🗑️ **Löschen:** Mit `/wol vergessen` (oder kurz `/vergessen`) lösche ich alle diese Daten nach einer kurzen Rückfrage. " +
			"Was andere weiter brauchen – etwa ein Thema in der Zusammenfassung einer Lean-Coffee-Runde –, bleibt ohne Ihren Namen stehen.",

		"own_title": "### ⚙️ Einstellungen",
		"own_lang":  "- Sprache, in der ich Ihnen antworte: {lang} (von Ihnen gewählt)",
		"lang_de":   "Deutsch",
		"lang_en":   "Englisch",
		"lang_":     "unbekannt",

		"data_sent": "Ich habe Ihnen alle Daten, die ich über Sie gespeichert habe, als Direktnachricht geschickt.",

		"cmd_data":      "/daten",
		"minutes.one":   "einer Minute",
		"minutes.other": "{n} Minuten",

		"word_confirm":      "bestätigen",
		"word_cancel":       "abbrechen",
		"btn_forget":        "Ja, alles löschen",
		"btn_keep":          "Nein, behalten",
		"word_texts":        "texte",
		"forget_texts_hint": "Sollen auch Ihre Themen und Notizen aus beendeten Lean-Coffee-Runden verschwinden (statt anonym stehen zu bleiben), schreiben Sie `{confirm}`.",
		"forget_ask": "🗑️ **Möchten Sie, dass ich alle Daten über Sie lösche?**\n" +
			"Das betrifft Ihre Anmeldungen zu Working-Out-Loud-Kreisen (auch Ihren Platz in einem laufenden Kreis), Ihr Kurzimpuls-Abo mit Archiv und Rückmeldungen, " +
			"Ihre Beiträge in Lean-Coffee-Runden und Ihre Spracheinstellung. Themen und Notizen, die andere in einer Zusammenfassung brauchen, bleiben stehen – " +
			"aber ohne Ihren Namen, als „(anonym)“. Das lässt sich nicht rückgängig machen.\n\n" +
			"Zum Bestätigen klicken Sie auf den Knopf oder schreiben Sie `{confirm}` – innerhalb von {duration}.",
		"forget_done": "✅ Erledigt: Ich habe alle Daten über Sie gelöscht; was andere weiter brauchen, steht dort nur noch als „(anonym)“. " +
			"Wenn Sie wieder mitmachen, fangen wir ganz neu an. Alles Gute!",
		"forget_cancelled":   "In Ordnung – ich lösche nichts. Ihre Daten bleiben, wie sie sind.",
		"forget_none":        "Es liegt keine offene Löschanfrage vor – vielleicht ist sie schon erledigt oder die Frist von {duration} ist abgelaufen. Möchten Sie Ihre Daten löschen lassen, schreiben Sie bitte `{cmd}`.",
		"forget_stale":       "Diese Rückfrage ist nicht mehr aktuell, weil Sie inzwischen eine neue gestellt haben. Bitte nutzen Sie die neueste Nachricht oder schreiben Sie `{cmd} bestätigen`.",
		"forget_unknown_arg": "„{arg}“ verstehe ich hier nicht. Schreiben Sie `{cmd}`, um Ihre Daten löschen zu lassen, oder `{cmd} abbrechen`.",
	},
	"en": {
		"describe_data":   "Your data: everything I have stored about you, as a direct message (access under Art. 15 GDPR)",
		"describe_forget": "Delete your data – after one check-back (Art. 17 GDPR)",

		"export_title": "## 📄 Your data at wolbot",
		"export_meta":  "As of {date}, {time} · platform: {platform} · your user id: `{user}` · name: {name}",
		"export_intro": "This is everything wolbot has stored about you (access under Art. 15 GDPR). " +
			"It is kept only in your organisation's database (Redis); none of it goes to third parties. " +
			"Messages that are in the chat are managed by the chat server, not by wolbot.",
		"export_nothing": "I have nothing stored about you at the moment.",
		"export_footer": "🗑️ **Delete:** With `/wolbot forget` (or `/wol forget`) I delete all of this after a short check-back. " +
			"What others still need – such as a topic in a Lean Coffee summary – stays, without your name.",

		"own_title": "### ⚙️ Settings",
		"own_lang":  "- Language I answer you in: {lang} (your choice)",
		"lang_de":   "German",
		"lang_en":   "English",
		"lang_":     "unknown",

		"data_sent": "I've sent you everything I have stored about you as a direct message.",

		"cmd_data":      "/wolbot data",
		"minutes.one":   "one minute",
		"minutes.other": "{n} minutes",

		"word_confirm":      "confirm",
		"word_cancel":       "cancel",
		"btn_forget":        "Yes, delete everything",
		"btn_keep":          "No, keep it",
		"word_texts":        "texts",
		"forget_texts_hint": "If your topics and notes in finished Lean Coffee rounds should go too (instead of staying anonymously), type `{confirm}`.",
		"forget_ask": "🗑️ **Would you like me to delete all data about you?**\n" +
			"That covers your Working Out Loud enrolments (including your seat in a running circle), your impulse subscription with its archive and feedback, " +
			"your contributions to Lean Coffee rounds and your language setting. Topics and notes that others need in a summary stay – " +
			"but without your name, as “(anonymous)”. This cannot be undone.\n\n" +
			"To confirm, click the button or type `{confirm}` – within {duration}.",
		"forget_done": "✅ Done: I've deleted all data about you; what others still need now shows only “(anonymous)”. " +
			"If you join again, we start afresh. All the best!",
		"forget_cancelled":   "All right – I'm not deleting anything. Your data stays as it is.",
		"forget_none":        "There is no open deletion request – perhaps it has been carried out already, or the time allowed ({duration}) has run out. To have your data deleted, please type `{cmd}`.",
		"forget_stale":       "This check-back is out of date because you've asked again since. Please use the newest message or type `{cmd} confirm`.",
		"forget_unknown_arg": "I don't understand “{arg}” here. Type `{cmd}` to have your data deleted, or `{cmd} cancel`.",
	},
}
