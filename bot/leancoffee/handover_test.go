package leancoffee

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/wolbot/wolbot/adapters"

	"github.com/wolbot/wolbot/storage/redistest"
)

// TestHandoverOnlyToPeople: handing the round to a bot (this bot included) or to a name that
// does not exist would lock it, since nobody but an admin could steer it any more. Both are
// refused with a friendly reply and change nothing.
func TestHandoverOnlyToPeople(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	fx.chat.AddBots("wolbot", "kalenderbot")
	fx.chat.RemoveUsers("niemand")
	fx.say("anna", "/lc start")
	fx.say("anna", "/lc topic Eins")
	tests := []struct{ name, text, want string }{
		{"this bot", "/lc moderator @wolbot", "ist ein Bot"},
		{"another bot", "/lc moderation kalenderbot", "ist ein Bot"},
		{"unknown name", "/lc moderator @niemand", "„niemand“ kann ich nicht finden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := dumpRound(t, fx)
			posts := len(fx.chat.Posts(testChannel))
			contains(t, fx.say("anna", tt.text), tt.want)
			if !maps.Equal(before, dumpRound(t, fx)) {
				t.Error("refused handover changed the round")
			}
			if n := len(fx.chat.Posts(testChannel)); n != posts {
				t.Errorf("refused handover posted %d times in the channel", n-posts)
			}
		})
	}
	fx.say("anna", "/lc next") // anna still steers
	if fx.round().Phase != PhaseVoting {
		t.Error("the moderator lost the round")
	}
}

// TestPreviousModeratorTakesRoundBack: whoever handed the round over may take it back (for
// when the new moderator has left), and nobody else gains that right.
func TestPreviousModeratorTakesRoundBack(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	fx.say("anna", "/lc start")
	fx.say("anna", "/lc topic Eins")
	fx.say("anna", "/lc moderator @bob")
	contains(t, fx.say("carla", "/lc moderator @carla"), "nur die Moderation dieser Runde (bob)")
	fx.say("anna", "/lc moderator @anna")
	if r := fx.round(); r.Mod != "anna" {
		t.Fatalf("moderator %q after anna took the round back, want anna", r.Mod)
	}
	posts := fx.chat.Posts(testChannel)
	contains(t, posts[len(posts)-1], "liegt jetzt bei anna")
	fx.say("anna", "/lc next")
	if fx.round().Phase != PhaseVoting {
		t.Error("anna could not steer after taking the round back")
	}
}

// TestStartRefusesInconsistentOptions: options that contradict each other are explained, and
// no round starts.
func TestStartRefusesInconsistentOptions(t *testing.T) {
	tests := []struct{ name, lang, text, want string }{
		{"growing extensions", "de", "/lc start verlängerung=3m,4m", "kürzer"},
		{"growing extensions", "en", "/lc start extensions=3m,4m", "shorter"},
		{"per topic above votes", "de", "/lc start stimmen=2 prothema=3", "höchstens 2"},
		{"per topic above votes", "en", "/lc start votes=2 pertopic=3", "at most 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" "+tt.lang, func(t *testing.T) {
			fx := newFixture(t, redistest.Store(t))
			fx.say("anna", "/lc lang "+tt.lang)
			contains(t, fx.say("anna", tt.text), tt.want)
			if got := dumpRound(t, fx); len(got) != 0 {
				t.Errorf("a round was stored: %v", got)
			}
		})
	}
}

// TestRoundCommandsInDirectConversation: a round needs a channel of people; in the direct
// conversation with the bot, /lc start (and every other round command) gets a clear answer
// instead of a one-person round. Help still works there.
func TestRoundCommandsInDirectConversation(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	dm := func(text string) string {
		ev := fx.event("anna")
		ev.Kind, ev.Text, ev.Direct, ev.Channel = adapters.KindCommand, text, true, "dm-anna"
		fx.bot.HandleEvent(context.Background(), ev)
		posts := fx.chat.Posts("dm-anna") // replies in a direct conversation are posts there
		if len(posts) == 0 {
			return ""
		}
		return posts[len(posts)-1]
	}
	for _, text := range []string{"lc start", "lc starten stimmen=2", "lc thema Etwas", "lc weiter", "lc status"} {
		contains(t, dm(text), "in einem Kanal")
	}
	contains(t, dm("lc hilfe"), "Lean Coffee mit wolbot")
	round := fx.lc.st.keys("test:t1:dm-anna").round
	if got := redistest.Dump(t, fx.store, strings.TrimSuffix(round, "round")+"*"); len(got) != 0 {
		t.Errorf("a round was stored for the direct conversation: %v", got)
	}
	for _, p := range fx.chat.Posts("dm-anna") {
		if strings.Contains(p, "☕") {
			t.Errorf("a board was posted in the direct conversation:\n%s", p)
		}
	}
}
