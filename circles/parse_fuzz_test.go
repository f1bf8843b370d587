package circles

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
)

// Fuzz tests of the circles' parsers (issue 7, "Reliability drills"): quoted arguments,
// municipality lists, availability texts, round options (sizes, weeks, dates, lengths), answers
// to the enrolment questions and button values.

// quoteChars are the characters splitArgs treats as quotes.
const quoteChars = "\"„“”"

// FuzzSplitArgs: without quotes, splitArgs splits like strings.Fields; words wrapped in quotes
// come back as they were, spaces and all; any input gives words free of quote characters
// unless the input had them unbalanced.
func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{
		"region add rheinland", `add rheinland "Rheinland Süd"`, "add nrw „Nordrhein-Westfalen Mitte“", "add x “A B”",
		`add x "A B`, `add x ""`, `a"b c"d`, "„a”", "“a\"", "\"\"\"", "a\u00a0b", "\xff\"\xfe", "", "  ", "”",
	} {
		f.Add(s, "Kreis Düren", "Stadt Köln; x")
	}
	f.Fuzz(func(t *testing.T, s, w1, w2 string) {
		got := splitArgs(s)
		if utf8.ValidString(s) && !strings.ContainsAny(s, quoteChars) && !slices.Equal(got, strings.Fields(s)) {
			t.Fatalf("splitArgs(%q) = %q, want %q", s, got, strings.Fields(s))
		}
		if !utf8.ValidString(w1) || !utf8.ValidString(w2) || strings.ContainsAny(w1+w2, quoteChars) {
			return
		}
		words := []string{w1, w2, ""}
		for _, open := range []struct{ open, close string }{{`"`, `"`}, {"„", "“"}, {"“", "”"}, {`"`, "”"}} {
			line := "cmd " + open.open + w1 + open.close + "\t" + open.open + w2 + open.close + " " + open.open + open.close
			if got := splitArgs(line); !slices.Equal(got, append([]string{"cmd"}, words...)) {
				t.Fatalf("splitArgs(%q) = %q, want cmd and %q", line, got, words)
			}
		}
		for _, m := range splitMunicipalities(w1 + ";" + w2) {
			if m == "" || m != strings.Join(strings.Fields(m), " ") || strings.ContainsAny(m, ";\n") {
				t.Fatalf("splitMunicipalities(%q) gave %q", w1+";"+w2, m)
			}
		}
	})
}

// FuzzParseSlots: availability text never panics; accepted slots are valid codes, unique, in
// week order, and read back from their codes; a refusal is an *errSlots whose text exists in
// both languages.
func FuzzParseSlots(f *testing.F) {
	for _, s := range []string{
		"mo-vm, do-nm", "mi-mid", "mo-am", "Montag vormittag, Donnerstag nachmittag", "Mo und Mi nachmittags",
		"Dienstag vormittags und mittags", "Freitag ganztags", "am Montag am Nachmittag", "monday am, thursday pm",
		"Samstag vormittag", "vormittags", "Montag", "", "xyz", "mo-am mo-am", "MONTAG VORMITTAG", "Mo–Fr vormittags",
		"mo-mid; di-mid, mi-mid\ndo-mid", "am am am", "mo am am", "İ", "früh", "ganztägig", "Di\u0308",
		"Do 14 Uhr, Mo 9 Uhr", "dienstags nachmittags", "montags vormittags", "Dienstagnachmittag", "Di 9-13 Uhr",
		"Do von 12 bis 16 Uhr", "Mo ab 11 Uhr", "Thursday 2pm", "Mo 9:30", "Fr 12.00", "Mo 99", "Mo 9-", "Mo -9",
		"Mo 9 bis", "bis 12", "Mo 12am", "Mo 0pm", "Mo 9::30", "Mo 1.5", "mo 9 am am", "Mo–Fr vormittags",
		"Montag bis Mittwoch nachmittags", "Fr-Mo 9 Uhr", "Mon to Wed 9am", "mo-mi-fr nm",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		slots, err := parseSlots(s)
		if err != nil {
			var es *errSlots
			if !errors.As(err, &es) || slots != nil {
				t.Fatalf("parseSlots(%q) = %q, %v", s, slots, err)
			}
			for _, lang := range bot.Langs {
				if got := msgs.T(lang, es.Key, "word", adapters.Escape(es.Word)); strings.HasPrefix(got, "⟦") {
					t.Fatalf("parseSlots(%q): text %q missing in %s", s, es.Key, lang)
				}
			}
			return
		}
		if len(slots) == 0 {
			t.Fatalf("parseSlots(%q) accepted no slot", s)
		}
		last := -1
		for _, slot := range slots {
			d, p, ok := slotIndex(slot)
			if !ok || d*len(slotParts)+p <= last {
				t.Fatalf("parseSlots(%q) = %q: bad or unordered slot %q", s, slots, slot)
			}
			last = d*len(slotParts) + p
		}
		if again, err := parseSlots(strings.Join(slots, ", ")); err != nil || !slices.Equal(again, slots) {
			t.Fatalf("parseSlots(%q) = %q, but its codes read back as %q, %v", s, slots, again, err)
		}
		// The same slots said with clock times ("Mo 9 Uhr, Do 14 Uhr") read back as well.
		natural := make([]string, len(slots))
		for i, slot := range slots {
			d, p, _ := slotIndex(slot)
			natural[i] = slotDays[d] + " " + strconv.Itoa(partHours[p]) + " Uhr"
		}
		if again, err := parseSlots(strings.Join(natural, ", ")); err != nil || !slices.Equal(again, slots) {
			t.Fatalf("parseSlots(%q) = %q, but as clock times %q they read back as %q, %v", s, slots, natural, again, err)
		}
	})
}

