package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	ical "github.com/arran4/golang-ical"

	"github.com/wolbot/wolbot/storage/redistest"
)

// TestCirclesConsoleMeetingLinkAndCalendar plays a circle through main's wiring with a
// meeting URL and a files directory (issue 14): the welcome shows the circle's video room and
// carries its calendar file (a 📎 line, the file saved into WOLBOT_CONSOLE_FILES, a weekly
// series of the round's two weeks), the reminder repeats the link, each member is asked
// privately how the circle fits, and an answer typed as text is taken.
func TestCirclesConsoleMeetingLinkAndCalendar(t *testing.T) {
	store := redistest.Store(t)
	dir := t.TempDir()
	munis := []string{"Kreis Düren", "StädteRegion Aachen", "Stadt Köln", "Kreis Euskirchen"}
	var sb strings.Builder
	sb.WriteString("admin: /wol region add rheinland \"Rheinland\"\n" +
		"admin: /wol region rheinland kommunen \"" + strings.Join(munis, "; ") + "\"\n" +
		"admin: /wol runde öffnen rheinland wochen=2\n")
	for i, muni := range munis {
		u := fmt.Sprintf("p%d", i+1)
		fmt.Fprintf(&sb, "#allgemein\n%[1]s: /wol join\n@wolbot\n%[1]s: rheinland\n%[1]s: %[2]s\n%[1]s: Planung\n"+
			"%[1]s: Ich möchte Beteiligung in der Jugendhilfeplanung verbessern.\n%[1]s: mo-vm\n%[1]s: ja\n", u, muni)
	}
	sb.WriteString("#allgemein\nadmin: /wol vorschau rheinland\nadmin: /wol bestätigen rheinland\n.wait 5s\n" +
		"@wolbot\np1: /wol passung gut\np2: /wol passung vielleicht-nicht\n")

	var out, errs bytes.Buffer
	code := run(context.Background(), nil, strings.NewReader(sb.String()), &out, &errs, env(withRedis(map[string]string{
		"WOLBOT_NAMESPACE": store.NS, "WOLBOT_ADMINS": "admin", "WOLBOT_WOL_WEEK": "2s",
		"WOLBOT_MEETING_URL": "https://meet.example.de/wol-{circle}", "WOLBOT_CONSOLE_FILES": dir,
	})))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	text := out.String()
	link := regexp.MustCompile(`https://meet\.example\.de/wol-rheinland-1-[a-z2-7]{16}`).FindString(text)
	if link == "" {
		t.Fatalf("no room link in the output:\n%s", text)
	}
	blocks := parseBlocks(text)
	steps := []step{
		{"[#wol-rheinland-1] wolbot:", "**Ihr Videoraum:** " + link},
		{"[#wol-rheinland-1] wolbot:", "**Woche 1 von 2** – Ihr Treffen:"},
		{"[@p1] wolbot:", "Wie passt der Kreis für Sie?"},
		{"[@p1] wolbot:", "gut passt"},
		{"[@p2] wolbot:", "So geht’s: `/wol passung gut`"},
	}
	expectInOrder(t, blocks, text, steps)
	welcome := blocks[find(blocks, 0, "[#wol-rheinland-1] wolbot:", "Ihr Videoraum")].Text
	fileLine := regexp.MustCompile(`(?m)^📎 wol-rheinland-1\.ics \((\d+) Bytes\)$`).FindStringSubmatch(welcome)
	if fileLine == nil {
		t.Fatalf("the welcome has no 📎 line for the calendar:\n%s", welcome)
	}
	reminder := blocks[find(blocks, 0, "[#wol-rheinland-1] wolbot:", "**Woche 1 von 2**")].Text
	if !strings.Contains(reminder, "Videoraum: "+link) {
		t.Errorf("the reminder has no room link:\n%s", reminder)
	}
	fit := blocks[find(blocks, 0, "[@p1] wolbot:", "Wie passt der Kreis")].Text
	for _, want := range []string{"[Passt gut] → /wol passung gut rheinland-1", "[Noch unsicher] → /wol passung unsicher rheinland-1", "[Passt nicht] → /wol passung nein rheinland-1"} {
		if !strings.Contains(fit, want) {
			t.Errorf("fit question lacks %q:\n%s", want, fit)
		}
	}

	data, err := os.ReadFile(filepath.Join(dir, "wol-rheinland-1.ics"))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(len(data)) != fileLine[1] {
		t.Errorf("saved file has %d bytes, the 📎 line says %s", len(data), fileLine[1])
	}
	cal, err := ical.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse the saved file: %v", err)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1", len(evs))
	}
	if r := evs[0].GetProperty(ical.ComponentPropertyRrule); r == nil || r.Value != "FREQ=WEEKLY;COUNT=2" {
		t.Errorf("RRULE %v, want a weekly series of 2", r)
	}
	start, err1 := evs[0].GetStartAt()
	end, err2 := evs[0].GetEndAt()
	if err1 != nil || err2 != nil || end.Sub(start) != time.Hour {
		t.Errorf("meeting %v–%v, want the round's 60 minutes even with a demo week", start, end)
	}
	if l := evs[0].GetProperty(ical.ComponentPropertyLocation); l == nil || l.Value != link {
		t.Errorf("LOCATION %v, want %s", l, link)
	}
	if !bytes.Contains(data, []byte("DTSTART;TZID=Europe/Berlin:")) || !bytes.Contains(data, []byte("BEGIN:VTIMEZONE")) {
		t.Errorf("the file has no Berlin times with their VTIMEZONE:\n%s", data)
	}
}
