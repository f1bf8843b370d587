// Package circles runs Working Out Loud circles from chat: admins set up regions and their
// municipalities and open an enrolment round; planners enrol in a short dialog in a direct
// conversation with the bot; the matcher (package circles/match) proposes cross-municipal
// circles that an admin previews, adjusts and confirms; each confirmed circle gets a private
// channel and is accompanied for the round's weeks (wochen=, 12 by default) by reminders,
// per-member check-ins and, at the end, the question whether to go on. A circle that becomes
// too small is merged into another (only within the round's maximum size and at a meeting
// time all its members can make) or dissolved.
//
// Start reading at [Feature.Serve] in feature.go (the commands and who may run them), then
// dialog.go (enrolment and a person's own entry), admin.go (regions, rounds, preview,
// confirm, overview, merge), companion.go (the weekly durable timers), store.go (the Redis key
// schema and the few Lua scripts) and parse.go (quoted arguments, availability, options).
// messages.go holds every text, German and English, including the twelve weekly prompts.
//
// All state lives in Redis. Timer handlers and confirm are idempotent: every post that must
// appear once is reserved in a marks hash before it is sent and carries a Message.Key of the
// form "wol:<circle>:<week>:<kind>", so a redelivered timer or a retried confirm posts nothing
// twice and never creates a second channel for a circle.
package circles
