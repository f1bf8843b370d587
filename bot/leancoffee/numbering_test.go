package leancoffee

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark"

	"github.com/wolbot/wolbot/storage/redistest"
)

// renderHTML renders Markdown the way chat clients do, through a CommonMark renderer.
func renderHTML(t *testing.T, md string) string {
	t.Helper()
	var out bytes.Buffer
	if err := goldmark.Convert([]byte(md), &out); err != nil {
		t.Fatalf("render: %v", err)
	}
	return out.String()
}

var tagRe = regexp.MustCompile(`<[^>]*>`)

// checkNumbers asserts that what people read next to each topic is the number the commands
// take: the rendered line of topic "Thema n" shows "#n", and no ordered list renumbers it.
func checkNumbers(t *testing.T, what, md string, topics []string) {
	t.Helper()
	html := renderHTML(t, md)
	if strings.Contains(html, "<ol") {
		t.Errorf("%s: rendered as an ordered list, which CommonMark renumbers from its first item:\n%s", what, html)
	}
	for n, topic := range topics {
		found := false
		for _, line := range strings.Split(tagRe.ReplaceAllString(html, ""), "\n") {
			if !strings.Contains(line, topic) {
				continue
			}
			found = true
			if want := "#" + string(rune('1'+n)); !strings.Contains(line, want+" ") {
				t.Errorf("%s: topic %q reads %q, want it labelled %s", what, topic, strings.TrimSpace(line), want)
			}
		}
		if !found {
			t.Errorf("%s: topic %q missing:\n%s", what, topic, html)
		}
	}
}

// TestTopicNumbersSurviveRendering: the board and the summary list topics in vote order under
// their own numbers (topic 3 first); rendered as CommonMark, each still shows its number.
func TestTopicNumbersSurviveRendering(t *testing.T) {
	for _, lang := range []string{"de", "en"} {
		t.Run(lang, func(t *testing.T) {
			fx := newFixture(t, redistest.Store(t))
			fx.say("anna", "/lc lang "+lang)
			fx.say("anna", "/lc start votes=3 timebox=1m")
			topics := []string{"Erstes Anliegen", "Zweites Anliegen", "Drittes Anliegen"}
			for _, topic := range topics {
				fx.say("bob", "/lc topic "+topic)
			}
			board := func() string { return fx.chat.Board(fx.round().Board).Text }
			checkNumbers(t, "collecting board", board(), topics)
			fx.say("anna", "/lc next")
			fx.say("bob", "/lc vote 3")
			fx.say("bob", "/lc vote 3")
			fx.say("bob", "/lc vote 2")
			checkNumbers(t, "voting board", board(), topics)
			fx.say("anna", "/lc next")
			fx.say("anna", "/lc note Ein Ergebnis")
			checkNumbers(t, "discussion board", board(), topics)
			fx.say("anna", "/lc next")
			checkNumbers(t, "discussion board, second topic", board(), topics)
			fx.say("anna", "/lc end")
			checkNumbers(t, "ended board", board(), topics)
			posts := fx.chat.Posts(testChannel)
			summary := posts[len(posts)-1]
			checkNumbers(t, "summary", summary, topics)
			if html := renderHTML(t, summary); !regexp.MustCompile(`(?s)Drittes Anliegen.*<ul>\s*<li>Ein Ergebnis`).MatchString(html) {
				t.Errorf("the note is not a nested list under its topic:\n%s", html)
			}
		})
	}
}
