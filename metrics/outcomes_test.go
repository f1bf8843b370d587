package metrics

import (
	"testing"

	"github.com/wolbot/wolbot/bot"
)

// TestDroppedOutcomesMatchTheRouter keeps the outcomes left out of the duration histogram in
// step with the router's names for them.
func TestDroppedOutcomesMatchTheRouter(t *testing.T) {
	if outcomeDuplicate != bot.OutcomeDuplicate || outcomeRateLimited != bot.OutcomeRateLimited {
		t.Errorf("metrics drops %q and %q, the router reports %q and %q",
			outcomeDuplicate, outcomeRateLimited, bot.OutcomeDuplicate, bot.OutcomeRateLimited)
	}
}
