package bot

import (
	"time"

	"github.com/wolbot/wolbot/adapters"
)

// Observer is told about every event the router handled, for metrics. The router calls it once
// per event from the goroutine that handled it, after the answer (or the apology) was sent, so
// it must be safe for concurrent use and quick. Its labels are bounded: feature is a registered
// feature name, "help", "lang" or "unknown" (never the word a user typed); kind is "command",
// "action" or "other"; outcome is one of the Outcome constants.
type Observer interface {
	EventHandled(feature, kind, outcome string, d time.Duration)
}

// Outcomes reported to an [Observer]. The router cannot see a user error that a handler
// answered itself (a wrong phase, a missing role): that counts as ok, like any answered request.
// A redelivery that an [AtomicDeduper] drops in its own script counts as ok too.
const (
	OutcomeOK             = "ok"              // served without error
	OutcomeError          = "error"           // the handler or the dedupe failed; the user got an apology
	OutcomeDuplicate      = "duplicate"       // a redelivered event id, dropped by the router
	OutcomePanic          = "panic"           // the handler panicked; the user got an apology
	OutcomeUnknownCommand = "unknown_command" // no feature has the command word
	OutcomeRateLimited    = "rate_limited"    // the user sent too much too fast; dropped unhandled
)

// observation is what HandleEvent learns about one event for the [Observer]; an empty outcome
// (an empty command, nothing answered) is not reported.
type observation struct {
	feature, outcome string
	kind             adapters.Kind
}

// featureLabel is the feature an event is counted under: the route's name, a core command, or
// "unknown", so that a typo cannot create a time series of its own.
func featureLabel(req *Request, routed bool) string {
	if routed {
		return req.Feature
	}
	if c := coreCommands[req.Feature]; c != "" {
		return c
	}
	return "unknown"
}

// observe reports o to the bot's observer, if any.
func (b *Bot) observe(o observation, start time.Time) {
	if b.obs == nil || o.outcome == "" {
		return
	}
	feature := o.feature
	if feature == "" {
		feature = "unknown" // a panic before routing finished
	}
	kind := "other"
	if o.kind == adapters.KindCommand || o.kind == adapters.KindAction {
		kind = string(o.kind)
	}
	b.obs.EventHandled(feature, kind, o.outcome, time.Since(start))
}
