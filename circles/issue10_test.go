package circles

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wolbot/wolbot/adapters"
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
	contains(t, fx.click("anna", c.Channel, "wol.met", "rheinland-1|1|yes"), "1 von 5 im Kreis hat geantwortet")
	reply := fx.click("bernd", c.Channel, "wol.met", "rheinland-1|1|no")
	contains(t, reply, "stattgefunden")
	contains(t, reply, "2 von 5 im Kreis haben geantwortet")
	// An admin's answer counts for the meeting, not as a member's.
	contains(t, fx.click("admin", c.Channel, "wol.met", "rheinland-1|1|yes"), "2 von 5 im Kreis haben geantwortet")
	fx.click("carla", c.Channel, "wol.met", "rheinland-1|2|no")
	fx.click("carla", c.Channel, "wol.met", "rheinland-1|2|no") // a repeated answer counts once
	ov := fx.say("admin", adminChannel, "/wol übersicht rheinland")
	contains(t, ov, "Treffen: 1 stattgefunden, 1 ausgefallen")
	contains(t, ov, "Treffen 1 ✓ / 1 ✗ in 3 Wochen · 4 Rückmeldungen")
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
	contains(t, ov, "Runde 1: Kreise abgeschlossen")
	if strings.Contains(ov, "1 aktiver Kreis") {
		t.Errorf("a finished circle counts as active:\n%s", ov)
	}
	// Leaving a finished circle is no drop-out, and nobody is asked to merge into it.
	buildCircle(t, fx, 7, "di-am", 5, member("x1", "di-vm"), member("x2", "di-vm"))
	contains(t, fx.say("anna", "allgemein", "/wol verlassen ja"), "Kreis verlassen")
	contains(t, fx.say("admin", adminChannel, "/wol übersicht rheinland"), "Ausgestiegen: 0")
	contains(t, fx.say("admin", adminChannel, "/wol zusammenlegen rheinland-7 rheinland-1"), "schon abgeschlossen")
	_ = context.Background()
}

// Issue 10, item 7: a second look at the preview keeps the admin's moves, and confirm creates
// the adjusted circles; recomputing is explicit and says that the moves are lost.
func TestPreviewKeepsMoves(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store, &chattest.Recorder{}, time.Hour)
	setupRegion(t, fx, "größe=3-4")
	people := []planner{
		{"p1", "Kreis Düren", "planung", "Ein Ziel mit genug Zeichen eins.", "mo-vm"},
		{"p2", "Stadt Köln", "planung", "Ein Ziel mit genug Zeichen zwei.", "mo-vm"},
		{"p3", "Stadt Bonn", "leitung", "Ein Ziel mit genug Zeichen drei.", "mo-vm"},
		{"p4", "Kreis Euskirchen", "planung", "Ein Ziel mit genug Zeichen vier.", "mo-vm, do-nm"},
		{"p5", "StädteRegion Aachen", "leitung", "Ein Ziel mit genug Zeichen fünf.", "do-nm"},
		{"p6", "Kreis Heinsberg", "planung", "Ein Ziel mit genug Zeichen sechs.", "do-nm"},
		{"p7", "Rhein-Erft-Kreis", "planung", "Ein Ziel mit genug Zeichen sieben.", "do-nm, mo-vm"},
	}
	for _, p := range people {
		enrol(t, fx, p)
	}
	preview := fx.say("admin", adminChannel, "/wol vorschau rheinland")
	contains(t, preview, "2 Kreise")
	// Move p4 into the circle p4 is not in.
	k := fx.wol.st.rk("rheinland")
	p, err := fx.wol.st.loadPreview(context.Background(), k)
	if err != nil || p == nil || len(p.Circles) != 2 {
		t.Fatalf("preview %+v, %v", p, err)
	}
	target := 1
	if slices.Contains(p.Circles[0].Members, "test:p4") {
		target = 2
	}
	contains(t, fx.say("admin", adminChannel, fmt.Sprintf("/wol verschieben @p4 %d", target)), "ist jetzt in Kreis")
	again := fx.say("admin", adminChannel, "/wol vorschau rheinland")
	contains(t, again, "angepasste Vorschau")
	contains(t, again, "/wol vorschau rheinland neu")
	p2, _ := fx.wol.st.loadPreview(context.Background(), k)
	if !slices.Contains(p2.Circles[target-1].Members, "test:p4") {
		t.Fatalf("a second look lost the move: %+v", p2.Circles)
	}
	contains(t, fx.say("admin", adminChannel, "/wol bestätigen rheinland"), "2 Kreise")
	c := circleOf(t, fx, target)
	if !c.hasMember("test:p4") {
		t.Errorf("confirm created the unadjusted circles: circle %d has %+v", target, c.Members)
	}
}

