// Package leancoffee runs timed Lean Coffee rounds in a channel: people propose topics,
// dot-vote, discuss in vote order within timeboxes, thumbs-vote to extend or move on, and
// receive a summary for the minutes.
//
// Start reading at [Feature.Serve] (the commands), then round.go (the state machine, pure and
// table-tested), then store.go (the Redis key schema, the Lua scripts for contended writes and
// the optimistic transactions for steering), then render.go (what people read). Around the
// round: actions.go (action items and the owners' direct messages), minutes.go (the summary as
// a Markdown file), merge.go (merging duplicate topics), schedule.go (rounds planned ahead),
// privacy.go (export and erasure).
//
// The state of a round lives only in Redis; timeboxes are durable timers. A process may be
// killed at any moment: the next one, or another replica, continues the round.
package leancoffee
