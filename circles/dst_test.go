package circles

import (
	"testing"
	"time"
)

// A circle that meets on Mondays at 9:00 across the end of summer time (25 October 2026) still
// meets at 9:00 in Berlin afterwards: meetings are calendar weeks apart in the circle's time
// zone, not 168 hours. Circles stored before the time zone was kept step by Week as before.
func TestMeetingsKeepTheirClockTimeAcrossSummerTime(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	first := time.Date(2026, 10, 19, 9, 0, 0, 0, berlin)
	demoFirst := time.Date(2026, 10, 19, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		c        circleRec
		week     int
		wantHour int
	}{
		{"real weeks, before the change", circleRec{First: first.UnixMilli(), Week: DefaultWeek.Milliseconds(), TZ: "Europe/Berlin"}, 1, 9},
		{"real weeks, after the change", circleRec{First: first.UnixMilli(), Week: DefaultWeek.Milliseconds(), TZ: "Europe/Berlin"}, 2, 9},
		{"real weeks, spring", circleRec{First: time.Date(2027, 3, 22, 14, 0, 0, 0, berlin).UnixMilli(), Week: DefaultWeek.Milliseconds(), TZ: "Europe/Berlin"}, 3, 14},
		{"stored before tz was kept", circleRec{First: first.UnixMilli(), Week: DefaultWeek.Milliseconds()}, 2, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.meeting(tt.week).In(berlin).Hour(); got != tt.wantHour {
				t.Errorf("meeting(%d) at %d:00 Berlin time, want %d:00", tt.week, got, tt.wantHour)
			}
		})
	}
	// A demo week (WOLBOT_WOL_WEEK) stays a plain duration; the calendar dates people read
	// keep their clock time.
	demo := circleRec{First: demoFirst.UnixMilli(), Week: (2 * time.Second).Milliseconds(), TZ: "Europe/Berlin", Calendar: first.UnixMilli()}
	if got := demo.meeting(2).Sub(demo.meeting(1)); got != 2*time.Second {
		t.Errorf("demo meetings %v apart, want 2s", got)
	}
	if got := demo.calendarMeeting(2).In(berlin).Hour(); got != 9 {
		t.Errorf("demo calendar meeting 2 at %d:00, want 9:00", got)
	}
}
