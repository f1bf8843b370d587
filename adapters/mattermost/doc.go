// Package mattermost connects the bot to a Mattermost server: it turns slash commands, messages
// addressed to the bot and button clicks into [adapters.Event] values, and implements
// [adapters.Chat] with Mattermost's REST API v4.
//
// The contract: every event handed to the [adapters.Handler] carries a stable idempotency id —
// "mm-post-<post id>" for a WebSocket post, "mm-cmd-<trigger id>" for a slash command,
// "mm-act-<hash>" for a button click — so that a redelivery (WebSocket reconnect, a second
// replica listening to the same server) is recognised by the core, which dedupes in Redis. The
// adapter itself keeps no state beyond caches that may be dropped at any moment.
//
// Start reading at [New] and [Adapter.Run]. The parts:
//
//   - websocket.go: [Adapter.Run], the event loop. It listens on Mattermost's WebSocket as the
//     bot, reconnects with exponential backoff and jitter, and turns "posted" events into
//     commands: a post that starts with @botname in a channel, or any post in a direct channel
//     with the bot. The bot's own posts, system posts, webhook posts and edits are ignored.
//   - http.go: [Adapter.Routes], the two callbacks Mattermost calls on wolbot's listener:
//     POST /mattermost/command (slash commands, verified against [Options].CommandTokens) and
//     POST /mattermost/action (button clicks, verified by an HMAC in the button's context).
//     Both answer at once and hand the event to the handler asynchronously.
//   - chat.go, ephemeral.go and users.go: the [adapters.Chat] methods; users.go also holds the
//     user cache (five minutes) that gives every event the user's locale.
//   - render.go: how a [adapters.Message] becomes a post — Markdown text as-is, buttons as a
//     message attachment whose actions call back to PublicURL+"/mattermost/action".
//   - client.go: every REST call goes through one retry policy (429 waits for the rate-limit
//     headers; 5xx and network errors back off; 401, 403 and 404 fail at once) and fails with
//     an [*APIError] naming the operation.
//   - setup.go: [Setup] registers the slash commands for a team.
//
// # Buttons and their signature
//
// Mattermost does not sign the requests it sends to an integration, so a button's context
// carries "action", "value", "exp" (unix seconds) and "sig", the hex HMAC-SHA256 under
// [Options].ActionSecret of the action, value and expiry and of what the button was issued
// for: the post and channel (a new post is created, then updated with buttons signed for its
// id), or, on an ephemeral post, the channel and the one user who sees it ("user"). A callback
// whose signature is missing, wrong, expired or issued for another post, channel or user is
// refused with 403 and never reaches the handler. Identity comes from the user id alone: the
// name is looked up (an unknown id is dropped), a click must come from a channel member, and
// Direct is set only in the bot's own direct channel with that user. The context stays secret from users: Mattermost strips
// PostAction.Integration (URL and context) from every post it sends to clients
// (model.Post.StripActionIntegrations, called by Post.ToJSON and Post.EncodeJSON), encrypts it
// into an opaque cookie for ephemeral posts (model.AddPostActionCookies), and on a click reads
// the context from its own database, not from the client. Whoever can reach the action
// endpoint directly therefore cannot forge a click without the secret.
//
// # Ephemeral replies
//
// Mattermost's REST endpoint for ephemeral posts needs the create_post_ephemeral permission,
// which by default only system admins have. When it is refused (403), [Adapter.Ephemeral] falls
// back to the response URL of the user's most recent slash command in that channel (valid for
// 30 minutes and 5 uses) and, failing that, to a direct message. Give the bot account the
// System Admin role to get true ephemeral posts for mentions and button clicks too.
//
// # Files
//
// A message's files are uploaded into the post's channel first (POST /api/v4/files, multipart
// with channel_id and files) and named in the post's file_ids. Ephemeral posts cannot carry
// files, so an ephemeral message with files is sent as a direct message instead.
package mattermost