// Issue 10, item 7: "/wol vorschau <region> neu" recomputes and warns that moves are lost.
func TestPreviewRecomputeWarns(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store, &chattest.Recorder{}, time.Hour)
	setupRegion(t, fx, "größe=3")
	for _, p := range []planner{
		{"p1", "Kreis Düren", "planung", "Ein Ziel mit genug Zeichen eins.", "mo-vm"},
		{"p2", "Stadt Köln", "planung", "Ein Ziel mit genug Zeichen zwei.", "mo-vm"},
		{"p3", "Stadt Bonn", "leitung", "Ein Ziel mit genug Zeichen drei.", "mo-vm"},
		{"p4", "Kreis Euskirchen", "planung", "Ein Ziel mit genug Zeichen vier.", "mo-vm"},
	} {
		enrol(t, fx, p)
	}
	fx.say("admin", adminChannel, "/wol vorschau rheinland")
	fx.say("admin", adminChannel, "/wol verschieben @p4 1")
	contains(t, fx.say("admin", adminChannel, "/wol vorschau rheinland neu"), "Verschiebungen sind verworfen")
	contains(t, fx.say("admin", adminChannel, "/wol vorschau rheinland jetzt"), "So geht’s")
	// An enrolment change after a move: no silent recompute, the admin decides.
	fx.say("admin", adminChannel, "/wol verschieben @p4 1")
	contains(t, fx.say("p3", "allgemein", "/wol ändern ziel Ein ganz neues Ziel mit Zeichen."), "Ziel")
	contains(t, fx.say("admin", adminChannel, "/wol vorschau rheinland"), "/wol vorschau rheinland neu")
}

// Issue 10, item 11: "nein" at the end of the enrolment dialog asks what to correct, keeps
// every other answer, and returns to the summary after the correction.
func TestConfirmNoAsksWhatToCorrect(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store, &chattest.Recorder{}, time.Hour)
	setupRegion(t, fx, "")
	fx.say("anna", "allgemein", "/wol join")
	for _, a := range []string{"rheinland", "Kreis Düren", "Planung", five[0].goal, five[0].slots} {
		fx.dm("anna", a)
	}
	ask := fx.dm("anna", "nein")
	contains(t, ask, "Was möchten Sie korrigieren?")
	q := lastDM(fx.chat, "anna")
	var twins []string
	for _, b := range q.Buttons {
		twins = append(twins, b.Command)
	}
	for _, want := range []string{"/wol antwort ziel", "/wol antwort zeiten", "/wol abbrechen"} {
		if !slices.Contains(twins, want) {
			t.Errorf("correction buttons %v lack the twin %q", twins, want)
		}
	}
	contains(t, fx.dm("anna", "wasauchimmer"), "Was möchten Sie korrigieren")
	contains(t, fx.dm("anna", "ziel"), "4/5")
	summary := fx.dm("anna", "Ich möchte Jugendhilfeplanung und Schule besser verzahnen.")
	contains(t, summary, "Bitte prüfen Sie Ihre Angaben")
	contains(t, summary, "Ich möchte Jugendhilfeplanung und Schule besser verzahnen.")
	contains(t, summary, "Kreis Düren")
	// A correction by button: the times.
	fx.dm("anna", "nein")
	fx.click("anna", "@anna", "wol.answer", "fix|zeiten")
	contains(t, lastTo(fx.chat, "anna"), "5/5")
	contains(t, fx.dm("anna", "Do 14 Uhr"), "Zeiten: Do nachmittags")
	// "nein", then "ja" after all: back to the summary, nothing changed, nothing enrolled yet.
	fx.dm("anna", "nein")
	contains(t, fx.dm("anna", "ja"), "Bitte prüfen Sie Ihre Angaben")
	contains(t, fx.dm("anna", "ja"), "Sie sind angemeldet")
	contains(t, fx.say("anna", "allgemein", "/wol ich"), "Ich möchte Jugendhilfeplanung und Schule besser verzahnen.")
}

