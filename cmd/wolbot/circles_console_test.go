package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/wolbot/wolbot/storage/redistest"
)

// TestCirclesConsoleEndToEnd plays a whole enrolment in the console through main's wiring:
// an admin sets up a region and opens a round, five planners from five municipalities answer
// the bot's questions in their direct conversation, the admin previews and confirms, the
// circle's private channel is created with all five, and with a week of two seconds the first
// reminder arrives in that channel.
func TestCirclesConsoleEndToEnd(t *testing.T) {
	store := redistest.Store(t)
	var sb strings.Builder
	sb.WriteString("admin: /wol region add rheinland \"Rheinland\"\n" +
		"admin: /wol region rheinland kommunen \"Kreis Düren; StädteRegion Aachen; Stadt Köln; Kreis Euskirchen; Rhein-Erft-Kreis\"\n" +
		"admin: /wol runde öffnen rheinland wochen=1\n")
	for i, muni := range []string{"Kreis Düren", "StädteRegion Aachen", "Stadt Köln", "Kreis Euskirchen", "Rhein-Erft-Kreis"} {
		u := fmt.Sprintf("p%d", i+1)
		fmt.Fprintf(&sb, "#allgemein\n%[1]s: /wol join\n@wolbot\n%[1]s: rheinland\n%[1]s: %[2]s\n%[1]s: Planung\n"+
			"%[1]s: Ich möchte von anderen Kommunen lernen, wie sie Jugendliche beteiligen.\n%[1]s: mo-vm, di-vm\n%[1]s: ja\n", u, muni)
	}
	sb.WriteString("#allgemein\nadmin: /wol vorschau rheinland\nadmin: /wol bestätigen rheinland\n.wait 7s\n")

	var out, errs bytes.Buffer
	code := run(context.Background(), nil, strings.NewReader(sb.String()), &out, &errs, env(withRedis(map[string]string{
		"WOLBOT_NAMESPACE": store.NS, "WOLBOT_ADMINS": "admin", "WOLBOT_WOL_WEEK": "2s",
	})))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	blocks := parseBlocks(out.String())
	steps := []step{
		{"[@p1] wolbot:", ""},
		{"[@p5] wolbot:", ""},
		{"[#allgemein → admin] wolbot:", "Kreis"},
		{"[#wol-rheinland-1] wolbot:", ""},
		{"[#wol-rheinland-1] wolbot:", "**Woche 1 von 1** – Ihr Treffen:"},
		{"[#wol-rheinland-1] wolbot:", "Wie war das Treffen in Woche 1?"},
	}
	expectInOrder(t, blocks, out.String(), steps)
	if !strings.Contains(out.String(), "-- #wol-rheinland-1 created (private): ") {
		t.Fatalf("no private channel created:\n%s", out.String())
	}
	line := out.String()[strings.Index(out.String(), "-- #wol-rheinland-1 created (private): "):]
	line, _, _ = strings.Cut(line, "\n")
	for _, p := range []string{"p1", "p2", "p3", "p4", "p5"} {
		if !strings.Contains(line, p) {
			t.Errorf("%s is not a member: %s", p, line)
		}
	}
	if strings.Contains(out.String(), "kenne ich leider nicht") {
		t.Errorf("a dialog answer was taken for an unknown command:\n%s", out.String())
	}
}
