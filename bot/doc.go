// Package bot is wolbot's core: it receives neutral events from a chat adapter, drops
// redeliveries, routes commands and button clicks to the feature that owns them, and gives
// features what they need to answer: the user's language, their role, and the chat.
//
// Start reading at [Bot.HandleEvent] (the pipeline every event takes), then [Handler] and
// [Request] (what a feature implements and receives), then [Catalog] (every user-visible text
// lives in one, German and English).
//
// Features register the way handlers register with an http.ServeMux:
//
//	b.Handle("lc", leancoffee.New(...), "leancoffee")
//
// A command "/lc vote 2" reaches the "lc" feature with Args ["vote", "2"]; a click on a
// button with action id "lc.vote" reaches it too, as an action. "/wolbot lc vote 2" is the
// same: [CoreCommand] is the slash command every platform registers for the router itself
// (help, language), and replies point only at registered commands.
//
// Texts: [Catalog.N] renders plurals ([PluralForm] decides per language), [Quote] cuts and
// escapes user input quoted back, [FormatDay] and [FormatDayTime] are the one date format.
// Each package with a catalogue checks it in a test with [Catalog.Check],
// [Catalog.CheckPlurals] and [Catalog.CheckQuotes].
package bot