// fuzzToday is a Wednesday in Berlin.
var fuzzToday = func() time.Time {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		loc = time.UTC
	}
	return time.Date(2026, 11, 25, 10, 0, 0, 0, loc)
}()

// FuzzParseRoundOptions: the options of "/wol runde öffnen" never panic; accepted options lie
// within the limits (sizes 3–12, weeks 1–52, a start from today, 15 minutes to 4 hours); a
// refusal names its text.
func FuzzParseRoundOptions(f *testing.F) {
	for _, s := range []string{
		"", "größe=3-4 wochen=8 start=7.12.2026 dauer=90min", "size=5 weeks=12 start=2026-12-07 length=1h",
		"größe=2-5", "größe=5-4", "größe=4-13", "größe=vier", "größe=4–5", "groesse=+4", "wochen=0", "wochen=53",
		"start=2020-01-01", "start=morgen", "start=25.11.2026", "start=31.02.2027", "start=2026-11-25", "dauer=5m",
		"dauer=5h", "dauer=1,5h", "dauer=2 Stunden", "dauer=60", "dauer=240", "dauer=241", "farbe=blau", "größe",
		`start="7.12.2026"`, "dauer=1h30m", "dauer=90minuten", "länge=1std", "dauer=0x10", "size=4-",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := splitArgs(line)
		cfg, err := parseRoundOptions(args, fuzzToday)
		if err != nil {
			var oe *optionError
			if !errors.As(err, &oe) || (oe.Key != "err_opt_unknown" && !strings.HasPrefix(oe.Key, "err_opt_")) {
				t.Fatalf("parseRoundOptions(%q): %v", args, err)
			}
			for _, lang := range bot.Langs {
				if got := msgs.T(lang, oe.Key, "name", oe.Name, "value", oe.Value); strings.HasPrefix(got, "⟦") {
					t.Fatalf("parseRoundOptions(%q): text %q missing in %s", args, oe.Key, lang)
				}
			}
			return
		}
		start, perr := time.ParseInLocation(time.DateOnly, cfg.Start, fuzzToday.Location())
		switch {
		case cfg.Min < 3 || cfg.Max < cfg.Min || cfg.Max > 12:
			t.Fatalf("parseRoundOptions(%q): size %d-%d", args, cfg.Min, cfg.Max)
		case cfg.Weeks < minWeeks || cfg.Weeks > maxWeeks:
			t.Fatalf("parseRoundOptions(%q): %d weeks", args, cfg.Weeks)
		case cfg.Length < minLength || cfg.Length > maxLength:
			t.Fatalf("parseRoundOptions(%q): length %v", args, cfg.Length)
		case perr != nil || start.Before(truncateDay(fuzzToday)):
			t.Fatalf("parseRoundOptions(%q): start %q", args, cfg.Start)
		}
	})
}

