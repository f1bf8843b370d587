package leancoffee

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wolbot/wolbot/storage/redistest"
)

func TestMergeTopics(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	ctx := context.Background()
	k := fx.lc.st.keys("test:t1:" + testChannel)
	fx.say("anna", "/lc start votes=4 pertopic=2")
	fx.say("bob", "/lc thema Jugendbeteiligung")
	fx.say("carla", "/lc thema Schulsozialarbeit")
	fx.say("dora", "/lc thema Beteiligung von Jugendlichen")
	fx.say("anna", "/lc weiter")
	// bob: 2 on #1 and 1 on #3 → 3 on the merged topic, 1 returned. carla: 1 on #3 only.
	// dora: 1 on #1, 1 on #2.
	for _, v := range []struct{ user, n string }{
		{"bob", "1"}, {"bob", "1"}, {"bob", "3"}, {"carla", "3"}, {"dora", "1"}, {"dora", "2"},
	} {
		contains(t, fx.say(v.user, "/lc punkt "+v.n), "gezählt")
	}

	for _, tc := range []struct{ name, user, cmd, want string }{
		{"not the moderator", "bob", "/lc zusammenführen 1 3", "Das darf nur die Moderation"},
		{"one number", "anna", "/lc zusammenführen 1", "zwei Themennummern"},
		{"not a number", "anna", "/lc merge eins drei", "zwei Themennummern"},
		{"same number", "anna", "/lc zusammenführen 2 2", "nicht mit sich selbst"},
		{"unknown topic", "anna", "/lc zusammenführen 1 7", "es gibt die Themen 1 bis 3"},
		{"merged", "anna", "/lc zusammenführen 1 #3", "Thema #3 ist jetzt Teil von Thema #1"},
		{"merged again", "anna", "/lc merge 2 3", "Thema #3 ist schon in einem anderen Thema aufgegangen"},
		{"vote on the merged topic", "carla", "/lc punkt 3", "Thema #3 ist in Thema #1 aufgegangen"},
	} {
		t.Run(tc.name, func(t *testing.T) { contains(t, fx.say(tc.user, tc.cmd), tc.want) })
	}
	// The reply and the channel say that dots went back.
	posts := fx.chat.Posts(testChannel)
	contains(t, posts[len(posts)-1], "1 Punkt ging zurück (1 Person)")

	r := fx.round()
	if r.Votes[1] != 4 || r.Votes[3] != 0 || r.Votes[2] != 1 {
		t.Errorf("votes after merge: %v, want #1: 4 (3 moved, 1 returned), #2: 1, #3: none", r.Votes)
	}
	ballots := fx.store.Client.HGetAll(ctx, k.ballots).Val()
	for field, want := range map[string]string{
		"bob": "2", "bob|1": "2", "carla": "1", "carla|1": "1", "dora": "2", "dora|1": "1", "dora|2": "1",
	} {
		if ballots[field] != want {
			t.Errorf("ballot %s = %q, want %s (all: %v)", field, ballots[field], want, ballots)
		}
	}
	for field := range ballots {
		if strings.HasSuffix(field, "|3") {
			t.Errorf("ballot %s on the merged topic left", field)
		}
	}
	// bob got his dot back and may place it; the limit per topic still holds on the merged one.
	contains(t, fx.say("bob", "/lc punkt 2"), "noch 1 von 4")
	contains(t, fx.say("bob", "/lc punkt 1"), "höchstens 2 Ihrer Punkte")

	board := fx.chat.Board(r.Board).Text
	contains(t, board, "**#1** Jugendbeteiligung / Beteiligung von Jugendlichen — **4 Punkte**")
	if strings.Contains(board, "#3") {
		t.Errorf("merged topic still on the board:\n%s", board)
	}
	// The discussion leaves the merged topic out, and the summary names it nowhere.
	fx.say("anna", "/lc weiter")
	if r := fx.round(); len(r.Order) != 2 || r.Order[0] != 1 {
		t.Errorf("discussion order %v, want [1 2]", r.Order)
	}
	contains(t, fx.say("anna", "/lc zusammenführen 1 2"), "solange gesammelt oder abgestimmt wird")
	fx.say("anna", "/lc ende")
	posts = fx.chat.Posts(testChannel)
	summary := posts[len(posts)-1]
	contains(t, summary, "#1 **Jugendbeteiligung / Beteiligung von Jugendlichen** — 4 Punkte")
	if strings.Contains(summary, "#3") {
		t.Errorf("merged topic in the summary:\n%s", summary)
	}
}

// While topics are collected, merging needs no dots; an admin may merge too, and the joined
// text is what everyone's board shows, also on another replica whose topic cache was warm.
func TestMergeWhileCollecting(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store)
	replica := newFixture(t, store)
	fx.say("anna", "/lc start")
	fx.say("bob", "/lc thema Fachkräfte „gewinnen“")
	fx.say("carla", "/lc thema Fachkräfte halten")
	replica.say("dora", "/lc stand") // warms the replica's topic cache
	contains(t, fx.say("admin", "/lc merge 1 2"), "Thema #2 ist jetzt Teil von Thema #1")
	contains(t, replica.say("dora", "/lc stand"), "**#1** Fachkräfte „gewinnen“ / Fachkräfte halten _(bob, carla)_")
	contains(t, fx.say("dora", "/lc thema Neues Thema"), "als #3 auf dem Board")
}

// Votes and take-backs racing a merge never break a person's limits or the totals: every
// ballot adds up, whichever came first.
func TestMergeRacingVotes(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	ctx := context.Background()
	k := fx.lc.st.keys("test:t1:" + testChannel)
	fx.say("mod", "/lc start votes=4 pertopic=2")
	for _, topic := range []string{"A", "B", "C"} {
		fx.say("mod", "/lc thema "+topic)
	}
	fx.say("mod", "/lc weiter")
	var wg sync.WaitGroup
	for v := range 30 {
		user := "u" + strconv.Itoa(v)
		wg.Go(func() {
			for _, cmd := range []string{"/lc punkt 1", "/lc punkt 2", "/lc punkt 2", "/lc punkt 1", "/lc zurück 1", "/lc punkt 3"} {
				fx.say(user, cmd)
			}
		})
	}
	wg.Go(func() { fx.say("mod", "/lc zusammenführen 1 2") })
	wg.Wait()

	r := fx.round()
	if len(r.Merged) != 1 || r.Merged[0] != 2 {
		t.Fatalf("merged %v, want [2]", r.Merged)
	}
	ballots := fx.store.Client.HGetAll(ctx, k.ballots).Val()
	used, onTopic := map[string]int{}, map[int]int{}
	for field, v := range ballots {
		x, _ := strconv.Atoi(v)
		user, n, ok := strings.Cut(field, "|")
		if !ok {
			continue
		}
		topic, _ := strconv.Atoi(n)
		if topic == 2 && x != 0 {
			t.Errorf("%s still has %d dots on the merged topic", user, x)
		}
		if x > r.PerTopic || x < 0 {
			t.Errorf("%s has %d dots on topic %d, limit %d", user, x, topic, r.PerTopic)
		}
		used[user] += x
		onTopic[topic] += x
	}
	for user, n := range used {
		if got, _ := strconv.Atoi(ballots[user]); got != n || n > r.Dots {
			t.Errorf("%s: %d dots used by the count, %d by the ballots (limit %d)", user, got, n, r.Dots)
		}
	}
	for topic := 1; topic <= 3; topic++ {
		if r.Votes[topic] != onTopic[topic] {
			t.Errorf("topic %d: total %d, ballots add up to %d", topic, r.Votes[topic], onTopic[topic])
		}
	}
}
