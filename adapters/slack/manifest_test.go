package slack

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestManifestMatchesCode keeps slack-app-manifest.yaml in step with the adapter: the bot
// scopes are exactly those the Web API methods and events of this package need, and the
// events and endpoints are the ones it handles.
func TestManifestMatchesCode(t *testing.T) {
	raw, err := os.ReadFile("../../slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	manifest := string(raw)
	// Which method or event needs which scope (https://api.slack.com/methods, /events).
	needs := map[string][]string{
		"app_mentions:read": {"app_mention"},
		"chat:write":        {"chat.postMessage", "chat.update", "chat.postEphemeral"},
		"commands":          {"slash commands"},
		"files:write":       {"files.getUploadURLExternal", "files.completeUploadExternal"},
		"groups:read":       {"conversations.list (private channels: find the bot's own again)"},
		"groups:write":      {"conversations.create (is_private)", "conversations.invite"},
		"im:history":        {"message.im"},
		"im:write":          {"conversations.open"},
		"users:read":        {"users.info", "users.list"},
	}
	var want []string
	for scope := range needs {
		want = append(want, scope)
	}
	slices.Sort(want)
	if got := yamlList(manifest, "    bot:"); !slices.Equal(got, want) {
		t.Errorf("bot scopes %v, want %v", got, want)
	}
	if got := yamlList(manifest, "    bot_events:"); !slices.Equal(got, []string{"app_mention", "message.im"}) {
		t.Errorf("bot events %v", got)
	}
	for _, s := range []string{
		"socket_mode_enabled: true", "is_enabled: true", "command: /lc", "command: /wol", "command: /impuls",
		"/slack/events", "/slack/commands", "/slack/interactivity",
	} {
		if !strings.Contains(manifest, s) {
			t.Errorf("manifest lacks %q", s)
		}
	}
}

// yamlList returns the sorted items of the block list that follows the line key, without
// comments.
func yamlList(doc, key string) []string {
	_, rest, ok := strings.Cut(doc, "\n"+key+"\n")
	if !ok {
		return nil
	}
	var items []string
	for _, line := range strings.Split(rest, "\n") {
		item, ok := strings.CutPrefix(strings.TrimSpace(line), "- ")
		if !ok {
			break
		}
		item, _, _ = strings.Cut(item, "#")
		items = append(items, strings.TrimSpace(item))
	}
	slices.Sort(items)
	return items
}
