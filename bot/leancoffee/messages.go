package leancoffee

import "github.com/wolbot/wolbot/bot"

// msgs holds every text of the feature. Markdown; user text is inserted already escaped.
var msgs = bot.Catalog{
	"de": {
		"describe": "Lean Coffee: Themen sammeln, mit Punkten abstimmen, in Timeboxes besprechen (`/lc help`)",
		"help": "**Lean Coffee mit wolbot** – eine Besprechung ohne feste Tagesordnung: Alle bringen Themen ein, " +
			"verteilen Punkte, und die Themen werden nach Punkten in festen Zeitfenstern besprochen.\n\n" +
			"**Für alle**\n" +
			"- `/lc topic <Text>` – ein Thema einbringen (solange gesammelt wird, höchstens 300 Zeichen)\n" +
			"- `/lc vote <Nr.>` – einen Punkt auf ein Thema setzen; `/lc unvote <Nr.>` nimmt ihn zurück\n" +
			"- `/lc thumbs up|side|down` – am Ende einer Timebox: 👍 vertiefen, ✋ egal, 👎 weiter\n" +
			"- `/lc note <Text>` – eine Notiz oder ein Ergebnis zum aktuellen Thema festhalten\n" +
			"- `/lc status` – zeigt, wo die Runde steht\n" +
			"- `/lc lang en` – answers in English\n\n" +
			"**Für die Moderation** (wer die Runde gestartet hat, oder Admins)\n" +
			"- `/lc start [votes=3] [timebox=8m] [extensions=4m,2m] [pertopic=3] [thumbs=1m]` – eine Runde starten " +
			"(auch `stimmen=`, `zeit=`, `verlängerung=`; Zeiten wie `8m`, `90s`, `8min`)\n" +
			"- `/lc next` – weiter: Sammeln → Abstimmung → erstes Thema → nächstes Thema\n" +
			"- `/lc extend` – das aktuelle Thema verlängern\n" +
			"- `/lc moderator @name` – die Moderation übergeben\n" +
			"- `/lc end` – die Runde beenden und die Zusammenfassung posten",

		"phase_collecting": "Themen sammeln",
		"phase_voting":     "Abstimmung",
		"phase_discussing": "Diskussion",
		"phase_ended":      "beendet",

		"dots.one":     "1 Punkt",
		"dots.other":   "{n} Punkte",
		"people.one":   "1 Person",
		"people.other": "{n} Personen",
		"ext.one":      "1 Verlängerung",
		"ext.other":    "{n} Verlängerungen",
		"dur_sec":      "{s} Sek.",
		"dur_min":      "{m} Min.",
		"dur_min_sec":  "{m} Min. {s} Sek.",
		"clock":        "{hm} Uhr",
		"none":         "keine",

		"board_title_collecting": "### ☕ Lean Coffee – Themen sammeln",
		"board_title_voting":     "### ☕ Lean Coffee – Abstimmung",
		"board_title_discussing": "### ☕ Lean Coffee – Diskussion",
		"board_title_ended":      "### ☕ Lean Coffee – beendet",
		"board_meta":             "Moderation: {mod} · {dots} pro Person · Timebox {timebox} · Verlängerungen: {ext}",
		"board_no_topics":        "_Noch keine Themen – bringen Sie Ihres ein: `/lc topic <Ihr Thema>`_",
		"board_topic_collect":    "- **#{n}** {text} _({author})_",
		"board_topic_votes":      "- **#{n}** {text} — **{votes}**",
		"board_topic_done":       "- ✅ #{n} {text} — {votes} · {spent}",
		"board_topic_current":    "- ▶️ **#{n} {text}** — {votes}",
		"board_topic_waiting":    "- #{n} {text} — {votes}",
		"board_hint_collecting":  "Thema einbringen: `/lc topic <Ihr Thema>`. Sind alle Themen da, startet die Moderation die Abstimmung mit `/lc next`.",
		"board_hint_voting":      "Punkt setzen: Knopf oder `/lc vote <Nr.>`, zurücknehmen: `/lc unvote <Nr.>`. Jede Person hat {dots}, höchstens {pertopic} pro Thema. Danach startet die Moderation die Diskussion mit `/lc next`.",
		"board_now_talk":         "**Jetzt (Thema {pos} von {count}):** #{n} {text} — Timebox bis {clock}",
		"board_now_thumbs":       "**Jetzt (Thema {pos} von {count}):** #{n} {text} — Daumen-Abstimmung: 👍 {up} · ✋ {side} · 👎 {down}",
		"board_hint_discussing":  "Notiz festhalten: `/lc note <Text>` · Moderation: `/lc next`, `/lc extend`, `/lc end`",
		"board_ended":            "Die Runde ist beendet – die Zusammenfassung steht unten im Kanal.",

		"btn_vote":             "Punkt auf {n}",
		"btn_start_voting":     "Abstimmung starten",
		"btn_start_discussion": "Diskussion starten",
		"btn_next_topic":       "Nächstes Thema",
		"btn_extend":           "Verlängern",
		"btn_end":              "Runde beenden",
		"btn_up":               "👍 Vertiefen",
		"btn_side":             "✋ Egal",
		"btn_down":             "👎 Weiter",

		"ann_voting":         "🗳️ Die Abstimmung läuft! Jede Person hat {dots} – bitte setzen Sie sie mit den Knöpfen am Board oder mit `/lc vote <Nr.>`.",
		"ann_topic":          "▶️ **Thema {pos} von {count}:** {text}\nTimebox: {dur}, bis {clock}.",
		"ann_extended":       "⏱️ Wir bleiben bei „{text}“: noch {dur}, bis {clock}.",
		"ann_thumbs":         "⏰ Die Zeit für „{text}“ ist um. Wie geht es weiter?\n👍 vertiefen · ✋ egal · 👎 nächstes Thema – Knopf oder `/lc thumbs up|side|down`, bis spätestens {clock}.",
		"ann_thumbs_closed":  "⏰ Die Zeit für „{text}“ ist um.",
		"ann_result_extend":  "Ergebnis: 👍 {up} · ✋ {side} · 👎 {down} – wir hängen {dur} an.",
		"ann_result_next":    "Ergebnis: 👍 {up} · ✋ {side} · 👎 {down} – weiter zum nächsten Thema.",
		"ann_result_noext":   "Ergebnis: 👍 {up} · ✋ {side} · 👎 {down} – die Verlängerungen sind aufgebraucht, weiter zum nächsten Thema.",
		"ann_result_skipped": "Die Moderation hat entschieden, ohne Abstimmung weiterzumachen.",
		"ann_result_ended":   "Die Moderation hat die Runde beendet.",
		"ann_moderator":      "Die Moderation dieser Runde liegt jetzt bei {mod}.",

		"sum_title":      "### ☕ Lean Coffee – Zusammenfassung vom {date}",
		"sum_meta":       "Moderation: {mod} · {people} · Dauer: {dur}",
		"sum_topic_done": "- #{n} **{text}** — {votes} · besprochen: {spent}",
		"sum_topic_ext":  "- #{n} **{text}** — {votes} · besprochen: {spent} ({ext})",
		"sum_topic_open": "- #{n} **{text}** — {votes} · nicht besprochen",
		"sum_note":       "    - {text} _({author})_",
		"sum_no_topics":  "_Es wurden keine Themen eingebracht._",
		"sum_footer":     "Danke fürs Mitmachen! Diese Zusammenfassung können Sie direkt ins Protokoll übernehmen. Eine neue Runde startet mit `/lc start`.",

		"status_collecting": "**Stand:** Die Runde sammelt Themen, moderiert von {mod}.",
		"status_voting":     "**Stand:** Die Abstimmung läuft. Sie haben noch {left} von {dots} Punkten.",
		"status_talk":       "**Stand:** Thema {pos} von {count} wird besprochen, die Timebox endet um {clock} (noch {left}).",
		"status_thumbs":     "**Stand:** Thema {pos} von {count} – die Daumen-Abstimmung läuft bis {clock}.",
		"status_ended":      "**Stand:** Die letzte Runde in diesem Kanal ist beendet. Eine neue starten Sie mit `/lc start`.",

		"reply_started":   "Ihre Runde läuft, und Sie moderieren. Sind alle Themen da, starten Sie die Abstimmung mit `/lc next`. Die Moderation abgeben: `/lc moderator @name`.",
		"reply_topic":     "Danke! Ihr Thema steht als Nr. {n} auf dem Board.",
		"reply_voted":     "Ihr Punkt auf Thema {n} ist gezählt. Sie haben noch {left} von {dots} Punkten.",
		"reply_unvoted":   "Ihr Punkt auf Thema {n} ist zurückgenommen. Sie haben wieder {left} von {dots} Punkten.",
		"reply_thumbs":    "Danke, Ihre Stimme ({thumb}) ist gezählt. Bis die Abstimmung schließt, können Sie sie noch ändern.",
		"reply_note":      "Ihre Notiz zu Thema {n} ist festgehalten.",
		"reply_duplicate": "Das ist schon angekommen – ich habe es nur einmal gezählt.",

		"err_direct":          "Eine Lean-Coffee-Runde findet in einem Kanal statt, in dem alle Teilnehmenden mitlesen – hier im Direktgespräch wäre es eine Runde nur mit Ihnen. Bitte geben Sie `/lc start` im Kanal Ihrer Gruppe ein (laden Sie mich dort vorher ein, falls ich noch nicht dabei bin). Alle Befehle: `/lc hilfe`.",
		"err_no_round":        "In diesem Kanal läuft gerade keine Lean-Coffee-Runde. Starten Sie eine mit `/lc start`.",
		"err_ended":           "Diese Runde ist schon beendet. Eine neue starten Sie mit `/lc start`.",
		"err_round_stale":     "Dieser Knopf gehört zu einer früheren, inzwischen beendeten Runde.",
		"err_active":          "Hier läuft schon eine Runde, moderiert von {mod}. Mit `/lc status` sehen Sie, wo sie steht.",
		"err_no_topics":       "Es gibt noch keine Themen – bitte zuerst sammeln: `/lc topic <Ihr Thema>`.",
		"err_not_discussing":  "Das geht nur, während ein Thema besprochen wird.",
		"err_no_thumbs_open":  "Gerade läuft keine Daumen-Abstimmung. Sie öffnet sich, wenn die Timebox eines Themas endet.",
		"err_moved_on":        "Die Runde ist inzwischen weiter – dieser Knopf gehört zu einem früheren Schritt. `/lc status` zeigt den aktuellen Stand.",
		"err_not_active":      "Diese Runde ist nicht mehr aktiv.",
		"err_not_moderator":   "Das darf nur die Moderation dieser Runde ({mod}) oder ein:e Admin.",
		"err_unknown_sub":     "„{sub}“ kenne ich bei Lean Coffee nicht. Alle Befehle zeigt `/lc help`.",
		"err_topic_empty":     "Bitte schreiben Sie Ihr Thema hinter den Befehl, zum Beispiel: `/lc topic Wie beteiligen wir Jugendliche an der Planung?`",
		"err_topic_long":      "Ihr Thema hat {len} Zeichen – bitte fassen Sie es in höchstens {max} Zeichen.",
		"err_topic_phase":     "Themen werden nur gesammelt, solange die Runde sammelt. Gerade ist: {phase}.",
		"err_topics_full":     "Das Board ist voll ({max} Themen). Vielleicht passt Ihr Anliegen zu einem Thema, das schon dasteht?",
		"err_vote_phase":      "Punkte setzen geht nur während der Abstimmung. Gerade ist: {phase}.",
		"err_vote_arg":        "Bitte nennen Sie die Nummer des Themas, zum Beispiel: `/lc vote 2`.",
		"err_vote_notopic":    "Ein Thema Nr. {n} gibt es nicht – auf dem Board stehen {count}.",
		"err_vote_limit":      "Sie haben schon alle {dots} Punkte gesetzt. Mit `/lc unvote <Nr.>` nehmen Sie einen zurück und können ihn neu setzen.",
		"err_vote_topiclimit": "Auf ein Thema dürfen höchstens {max} Ihrer Punkte. Verteilen Sie die übrigen gern auf andere Themen.",
		"err_unvote_none":     "Auf Thema {n} liegt kein Punkt von Ihnen.",
		"err_thumbs_arg":      "Bitte wählen Sie `/lc thumbs up` (👍 vertiefen), `/lc thumbs side` (✋ egal) oder `/lc thumbs down` (👎 weiter).",
		"err_stale_poll":      "Diese Daumen-Abstimmung ist schon geschlossen.",
		"err_note_empty":      "Bitte schreiben Sie die Notiz hinter den Befehl, zum Beispiel: `/lc note Wir probieren ein Jugendforum aus.`",
		"err_note_long":       "Ihre Notiz hat {len} Zeichen – bitte höchstens {max}.",
		"err_note_phase":      "Notizen gehören zu einem Thema in der Diskussion; gerade wird keines besprochen.",
		"err_notes_full":      "Für diese Runde sind schon {max} Notizen festgehalten – mehr passen nicht hinein.",
		"err_mod_arg":         "Bitte nennen Sie, wer die Moderation übernimmt, zum Beispiel: `/lc moderator @bob`.",
		"err_mod_unknown":     "„{name}“ kann ich nicht finden. Bitte prüfen Sie den Namen.",
		"err_mod_bot":         "„{name}“ ist ein Bot und kann keine Runde moderieren. Bitte übergeben Sie an eine Person, die dabei ist.",

		"opt_unknown":           "Die Einstellung „{name}“ kenne ich nicht. Möglich sind `votes=3`, `pertopic=2`, `timebox=8m`, `extensions=4m,2m` und `thumbs=1m` (auch `stimmen=`, `zeit=`, `verlängerung=`, `daumen=`).",
		"opt_bad_votes":         "„{value}“ passt nicht als Zahl der Punkte – bitte 1 bis 20, zum Beispiel `votes=3`.",
		"opt_bad_pertopic":      "„{value}“ passt nicht als Höchstzahl pro Thema – bitte 1 bis 20, zum Beispiel `pertopic=2`.",
		"opt_bad_timebox":       "„{value}“ passt nicht als Timebox – bitte zwischen 1 Sekunde und 2 Stunden, zum Beispiel `timebox=8m` oder `timebox=30s`.",
		"opt_bad_extensions":    "„{value}“ passt nicht als Verlängerungen – bitte bis zu 5 Zeiten mit Komma, zum Beispiel `extensions=4m,2m`.",
		"opt_bad_ext_grow":      "Verlängerungen werden bei Lean Coffee von Mal zu Mal kürzer (oder bleiben gleich lang), damit die Runde zu einem Ende kommt – „{value}“ wird länger. Bitte zum Beispiel `{name}=4m,2m`.",
		"opt_bad_pertopic_dots": "Jede Person hat {dots}, auf ein Thema passen also nicht {value}. Bitte wählen Sie `{name}=` höchstens {max} – oder geben Sie mit `stimmen=` mehr Punkte.",
		"opt_bad_thumbs":        "„{value}“ passt nicht als Dauer der Daumen-Abstimmung – bitte zwischen 1 Sekunde und 10 Minuten, zum Beispiel `thumbs=1m`.",
	},
	"en": {
		"describe": "Lean Coffee: collect topics, dot-vote, discuss in timeboxes (`/lc help`)",
		"help": "**Lean Coffee with wolbot** – a meeting without a fixed agenda: everyone proposes topics, " +
			"hands out dots, and the topics are discussed in vote order within fixed timeboxes.\n\n" +
			"**For everyone**\n" +
			"- `/lc topic <text>` – propose a topic (while topics are collected, at most 300 characters)\n" +
			"- `/lc vote <no.>` – put a dot on a topic; `/lc unvote <no.>` takes it back\n" +
			"- `/lc thumbs up|side|down` – when a timebox ends: 👍 go deeper, ✋ either way, 👎 move on\n" +
			"- `/lc note <text>` – record a note or outcome for the current topic\n" +
			"- `/lc status` – shows where the round stands\n" +
			"- `/lc lang de` – antwortet auf Deutsch\n\n" +
			"**For the moderator** (whoever started the round, or admins)\n" +
			"- `/lc start [votes=3] [timebox=8m] [extensions=4m,2m] [pertopic=3] [thumbs=1m]` – start a round " +
			"(durations like `8m`, `90s`, `8min`)\n" +
			"- `/lc next` – move on: collecting → voting → first topic → next topic\n" +
			"- `/lc extend` – give the current topic more time\n" +
			"- `/lc moderator @name` – hand over moderation\n" +
			"- `/lc end` – end the round and post the summary",

		"phase_collecting": "collecting topics",
		"phase_voting":     "voting",
		"phase_discussing": "discussion",
		"phase_ended":      "ended",

		"dots.one":     "1 dot",
		"dots.other":   "{n} dots",
		"people.one":   "1 person",
		"people.other": "{n} people",
		"ext.one":      "1 extension",
		"ext.other":    "{n} extensions",
		"dur_sec":      "{s} s",
		"dur_min":      "{m} min",
		"dur_min_sec":  "{m} min {s} s",
		"clock":        "{hm}",
		"none":         "none",

		"board_title_collecting": "### ☕ Lean Coffee – collecting topics",
		"board_title_voting":     "### ☕ Lean Coffee – voting",
		"board_title_discussing": "### ☕ Lean Coffee – discussion",
		"board_title_ended":      "### ☕ Lean Coffee – ended",
		"board_meta":             "Moderator: {mod} · {dots} per person · timebox {timebox} · extensions: {ext}",
		"board_no_topics":        "_No topics yet – propose yours: `/lc topic <your topic>`_",
		"board_topic_collect":    "- **#{n}** {text} _({author})_",
		"board_topic_votes":      "- **#{n}** {text} — **{votes}**",
		"board_topic_done":       "- ✅ #{n} {text} — {votes} · {spent}",
		"board_topic_current":    "- ▶️ **#{n} {text}** — {votes}",
		"board_topic_waiting":    "- #{n} {text} — {votes}",
		"board_hint_collecting":  "Propose a topic: `/lc topic <your topic>`. Once all topics are in, the moderator starts the vote with `/lc next`.",
		"board_hint_voting":      "Put a dot: button or `/lc vote <no.>`, take it back: `/lc unvote <no.>`. Everyone has {dots}, at most {pertopic} per topic. Then the moderator starts the discussion with `/lc next`.",
		"board_now_talk":         "**Now (topic {pos} of {count}):** #{n} {text} — timebox until {clock}",
		"board_now_thumbs":       "**Now (topic {pos} of {count}):** #{n} {text} — thumbs vote: 👍 {up} · ✋ {side} · 👎 {down}",
		"board_hint_discussing":  "Record a note: `/lc note <text>` · Moderator: `/lc next`, `/lc extend`, `/lc end`",
		"board_ended":            "The round has ended – the summary is below in the channel.",

		"btn_vote":             "Dot on {n}",
		"btn_start_voting":     "Start voting",
		"btn_start_discussion": "Start discussion",
		"btn_next_topic":       "Next topic",
		"btn_extend":           "Extend",
		"btn_end":              "End round",
		"btn_up":               "👍 Go deeper",
		"btn_side":             "✋ Either way",
		"btn_down":             "👎 Move on",

		"ann_voting":         "🗳️ Voting is open! Everyone has {dots} – please place them with the buttons on the board or with `/lc vote <no.>`.",
		"ann_topic":          "▶️ **Topic {pos} of {count}:** {text}\nTimebox: {dur}, until {clock}.",
		"ann_extended":       "⏱️ We stay with “{text}”: {dur} more, until {clock}.",
		"ann_thumbs":         "⏰ Time is up for “{text}”. How do we go on?\n👍 go deeper · ✋ either way · 👎 next topic – button or `/lc thumbs up|side|down`, until {clock} at the latest.",
		"ann_thumbs_closed":  "⏰ Time is up for “{text}”.",
		"ann_result_extend":  "Result: 👍 {up} · ✋ {side} · 👎 {down} – we extend by {dur}.",
		"ann_result_next":    "Result: 👍 {up} · ✋ {side} · 👎 {down} – on to the next topic.",
		"ann_result_noext":   "Result: 👍 {up} · ✋ {side} · 👎 {down} – the extensions are used up, on to the next topic.",
		"ann_result_skipped": "The moderator decided to move on without a vote.",
		"ann_result_ended":   "The moderator ended the round.",
		"ann_moderator":      "{mod} now moderates this round.",

		"sum_title":      "### ☕ Lean Coffee – summary of {date}",
		"sum_meta":       "Moderator: {mod} · {people} · duration: {dur}",
		"sum_topic_done": "- #{n} **{text}** — {votes} · discussed: {spent}",
		"sum_topic_ext":  "- #{n} **{text}** — {votes} · discussed: {spent} ({ext})",
		"sum_topic_open": "- #{n} **{text}** — {votes} · not discussed",
		"sum_note":       "    - {text} _({author})_",
		"sum_no_topics":  "_No topics were proposed._",
		"sum_footer":     "Thank you for taking part! You can copy this summary straight into the minutes. Start a new round with `/lc start`.",

		"status_collecting": "**Status:** The round is collecting topics, moderated by {mod}.",
		"status_voting":     "**Status:** Voting is open. You have {left} of {dots} dots left.",
		"status_talk":       "**Status:** Topic {pos} of {count} is being discussed; the timebox ends at {clock} ({left} left).",
		"status_thumbs":     "**Status:** Topic {pos} of {count} – the thumbs vote is open until {clock}.",
		"status_ended":      "**Status:** The last round in this channel has ended. Start a new one with `/lc start`.",

		"reply_started":   "Your round is running and you are the moderator. Once all topics are in, start the vote with `/lc next`. To hand over: `/lc moderator @name`.",
		"reply_topic":     "Thank you! Your topic is on the board as no. {n}.",
		"reply_voted":     "Your dot on topic {n} is counted. You have {left} of {dots} dots left.",
		"reply_unvoted":   "Your dot on topic {n} is taken back. You have {left} of {dots} dots again.",
		"reply_thumbs":    "Thank you, your vote ({thumb}) is counted. You can change it until the vote closes.",
		"reply_note":      "Your note on topic {n} is recorded.",
		"reply_duplicate": "That already arrived – I counted it only once.",

		"err_direct":          "A Lean Coffee round takes place in a channel where everyone taking part reads along – here in our direct conversation it would be a round with just you. Please type `/lc start` in your group's channel (invite me there first if I am not in it yet). All commands: `/lc help`.",
		"err_no_round":        "There is no Lean Coffee round in this channel right now. Start one with `/lc start`.",
		"err_ended":           "This round has already ended. Start a new one with `/lc start`.",
		"err_round_stale":     "This button belongs to an earlier round that has ended.",
		"err_active":          "A round is already running here, moderated by {mod}. `/lc status` shows where it stands.",
		"err_no_topics":       "There are no topics yet – please collect some first: `/lc topic <your topic>`.",
		"err_not_discussing":  "That only works while a topic is being discussed.",
		"err_no_thumbs_open":  "No thumbs vote is open right now. It opens when a topic's timebox ends.",
		"err_moved_on":        "The round has moved on – this button belongs to an earlier step. `/lc status` shows where it stands.",
		"err_not_active":      "This round is no longer active.",
		"err_not_moderator":   "Only this round's moderator ({mod}) or an admin may do that.",
		"err_unknown_sub":     "I don't know “{sub}” in Lean Coffee. `/lc help` lists all commands.",
		"err_topic_empty":     "Please write your topic after the command, for example: `/lc topic How do we involve young people in planning?`",
		"err_topic_long":      "Your topic has {len} characters – please keep it to {max} at most.",
		"err_topic_phase":     "Topics are only collected while the round is collecting. Right now: {phase}.",
		"err_topics_full":     "The board is full ({max} topics). Perhaps your concern fits a topic that is already there?",
		"err_vote_phase":      "Dots can only be placed during voting. Right now: {phase}.",
		"err_vote_arg":        "Please give the topic's number, for example: `/lc vote 2`.",
		"err_vote_notopic":    "There is no topic no. {n} – the board has {count}.",
		"err_vote_limit":      "You have already placed all {dots} dots. Take one back with `/lc unvote <no.>` to place it again.",
		"err_vote_topiclimit": "At most {max} of your dots may go on one topic. Feel free to spread the rest over other topics.",
		"err_unvote_none":     "You have no dot on topic {n}.",
		"err_thumbs_arg":      "Please choose `/lc thumbs up` (👍 go deeper), `/lc thumbs side` (✋ either way) or `/lc thumbs down` (👎 move on).",
		"err_stale_poll":      "This thumbs vote has already closed.",
		"err_note_empty":      "Please write the note after the command, for example: `/lc note We will try a youth forum.`",
		"err_note_long":       "Your note has {len} characters – {max} at most, please.",
		"err_note_phase":      "Notes belong to a topic under discussion; none is being discussed right now.",
		"err_notes_full":      "This round already holds {max} notes – no more fit in.",
		"err_mod_arg":         "Please name who takes over, for example: `/lc moderator @bob`.",
		"err_mod_unknown":     "I can't find “{name}”. Please check the name.",
		"err_mod_bot":         "“{name}” is a bot and cannot moderate a round. Please hand over to a person who takes part.",

		"opt_unknown":           "I don't know the setting “{name}”. Available: `votes=3`, `pertopic=2`, `timebox=8m`, `extensions=4m,2m` and `thumbs=1m`.",
		"opt_bad_votes":         "“{value}” doesn't work as a number of dots – please 1 to 20, for example `votes=3`.",
		"opt_bad_pertopic":      "“{value}” doesn't work as a per-topic maximum – please 1 to 20, for example `pertopic=2`.",
		"opt_bad_timebox":       "“{value}” doesn't work as a timebox – please between 1 second and 2 hours, for example `timebox=8m` or `timebox=30s`.",
		"opt_bad_extensions":    "“{value}” doesn't work as extensions – please up to 5 durations separated by commas, for example `extensions=4m,2m`.",
		"opt_bad_ext_grow":      "In Lean Coffee each extension is shorter than the one before (or as long), so that the round comes to an end – “{value}” grows. Please use, for example, `{name}=4m,2m`.",
		"opt_bad_pertopic_dots": "Everyone has {dots}, so {value} cannot go on one topic. Please choose `{name}=` at most {max} – or give more dots with `votes=`.",
		"opt_bad_thumbs":        "“{value}” doesn't work as the thumbs vote's duration – please between 1 second and 10 minutes, for example `thumbs=1m`.",
	},
}
