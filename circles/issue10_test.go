package circles

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wolbot/wolbot/adapters/chattest"
	"github.com/wolbot/wolbot/storage/redistest"
)

// confirmedFive confirms one circle of the five planners (Tuesday mornings) for weeks weeks.
func confirmedFive(t *testing.T, fx *fixture, roundArgs string) *circleRec {
	t.Helper()
	setupRegion(t, fx, roundArgs)
	for _, p := range five {
		enrol(t, fx, p)
	}
	fx.say("admin", adminChannel, "/wol vorschau rheinland")
	contains(t, fx.say("admin", adminChannel, "/wol bestätigen rheinland"), "1 Kreis")
	return circleOf(t, fx, 1)
}

// Issue 10, item 10: one member's "ja" and another's "nein" must not give "ausgefallen";
// each member answers for themselves, a meeting took place when anyone says so.
func TestCheckinsCountPerMember(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store, &chattest.Recorder{}, time.Hour)
	c := confirmedFive(t, fx, "wochen=3")
	contains(t, fx.click("anna", c.Channel, "wol.met", "rheinland-1|1|yes"), "1 von 5 Mitgliedern hat geantwortet")
	reply := fx.click("bernd", c.Channel, "wol.met", "rheinland-1|1|no")
	contains(t, reply, "stattgefunden")
	contains(t, reply, "2 von 5 Mitgliedern haben geantwortet")
	fx.click("carla", c.Channel, "wol.met", "rheinland-1|2|no")
	fx.click("carla", c.Channel, "wol.met", "rheinland-1|2|no") // a repeated answer counts once
	ov := fx.say("admin", adminChannel, "/wol übersicht rheinland")
	contains(t, ov, "Treffen: 1 stattgefunden, 1 ausgefallen")
	contains(t, ov, "Treffen 1 ✓ / 1 ✗ in 3 Wochen · 3 Rückmeldungen")
}

// Issue 10, item 10: a circle past its last week is not "aktiv".
func TestFinishedCircleIsNotActive(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store, &chattest.Recorder{}, time.Hour)
	c := confirmedFive(t, fx, "wochen=1")
	fx.kill() // no timers from here on: the clock jumps past the circle's end
	fx.wol.now = func() time.Time { return circleEnd(c).Add(time.Minute) }
	ov := fx.say("admin", adminChannel, "/wol übersicht rheinland")
	contains(t, ov, "0 aktive Kreise, 1 abgeschlossener Kreis")
	contains(t, ov, "`rheinland-1` · abgeschlossen")
	if strings.Contains(ov, "1 aktiver Kreis") {
		t.Errorf("a finished circle counts as active:\n%s", ov)
	}
	_ = context.Background()
}
