package bot

// coreMsgs are the texts of the router itself.
var coreMsgs = Catalog{
	"de": {
		"unknown_command": "Den Befehl „{cmd}“ kenne ich leider nicht. Mit `/help` sehen Sie, was ich kann.",
		"internal_error":  "Das hat leider nicht geklappt – bei mir ist ein Fehler aufgetreten. Bitte versuchen Sie es gleich noch einmal; Ihre bisherigen Eingaben sind gespeichert.",
		"help_intro":      "**wolbot** unterstützt den Austausch zwischen Kommunen. Das kann ich:",
		"help_lang":       "Sprache wechseln: `/lang en` (English) oder `/lang de` (Deutsch).",
		"lang_current":    "Ich antworte Ihnen auf Deutsch. Für Englisch: `/lang en`.",
		"lang_unknown":    "Die Sprache „{lang}“ spreche ich nicht. Möglich sind `de` (Deutsch) und `en` (English).",
		"lang_set":        "Gern – ab jetzt antworte ich Ihnen auf Deutsch.",
		"rate_limited":    "Das ging gerade sehr schnell hintereinander – ich habe einige Ihrer letzten Eingaben nicht verarbeitet. Bitte warten Sie einen Moment und versuchen Sie es dann noch einmal.",
	},
	"en": {
		"unknown_command": "Sorry, I don't know the command “{cmd}”. Type `/help` to see what I can do.",
		"internal_error":  "Sorry, that didn't work – something went wrong on my side. Please try again in a moment; everything you entered so far is saved.",
		"help_intro":      "**wolbot** supports exchange between municipalities. Here is what I can do:",
		"help_lang":       "Change language: `/lang de` (Deutsch) or `/lang en` (English).",
		"lang_current":    "I'm answering you in English. For German: `/lang de`.",
		"lang_unknown":    "I don't speak “{lang}”. Available are `de` (Deutsch) and `en` (English).",
		"lang_set":        "Sure – from now on I'll answer you in English.",
		"rate_limited":    "That was a lot in a very short time – I didn't process some of your last inputs. Please wait a moment and then try again.",
	},
}
