package leancoffee

import (
	"context"
	"fmt"
	"strings"
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

// Issue 11.10: a person can withdraw their own topic while topics are collected; the later
// topics move up, nobody else's topic can be withdrawn, and after collecting it is too late.
func TestWithdrawOwnTopic(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store)
	fx.say("bob", "/lc start")
	fx.say("anna", "/lc topic Erstes Thema")
	fx.say("carla", "/lc topic Zweites Thema")
	fx.say("anna", "/lc topic Drittes Thema")

	tests := []struct{ user, cmd, want string }{
		{"anna", "/lc zurückziehen", "Nummer"},
		{"anna", "/lc zurückziehen x", "Nummer"},
		{"anna", "/lc zurückziehen 9", "#9 gibt es nicht"},
		{"anna", "/lc zurückziehen 2", "nur Ihre eigenen"},
		{"bob", "/lc withdraw 1", "nur Ihre eigenen"},
		{"anna", "/lc zurückziehen 1", "zurückgezogen"},
	}
	for _, tt := range tests {
		contains(t, fx.say(tt.user, tt.cmd), tt.want)
	}
	if r := fx.round(); r.Topics != 2 {
		t.Fatalf("%d topics after withdrawing one, want 2", r.Topics)
	}
	board := fx.lc.view(context.Background(), fx.lc.st.keys("test:t1:"+testChannel), fx.round(), "de").board().Text
	if strings.Contains(board, "Erstes Thema") || !strings.Contains(board, "**#1** Zweites Thema") || !strings.Contains(board, "**#2** Drittes Thema") {
		t.Errorf("board after the withdrawal:\n%s", board)
	}
	// Anna's remaining topic is now no. 2.
	contains(t, fx.say("anna", "/lc withdraw 2"), "zurückgezogen")
	fx.say("bob", "/lc next")
	contains(t, fx.say("carla", "/lc zurückziehen 1"), "solange die Runde Themen sammelt")
	if r := fx.round(); r.Topics != 1 {
		t.Errorf("%d topics, want carla's one", r.Topics)
	}
}

// Issue 11.10: on request ("/vergessen bestätigen texte", UserRef.Texts) a person's topic and
// note texts leave finished rounds too, instead of staying there anonymised; a running round
// keeps them anonymised, since the others are discussing them.
func TestForgetTextsRemovesThemFromEndedRounds(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store)
	ctx := context.Background()
	playRound(t, fx)
	u := ref("anna")
	u.Texts = true
	if err := fx.lc.ForgetUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	for key, value := range dumpRound(t, fx) {
		for _, gone := range []string{"anna", "Jugendbeteiligung im Ausschuss", "Jugendliche direkt einladen"} {
			if strings.Contains(value, gone) {
				t.Errorf("%s still holds %q: %s", key, gone, value)
			}
		}
	}
	if r := fx.round(); r.Topics != 2 {
		t.Errorf("%d topics, want both places kept (numbers and votes stay)", r.Topics)
	}
	contains(t, fmt.Sprint(dumpRound(t, fx)), "Schulsozialarbeit") // carla's stays

	// In a running round the text stays, anonymised.
	fx.say("bob", "/lc start")
	fx.say("anna", "/lc topic Noch ein Thema")
	if err := fx.lc.ForgetUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	contains(t, fmt.Sprint(dumpRound(t, fx)), "Noch ein Thema")
}
