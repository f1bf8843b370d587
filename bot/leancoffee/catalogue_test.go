package leancoffee

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/storage/redistest"
)

// Command words of each language: a German text shows the German word wherever the router
// knows one, an English text never shows a German word.
var (
	englishOnly = map[string]bool{
		"topic": true, "vote": true, "unvote": true, "thumbs": true, "note": true, "status": true,
		"next": true, "extend": true, "end": true, "help": true, "lang": true, "moderator": true,
		"up": true, "side": true, "down": true,
		"votes=": true, "pertopic=": true, "timebox=": true, "extensions=": true, "thumbs=": true,
	}
	germanOnly = map[string]bool{
		"thema": true, "stimme": true, "punkt": true, "zurück": true, "daumen": true, "notiz": true,
		"stand": true, "weiter": true, "verlängern": true, "ende": true, "hilfe": true, "sprache": true,
		"moderation": true, "hoch": true, "egal": true, "runter": true, "seitlich": true,
		"stimmen=": true, "prothema=": true, "zeit=": true, "verlängerung=": true, "daumen=": true,
	}
	// commandRe finds the words of a command: "/lc thumbs up|side|down" gives thumbs, up,
	// side, down; an option "votes=3" gives "votes=".
	commandRe = regexp.MustCompile("/lc((?:[ |][\\p{L}]+)+)|`(\\p{L}+=)")
)

func commandWords(text string) []string {
	var words []string
	for _, m := range commandRe.FindAllStringSubmatch(text, -1) {
		if m[2] != "" {
			words = append(words, m[2])
			continue
		}
		words = append(words, strings.FieldsFunc(m[1], func(r rune) bool { return r == ' ' || r == '|' })...)
	}
	return words
}

// texts returns every text of a language as people read it: the catalogue entries, and the
// text commands of the buttons on a board in every phase and on the thumbs prompt.
func texts(lang string) map[string]string {
	out := map[string]string{}
	for key, tmpl := range msgs[lang] {
		out[key] = tmpl
	}
	for key, tmpl := range privacyMsgs[lang] {
		out["privacy "+key] = tmpl
	}
	r := newTestRound(PhaseCollecting, 2)
	for _, phase := range []Phase{PhaseCollecting, PhaseVoting, PhaseDiscussing, PhaseEnded} {
		r.Phase = phase
		if phase == PhaseDiscussing {
			r.Order, r.Topic, r.Stage = []int{1, 2}, 1, StageTalk
		}
		v := view{r: r, lang: lang, loc: time.UTC, now: t0}
		for _, b := range v.board().Buttons {
			out["button "+b.ID+" in "+string(phase)] = b.Command
		}
		if phase == PhaseDiscussing {
			for _, b := range v.thumbsPrompt().Buttons {
				out["thumbs button "+b.Value] = b.Command
			}
		}
	}
	return out
}

func TestCommandWordsMatchTheLanguage(t *testing.T) {
	for lang, wrong := range map[string]map[string]bool{"de": englishOnly, "en": germanOnly} {
		for key, text := range texts(lang) {
			for _, w := range commandWords(text) {
				if wrong[strings.ToLower(w)] {
					t.Errorf("%s %s: command word %q is of the other language: %s", lang, key, w, text)
				}
			}
			// A button's text command must do what the button does.
			if f := strings.Fields(text); strings.Contains(key, "button") {
				if len(f) < 2 || subcommands[f[1]] == "" || (f[1] != "vote" && f[1] != "punkt" && len(f) > 2 && thumbWords[f[2]] == "") {
					t.Errorf("%s %s: %q is no command", lang, key, text)
				}
			}
		}
	}
}

// TestNoDoubledPunctuation: a user's text that ends in a question mark, quoted and followed by
// the template's own punctuation, reads „Wie geht es weiter?“. – avoid templates that do that.
func TestNoDoubledPunctuation(t *testing.T) {
	doubled := regexp.MustCompile(`[.?!][“”"„]\s*[.,;:!?]`)
	user := adapters.Escape("Wie geht es weiter?")
	for _, lang := range []string{"de", "en"} {
		for key := range msgs[lang] {
			got := msgs.T(lang, key, "text", user, "name", user, "value", user, "sub", user)
			if doubled.MatchString(got) {
				t.Errorf("%s %s: doubled punctuation: %s", lang, key, got)
			}
		}
	}
}

