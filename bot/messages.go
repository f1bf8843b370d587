package bot

// coreMsgs are the texts of the router itself.
var coreMsgs = Catalog{
	"de": {
		"unknown_command": "Den Befehl „{cmd}“ kenne ich leider nicht. Was ich kann, zeigt `/wolbot hilfe`.",
		"internal_error":  "Das hat leider nicht geklappt – bei mir ist ein Fehler aufgetreten. Bitte versuchen Sie es gleich noch einmal; Ihre bisherigen Eingaben sind gespeichert.",
		"welcome":         "Guten Tag – schön, dass Sie sich melden! Schreiben Sie mir hier einfach einen Befehl, zum Beispiel `hilfe`; im Kanal geht alles mit den Schrägstrich-Befehlen unten.",
		"welcome_channel": "Guten Tag – schön, dass Sie sich melden!",
		"help_intro":      "**wolbot** unterstützt den Austausch zwischen Kommunen. Das kann ich:",
		"help_lang":       "Sprache: `/wolbot sprache de` (Deutsch) · For English: `/wolbot language en`",
		"lang_current":    "Ich antworte Ihnen auf Deutsch. For English: `/wolbot language en`",
		"lang_unknown":    "Die Sprache „{lang}“ spreche ich nicht. Möglich sind `de` (Deutsch) und `en` (English).",
		"lang_set":        "Gern – ab jetzt antworte ich Ihnen auf Deutsch.",
		"rate_limited":    "Das ging gerade sehr schnell hintereinander – ich habe einige Ihrer letzten Eingaben nicht verarbeitet. Bitte warten Sie einen Moment und versuchen Sie es dann noch einmal.",
	},
	"en": {
		"unknown_command": "Sorry, I don't know the command “{cmd}” – `/wolbot help` shows what I can do.",
		"internal_error":  "Sorry, that didn't work – something went wrong on my side. Please try again in a moment; everything you entered so far is saved.",
		"welcome":         "Hello – good to hear from you! Just write me a command here, for example `help`; in a channel, everything works with the slash commands below.",
		"welcome_channel": "Hello – good to hear from you!",
		"help_intro":      "**wolbot** supports exchange between municipalities. Here is what I can do:",
		"help_lang":       "Language: `/wolbot language en` (English) · Auf Deutsch: `/wolbot sprache de`",
		"lang_current":    "I'm answering you in English. Auf Deutsch: `/wolbot sprache de`",
		"lang_unknown":    "I don't speak “{lang}” – available are `de` (Deutsch) and `en` (English).",
		"lang_set":        "Sure – from now on I'll answer you in English.",
		"rate_limited":    "That was a lot in a very short time – I didn't process some of your last inputs. Please wait a moment and then try again.",
	},
}
