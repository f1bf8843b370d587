package impulses

import (
	"errors"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// Fuzz tests of the impulse parsers (issue 7, "Reliability drills"): library files, pauses,
// schedules, and the delivery timer's payload.

// FuzzParseImpulse feeds arbitrary bytes to the library file parser. It returns either an
// impulse or errors, never both and never neither; every error is a *FileError naming the file
// and a line inside it, on one line; an impulse satisfies every rule of the library, and written
// back as a file it parses to the same impulse.
func FuzzParseImpulse(f *testing.F) {
	f.Add([]byte("---\n"+goodFront+"---\nText.\n"), true)
	f.Add([]byte("\uFEFF---\r\n"+strings.ReplaceAll(goodFront, "\n", "\r\n")+"---\r\nText.\r\n"), false)
	f.Add([]byte("---\nid: x\ntitle: Titel: mit Doppelpunkt\n---\nText\n"), true)
	f.Add([]byte("---\n---\nText\n"), true)
	f.Add([]byte("---\n"+goodFront+"audiance: all\n---\nText\n"), true)
	f.Add([]byte("---\nid: &a x\ntitle: *a\naudience: all\nlanguage: de\norder: 1\nquestion: \"a\\nb\"\n---\nx\n"), true)
	f.Add([]byte("---\n[1, 2]\n---\nx\n"), false)
	f.Add([]byte("---\n"+goodFront+"---\n"+strings.Repeat("Wort ", 149)+"\n"), true)
	f.Add([]byte("---\nid: x\norder: 99999999999999999999\n---\n"), false)
	f.Add([]byte("---\n\t\x00\n---\n"), false)
	f.Add([]byte(""), false)
	f.Add([]byte("---"), true)
	if data, err := fs.ReadFile(Builtin, "de/01-handlungsspielraeume.md"); err == nil {
		f.Add(data, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, checkDir bool) {
		dirLang := ""
		if checkDir {
			dirLang = "de"
		}
		const name = "fuzz/de/x.md"
		imp, errs := parseImpulse(name, dirLang, data)
		if (imp == nil) == (len(errs) == 0) {
			t.Fatalf("parseImpulse: impulse %v and %d errors", imp != nil, len(errs))
		}
		lines := strings.Count(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") + 1
		for _, err := range errs {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FileError", err, err)
			}
			if fe.File != name || fe.Line < 1 || fe.Line > lines+1 || strings.Contains(fe.Msg, "\n") || fe.Msg == "" {
				t.Fatalf("error %+v for a file of %d lines", fe, lines)
			}
		}
		if imp == nil {
			return
		}
		switch {
		case len(imp.ID) > maxIDLen || !idRe.MatchString(imp.ID):
			t.Fatalf("id %q", imp.ID)
		case imp.Title == "" || imp.Title != strings.TrimSpace(imp.Title) || strings.Contains(imp.Title, "\n"):
			t.Fatalf("title %q", imp.Title)
		case !slices.Contains([]string{AudienceLeaders, AudiencePlanners, AudienceAll}, imp.Audience):
			t.Fatalf("audience %q", imp.Audience)
		case !slices.Contains(libraryLangs, imp.Language) || checkDir && imp.Language != "de":
			t.Fatalf("language %q", imp.Language)
		case imp.Order < 1:
			t.Fatalf("order %d", imp.Order)
		case imp.Question == "" || imp.Question != strings.TrimSpace(imp.Question) || strings.Contains(imp.Question, "\n"):
			t.Fatalf("question %q", imp.Question)
		case imp.Body == "" || imp.Body != strings.TrimSpace(imp.Body):
			t.Fatalf("body %q", imp.Body)
		case imp.Words() > MaxWords:
			t.Fatalf("%d words", imp.Words())
		case imp.Source != name || imp.idLine < 2 || imp.idLine > lines:
			t.Fatalf("source %q, id line %d", imp.Source, imp.idLine)
		}
		if strings.Contains(imp.Body, "\r\n") {
			return // "\r\r\n" became "\r\n" on the first read and would shrink again
		}
		order := imp.Order
		front, err := yaml.Marshal(frontMatter{ID: imp.ID, Title: imp.Title, Audience: imp.Audience, Tags: imp.Tags,
			Language: imp.Language, Order: &order, Question: imp.Question})
		if err != nil {
			t.Fatalf("yaml.Marshal: %v", err)
		}
		file := "---\n" + string(front) + "---\n" + imp.Body + "\n"
		again, errs := parseImpulse(name, dirLang, []byte(file))
		if len(errs) > 0 {
			t.Fatalf("impulse %+v written back as\n%s\ndoes not parse: %v", imp.Impulse, file, errs)
		}
		a, b := imp.Impulse, again.Impulse
		if a.ID != b.ID || a.Title != b.Title || a.Audience != b.Audience || !slices.Equal(a.Tags, b.Tags) ||
			a.Language != b.Language || a.Order != b.Order || a.Question != b.Question || a.Body != b.Body {
			t.Fatalf("round trip changed the impulse:\n got %+v\nwant %+v", b, a)
		}
	})
}

// FuzzParsePause: an accepted pause lies between one day and 52 weeks and is a whole number of
// days; it can be written back as "<n>d".
func FuzzParsePause(f *testing.F) {
	for _, s := range []string{
		"4w", "10d", "2 Wochen", "3 weeks", "1 Tag", "1t", "0d", "53w", "52w", "365d", "364d", "9999w", "99999d",
		"1 Woche.", "2  wochen", "d", "4", "", "-1w", "+1w", "1ω", "١d", "1 day", "１d", "1\u00a0w",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParsePause(s)
		if !ok {
			return
		}
		if d < minPause || d > maxPause || d%(24*time.Hour) != 0 {
			t.Fatalf("ParsePause(%q) = %v", s, d)
		}
		days := strconv.Itoa(int(d / (24 * time.Hour)))
		if back, ok := ParsePause(days + "d"); !ok || back != d {
			t.Fatalf("ParsePause(%q) = %v, but ParsePause(%q) = %v, %v", s, d, days+"d", back, ok)
		}
	})
}

