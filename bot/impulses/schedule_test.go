package impulses

import (
	"strings"
	"testing"
	"time"
)

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestDefaultScheduleAcrossDaylightSaving: Monday 08:00 in Berlin stays 08:00 local across the
// changes of March and October 2026 and 2027: 07:00 UTC in winter, 06:00 UTC in summer.
func TestDefaultScheduleAcrossDaylightSaving(t *testing.T) {
	loc := berlin(t)
	sch, err := ParseSchedule(DefaultSchedule, time.UTC) // its own CRON_TZ wins over the default zone
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		after   string // UTC
		want    string // UTC
		summary string
	}{
		{"2026-03-20T12:00:00Z", "2026-03-23T07:00:00Z", "last Monday of winter time 2026"},
		{"2026-03-23T07:00:00Z", "2026-03-30T06:00:00Z", "first Monday after 29 March 2026"},
		{"2026-10-19T06:00:00Z", "2026-10-26T07:00:00Z", "first Monday after 25 October 2026"},
		{"2027-03-22T07:00:00Z", "2027-03-29T06:00:00Z", "first Monday after 28 March 2027"},
		{"2027-10-25T06:00:00Z", "2027-11-01T07:00:00Z", "first Monday after 31 October 2027"},
		{"2026-03-30T05:59:59Z", "2026-03-30T06:00:00Z", "a second before the slot"},
		{"2026-03-30T06:00:00Z", "2026-04-06T06:00:00Z", "strictly after the slot"},
	}
	for _, tt := range tests {
		t.Run(tt.summary, func(t *testing.T) {
			after, _ := time.Parse(time.RFC3339, tt.after)
			got := sch.Next(after)
			if want, _ := time.Parse(time.RFC3339, tt.want); !got.Equal(want) {
				t.Errorf("Next(%s) = %s, want %s", tt.after, got.UTC().Format(time.RFC3339), tt.want)
			}
			if l := got.In(loc); l.Hour() != 8 || l.Minute() != 0 || l.Weekday() != time.Monday {
				t.Errorf("slot %s is not Monday 08:00 in Berlin", l)
			}
		})
	}
	// A whole year of slots: every one Monday 08:00 local, a week apart in local terms.
	t0, _ := time.Parse(time.RFC3339, "2026-01-01T00:00:00Z")
	for _, s := range sch.NextN(t0, 104) {
		if l := s.In(loc); l.Hour() != 8 || l.Weekday() != time.Monday {
			t.Fatalf("slot %s is not Monday 08:00 in Berlin", l)
		}
	}
}

func TestScheduleWithoutZoneUsesLocation(t *testing.T) {
	loc := berlin(t)
	sch, err := ParseSchedule("30 7 * * TUE", loc)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := time.Parse(time.RFC3339, "2026-07-01T00:00:00Z") // a Wednesday in summer
	got := sch.Next(after).In(loc)
	if got.Weekday() != time.Tuesday || got.Hour() != 7 || got.Minute() != 30 {
		t.Errorf("got %s, want Tuesday 07:30 Berlin", got)
	}
}

func TestEveryDescriptor(t *testing.T) {
	sch, err := ParseSchedule("@every 2s", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	if got := sch.Next(t0); !got.Equal(t0.Add(2 * time.Second)) {
		t.Errorf("Next = %s, want two seconds later", got)
	}
	if slots := sch.NextN(t0, 3); len(slots) != 3 || !slots[2].Equal(t0.Add(6*time.Second)) {
		t.Errorf("NextN = %v", slots)
	}
}

func TestBadSchedules(t *testing.T) {
	for _, expr := range []string{
		"", "jeden Montag", "0 8 * *", "61 8 * * MON", "0 25 * * *", "0 8 * * FUNDAY",
		"CRON_TZ=Mars/Olympus 0 8 * * MON", "CRON_TZ=Europe/Berlin", "@every", "@every zwei",
		"@fortnightly", "0 0 30 2 *", "0 8 * * MON extra",
	} {
		if _, err := ParseSchedule(expr, time.UTC); err == nil {
			t.Errorf("ParseSchedule(%q) accepted", expr)
		}
	}
	for _, expr := range []string{"@weekly", "@daily", "CRON_TZ=UTC @every 1s", "  0  8 * * MON  ", "TZ=Europe/Berlin 0 8 * * 1-5"} {
		sch, err := ParseSchedule(expr, time.UTC)
		if err != nil {
			t.Errorf("ParseSchedule(%q): %v", expr, err)
		}
		if strings.Contains(sch.Expr, "  ") {
			t.Errorf("expression %q not normalised: %q", expr, sch.Expr)
		}
	}
}

func TestHolidays(t *testing.T) {
	loc := berlin(t)
	tests := []struct {
		state, date string
		holiday     bool
	}{
		{"NW", "2026-04-06", true},  // Ostermontag
		{"NW", "2026-06-04", true},  // Fronleichnam: a holiday in NRW …
		{"BE", "2026-06-04", false}, // … but not in Berlin
		{"BY", "2026-06-04", true},
		{"nw", "2026-10-03", true}, // Tag der Deutschen Einheit, everywhere; case does not matter
		{"NW", "2026-04-13", false},
		{"SN", "2026-11-18", true}, // Buß- und Bettag, Saxony only
		{"NW", "2026-11-18", false},
	}
	for _, tt := range tests {
		h, err := newHolidays(tt.state)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := time.ParseInLocation("2006-01-02 15:04", tt.date+" 08:00", loc)
		if got := h.name(d, loc) != ""; got != tt.holiday {
			t.Errorf("%s %s: holiday %v, want %v", tt.state, tt.date, got, tt.holiday)
		}
	}
	if _, err := newHolidays("XX"); err == nil {
		t.Error("unknown state accepted")
	}
	if h, err := newHolidays(""); h != nil || err != nil || h.name(time.Now(), loc) != "" {
		t.Error("no state must mean no holidays")
	}
}

func TestParsePause(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"4w", 28 * 24 * time.Hour, true},
		{"10d", 10 * 24 * time.Hour, true},
		{"2 Wochen", 14 * 24 * time.Hour, true},
		{"3 weeks", 21 * 24 * time.Hour, true},
		{"1 Woche", 7 * 24 * time.Hour, true},
		{"1 Tag", 24 * time.Hour, true},
		{"14 Tage", 14 * 24 * time.Hour, true},
		{"52w", 52 * 7 * 24 * time.Hour, true},
		{"53w", 0, false},
		{"0d", 0, false},
		{"12h", 0, false},
		{"bald", 0, false},
		{"", 0, false},
		{"-3w", 0, false},
		{"4 Monde", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParsePause(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParsePause(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
