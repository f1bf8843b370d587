package leancoffee

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/storage/redistest"
)

func ref(user string) bot.UserRef { return bot.UserRef{Platform: "test", User: user, UserName: user} }

// playRound runs a round in the test channel to its end: bob moderates, anna and carla bring a
// topic each, anna puts all her dots, writes a note on the first topic discussed.
func playRound(t *testing.T, fx *fixture) {
	t.Helper()
	fx.say("bob", "/lc start")
	contains(t, fx.say("anna", "/lc topic Jugendbeteiligung im Ausschuss"), "als #1 auf dem Board")
	contains(t, fx.say("carla", "/lc topic Schulsozialarbeit"), "als #2 auf dem Board")
	fx.say("bob", "/lc next")
	fx.say("anna", "/lc vote 1")
	fx.say("anna", "/lc vote 1")
	fx.say("anna", "/lc vote 2")
	fx.say("carla", "/lc vote 2")
	fx.say("bob", "/lc next")
	contains(t, fx.say("anna", "/lc note Jugendliche direkt einladen"), "Thema 1")
	fx.say("bob", "/lc end")
	if fx.round().Phase != PhaseEnded {
		t.Fatal("round not ended")
	}
}

func TestEndedRoundExpiresAfterRetention(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store)
	fx.lc.st.ended = 2 * time.Hour // Options.Retention
	ctx := context.Background()
	k := fx.lc.st.keys("test:t1:" + testChannel)

	// While the round runs, the keys its scripts create live as long as the round.
	fx.say("bob", "/lc start")
	fx.say("anna", "/lc topic Jugendbeteiligung")
	if ttl := store.Client.PTTL(ctx, k.topics).Val(); ttl <= 2*time.Hour || ttl > retention {
		t.Errorf("topics of a running round: TTL %s, want the round's %s", ttl, retention)
	}
	fx.say("bob", "/lc end")
	playRound(t, fx)
	n := 0
	for _, key := range k.all() {
		if store.Client.Exists(ctx, key).Val() == 0 {
			continue
		}
		n++
		if ttl := store.Client.PTTL(ctx, key).Val(); ttl <= 0 || ttl > 2*time.Hour {
			t.Errorf("%s: TTL %s after the end, want (0, 2h]", key, ttl)
		}
	}
	if n < 6 {
		t.Errorf("only %d keys of the ended round exist", n)
	}
	// The participants' index entries outlive the round.
	for _, u := range []string{"anna", "bob", "carla"} {
		if ttl := store.Client.PTTL(ctx, fx.lc.st.userIndexKey("test", u)).Val(); ttl < 2*time.Hour {
			t.Errorf("index of %s: TTL %s, want at least the round's", u, ttl)
		}
	}
}