// FuzzParseSchedule: arbitrary cron expressions never panic; an accepted one is normalised
// (single spaces), parses again to the same schedule, and fires at strictly increasing times
// after any moment.
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{
		DefaultSchedule, "@every 2s", "@weekly", "@daily", "0 8 * * MON", "  0  8 * *   1-5 ", "0 0 30 2 *",
		"CRON_TZ=Europe/Berlin", "TZ=UTC 0 8 * * *", "CRON_TZ=America/Sao_Paulo 0 0 * * *",
		"CRON_TZ=Australia/Lord_Howe 30 2 * * *", "CRON_TZ=Nowhere/City 0 8 * * *", "@every 0s", "@every -1s",
		"@every 1000000h", "*/0 * * * *", "60 * * * *", "0 8 * * MON-SUN", "0 8 ? * *", "0 8 L * *", "",
		"0 0 29 2 *", "@yearly", "0 0 1 1 1", "CRON_TZ= 0 8 * * *", "TZ=../../etc/passwd 0 8 * * *", "5-1 * * * *",
	} {
		f.Add(s)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		f.Fatal(err)
	}
	starts := []time.Time{
		time.Date(2026, 3, 29, 1, 59, 0, 0, berlin), time.Date(2026, 10, 25, 2, 30, 0, 0, berlin),
		time.Date(2027, 12, 31, 23, 59, 59, 0, time.UTC),
	}
	f.Fuzz(func(t *testing.T, expr string) {
		sch, err := ParseSchedule(expr, berlin)
		if err != nil {
			if sch.s != nil || sch.Expr != "" {
				t.Fatalf("ParseSchedule(%q) failed (%v) but returned %+v", expr, err, sch)
			}
			return
		}
		if sch.Expr != strings.Join(strings.Fields(expr), " ") {
			t.Fatalf("ParseSchedule(%q).Expr = %q", expr, sch.Expr)
		}
		again, err := ParseSchedule(sch.Expr, berlin)
		if err != nil {
			t.Fatalf("ParseSchedule(%q) = %v after it parsed once", sch.Expr, err)
		}
		for _, from := range starts {
			slots := sch.NextN(from, 3)
			prev := from
			for i, s := range slots {
				if !s.After(prev) {
					t.Fatalf("%q: slot %d after %v is %v, not after %v", expr, i, from, s, prev)
				}
				prev = s
			}
			if len(slots) > 0 && !again.Next(from).Equal(slots[0]) {
				t.Fatalf("%q: reparsed schedule fires at %v, not %v", expr, again.Next(from), slots[0])
			}
		}
	})
}

// FuzzDeliveryPayload: parseDelivery never panics on stored bytes and refuses with a zero
// delivery; what deliveryTimer writes reads back as the same delivery.
func FuzzDeliveryPayload(f *testing.F) {
	f.Add([]byte("1700000000000|0|0|de|leaders|mattermost:u1"), int64(1700000000000), true, 2, "en", "all", "slack:T1:U1", int64(0), 0)
	f.Add([]byte("1|1|x|de|all|u"), int64(-1), false, -3, "", "", "a|b", int64(1700000000000123), 2)
	f.Add([]byte("|||||"), int64(0), false, 0, "de", "planners", "|", int64(0), 3)
	f.Add([]byte("9223372036854775808|0|0|||u"), int64(1), false, 0, "x|y", "", "u", int64(5), 0)
	f.Add([]byte("p1700000000000123:0|1700000000000|0|0|de|leaders|u"), int64(1), false, 0, "de", "all", "u", int64(0), 0)
	f.Add([]byte("p0:0|1|0|0|||u"), int64(1), false, 0, "de", "all", "u", int64(0), 0)
	f.Add([]byte("px:1|1|0|0|||u"), int64(1), false, 0, "de", "all", "u", int64(0), 0)
	f.Fuzz(func(t *testing.T, stored []byte, slot int64, force bool, waits int, lang, audience, sub string, permit int64, tries int) {
		if d, err := parseDelivery(stored); err != nil {
			if d != (delivery{}) {
				t.Fatalf("parseDelivery(%q) failed (%v) but returned %+v", stored, err, d)
			}
		} else if d.sub == "" {
			t.Fatalf("parseDelivery(%q) = %+v without a subscriber", stored, d)
		}
		if sub == "" || strings.Contains(lang, "|") || strings.Contains(audience, "|") {
			return // never written: subscriber ids are not empty, languages and audiences are words
		}
		want := delivery{sub: sub, slot: slot, force: force, waits: waits, lang: lang, audience: audience, permit: permit, tries: tries}
		tm := deliveryTimer(want, time.UnixMilli(slot))
		got, err := parseDelivery(tm.Payload)
		if err != nil || got != want {
			t.Fatalf("delivery %+v → %q → %+v, %v", want, tm.Payload, got, err)
		}
		if tm.Kind != DeliverKind || tm.ID != deliveryTimerID(sub, slot) {
			t.Fatalf("timer %+v", tm)
		}
	})
}