// FuzzParseSizeAndDate: parseSize accepts only 3 ≤ lo ≤ hi ≤ 12; a length typed as a bare
// number means exactly that many minutes; a parsed date formats and parses back to itself;
// check-in button values read back as written.
func FuzzParseSizeAndDate(f *testing.F) {
	for _, s := range []string{"4-5", "4–5", "4", "+4", "3-12", "2-5", "5-4", "4-", "-4", "4--5", "1e1", "07", "4 - 5"} {
		f.Add(s, "2026-12-07", "rheinland-3", 4)
	}
	f.Add("x", "7.12.2026", "", -1)
	f.Add("x", "07.12.2026", "a|b", 0)
	f.Add("x", "0000-01-01", "x", 1)
	f.Add("x", "31.2.2026", "x", 1)
	f.Add("x", "2026-1-7", "x", 1)
	f.Fuzz(func(t *testing.T, size, date, circle string, week int) {
		lo, hi, err := parseSize(size)
		if err == nil && (lo < 3 || hi < lo || hi > 12) {
			t.Fatalf("parseSize(%q) = %d, %d", size, lo, hi)
		}
		if err != nil && (lo != 0 || hi != 0) {
			t.Fatalf("parseSize(%q) failed (%v) but gave %d, %d", size, err, lo, hi)
		}
		if d, err := parseLength(size); err == nil {
			norm := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(size)), ",", ".")
			if n, aerr := strconv.Atoi(norm); aerr == nil && (d%time.Minute != 0 || int64(d/time.Minute) != int64(n)) {
				t.Fatalf("parseLength(%q) = %v, want %d minutes or an error (overflow?)", size, d, n)
			}
		}
		if d, err := parseDate(date, fuzzToday.Location()); err == nil {
			back, err := parseDate(d.Format(time.DateOnly), fuzzToday.Location())
			if err != nil || !back.Equal(d) || d.Location() != fuzzToday.Location() || d.Hour() != 0 {
				t.Fatalf("parseDate(%q) = %v, read back as %v, %v", date, d, back, err)
			}
		}
		if strings.Contains(circle, "|") {
			return // circle ids are region ids and a number
		}
		for _, yes := range []bool{true, false} {
			v := circle + "|" + strconv.Itoa(week) + "|" + map[bool]string{true: "yes", false: "no"}[yes]
			id, w, y, ok := parseCheckinValue(v)
			if !ok || id != circle || w != week || y != yes {
				t.Fatalf("parseCheckinValue(%q) = %q, %d, %v, %v", v, id, w, y, ok)
			}
		}
		if id, w, y, ok := parseCheckinValue(size); !ok && (id != "" || w != 0 || y) {
			t.Fatalf("parseCheckinValue(%q) refused but gave %q, %d, %v", size, id, w, y)
		}
	})
}

// FuzzEnrolmentAnswers: answers to the enrolment dialogue never panic; pick finds an option or
// -1; a role is one of the roles; a goal is normalised and within its length.
func FuzzEnrolmentAnswers(f *testing.F) {
	for _, s := range []string{"1", "2", "0", "99", "rhein", "Rheinland", "", " ", "planung", "Leitung", "3", "x",
		"Ich möchte lernen, wie andere Kommunen Beteiligung organisieren.", strings.Repeat("ä", 600)} {
		f.Add(s, 3)
	}
	names := [][]string{{"Rheinland", "rheinland"}, {"Westfalen-Lippe", "wl"}, {"Rheinland-Süd", "rs"}}
	f.Fuzz(func(t *testing.T, answer string, n int) {
		n = max(0, min(n, len(names)))
		i := pick(answer, n, func(i int) []string { return names[i] })
		if i < -1 || i >= n {
			t.Fatalf("pick(%q, %d) = %d", answer, n, i)
		}
		if role, ok := parseRole(answer); ok && !slices.Contains(roles, role) {
			t.Fatalf("parseRole(%q) = %q", answer, role)
		}
		if goal, err := checkGoal(answer); err == nil {
			if goal != strings.Join(strings.Fields(answer), " ") || utf8.RuneCountInString(goal) < minGoal ||
				utf8.RuneCountInString(goal) > maxGoal {
				t.Fatalf("checkGoal(%q) = %q", answer, goal)
			}
		} else {
			var ue *userError
			if !errors.As(err, &ue) {
				t.Fatalf("checkGoal(%q): %v", answer, err)
			}
		}
	})
}
