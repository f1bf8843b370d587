// Package storage is wolbot's only way to keep state: every feature (Lean Coffee rounds, circles,
// impulse schedules) stores what it knows in Redis through a *Store, so that a restart or a
// second replica sees exactly the same world (see DESIGN.md, "State and time" and "Scale-out").
//
// Where to start reading:
//
//   - store.go: Open connects to Redis (a URL, a Sentinel or a Cluster) or, with no URL, starts an
//     embedded in-process Redis whose state lives only in memory. Store.Key builds the namespaced
//     keys ("wolbot:<ns>:...") that every feature's key schema starts with; Tag makes Redis
//     Cluster hash tags, so keys a Lua script touches together share one slot.
//   - dedupe.go: FirstSeen drops repeated deliveries of one inbound event (platform retries,
//     reconnects, a second replica).
//   - timers.go: durable timers, the one mechanism for everything that happens later (timeboxes,
//     reminders, impulse deliveries). At-least-once with a lease on Redis' clock; handlers must
//     be idempotent. Each kind runs in a lane (interactive, companion, bulk) with its own claim
//     and handler slots; retries are bounded and given-up timers land in a dead-letter set.
//     timers_redis.go holds the Lua scripts, the outcome batcher and the dead-letter API.
//
// Tests get a Redis from the sibling package redistest, never from a hand-written fake.
package storage
