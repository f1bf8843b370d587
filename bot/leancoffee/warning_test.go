package leancoffee

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

// deliverWarning hands the warning timer of step seq to its handler, as a redelivery would.
func (fx *fixture) deliverWarning(seq int64) {
	fx.t.Helper()
	p := timerPayload{Chan: "test:t1:" + testChannel, Round: fx.round().ID, Seq: seq}
	js, err := json.Marshal(p)
	if err != nil {
		fx.t.Fatal(err)
	}
	if err := fx.lc.onWarning(context.Background(), storage.Timer{ID: warningID(p), Kind: WarningKind, Payload: js, Attempt: 2}); err != nil {
		fx.t.Fatalf("warning %d: %v", seq, err)
	}
}

// TestWarningBeforeTimeboxEnds: a configurable time before a timebox ends, the channel is
// told once; a redelivered warning timer posts nothing more.
func TestWarningBeforeTimeboxEnds(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	contains(t, fx.say("anna", "/lc start zeit=3s warnung=2s daumen=1m"), "Sie moderieren")
	fx.say("anna", "/lc thema Eins")
	fx.say("anna", "/lc weiter")
	fx.say("anna", "/lc weiter")
	talk := fx.round().Seq
	started := time.Now()
	waitFor(t, 3*time.Second, "warning", func() bool { return fx.countPosts("Noch 2 Sek.") > 0 })
	if d := time.Since(started); d > 2*time.Second {
		t.Errorf("warning after %v, want after about 1s", d)
	}
	if fx.round().Stage != StageTalk {
		t.Error("the warning came after the timebox ended")
	}
	waitFor(t, 4*time.Second, "thumbs vote", func() bool { return fx.countPosts("Wie geht es weiter?") == 1 })
	fx.deliverWarning(talk) // a redelivery, and a warning for a step that has passed
	if n := fx.countPosts("Noch 2 Sek."); n != 1 {
		t.Errorf("warning posted %d times, want once", n)
	}
	posts := fx.chat.Posts(testChannel)
	contains(t, posts[len(posts)-2], "„Eins“")
}

// TestWarningFollowsTheTimebox: a moderator's extension during the timebox replaces the
// pending warning by one for the new end; next cancels it; warnung=0 switches warnings off.
func TestWarningFollowsTheTimebox(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	fx.say("anna", "/lc start timebox=10m warn=1m")
	fx.say("anna", "/lc topic One")
	fx.say("anna", "/lc topic Two")
	fx.say("anna", "/lc next")
	fx.say("anna", "/lc next")
	first := fx.round().Seq
	id := func(seq int64) string {
		return warningID(timerPayload{Chan: "test:t1:" + testChannel, Round: fx.round().ID, Seq: seq})
	}
	tm, ok, err := fx.timers.Get(context.Background(), id(first))
	if err != nil || !ok {
		t.Fatalf("no warning timer for the timebox: %v", err)
	}
	if want := fx.round().Due.Add(-time.Minute); !tm.Due.Equal(want.Truncate(time.Millisecond)) {
		t.Errorf("warning due %v, want %v", tm.Due, want)
	}
	fx.say("anna", "/lc extend")
	extended := fx.round().Seq
	if _, ok, _ := fx.timers.Get(context.Background(), id(first)); ok {
		t.Error("the warning of the superseded timebox is still scheduled")
	}
	if _, ok, _ := fx.timers.Get(context.Background(), id(extended)); !ok {
		t.Error("no warning for the extended timebox")
	}
	fx.say("anna", "/lc next")
	if _, ok, _ := fx.timers.Get(context.Background(), id(extended)); ok {
		t.Error("the warning of the left topic is still scheduled")
	}
	fx.deliverWarning(extended)
	for _, p := range fx.chat.Posts(testChannel) {
		if strings.Contains(p, "left for") {
			t.Errorf("a warning for a left topic was posted: %s", p)
		}
	}

	off := newFixture(t, redistest.Store(t))
	off.say("anna", "/lc start zeit=10m warnung=0")
	off.say("anna", "/lc thema Eins")
	off.say("anna", "/lc weiter")
	off.say("anna", "/lc weiter")
	if n, _ := off.timers.Pending(context.Background()); n != 1 {
		t.Errorf("%d timers pending with warnings off, want only the timebox", n)
	}
}
