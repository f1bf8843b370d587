package circles

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wolbot/wolbot/bot"
)

func TestCatalogComplete(t *testing.T) {
	if err := msgs.Check(); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 12; i++ {
		for _, lang := range []string{"de", "en"} {
			if _, ok := msgs[lang]["prompt_"+strconv.Itoa(i)]; !ok {
				t.Errorf("%s: prompt %d missing", lang, i)
			}
		}
	}
}

func TestParseSlots(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
		errKey   string
	}{
		{"codes", "mo-vm, do-nm", []string{"mo-am", "do-pm"}, ""},
		{"matcher codes", "mo-am;mi-mid;do-pm", []string{"mo-am", "mi-mid", "do-pm"}, ""},
		{"words", "Montag vormittag, Donnerstag nachmittag", []string{"mo-am", "do-pm"}, ""},
		{"plural words", "montags vormittags und donnerstags nachmittags", []string{"mo-am", "do-pm"}, ""},
		{"days share a part", "Mo und Mi nachmittags", []string{"mo-pm", "mi-pm"}, ""},
		{"parts share a day", "Dienstag vormittags und mittags", []string{"di-am", "di-mid"}, ""},
		{"midday", "mi mittags", []string{"mi-mid"}, ""},
		{"german am is a filler", "am Montag am Nachmittag", []string{"mo-pm"}, ""},
		{"english", "Monday morning, Thursday afternoon", []string{"mo-am", "do-pm"}, ""},
		{"english am", "monday am, thursday pm", []string{"mo-am", "do-pm"}, ""},
		{"all day", "Freitag ganztags", []string{"fr-am", "fr-mid", "fr-pm"}, ""},
		{"week order, no duplicates", "do-nm, mo-vm, do nachmittag", []string{"mo-am", "do-pm"}, ""},
		{"day without part", "Montag", nil, "err_slots_no_part"},
		{"part first", "vormittags", nil, "err_slots_part_first"},
		{"weekend", "Samstag vormittag", nil, "err_slots_weekend"},
		{"nonsense", "irgendwann", nil, "err_slots_word"},
		{"empty", "  ", nil, "err_slots_empty"},
		// Natural answers (issue 10, item 12).
		{"clock times", "Do 14 Uhr, Mo 9 Uhr", []string{"mo-am", "do-pm"}, ""},
		{"clock with minutes", "Mittwoch 12:00", []string{"mi-mid"}, ""},
		{"clock with dot", "Fr 9.00 Uhr", []string{"fr-am"}, ""},
		{"um and uhr", "dienstags um 14 Uhr", []string{"di-pm"}, ""},
		{"weekday adverb and part", "dienstags nachmittags", []string{"di-pm"}, ""},
		{"mondays mornings", "montags vormittags", []string{"mo-am"}, ""},
		{"compound word", "Dienstagnachmittag und Freitagvormittag", []string{"di-pm", "fr-am"}, ""},
		{"compound adverb", "mittwochvormittags", []string{"mi-am"}, ""},
		{"every", "jeden Montag vormittag", []string{"mo-am"}, ""},
		{"range of hours", "Di 9-13 Uhr", []string{"di-am", "di-mid"}, ""},
		{"range with bis", "Do von 12 bis 16 Uhr", []string{"do-mid", "do-pm"}, ""},
		{"from an hour", "Mo ab 11 Uhr", []string{"mo-mid", "mo-pm"}, ""},
		{"english clock", "Thursday 2pm, Monday 9 am", []string{"mo-am", "do-pm"}, ""},
		{"english compact codes", "mon-am, thu-pm", []string{"mo-am", "do-pm"}, ""},
		{"range of days", "Mo–Fr vormittags", []string{"mo-am", "di-am", "mi-am", "do-am", "fr-am"}, ""},
		{"range of days with bis", "Montag bis Mittwoch nachmittags", []string{"mo-pm", "di-pm", "mi-pm"}, ""},
		{"range of days in codes", "di-do 14 Uhr", []string{"di-pm", "mi-pm", "do-pm"}, ""},
		{"english range of days", "Mon to Wed 9am", []string{"mo-am", "di-am", "mi-am"}, ""},
		{"hour outside meeting times", "Mo 20 Uhr", nil, "err_slots_hour"},
		{"range without a meeting time", "Mo 15-17 Uhr", nil, "err_slots_hour"},
		{"hour without day", "14 Uhr", nil, "err_slots_part_first"},
		{"nonsense number", "Mo 99", nil, "err_slots_hour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSlots(tt.in)
			if tt.errKey != "" {
				es, ok := err.(*errSlots)
				if !ok || es.Key != tt.errKey {
					t.Fatalf("parseSlots(%q) error %v, want %s", tt.in, err, tt.errKey)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("parseSlots(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"plain", "region add rheinland", []string{"region", "add", "rheinland"}},
		{"straight quotes", `add rheinland "Rheinland Süd"`, []string{"add", "rheinland", "Rheinland Süd"}},
		{"german quotes", "add nrw „Nordrhein-Westfalen Mitte“", []string{"add", "nrw", "Nordrhein-Westfalen Mitte"}},
		{"english curly quotes", "add x “A B”", []string{"add", "x", "A B"}},
		{"list with semicolons", `rheinland kommunen "Kreis Düren; StädteRegion Aachen; Stadt Köln"`,
			[]string{"rheinland", "kommunen", "Kreis Düren; StädteRegion Aachen; Stadt Köln"}},
		{"unterminated quote runs to the end", `add x "A B`, []string{"add", "x", "A B"}},
		{"empty quotes", `add x ""`, []string{"add", "x", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := splitArgs(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("splitArgs(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if got := splitMunicipalities(" Kreis  Düren; Stadt Köln;;kreis düren ;"); !slices.Equal(got, []string{"Kreis Düren", "Stadt Köln"}) {
		t.Errorf("splitMunicipalities = %q", got)
	}
}

func TestParseRoundOptions(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	today := time.Date(2026, 11, 25, 10, 0, 0, 0, berlin) // a Wednesday
	cfg, err := parseRoundOptions(nil, today)
	if err != nil || cfg.Min != 4 || cfg.Max != 5 || cfg.Weeks != 12 || cfg.Length != time.Hour || cfg.Start != "2026-11-30" {
		t.Fatalf("defaults = %+v, %v", cfg, err)
	}
	cfg, err = parseRoundOptions([]string{"größe=3-4", "wochen=8", "start=7.12.2026", "dauer=90min"}, today)
	if err != nil || cfg.Min != 3 || cfg.Max != 4 || cfg.Weeks != 8 || cfg.Start != "2026-12-07" || cfg.Length != 90*time.Minute {
		t.Fatalf("german options = %+v, %v", cfg, err)
	}
	cfg, err = parseRoundOptions([]string{"size=5", "weeks=12", "start=2026-12-07", "length=1h"}, today)
	if err != nil || cfg.Min != 5 || cfg.Max != 5 || cfg.Length != time.Hour {
		t.Fatalf("english options = %+v, %v", cfg, err)
	}
	for _, bad := range []struct{ arg, key string }{
		{"größe=2-5", "err_opt_size"}, {"größe=5-4", "err_opt_size"}, {"größe=4-13", "err_opt_size"}, {"größe=vier", "err_opt_size"},
		{"wochen=0", "err_opt_weeks"}, {"wochen=53", "err_opt_weeks"},
		{"start=2020-01-01", "err_opt_start"}, {"start=morgen", "err_opt_start"},
		{"dauer=5m", "err_opt_length"}, {"dauer=5h", "err_opt_length"},
		{"farbe=blau", "err_opt_unknown"}, {"größe", "err_opt_unknown"},
	} {
		_, err := parseRoundOptions([]string{bad.arg}, today)
		oe, ok := err.(*optionError)
		if !ok || oe.Key != bad.key {
			t.Errorf("%s: error %v, want %s", bad.arg, err, bad.key)
		}
	}
}

func TestPickAndCircleIDs(t *testing.T) {
	munis := []string{"Kreis Düren", "StädteRegion Aachen", "Stadt Köln", "Kreis Euskirchen"}
	names := func(i int) []string { return []string{munis[i]} }
	for _, tt := range []struct {
		in   string
		want int
	}{
		{"Kreis Düren", 0}, {"kreis düren", 0}, {"3", 2}, {"aachen", 1}, {"Kreis", -1}, {"Berlin", -1}, {"9", -1},
	} {
		if got := pick(tt.in, len(munis), names); got != tt.want {
			t.Errorf("pick(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct {
		id, def, region string
		n               int
		ok              bool
	}{
		{"rheinland-3", "", "rheinland", 3, true}, {"rhein-land-12", "", "rhein-land", 12, true},
		{"2", "rheinland", "rheinland", 2, true}, {"2", "", "", 0, false}, {"rheinland", "", "", 0, false}, {"x-0", "", "", 0, false},
	} {
		region, n, ok := circleByID(tt.id, tt.def)
		if region != tt.region || n != tt.n || ok != tt.ok {
			t.Errorf("circleByID(%q, %q) = %q, %d, %v", tt.id, tt.def, region, n, ok)
		}
	}
}

func TestFirstMeetingAndPrompts(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	f := &Feature{loc: berlin, week: DefaultWeek}
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, berlin) // Wednesday
	got, _ := f.firstMeeting(roundConfig{Start: "2026-11-30"}, "do-pm", now)
	if want := time.Date(2026, 12, 3, 14, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("first meeting = %s, want %s", got, want)
	}
	// A start in the past: the next slot at least a day from now.
	got, _ = f.firstMeeting(roundConfig{Start: "2026-11-01"}, "do-pm", now)
	if want := time.Date(2026, 11, 26, 14, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("first meeting = %s, want %s", got, want)
	}
	// A scaled week scales the wait.
	f.week = 7 * time.Second
	got, cal := f.firstMeeting(roundConfig{Start: "2026-11-30"}, "do-pm", now)
	if d := got.Sub(now); d < 7*time.Second || d > 9*time.Second {
		t.Errorf("scaled wait = %s, want about 8 days/day-seconds", d)
	}
	if want := time.Date(2026, 12, 3, 14, 0, 0, 0, berlin); !cal.Equal(want) {
		t.Errorf("calendar of a scaled first meeting = %s, want %s", cal, want)
	}
	if promptIndex(1, 12) != 1 || promptIndex(12, 12) != 12 || promptIndex(2, 2) != 12 || promptIndex(15, 20) != 11 {
		t.Error("prompt choice")
	}
}

// TestCatalogPlurals renders every plural text with 0, 1 and 2 in both languages: no
// placeholder is left, and no singular form speaks of several (issue 10, item 15).
func TestCatalogPlurals(t *testing.T) {
	bad := []string{"1 Kreise", "1 Personen", "1 Mitglieder", "1 Wochen", "1 Anmeldungen", "1 Kommunen", "1 aktive ",
		"1 Rückmeldungen", "1 circles", "1 people", "1 members", "1 weeks", "1 municipalities", "1 answers", "1 characters"}
	for _, cat := range []bot.Catalog{msgs, privacyMsgs} {
		for _, lang := range bot.Langs {
			for key := range cat[lang] {
				base, ok := strings.CutSuffix(key, ".one")
				if !ok {
					continue
				}
				if _, ok := cat[lang][base+".other"]; !ok {
					t.Errorf("%s: %s has no .other", lang, base)
				}
				for _, n := range []int{0, 1, 2} {
					got := cat.N(lang, base, n, "count", 5, "min", 10, "max", 250, "target", "x-1", "slot", "Mo vormittags",
						"names", "@ida", "id", "x-1", "name", "X", "ids", "`x-1`", "members", "@ida", "guides", GuidesURL, "answered", 3)
					if strings.ContainsAny(got, "{}⟦") {
						t.Errorf("%s %s(%d) = %q", lang, base, n, got)
					}
					for _, b := range bad {
						if strings.Contains(got, b) {
							t.Errorf("%s %s(%d) = %q says %q", lang, base, n, got, b)
						}
					}
				}
			}
		}
	}
}

// TestCataloguesPluralsAndQuotes renders every counted text with 0, 1 and 2 in both languages
// (bot.Catalog.CheckPlurals) and finds sentences that end right after a quoted user text.
func TestCataloguesPluralsAndQuotes(t *testing.T) {
	for name, cat := range map[string]bot.Catalog{"messages": msgs, "privacy": privacyMsgs} {
		if err := cat.CheckPlurals(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if err := cat.CheckQuotes(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
