package leancoffee

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wolbot/wolbot/adapters/chattest"
	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

// deliver hands the timer of the current round's step seq to the feature's timer handler, as
// the timer loop would when a superseded timer fires after all (claimed just before it was
// cancelled, or left behind by a process killed between the step and the cancel).
func (fx *fixture) deliver(seq int64) {
	fx.t.Helper()
	r := fx.round()
	p := timerPayload{Chan: "test:t1:" + testChannel, Round: r.ID, Seq: seq}
	js, err := json.Marshal(p)
	if err != nil {
		fx.t.Fatal(err)
	}
	if err := fx.lc.onTimer(context.Background(), storage.Timer{ID: timerID(p), Kind: TimerKind, Payload: js, Attempt: 1}); err != nil {
		fx.t.Fatalf("timer %d: %v", seq, err)
	}
}

// pending reports whether the timer of step seq is still scheduled.
func (fx *fixture) pending(seq int64) bool {
	fx.t.Helper()
	id := timerID(timerPayload{Chan: "test:t1:" + testChannel, Round: fx.round().ID, Seq: seq})
	ok, err := fx.timers.Exists(context.Background(), []string{id})
	if err != nil {
		fx.t.Fatal(err)
	}
	return ok[0]
}

// countPosts counts the channel posts containing s.
func (fx *fixture) countPosts(s string) int {
	n := 0
	for _, p := range fx.chat.Posts(testChannel) {
		if strings.Contains(p, s) {
			n++
		}
	}
	return n
}

// TestHumanStepSupersedesTimer: a step a person makes (the last thumbs vote, the moderator's
// next, extend or end) replaces the pending timer: the timer is cancelled, and should it fire
// all the same, the step is not announced a second time.
func TestHumanStepSupersedesTimer(t *testing.T) {
	tests := []struct {
		name   string
		thumbs bool                // reach the thumbs vote first (the timebox ends by timer)
		step   func(fx *fixture)   // the human step
		want   string              // the announcement that must appear exactly once
		check  func(r *Round) bool // the state after the step
	}{
		{
			name:   "thumbs vote closes early because everyone voted",
			thumbs: true,
			step: func(fx *fixture) {
				fx.say("anna", "/lc daumen runter")
				fx.say("bob", "/lc daumen runter")
			},
			want:  "Thema 2 von 2",
			check: func(r *Round) bool { return r.Cur == 1 && r.Stage == StageTalk },
		},
		{
			name:  "next during a timebox",
			step:  func(fx *fixture) { fx.say("anna", "/lc next") },
			want:  "Thema 2 von 2",
			check: func(r *Round) bool { return r.Cur == 1 && r.Stage == StageTalk },
		},
		{
			name:  "extend during a timebox",
			step:  func(fx *fixture) { fx.say("anna", "/lc extend") },
			want:  "Wir bleiben bei",
			check: func(r *Round) bool { return r.Cur == 0 && r.ExtUsed == 1 },
		},
		{
			name:   "next during a thumbs vote",
			thumbs: true,
			step:   func(fx *fixture) { fx.say("anna", "/lc next") },
			want:   "Thema 2 von 2",
			check:  func(r *Round) bool { return r.Cur == 1 && r.Stage == StageTalk },
		},
		{
			name:   "end during a thumbs vote",
			thumbs: true,
			step:   func(fx *fixture) { fx.say("anna", "/lc end") },
			want:   "Zusammenfassung",
			check:  func(r *Round) bool { return r.Phase == PhaseEnded },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, redistest.Store(t))
			timebox := "timebox=1m"
			if tt.thumbs {
				timebox = "timebox=1s"
			}
			fx.say("anna", "/lc start "+timebox+" thumbs=1m")
			fx.say("anna", "/lc topic Eins")
			fx.say("bob", "/lc topic Zwei")
			fx.say("anna", "/lc next")
			fx.say("anna", "/lc next")
			if tt.thumbs {
				waitFor(t, 4*time.Second, "thumbs vote", func() bool { return fx.round().Stage == StageThumbs })
				waitFor(t, time.Second, "thumbs prompt", func() bool { return fx.countPosts("Wie geht es weiter?") == 1 })
				fx.kill() // no timer of a later step may interfere; deliver fires the old one
			}
			old := fx.round().Seq
			tt.step(fx)
			r := fx.round()
			if !tt.check(r) || r.Seq == old {
				t.Fatalf("step did not happen: phase %s topic %d stage %s seq %d", r.Phase, r.Cur, r.Stage, r.Seq)
			}
			if r.Announced != r.Seq {
				t.Errorf("announced %d, seq %d: the step is not recorded as announced", r.Announced, r.Seq)
			}
			if fx.pending(old) {
				t.Errorf("the superseded timer of step %d is still scheduled", old)
			}
			fx.deliver(old) // it fires all the same
			if n := fx.countPosts(tt.want); n != 1 {
				t.Errorf("%q posted %d times, want once:\n%s", tt.want, n, strings.Join(fx.chat.Posts(testChannel), "\n---\n"))
			}
			if got := fx.round(); got.Seq != r.Seq || got.Phase != r.Phase {
				t.Errorf("the superseded timer moved the round: seq %d → %d", r.Seq, got.Seq)
			}
		})
	}
}

// TestAnnouncedNeverGoesBack: a timer's step and a moderator's next race. The moderator's
// step is committed while the timer is still posting its own announcement; the timer's late
// bookkeeping must not mark the moderator's newer step as unannounced, or the timer the
// moderator superseded would announce that step a second time when it fires after all.
func TestAnnouncedNeverGoesBack(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	fx.say("anna", "/lc start timebox=1s thumbs=1m")
	fx.say("anna", "/lc topic Eins")
	fx.say("anna", "/lc topic Zwei")
	fx.say("anna", "/lc next")
	fx.say("anna", "/lc next")
	talk := fx.round().Seq
	var once sync.Once
	done := make(chan struct{})
	fx.chat.SetFail(func(op chattest.Op) error {
		if op != chattest.OpPost {
			return nil
		}
		// The timer has committed the thumbs vote and is about to post its prompt: now the
		// moderator moves on, and that step commits before the prompt is out.
		once.Do(func() {
			go func() {
				defer close(done)
				fx.say("anna", "/lc next")
			}()
			waitFor(t, 2*time.Second, "moderator's step", func() bool { return fx.round().Seq == talk+2 })
		})
		return nil
	})
	<-done
	fx.kill()
	waitFor(t, time.Second, "timer finished", func() bool { return fx.round().Announced >= talk+1 })
	if r := fx.round(); r.Announced != r.Seq {
		t.Errorf("announced %d after the moderator's step %d", r.Announced, r.Seq)
	}
	fx.deliver(talk + 1) // the thumbs timer the moderator superseded fires after all
	if n := fx.countPosts("Thema 2 von 2"); n != 1 {
		t.Errorf("next topic announced %d times, want once", n)
	}
}
