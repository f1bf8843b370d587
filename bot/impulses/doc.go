// Package impulses sends short impulses (Kurzimpulse) to leaders and planners of youth offices:
// a series of short Markdown texts, each with one reflection question, delivered one per slot
// of a cron schedule as a direct message (or into a channel), each exactly once and in order.
//
// Start reading at [Feature.Serve] in commands.go (what people type; admin.go has the admins'
// commands), then deliver.go (the slot timer's fan-out and the exactly-once delivery of one
// slot to one subscriber), then store.go (the Redis key schema and the Lua scripts that carry
// the guarantees). feature.go has [Options] and [New]. library.go loads and validates the
// texts (embedded in [Builtin], overridable from a directory with [LoadLibrary]); schedule.go
// parses cron expressions and knows German public holidays; ratelimit.go spaces sends across
// replicas; render.go and messages.go are what people read.
//
// # The series
//
// A subscriber's series is the library's impulses in their language and for their audience,
// sorted by order and id. The next impulse is always the first of the series that is not in
// their archive — never a position — so adding, removing or reordering impulses neither skips
// nor repeats one, a pause skips nothing, and stopping and subscribing again continues where
// the series stood. When everything is received nothing is sent, except one polite notice.
//
// # Exactly once
//
// One durable timer "impulse.slot" (a fixed id) is due at the next slot. Its handler creates
// one durable timer "impulse.deliver" per active subscriber with the id "imp:<sub>:<slot>", then
// moves itself to the first slot after now: after downtime the missed slot is delivered once,
// not once per missed tick. A delivery reserves (subscriber, slot, impulse) in the
// subscriber's hash with a Lua script — which also chooses the impulse, the first of the
// series Go hands it that is not in the archive, so choosing and reserving are one atomic step
// and one round trip — posts with Message.Key
// "imp:<sub>:<slot>", and commits (archive, last slot, reservation cleared) with a second
// script. Timers are at-least-once; the scripts make the effect exactly once:
//
//   - a redelivered timer whose slot is committed finds it done and sends nothing;
//   - a timer redelivered after a crash between reserve and commit resumes the reserved impulse
//     (never a newer one) and posts it again under the same key;
//   - two slots for one subscriber never deliver at once: the later one waits until the
//     earlier is committed, then finds its impulse (or finds itself already covered);
//   - two replicas never run one timer at once (the timer lease), and if one's lease runs out
//     mid-delivery, the reservation makes the other resume the same impulse under the same key.
//
// What reaches the person's screen depends on the platform at exactly one point: a crash
// after the post reached the platform and before the commit. The retry then posts again with
// the same Message.Key. The test platform (chattest) and the console adapter (within one
// process) refuse the repeat; Mattermost refuses it within 30 seconds (its pending post id),
// which a retry after a lease of the default 30 s may miss; Slack has no idempotency key, so
// there a crash in that window can show the impulse twice. The archive and the statistics
// still count it once. Nothing is ever lost: an uncommitted reservation is finished by the
// redelivered timer, or, should that timer give up (after 8 failed posts) or vanish, by the
// subscriber's next slot before its own impulse.
//
// Statistics are counted after the commit, in another Redis Cluster slot, gathered for 250 ms
// and written in one pipeline: a crash loses at most those counts, never adds one
// ([Feature.Close] writes them on a clean stop). Feedback is exact: one vote per person and
// impulse, changeable.
//
// # Rate
//
// Sends of all replicas share one Redis-backed limiter (Options.Rate per second, evenly
// spaced, no bursts). A delivery asks it for a send time before it reserves anything; when
// that time is more than a moment away, the delivery timer is rescheduled to it, carrying the
// send time as a permit, so a fan-out to thousands never holds timer slots while it waits
// (deliveries run in the timer loop's bulk lane). The adapters still handle the platforms'
// own 429 answers.
//
// # Limits
//
// "/impuls jetzt" delivers through the same path — a durable delivery timer due at once, with a
// slot of its own (the request time) — and ignores a pause. A scheduled slot that was due
// before it but had not reached the subscriber yet is then counted as delivered by it. A
// delivery reserved just before the subscriber stopped is still finished (it may already be on
// the screen; finishing it keeps the archive true). Replicas must agree on
// WOLBOT_IMPULSE_SCHEDULE, or an admin sets the schedule with "/impuls zeitplan", which is
// stored in Redis and wins. Holiday skipping looks at the slot's calendar day in
// Options.Location; a skipped slot is not made up.
package impulses
