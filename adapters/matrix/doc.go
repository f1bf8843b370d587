// Package matrix connects the bot to a Matrix homeserver (Element, openDesk, BundesMessenger):
// it turns messages and reactions into [adapters.Event] values and implements [adapters.Chat]
// with the client-server API through maunium.net/go/mautrix.
//
// The contract: every event handed to the [adapters.Handler] carries the Matrix event id as
// its idempotency id, so that a batch replayed after a crash, or seen by a second replica on
// the same account, is recognised by the core, which dedupes in Redis. The adapter keeps no
// state of its own beyond caches that may be dropped at any moment; the sync position goes
// through the [Cursor] that cmd wires to Redis.
//
// Start reading at [New] and [Adapter.Run]. The parts:
//
//   - sync.go: [Adapter.Run], the /sync loop. It answers invites (joining rooms of allowed
//     servers), skips history (the first start, and what came before the bot joined a room),
//     ignores the bot's own events, and hands commands and reactions to the handler: rooms
//     concurrently, one room's events in order. next_batch is stored after the batch is handled.
//     A command is a "!word" message with a known word, a message that starts by addressing
//     the bot, or any message in a room the bot shares with exactly one person (a DM).
//   - chat.go: the [adapters.Chat] methods. Updates are edits (m.replace); "ephemeral" replies
//     are direct messages, as Matrix has no messages for one member only; DMs are flagged in
//     the bot's m.direct and reused; private rooms get an alias derived from their name, so that
//     a retry finds the room instead of making a second; users are found by MXID, localpart or
//     display name.
//   - render.go and reactions.go: a [adapters.Message] becomes CommonMark plus HTML; buttons
//     become their text commands ("!lc next") and, where they fit, reactions (👍 ✋ 👎 from
//     emoji labels, 1️⃣…🔟 for numbered buttons). The reaction → button map travels in the
//     message's own content (org.wolbot.reactions) and is trusted only in the bot's own events.
//   - crypto*.go: end-to-end encryption, with -tags goolm only (pure-Go Olm; the keys in SQLite
//     under MATRIX_CRYPTO_DIR). Without the tag, encrypted rooms are refused with a notice.
//   - matrixtest: a real homeserver for tests (Dendrite, built and cached).
package matrix