// Issue 10, item 11: "/wol verlassen" in a running circle asks first (button and text twin).
func TestLeaveCircleAsksFirst(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store, &chattest.Recorder{}, time.Hour)
	c := confirmedFive(t, fx, "wochen=3")
	before := dump(t, store)
	ask := fx.say("anna", "allgemein", "/wol verlassen")
	contains(t, ask, "wirklich verlassen")
	contains(t, ask, "/wol verlassen ja")
	if after := dump(t, store); !maps.Equal(before, after) {
		t.Fatal("asking changed the state")
	}
	var msg adapters.Message
	for _, call := range fx.chat.Calls() {
		if call.User == "anna" && len(call.Msg.Buttons) > 0 {
			msg = call.Msg
		}
	}
	if len(msg.Buttons) != 2 || msg.Buttons[0].ID != "wol.leave" || msg.Buttons[0].Command != "/wol verlassen ja" ||
		msg.Buttons[1].Command != "/wol verlassen nein" {
		t.Fatalf("leave buttons %+v", msg.Buttons)
	}
	contains(t, fx.say("anna", "allgemein", "/wol verlassen nein"), "Schön, dass Sie bleiben")
	contains(t, fx.click("anna", "allgemein", "wol.leave", "rheinland-7|yes"), "älteren Nachricht")
	if !circleOf(t, fx, 1).hasMember("test:anna") {
		t.Fatal("anna left without confirming")
	}
	contains(t, fx.click("anna", "allgemein", "wol.leave", msg.Buttons[0].Value), "Kreis verlassen")
	if circleOf(t, fx, 1).hasMember("test:anna") {
		t.Fatal("anna is still a member")
	}
	contains(t, fx.say("bernd", "allgemein", "/wol verlassen ja"), "Kreis verlassen")
	_ = c
}

// buildCircle writes an active circle n of the region rheinland directly, for merge tests.
func buildCircle(t *testing.T, fx *fixture, n int, slot string, max int, members ...enrolment) *circleRec {
	t.Helper()
	k := fx.wol.st.rk("rheinland")
	rec := &circleRec{N: n, Region: "rheinland", Round: 1, Channel: fmt.Sprintf("ch-%d", n), Slot: slot, Members: members,
		Status: circleActive, First: time.Now().Add(time.Hour).UnixMilli(), Week: time.Hour.Milliseconds(),
		Length: time.Minute.Milliseconds(), Weeks: 3, Lang: "de", Admin: "test:admin", Max: max}
	c, err := fx.wol.st.createCircle(context.Background(), k, rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		store := fx.wol.st.s
		store.Client.HSet(context.Background(), k.incircle, m.Key, n)
	}
	return c
}

func member(name, slots string) enrolment {
	s, err := parseSlots(slots)
	if err != nil {
		panic(err)
	}
	return enrolment{Key: "test:" + name, User: name, Name: name, Municipality: "Kommune " + name, Role: "planung",
		Goal: "Ein Ziel mit genug Zeichen.", Slots: s, Lang: "de"}
}

