// Package slack is the Slack adapter: it turns slash commands, messages addressed to the bot
// and Block Kit button clicks into [adapters.Event] values for an [adapters.Handler], and
// implements [adapters.Chat] with Slack's Web API (chat.postMessage, chat.update,
// chat.postEphemeral, conversations.open/create/invite, users.info/list; files of a message
// through the external upload flow files.getUploadURLExternal, a POST of the bytes to the
// upload URL, files.completeUploadExternal, which needs the files:write scope).
//
// [New] checks the configuration and learns the bot's own user id with auth.test. Events reach
// the adapter in one of two ways, or both:
//
//   - Socket Mode (Options.AppToken set, the default): [Adapter.Run] keeps a WebSocket to Slack
//     open, reconnects on its own, and acknowledges every envelope at once.
//   - HTTP mode (Options.SigningSecret set): [Adapter.Routes] registers POST /slack/events,
//     /slack/commands and /slack/interactivity on the bot's HTTP listener. Every request is
//     checked with [VerifySignature] over the raw body before anything else is read from it,
//     and answered with 200 at once.
//
// Either way the handler runs after the acknowledgement, on its own goroutine with a context
// that outlives the request, so Slack always gets its answer within its 3 s limit. [Adapter.Run]
// must be called in both modes: when its context ends it waits for that in-flight work.
//
// # Idempotency
//
// Event.ID is Slack's event_id for Events API deliveries (HTTP and Socket Mode alike) and the
// trigger_id for slash commands and button clicks. A retry by Slack (X-Slack-Retry-Num) or a
// Socket Mode redelivery carries the same id, so the core drops it; the adapter itself keeps
// no record of events.
//
// # What is a command
//
// A slash command ("/lc start" becomes Text "lc start"); an app_mention whose text begins with
// the bot's mention (the mention is stripped); any message in the bot's direct conversation
// (Direct set). Messages from bots, from the bot itself and messages with a subtype (edits,
// joins, …) are ignored. Slack's markup in command text is simplified: a user mention
// <@U123|anna> becomes "@U123" (which [Adapter.LookupUser] resolves), a channel <#C1|name>
// becomes "#name", <!here> becomes "@here", a link becomes its URL, and &amp; &lt; &gt; are
// unescaped. Whether a slash command or click in a "D…" conversation came from the bot's own
// direct conversation (Direct) is checked with conversations.open, cached.
//
// UserName and Locale come from users.info (with include_locale), cached for five minutes;
// when that call fails the event is delivered without them.
//
// # Rendering
//
// A [adapters.Message] is sent as Block Kit: its Markdown, converted to mrkdwn, in section
// blocks; its buttons in actions blocks (at most 25 each), each with the action_id
// "<Button.ID>|<index>" because Slack requires action ids to be unique within a message (the
// suffix is removed again, so Event.ActionID is Button.ID); and a context block that lists the
// equivalent text commands, for screen readers and for people who prefer typing. The same
// mrkdwn is sent as the message's fallback text.
//
// All text is escaped first (& < > become &amp; &lt; &gt;, Slack's rule), so no text can ever
// form a control sequence such as <!channel>, <!here>, <!everyone> or <@U123>. The core's
// [adapters.Escape] already neutralises such tokens in user text; this is defence in depth.
// After escaping, **bold** and __bold__ become *bold*, *italic* becomes _italic_, "# Heading"
// lines become *Heading*, "- " list items become "• ", [label](https://…) becomes a Slack
// link; `code` and ``` fences are kept as they are.
//
// # Failures
//
// Web API calls that Slack answers with 429 are retried after Retry-After; 5xx answers and
// network errors are retried with a short exponential backoff; both a bounded number of times.
// A call that still fails returns its error, wrapped with the operation, so the core can tell
// the user. A post retried after a network error may, rarely, appear twice: the adapter
// prefers that to losing it. Slack's "not found" errors (channel_not_found, user_not_found,
// message_not_found) wrap [adapters.ErrNotFound]. When chat.postEphemeral fails because the bot
// is not a member of the channel, the message goes to the response_url of the user's latest
// slash command or click there (if younger than 25 minutes), and a warning is logged.
//
// Logs never contain tokens, secrets or message text at info level.
//
// Start reading at [New] and [Adapter.Run].
package slack
