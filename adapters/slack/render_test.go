package slack

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/wolbot/wolbot/adapters"
)

func TestMrkdwn(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain text stays", "Thema 1: Jugendbeteiligung", "Thema 1: Jugendbeteiligung"},
		{"ampersand escaped", "Jugend & Schule", "Jugend &amp; Schule"},
		{"angle brackets escaped", "a < b > c", "a &lt; b &gt; c"},
		{"<!channel> cannot broadcast", "<!channel> hallo", "&lt;!channel&gt; hallo"},
		{"<!here> cannot broadcast", "<!here|here>", "&lt;!here|here&gt;"},
		{"<!everyone> cannot broadcast", "x <!everyone>", "x &lt;!everyone&gt;"},
		{"user mention token stays text", "<@U123>", "&lt;@U123&gt;"},
		{"fake link stays text", "<https://evil.example|Bank>", "&lt;https://evil.example|Bank&gt;"},
		{"escaped entity is escaped again", "&amp;", "&amp;amp;"},
		{"core's zero-width escape survives", adapters.Escape("@channel <!here>"), "@\u200bchannel &lt;\u200b!here&gt;"},
		{"bold", "**Runde** beendet", "*Runde* beendet"},
		{"bold with underscores", "__Runde__", "*Runde*"},
		{"two bolds", "**a** und **b**", "*a* und *b*"},
		{"bold of several words", "**drei Punkte für dich**", "*drei Punkte für dich*"},
		{"italic of several words", "*ganz leise*", "_ganz leise_"},
		{"italic with underscores stays", "_leise_", "_leise_"},
		{"italic with a star", "*leise*", "_leise_"},
		{"bold and italic", "**laut** und *leise*", "*laut* und _leise_"},
		{"lone stars are not emphasis", "5 * 3 * 2", "5 * 3 * 2"},
		{"heading", "### Lean Coffee", "*Lean Coffee*"},
		{"heading with bold inside", "## **Zusammenfassung**", "*Zusammenfassung*"},
		{"heading closing hashes", "# Titel #", "*Titel*"},
		{"hash without space is no heading", "#kreis-dueren", "#kreis-dueren"},
		{"dash list", "- eins\n- zwei", "• eins\n• zwei"},
		{"star list", "* eins", "• eins"},
		{"nested list keeps indent", "  - tiefer", "  • tiefer"},
		{"list item with bold", "- **3 Punkte** Thema", "• *3 Punkte* Thema"},
		{"code span kept", "Tippe `/lc vote **2**`", "Tippe `/lc vote **2**`"},
		{"code span still escaped", "`a<b`", "`a&lt;b`"},
		{"unclosed backtick", "a ` **b**", "a ` **b**"},
		{"fence kept", "```\n- **x**\n```\n- y", "```\n- **x**\n```\n• y"},
		{"link", "[Anleitung](https://example.org/a?x=1&y=2)", "<https://example.org/a?x=1&amp;y=2|Anleitung>"},
		{"escaped user link is not a link", adapters.Escape("[Bank](https://evil.example)"), "[Bank]\u200b(https:\u200b//evil.example)"},
		{"javascript link is not a link", "[x](javascript:alert(1))", "[x](javascript:alert(1))"},
		{"crlf", "a\r\nb", "a\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mrkdwn(tt.in); got != tt.want {
				t.Errorf("mrkdwn(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRenderBlocks(t *testing.T) {
	var buttons []adapters.Button
	for i := 1; i <= 30; i++ {
		n := strconv.Itoa(i)
		buttons = append(buttons, adapters.Button{ID: "lc.vote", Label: "Punkt auf " + n, Value: "r:" + n, Command: "/lc vote " + n})
	}
	buttons[0].Label = strings.Repeat("x", 100) // longer than Slack allows
	text, blocks := render(adapters.Message{Text: "**Board** <b>", Buttons: buttons})

	if text != "*Board* &lt;b&gt;" {
		t.Errorf("fallback text %q", text)
	}
	// Round-trip through JSON, as Slack would receive it.
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	var got slack.Blocks
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	set := got.BlockSet
	if len(set) != 4 {
		t.Fatalf("%d blocks, want section, 2 actions, context", len(set))
	}
	sec, ok := set[0].(*slack.SectionBlock)
	if !ok || sec.Text.Type != slack.MarkdownType || sec.Text.Text != "*Board* &lt;b&gt;" || !sec.Text.Verbatim {
		t.Errorf("section %+v", set[0])
	}
	for i, want := range []int{25, 5} {
		ab, ok := set[1+i].(*slack.ActionBlock)
		if !ok || len(ab.Elements.ElementSet) != want {
			t.Errorf("actions block %d: %+v, want %d buttons", i, set[1+i], want)
		}
	}
	ids := make(map[string]bool)
	for i, b := range buttonsOf(got) {
		if ids[b.ActionID] {
			t.Errorf("action_id %q twice in one message", b.ActionID)
		}
		ids[b.ActionID] = true
		if actionID(b.ActionID) != "lc.vote" || b.Value != buttons[i].Value {
			t.Errorf("button %d: %s = %s", i, b.ActionID, b.Value)
		}
		if n := len([]rune(b.Text.Text)); n > maxButtonLabel {
			t.Errorf("button %d label has %d characters", i, n)
		}
	}
	ctx, ok := set[3].(*slack.ContextBlock)
	if !ok || len(ctx.ContextElements.Elements) == 0 {
		t.Fatalf("context block %+v", set[3])
	}
	cmds := ctx.ContextElements.Elements[0].(*slack.TextBlockObject).Text
	if !strings.Contains(cmds, "Punkt auf 2: `/lc vote 2`") || !strings.Contains(cmds, "`/lc vote 30`") {
		t.Errorf("commands listed: %q", cmds)
	}
}

func TestRenderLimits(t *testing.T) {
	long := strings.Repeat(strings.Repeat("ä", 99)+"\n", 100) // 10,000 characters
	_, blocks := render(adapters.Message{Text: long})
	if len(blocks) != 4 {
		t.Errorf("%d sections for 10,000 characters, want 4", len(blocks))
	}
	for _, b := range blocks {
		if n := len([]rune(b.(*slack.SectionBlock).Text.Text)); n > maxSectionText {
			t.Errorf("section of %d characters", n)
		}
	}

	// An entity is never cut in half.
	for _, piece := range splitText(strings.Repeat("a", 2998)+"&amp;b", 3000) {
		if strings.Contains(piece, "&") && !strings.Contains(piece, "&amp;") {
			t.Errorf("entity cut: %q", piece[max(0, len(piece)-8):])
		}
	}

	// A message without text or buttons clears the blocks of an updated post.
	text, blocks := render(adapters.Message{})
	if text != "" || len(blocks) != 0 {
		t.Errorf("empty message: %q, %d blocks", text, len(blocks))
	}
	// Buttons without text still give a fallback text for notifications.
	text, _ = render(adapters.Message{Buttons: []adapters.Button{{ID: "a", Label: "Ja & Nein"}}})
	if text != "Ja &amp; Nein" {
		t.Errorf("fallback %q", text)
	}
}
