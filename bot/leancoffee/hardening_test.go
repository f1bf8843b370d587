package leancoffee

import (
	"context"
	"testing"

	"github.com/wolbot/wolbot/storage/redistest"
)

// Attack (issue 11.10): after a person had their data deleted, a click on an old vote or thumbs
// button of an ended round wrote their index entry again (it was written before the round was
// checked). The entry is now written only once a vote is accepted.
func TestOldButtonAfterForgetWritesNoIndex(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store)
	ctx := context.Background()
	playRound(t, fx)
	r := fx.round()
	if err := fx.lc.ForgetUser(ctx, ref("anna")); err != nil {
		t.Fatal(err)
	}
	// Another replica, whose cache has never seen anna, receives the clicks.
	replica := newFixture(t, store)
	contains(t, replica.click("anna", "lc.vote", r.ID+":1"), "beendet")
	replica.click("anna", "lc.thumbs", r.ID+":1:up")
	if store.Client.Exists(ctx, fx.lc.st.userIndexKey("test", "anna")).Val() != 0 {
		t.Error("a click on an old button re-created anna's index")
	}
	// An accepted vote in a new round writes it.
	replica.say("bob", "/lc start")
	replica.say("carla", "/lc topic Neues Thema")
	replica.say("bob", "/lc next")
	replica.say("anna", "/lc vote 1")
	if store.Client.Exists(ctx, fx.lc.st.userIndexKey("test", "anna")).Val() != 1 {
		t.Error("an accepted vote wrote no index entry")
	}
}