// TestRepliesAgreeWithTheirNumbers: replies that carry a count use the singular for one,
// in both languages.
func TestRepliesAgreeWithTheirNumbers(t *testing.T) {
	tests := []struct {
		lang, start string
		steps       []string // by bob, after a topic and the start of voting; the last reply counts
		want, bad   string
	}{
		{"de", "stimmen=1", []string{"/lc punkt 1"}, "noch 0 von 1 Punkt.", "Punkten"},
		{"de", "stimmen=1", []string{"/lc punkt 1", "/lc zurück 1"}, "wieder 1 von 1 Punkt.", "Punkten"},
		{"de", "stimmen=1", []string{"/lc punkt 1", "/lc punkt 1"}, "Ihren Punkt schon gesetzt", "alle 1"},
		{"de", "stimmen=1", []string{"/lc stand"}, "noch 1 von 1 Punkt.", "Punkten"},
		{"de", "stimmen=2 prothema=1", []string{"/lc punkt 1", "/lc punkt 1"}, "nur einer Ihrer Punkte", "höchstens 1"},
		{"de", "stimmen=2", []string{"/lc punkt 7"}, "steht nur 1 Thema", "stehen 1"},
		{"de", "stimmen=2", []string{"/lc punkt 1", "/lc punkt 1", "/lc punkt 1"}, "alle 2 Punkte gesetzt", "Ihren Punkt"},
		{"en", "votes=1", []string{"/lc vote 1"}, "0 of 1 dot left", "1 dots"},
		{"en", "votes=1", []string{"/lc vote 1", "/lc vote 1"}, "already placed your dot", "all 1"},
		{"en", "votes=2 pertopic=1", []string{"/lc vote 1", "/lc vote 1"}, "Only one of your dots", "At most 1"},
		{"en", "votes=2", []string{"/lc vote 7"}, "the board has only 1 topic", "has 1."},
	}
	for _, tt := range tests {
		t.Run(tt.lang+" "+tt.want, func(t *testing.T) {
			fx := newFixture(t, redistest.Store(t))
			fx.say("anna", "/lc lang "+tt.lang)
			fx.say("bob", "/lc lang "+tt.lang)
			fx.say("anna", "/lc start "+tt.start)
			fx.say("anna", "/lc topic Eins")
			fx.say("anna", "/lc next")
			var reply string
			for _, s := range tt.steps {
				reply = fx.say("bob", s)
			}
			contains(t, reply, tt.want)
			if strings.Contains(reply, tt.bad) {
				t.Errorf("reply %q contains %q", reply, tt.bad)
			}
		})
	}
}

// TestVotingAnnouncementAgrees: "everyone has 1 dot – please place it", not "them".
func TestVotingAnnouncementAgrees(t *testing.T) {
	for _, tt := range []struct{ lang, start, want string }{
		{"de", "stimmen=1", "Jede Person hat 1 Punkt – bitte setzen Sie ihn"},
		{"de", "stimmen=2", "Jede Person hat 2 Punkte – bitte setzen Sie sie"},
		{"en", "votes=1", "Everyone has 1 dot – please place it"},
		{"en", "votes=2", "Everyone has 2 dots – please place them"},
	} {
		fx := newFixture(t, redistest.Store(t))
		fx.say("anna", "/lc lang "+tt.lang)
		fx.say("anna", "/lc start "+tt.start)
		fx.say("anna", "/lc topic Eins")
		fx.say("anna", "/lc next")
		if fx.countPosts(tt.want) != 1 {
			t.Errorf("%s %s: no post with %q in %q", tt.lang, tt.start, tt.want, fx.chat.Posts(testChannel))
		}
	}
}
