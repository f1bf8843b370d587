package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wolbot/wolbot/storage/redistest"
)

// actionScript is a Lean Coffee round in which action items are handed out: a duplicate topic
// is merged first, and the round ends with the summary and each owner's direct message.
const actionScript = `#kreis-dueren
anna: /lc start votes=2 timebox=1m
bob: /lc thema Jugendbeteiligung
carla: /lc thema Beteiligung junger Menschen
dora: /lc thema Fachkräfte halten
anna: /lc zusammenführen 1 2
anna: /lc weiter
bob: /lc punkt 1
carla: /lc punkt 1
anna: /lc weiter
bob: /lc aufgabe @carla Jugendforum im März vorbereiten
carla: /lc aufgabe @wolbot Protokoll schreiben
anna: /lc aufgabe @bob Einladung an die Schulverwaltung schicken
anna: /lc weiter
dora: /lc action @dora Stellenprofile vergleichen
anna: /lc ende
`

func TestConsoleActionItems(t *testing.T) {
	store := redistest.Store(t)
	dir := t.TempDir()
	var out, errs bytes.Buffer
	code := run(context.Background(), nil, strings.NewReader(actionScript), &out, &errs, env(withRedis(map[string]string{
		"WOLBOT_NAMESPACE": store.NS, "WOLBOT_CONSOLE_FILES": dir,
	})))
	if code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, errs.String())
	}
	blocks := parseBlocks(out.String())
	steps := []step{
		{"[#kreis-dueren] wolbot:", "Thema #2 ist jetzt Teil von Thema #1"},
		{"[#kreis-dueren] wolbot:", "Thema 1 von 2:** Jugendbeteiligung / Beteiligung junger Menschen"},
		{"[#kreis-dueren → bob] wolbot:", "Aufgabe Nr. 1 für carla zu Thema #1"},
		{"[#kreis-dueren → carla] wolbot:", "„wolbot“ ist ein Bot"},
		{"[#kreis-dueren → anna] wolbot:", "Aufgabe Nr. 2 für bob"},
		{"[#kreis-dueren → dora] wolbot:", "Aufgabe Nr. 3 für dora zu Thema #3"},
		{"[#kreis-dueren] wolbot:", "Lean Coffee – Zusammenfassung"},
	}
	expectInOrder(t, blocks, out.String(), steps)
	summary := blocks[find(blocks, 0, "", "Lean Coffee – Zusammenfassung")].Text
	for _, want := range []string{
		"- #1 **Jugendbeteiligung / Beteiligung junger Menschen** — 2 Punkte · besprochen: ",
		"    - ☑️ Aufgabe für carla: Jugendforum im März vorbereiten",
		"    - ☑️ Aufgabe für bob: Einladung an die Schulverwaltung schicken",
		"- #3 **Fachkräfte halten** — 0 Punkte · besprochen: ",
		"    - ☑️ Aufgabe für dora: Stellenprofile vergleichen",
	} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	// The summary carries the minutes as a Markdown file, saved where WOLBOT_CONSOLE_FILES says.
	fileLine := regexp.MustCompile(`(?m)^📎 (lean-coffee-kreis-dueren-\d{4}-\d{2}-\d{2}\.md) \(\d+ Bytes\)$`).FindStringSubmatch(summary)
	if fileLine == nil {
		t.Fatalf("the summary has no 📎 line for the minutes:\n%s", summary)
	}
	name := fileLine[1]
	minutes, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("minutes file not saved: %v", err)
	}
	for _, want := range []string{"Jugendbeteiligung / Beteiligung junger Menschen", "Jugendforum im März vorbereiten", "carla"} {
		if !strings.Contains(string(minutes), want) {
			t.Errorf("minutes lack %q:\n%s", want, minutes)
		}
	}
	// Each owner gets their items by direct message, once.
	for owner, want := range map[string]string{
		"carla": "- Jugendforum im März vorbereiten – zu #1 „Jugendbeteiligung / Beteiligung junger Menschen“ _(eingetragen von bob)_",
		"bob":   "- Einladung an die Schulverwaltung schicken – zu #1",
		"dora":  "- Stellenprofile vergleichen – zu #3 „Fachkräfte halten“ _(eingetragen von dora)_",
	} {
		n := 0
		for _, b := range blocks {
			if b.Header == "[@"+owner+"] wolbot:" && strings.Contains(b.Text, "Ihre Aufgabe aus der Lean-Coffee-Runde") {
				n++
				if !strings.Contains(b.Text, want) {
					t.Errorf("DM to %s lacks %q:\n%s", owner, want, b.Text)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d DMs with action items to %s, want 1", n, owner)
		}
	}
	if i := find(blocks, 0, "[@anna]", ""); i >= 0 {
		t.Errorf("anna owns no item but got a DM:\n%s", blocks[i].Text)
	}
	if strings.Contains(errs.String(), "Jugendforum") {
		t.Error("message contents in the log")
	}
}

// A round planned for tomorrow takes topics and dots today.
func TestConsolePlannedRound(t *testing.T) {
	store := redistest.Store(t)
	var out, errs bytes.Buffer
	script := "#kreis-dueren\n" +
		"anna: /lc start beginn=morgen 9:00 abstimmung=sofort\n" +
		"bob: /lc thema Jugendbeteiligung\n" +
		"carla: /lc punkt 1\n" +
		"anna: /lc start beginn=gestern 9:00\n"
	code := run(context.Background(), nil, strings.NewReader(script), &out, &errs, env(withRedis(map[string]string{
		"WOLBOT_NAMESPACE": store.NS,
	})))
	if code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, errs.String())
	}
	blocks := parseBlocks(out.String())
	expectInOrder(t, blocks, out.String(), []step{
		{"[#kreis-dueren] wolbot:", "📅 Beginn: "},
		{"[#kreis-dueren → anna] wolbot:", "Ihre Runde ist angelegt und beginnt am"},
		{"[#kreis-dueren → bob] wolbot:", "Ihr Thema steht als #1"},
		{"[#kreis-dueren → carla] wolbot:", "Ihr Punkt auf Thema 1 ist gezählt"},
		{"[#kreis-dueren → anna] wolbot:", "„gestern 9:00“ kann ich als Beginn nicht lesen"},
	})
}