func TestForgetAnonymisesWhatOthersNeed(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store)
	ctx := context.Background()
	k := fx.lc.st.keys("test:t1:" + testChannel)

	// A second replica renders the board while anna's topic is there: its topic cache holds her.
	replica := newFixture(t, store)
	fx.say("bob", "/lc start")
	fx.say("anna", "/lc topic Jugendbeteiligung im Ausschuss")
	r := fx.round()
	if got := replica.lc.view(ctx, k, r, "de").board().Text; !strings.Contains(got, "_(anna)_") {
		t.Fatalf("board before:\n%s", got)
	}
	fx.say("bob", "/lc end")
	playRound(t, fx)

	data, err := fx.lc.UserData(ctx, ref("anna"), "de")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Jugendbeteiligung im Ausschuss", "Ihre Punkte: 3 Punkte (2 Punkte auf Thema 1, 1 Punkt auf Thema 2)",
		"zu Thema 1: „Jugendliche direkt einladen“", "(beendet)"} {
		contains(t, data, want)
	}
	before := fx.round()

	for range 2 { // idempotent
		if err := fx.lc.ForgetUser(ctx, ref("anna")); err != nil {
			t.Fatal(err)
		}
	}
	after := fx.round()
	if after.Votes[1] != before.Votes[1] || after.Votes[2] != before.Votes[2] {
		t.Errorf("vote totals changed: %v → %v", before.Votes, after.Votes)
	}
	notes, err := fx.lc.st.notes(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	people := store.Client.SCard(ctx, k.people).Val()
	for _, lang := range []string{"de", "en"} {
		summary := fx.lc.view(ctx, k, after, lang).summary(notes, nil, int(people)).Text
		contains(t, summary, "Jugendbeteiligung im Ausschuss")
		marker := map[string]string{"de": "Jugendliche direkt einladen _(anonym)_", "en": "Jugendliche direkt einladen _(anonymous)_"}[lang]
		contains(t, summary, marker)
		contains(t, summary, "Schulsozialarbeit")
	}
	if people != 2 {
		t.Errorf("%d people after the deletion, want bob and carla", people)
	}
	for key, value := range dumpRound(t, fx) {
		if strings.Contains(value, "anna") {
			t.Errorf("%s still names anna: %s", key, value)
		}
	}
	if store.Client.Exists(ctx, fx.lc.st.userIndexKey("test", "anna")).Val() != 0 {
		t.Error("anna's index is left")
	}
	if data, err := fx.lc.UserData(ctx, ref("anna"), "de"); err != nil || data != "" {
		t.Errorf("export after the deletion = %q, %v", data, err)
	}
	// The other replica reads the anonymised topics instead of its cached ones.
	fx.say("bob", "/lc start")
	fx.say("anna", "/lc topic Noch ein Thema")
	if err := fx.lc.ForgetUser(ctx, ref("anna")); err != nil {
		t.Fatal(err)
	}
	r = fx.round()
	if got := replica.lc.view(ctx, k, r, "de").board().Text; strings.Contains(got, "anna") || !strings.Contains(got, "Noch ein Thema _(anonym)_") {
		t.Errorf("the other replica's board:\n%s", got)
	}
}

func TestForgottenModeratorFreesTheRound(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	fx.say("anna", "/lc start")
	fx.say("bob", "/lc topic Fachkräfte halten")
	contains(t, fx.say("bob", "/lc next"), "nur die Moderation")
	if err := fx.lc.ForgetUser(context.Background(), ref("anna")); err != nil {
		t.Fatal(err)
	}
	posts := fx.chat.Posts(testChannel)
	contains(t, posts[len(posts)-1], "Die Moderation dieser Runde ist frei geworden")
	contains(t, fx.chat.Board(fx.round().Board).Text, "Moderation: (anonym)")
	fx.say("bob", "/lc next")
	if fx.round().Phase != PhaseVoting {
		t.Errorf("phase %s: anyone may steer a round without moderator", fx.round().Phase)
	}
	fx.say("carla", "/lc moderator @carla")
	contains(t, fx.say("bob", "/lc next"), "nur die Moderation dieser Runde (carla)")
}

func TestPrivacyMessagesAreComplete(t *testing.T) {
	if err := privacyMsgs.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestForgottenPreviousModeratorLeavesNoTrace: who handed the round over is kept so they may
// take it back; forgetting them removes that too.
func TestForgottenPreviousModeratorLeavesNoTrace(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	fx.say("anna", "/lc start")
	fx.say("anna", "/lc moderator @bob")
	if fx.round().PrevMod != "anna" {
		t.Fatalf("previous moderator %q, want anna", fx.round().PrevMod)
	}
	data, err := fx.lc.UserData(context.Background(), ref("anna"), "de")
	if err != nil {
		t.Fatal(err)
	}
	contains(t, data, "Moderation von Ihnen übergeben")
	if err := fx.lc.ForgetUser(context.Background(), ref("anna")); err != nil {
		t.Fatal(err)
	}
	if r := fx.round(); r.PrevMod != "" || r.Mod != "bob" {
		t.Errorf("after forgetting anna: moderator %q, previous %q; want bob and none", r.Mod, r.PrevMod)
	}
	contains(t, fx.say("anna", "/lc moderator @anna"), "nur die Moderation dieser Runde (bob)")
}
