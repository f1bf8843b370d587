package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wolbot/wolbot/adapters/mattermost"
	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/storage/redistest"
)

// registered are the slash commands every platform registers: `wolbot mattermost setup`
// (mattermost.Commands) and the Slack manifest. Replies may point only at these.
func registered(t *testing.T) (mm, sl []string) {
	t.Helper()
	for _, c := range mattermost.Commands {
		mm = append(mm, c.Trigger)
	}
	raw, err := os.ReadFile("../../slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?m)^\s*- command: /(\S+)`).FindAllStringSubmatch(string(raw), -1) {
		sl = append(sl, m[1])
	}
	slices.Sort(mm)
	slices.Sort(sl)
	return mm, sl
}

func TestPlatformsRegisterTheSameCommandsIncludingTheCore(t *testing.T) {
	mm, sl := registered(t)
	if !slices.Equal(mm, sl) {
		t.Errorf("Mattermost registers %v, the Slack manifest %v", mm, sl)
	}
	if !slices.Contains(mm, bot.CoreCommand) || !slices.Contains(sl, bot.CoreCommand) {
		t.Errorf("/%s (help, language) is not registered: Mattermost %v, Slack %v", bot.CoreCommand, mm, sl)
	}
}

var slashRefRe = regexp.MustCompile("(?:^|[\\s`(„“\"])/([\\p{L}]+)")

// TestRepliesPointOnlyAtRegisteredCommands plays help, unknown commands, greetings and the
// language switch in both languages through the console and checks that every slash command
// the bot mentions (in text or on a button) exists on Mattermost and Slack.
func TestRepliesPointOnlyAtRegisteredCommands(t *testing.T) {
	mm, _ := registered(t)
	store := redistest.Store(t)
	script := `#allgemein
anna: /foo
anna: /wolbot
anna: /lc hilfe
anna: /wol hilfe
anna: /impuls hilfe
anna: /daten
anna: /vergessen
anna: /wolbot sprache
@wolbot
anna: Guten Tag, wie funktioniert das?
bob: /wolbot language en
bob: hello
bob: /foo
bob: /wolbot
bob: /lc help
bob: /wol help
bob: /impuls help
bob: /wolbot data
bob: /wolbot forget
bob: /wolbot language
`
	var out, errs bytes.Buffer
	code := run(context.Background(), nil, strings.NewReader(script), &out, &errs, env(withRedis(map[string]string{
		"WOLBOT_NAMESPACE": store.NS,
	})))
	if code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, errs.String())
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(out.String(), "\n") {
		for _, m := range slashRefRe.FindAllStringSubmatch(line, -1) {
			seen[m[1]] = true
			if !slices.Contains(mm, m[1]) {
				t.Errorf("reply points at /%s, which no platform registers: %q", m[1], line)
			}
		}
	}
	if !seen[bot.CoreCommand] {
		t.Errorf("no reply mentions /%s; output:\n%s", bot.CoreCommand, out.String())
	}
	if strings.Contains(out.String(), "„guten“") || strings.Contains(out.String(), "“hello”") {
		t.Errorf("a greeting was answered as an unknown command:\n%s", out.String())
	}
}
