// Package console is the terminal chat: the embedded default adapter that lets the bot run with
// nothing configured, lets several people play together at one keyboard, and lets end-to-end
// tests drive the whole bot from a script piped into stdin.
//
// [New] builds a [Console]; [Console.Run] reads input lines and hands each one, synchronously,
// to an [adapters.Handler]; the core answers through the [adapters.Chat] methods of the same
// Console, which print to the output. Start reading at [Console.Run].
//
// # Input
//
// One line per message. Leading and trailing white space (including the \r of a \r\n line end)
// is ignored; lines may be up to 1 MiB long.
//
//	anna: /lc start votes=3     anna writes in the current channel; a leading / makes it a command
//	anna: @wolbot lc start      so does mentioning the bot first (the mention is stripped)
//	anna: hello everyone        ordinary chat, not addressed to the bot: ignored
//	#kreis-dueren               switch the current channel (the id is the name without #)
//	@wolbot                     switch to direct messages with the bot (see below)
//	.wait 5s                    pause reading for a Go duration, so that timers can fire
//	.click anna lc.vote r7:2    anna clicks the button with action id lc.vote and value r7:2
//	// a comment                ignored, as are empty lines
//
// User names consist of letters (umlauts included), digits, '.', '_' and '-'. The bot is
// called "wolbot" unless [Options].BotName says otherwise; the mention is matched without
// regard to case. The start channel is [Options].Channel.
//
// After a line "@wolbot", every "name: text" line is a message from that user in their
// direct conversation with the bot: always a command (a leading / or mention is optional
// and stripped), with Event.Direct set and Event.Channel "@name". A "#channel" line leaves
// direct-message mode.
//
// A click's Event.PostID is the id of the most recent post in the current channel whose
// buttons (as last updated) include one with that action id and value, or "" if there is
// none; ephemeral posts have no id and are not searched. The value may be left out; in direct-message mode
// the current channel is "@name".
//
// Any other line gets a one-line hint on [Options].Err naming the line number and the accepted
// forms; reading goes on. Every event gets an ID of the form "console-<run>-<line>", where run
// is random per Console, so that two runs against the same Redis never look like redeliveries.
//
// # Output
//
// Every post is printed as one block, with a single Write, so that posts from timers never
// interleave: a header line, the text as-is (trailing line breaks dropped; no line if the text
// is empty), one line per button, then an empty line:
//
//	[#kreis-dueren] wolbot:
//	🗳️ Die Abstimmung läuft! Jede Person hat 2 Punkte – bitte setzen Sie sie mit den Knöpfen am Board oder mit `/lc vote <Nr.>`.
//
//	[#kreis-dueren] wolbot (edited):
//	### ☕ Lean Coffee – Abstimmung
//	…
//	  [Punkt auf 1] → /lc vote 1 · .click <name> lc.vote vxer5gdv:1
//	  [Diskussion starten] → /lc next · .click <name> lc.next vxer5gdv:voting:0
//
// The headers, with wolbot standing for [Options].BotName:
//
//	[#c] wolbot:              a post in channel c
//	[#c] wolbot (edited):     an update of a post in channel c, followed by the full new text
//	[#c → anna] wolbot:       an ephemeral post to anna in channel c
//	[@anna] wolbot:           a direct message to anna, a post into channel "@anna", or an
//	                          ephemeral post to anna there
//	[@anna] wolbot (edited):  an update of a direct message
//
// A button line is two spaces, the label in brackets, " → " and the button's command (left out
// for a button without one), then " · " and the .click line that presses the button: its
// action id and value, which carry ids the text does not show (such as a round's id). The
// .click line names the reader of an ephemeral post or a direct message, and "<name>" in a
// channel post: replace it with whoever clicks, e.g. ".click bob lc.vote vxer5gdv:1". Typing the
// button's command does the same as the click. A new private channel is announced as
//
//	-- #wol-rheinland-1 created (private): anna, bob
//
// followed by an empty line. A file attached to a post (Message.Files) is a line after the
// buttons, its name reduced to a safe base name:
//
//	📎 wol-rheinland-1.ics (1843 Bytes)
//
// With [Options].FilesDir set, the file is also written into that directory under that name.
// Channel ids are the requested names, made unique within the
// process with a suffix (-2, -3, …).
package console