// Issue 10, item 8: a merge is offered only when the merged circle keeps the round's maximum
// and its members share the target's meeting time; otherwise the admin learns why.
func TestMergeOfferKeepsRules(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store, &chattest.Recorder{}, time.Hour)
	fx.say("admin", adminChannel, `/wol region add rheinland "Rheinland"`)
	k := fx.wol.st.rk("rheinland")
	small := buildCircle(t, fx, 1, "mo-am", 5, member("a1", "mo-vm"), member("a2", "mo-vm, do-nm"))
	buildCircle(t, fx, 2, "do-pm", 5, member("b1", "do-nm"), member("b2", "do-nm"), member("b3", "do-nm"))
	buildCircle(t, fx, 3, "mo-am", 5, member("c1", "mo-vm"), member("c2", "mo-vm"), member("c3", "mo-vm"), member("c4", "mo-vm"))

	if err := fx.wol.offerMerge(context.Background(), k, small); err != nil {
		t.Fatal(err)
	}
	none := lastDM(fx.chat, "admin")
	contains(t, none.Text, "`rheinland-2` trifft sich Do nachmittags; der Termin passt nicht für @a1.")
	contains(t, none.Text, "`rheinland-3` hätte dann 6 Mitglieder (höchstens 5)")
	for _, b := range none.Buttons {
		if b.ID == "wol.merge" {
			t.Errorf("a merge that breaks the rules is offered: %+v", b)
		}
	}
	contains(t, fx.say("admin", adminChannel, "/wol zusammenlegen rheinland-1 rheinland-2"), "Do nachmittags")
	contains(t, fx.say("admin", adminChannel, "/wol zusammenlegen rheinland-1 rheinland-3"), "höchstens 5")

	buildCircle(t, fx, 4, "mo-am", 5, member("d1", "mo-vm"), member("d2", "mo-vm, di-vm"), member("d3", "mo-vm"))
	if err := fx.wol.offerMerge(context.Background(), k, small); err != nil {
		t.Fatal(err)
	}
	offer := lastDM(fx.chat, "admin")
	contains(t, offer.Text, "mit `rheinland-4`")
	if len(offer.Buttons) == 0 || offer.Buttons[0].Command != "/wol zusammenlegen rheinland-1 rheinland-4" {
		t.Fatalf("merge offer buttons %+v", offer.Buttons)
	}
	contains(t, fx.click("admin", "@admin", "wol.merge", offer.Buttons[0].Value), "zusammengelegt")
	if got := circleOf(t, fx, 4); len(got.Members) != 5 {
		t.Errorf("merged circle has %d members, want 5", len(got.Members))
	}
}

// Issue 10, item 13: with a shortened week (WOLBOT_WOL_WEEK) the welcome names the first
// meeting on the calendar that start= asks for, not today.
func TestScaledWeekWelcomeRespectsStart(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store, &chattest.Recorder{}, time.Hour)
	start := nextMonday(time.Now().In(fx.wol.loc)).AddDate(0, 0, 21) // a Monday three weeks ahead
	c := confirmedFive(t, fx, "wochen=2 start="+start.Format(time.DateOnly))
	firstTuesday := start.AddDate(0, 0, 1)
	welcome := fx.chat.Posts(c.Channel)[0]
	contains(t, welcome, "zum ersten Mal am Di., "+firstTuesday.Format("02.01.2006"))
	if got := fx.wol.reminder(c, 2); !strings.Contains(got, "Di., "+firstTuesday.AddDate(0, 0, 7).Format("02.01.2006")+", 09:00 Uhr") {
		t.Errorf("reminder of week 2 names another day: %q", got)
	}
	// The companion still runs on the shortened week: about 3.5 one-hour weeks until Tuesday.
	if d := c.meeting(1).Sub(time.Now()); d > 5*time.Hour {
		t.Errorf("first meeting's timer is %s away with a one-hour week", d)
	}
}

// Issue 10, item 15: English replies carry English command words and day codes.
func TestEnglishDialogSpeaksEnglish(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store, &chattest.Recorder{}, time.Hour)
	setupRegion(t, fx, "")
	fx.say("anna", "allgemein", "/wol lang en")
	fx.say("anna", "allgemein", "/wol join")
	q := lastDM(fx.chat, "anna")
	if len(q.Buttons) == 0 || q.Buttons[0].Command != "/wol answer rheinland" {
		t.Fatalf("region buttons %+v", q.Buttons)
	}
	fx.dm("anna", "rheinland")
	fx.dm("anna", "Kreis Düren")
	fx.dm("anna", "planning")
	slots := fx.dm("anna", "I want to learn how others involve young people.")
	contains(t, slots, "`mon-am, thu-pm`")
	if strings.Contains(slots, "mo-am") || strings.Contains(slots, "do-pm") {
		t.Errorf("English question uses German day codes: %q", slots)
	}
	contains(t, fx.dm("anna", "Thursday 2pm"), "Times: Thu afternoon")
	var cmds []string
	for _, b := range lastDM(fx.chat, "anna").Buttons {
		cmds = append(cmds, b.Command)
		if strings.Contains(b.Command, "antwort") || strings.Contains(b.Command, "abbrechen") {
			t.Errorf("English button with a German twin: %+v", b)
		}
	}
	if len(cmds) == 0 {
		t.Fatal("no confirmation buttons")
	}
}
