package bot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDuration accepts Go durations ("8m", "90s", "1m30s"), a bare number of minutes ("8"),
// and the German and English words people type ("8min", "8 Min", "30sek", "1h").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, " ", "")
	if s == "" {
		return 0, errors.New("empty duration")
	}
	if _, err := strconv.Atoi(s); err == nil {
		return time.ParseDuration(s + "m") // a bare number is minutes; ParseDuration refuses an overflow
	}
	for _, suf := range []struct{ word, unit string }{
		{"minuten", "m"}, {"minute", "m"}, {"min.", "m"}, {"min", "m"},
		{"sekunden", "s"}, {"sekunde", "s"}, {"sek.", "s"}, {"sek", "s"}, {"sec", "s"},
		{"stunden", "h"}, {"stunde", "h"}, {"std.", "h"}, {"std", "h"},
	} {
		if strings.HasSuffix(s, suf.word) {
			s = strings.TrimSuffix(s, suf.word) + suf.unit
			break
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: %w", s, err)
	}
	return d, nil
}

// FormatDate writes a calendar date the way readers of lang expect: "07.12.2026" in German,
// "7 Dec 2026" in English. t should already be in the zone the reader lives in.
func FormatDate(lang string, t time.Time) string {
	if lang == "en" {
		return t.Format("2 Jan 2006")
	}
	return t.Format("02.01.2006")
}
