package circles

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/wolbot/wolbot/bot"
)

// splitArgs splits a command line into words; text in "…", „…“ or “…” is one word with its
// spaces kept (the quotes dropped). An unterminated quote runs to the end of the line.
func splitArgs(s string) []string {
	var out []string
	var cur strings.Builder
	inWord := false
	var closing rune // the quote that ends the current quoted part, 0 outside quotes
	for _, r := range s {
		switch {
		case closing != 0:
			if r == closing || (closing == '"' && r == '”') {
				closing = 0
				continue
			}
			cur.WriteRune(r)
		case r == '"' || r == '„' || r == '“':
			closing = map[rune]rune{'"': '"', '„': '“', '“': '”'}[r]
			inWord = true
		case unicode.IsSpace(r):
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out
}

var regionIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// validRegionID reports whether id can name a region: lower-case letters, digits, '-' and '_'.
func validRegionID(id string) bool { return regionIDRe.MatchString(id) }

// splitMunicipalities reads "Kreis Düren; StädteRegion Aachen; Stadt Köln": names separated by
// ';' (or line breaks), trimmed, duplicates (ignoring case) dropped, order kept.
func splitMunicipalities(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '\n' }) {
		name := strings.Join(strings.Fields(part), " ")
		if name == "" || slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, name) }) {
			continue
		}
		out = append(out, name)
	}
	return out
}

// Slots are weekday × part of day, coded as the matcher expects: "mo-am", "mi-mid", "do-pm".
var (
	slotDays  = []string{"mo", "di", "mi", "do", "fr"}
	slotParts = []string{"am", "mid", "pm"}
)

var dayWords = map[string]string{
	"mo": "mo", "mon": "mo", "montag": "mo", "montags": "mo", "monday": "mo", "mondays": "mo",
	"di": "di", "die": "di", "dienstag": "di", "dienstags": "di", "tu": "di", "tue": "di", "tues": "di", "tuesday": "di", "tuesdays": "di",
	"mi": "mi", "mit": "mi", "mittwoch": "mi", "mittwochs": "mi", "we": "mi", "wed": "mi", "wednesday": "mi", "wednesdays": "mi",
	"do": "do", "don": "do", "donnerstag": "do", "donnerstags": "do", "th": "do", "thu": "do", "thur": "do", "thurs": "do", "thursday": "do", "thursdays": "do",
	"fr": "fr", "fre": "fr", "fri": "fr", "freitag": "fr", "freitags": "fr", "friday": "fr", "fridays": "fr",
}

var weekendWords = map[string]bool{
	"sa": true, "sat": true, "samstag": true, "samstags": true, "sonnabend": true, "saturday": true,
	"so": true, "sun": true, "sonntag": true, "sonntags": true, "sunday": true,
}

var partWords = map[string]string{
	"vm": "am", "vorm": "am", "vormittag": "am", "vormittags": "am", "am": "am", "morning": "am", "mornings": "am", "früh": "am", "morgens": "am", "morgen": "am",
	"mi-tag": "mid", "mt": "mid", "mittag": "mid", "mittags": "mid", "mid": "mid", "midday": "mid", "noon": "mid", "lunch": "mid", "lunchtime": "mid",
	"nm": "pm", "nachm": "pm", "nachmittag": "pm", "nachmittags": "pm", "pm": "pm", "afternoon": "pm", "afternoons": "pm",
}

var allDayWords = map[string]bool{"ganztags": true, "allday": true, "ganztägig": true}

// fillerWords may appear between days and parts of day and mean nothing.
var fillerWords = map[string]bool{
	"und": true, "and": true, "oder": true, "or": true, "sowie": true, "jeweils": true, "immer": true,
	"je": true, "at": true, "on": true, "in": true, "the": true, "am": false, "den": true, "der": true,
	"ganztags": false, "uhr": true, "gern": true, "gerne": true, "auch": true, "also": true,
	"um": true, "jeden": true, "jede": true, "jedem": true, "every": true, "each": true, "von": true,
	"zwischen": true, "between": true, "gegen": true, "ca": true, "etwa": true, "around": true, "h": true,
	"oclock": true, "o": true, "clock": true,
}

// Words before a clock time: "ab 14 Uhr" (from), "bis 12 Uhr" (until); between two times
// they make a range ("von 9 bis 12 Uhr").
var (
	fromWords  = map[string]bool{"ab": true, "from": true, "after": true, "nach": true}
	untilWords = map[string]bool{"bis": true, "until": true, "till": true, "to": true, "before": true, "vor": true}
)

// errSlots says what an availability text lacked; Word is the word that was not understood,
// or the day that had no part of day.
type errSlots struct {
	Key  string // catalogue key
	Word string
}

func (e *errSlots) Error() string { return fmt.Sprintf("availability: %s %q", e.Key, e.Word) }

// parseSlots reads availability as people type it: codes ("mo-vm, do-nm", "mi-mid", "mo-am",
// "mon-am"), words ("Montag vormittag, Donnerstag nachmittag", "dienstags nachmittags",
// "Dienstagnachmittag"), several days sharing a part ("Mo und Mi nachmittags", "Mo–Fr
// vormittags", "Montag bis Mittwoch nachmittags"), several parts
// for one day ("Dienstag vormittags und mittags"), "ganztags" (all three parts), and clock
// times: "Do 14 Uhr, Mo 9 Uhr", "Di 9-13 Uhr", "Mo ab 11 Uhr", "Thursday 2pm". A clock time
// means the parts of day whose meeting (at 9, 12 or 14 o'clock, an hour long) it covers; a
// single time means the part of day it falls in. It returns the matcher's codes in week order
// without duplicates.
func parseSlots(s string) ([]string, error) {
	tokens := slotTokens(strings.ToLower(s))
	var (
		found   = map[string]bool{}
		pending []string // days waiting for their part of day
		last    []string // the days the previous part applied to, for "Mo vormittags und mittags"
	)
	apply := func(word string, parts ...string) error {
		days := pending
		if len(days) == 0 {
			days = last
		}
		if len(days) == 0 {
			return &errSlots{Key: "err_slots_part_first", Word: word}
		}
		for _, d := range days {
			for _, p := range parts {
				found[d+"-"+p] = true
			}
		}
		if len(pending) > 0 {
			last, pending = pending, nil
		}
		return nil
	}
	for i := 0; i < len(tokens); i++ {
		t := tokens[i]
		if t.num {
			parts, word, next, err := clockParts(tokens, i)
			if err != nil {
				return nil, err
			}
			if err := apply(word, parts...); err != nil {
				return nil, err
			}
			i = next
			continue
		}
		w := t.text
		if w == "am" && t.sep != "-" {
			// German "am Montag", "Montag am Nachmittag" use "am" as a filler; it means the
			// morning only as a code ("mo-am") or after a day and before no other part of
			// day or time ("monday am, thursday pm").
			afterDay := i > 0 && dayWords[tokens[i-1].text] != ""
			beforePart := i+1 < len(tokens) && (partWords[tokens[i+1].text] != "" || tokens[i+1].num)
			if !afterDay || beforePart {
				continue
			}
		}
		switch {
		case dayWords[w] != "":
			pending = append(pending, dayRange(tokens, i)...)
		case partWords[w] != "":
			if err := apply(w, partWords[w]); err != nil {
				return nil, err
			}
		case allDayWords[w]:
			if err := apply(w, slotParts...); err != nil {
				return nil, err
			}
		case weekendWords[w]:
			return nil, &errSlots{Key: "err_slots_weekend", Word: w}
		case fillerWords[w], fromWords[w], untilWords[w]:
		default:
			return nil, &errSlots{Key: "err_slots_word", Word: w}
		}
	}
	if len(pending) > 0 {
		return nil, &errSlots{Key: "err_slots_no_part", Word: pending[0]}
	}
	if len(found) == 0 {
		return nil, &errSlots{Key: "err_slots_empty"}
	}
	var out []string
	for _, d := range slotDays {
		for _, p := range slotParts {
			if found[d+"-"+p] {
				out = append(out, d+"-"+p)
			}
		}
	}
	return out, nil
}

// dayRange is the day at tokens[i], preceded by the days between it and the day before when
// the two form a range: "Mo–Fr", "mo-mi", "Montag bis Mittwoch", "Mon to Wed".
func dayRange(tokens []slotToken, i int) []string {
	day := dayWords[tokens[i].text]
	from := -1
	switch {
	case i > 0 && (tokens[i].sep == "-" || tokens[i].sep == "–") && dayWords[tokens[i-1].text] != "":
		from = slices.Index(slotDays, dayWords[tokens[i-1].text])
	case i > 1 && untilWords[tokens[i-1].text] && dayWords[tokens[i-2].text] != "":
		from = slices.Index(slotDays, dayWords[tokens[i-2].text])
	}
	to := slices.Index(slotDays, day)
	if from < 0 || from >= to {
		return []string{day}
	}
	return slices.Clone(slotDays[from+1 : to+1]) // the first day is pending already
}

// clockParts reads the clock time (or range) that starts at tokens[i]: its parts of day, the
// words for an error message, and the index of its last token.
func clockParts(tokens []slotToken, i int) (parts []string, word string, next int, err error) {
	from, ok := clockHour(tokens, &i)
	word = tokens[i].text
	if !ok {
		return nil, word, i, &errSlots{Key: "err_slots_hour", Word: word}
	}
	lo, hi, single := from, from, true
	prev := ""
	if j := i - 1; j >= 0 && !tokens[j].num {
		prev = tokens[j].text
	}
	switch {
	case i+2 < len(tokens) && untilWords[tokens[i+1].text] && tokens[i+2].num,
		i+1 < len(tokens) && tokens[i+1].num && (tokens[i+1].sep == "-" || tokens[i+1].sep == "–"):
		// "9-13", "9 – 13", "12 bis 16": every meeting that fits inside.
		j := i + 1
		if !tokens[j].num {
			j++
		}
		to, ok := clockHour(tokens, &j)
		word += "–" + tokens[j].text
		if !ok || to <= from {
			return nil, word, j, &errSlots{Key: "err_slots_hour", Word: word}
		}
		lo, hi, single, i = from, to, false, j
	case fromWords[prev]:
		lo, hi, single = from, 24, false
	case untilWords[prev]:
		lo, hi, single = 0, from, false
	}
	for p, h := range partHours {
		switch {
		case single && partOfHour(lo) == p,
			!single && h >= lo && h+1 <= hi:
			parts = append(parts, slotParts[p])
		}
	}
	if len(parts) == 0 {
		return nil, word, i, &errSlots{Key: "err_slots_hour", Word: word}
	}
	return parts, word, i, nil
}

// clockHour reads the hour of the clock time at tokens[*i] ("14", "9:30", "2" followed by
// "pm"), advancing *i past an attached am/pm. ok is false for no valid time of day.
func clockHour(tokens []slotToken, i *int) (int, bool) {
	t := tokens[*i]
	hs, ms, hasMin := strings.Cut(strings.ReplaceAll(t.text, ".", ":"), ":")
	h, err := strconv.Atoi(hs)
	if err != nil || len(hs) > 2 || h > 23 {
		return 0, false
	}
	if hasMin {
		if m, err := strconv.Atoi(ms); err != nil || len(ms) != 2 || m > 59 {
			return 0, false
		}
	}
	if *i+1 < len(tokens) && !tokens[*i+1].num {
		switch tokens[*i+1].text {
		case "am":
			*i++
			if h == 0 || h > 12 {
				return 0, false
			}
			if h == 12 {
				h = 0
			}
		case "pm":
			*i++
			if h == 0 || h > 12 {
				return 0, false
			}
			if h < 12 {
				h += 12
			}
		}
	}
	return h, true
}

// partOfHour maps a single clock time to the part of day it falls in: 6–10 the morning
// (meeting at 9), 11–12 midday (12), 13–18 the afternoon (14); -1 outside office hours.
func partOfHour(h int) int {
	switch {
	case h >= 6 && h <= 10:
		return 0
	case h >= 11 && h <= 12:
		return 1
	case h >= 13 && h <= 18:
		return 2
	}
	return -1
}

// slotToken is a run of letters or a clock time ("14", "9:30", "12.00"); sep is what stood
// between it and the previous token, spaces dropped ("-" in the code "mo-am" and in "9-13").
type slotToken struct {
	text string
	num  bool
	sep  string
}

// compoundDays are the day words a German compound can start with ("Dienstagnachmittag",
// "mittwochvormittags").
var compoundDays = []string{"montag", "dienstag", "mittwoch", "donnerstag", "freitag"}

// slotTokens splits s into runs of letters and clock times; a compound of a weekday and a
// part of day becomes two tokens.
func slotTokens(s string) []slotToken {
	rs := []rune(s)
	var out []slotToken
	sepStart := 0
	for i := 0; i < len(rs); {
		r := rs[i]
		if !unicode.IsLetter(r) && !isDigit(r) {
			i++
			continue
		}
		sep := strings.Join(strings.Fields(string(rs[sepStart:i])), "")
		j := i
		num := isDigit(r)
		if num {
			for j < len(rs) && isDigit(rs[j]) {
				j++
			}
			// Minutes: "9:30", "14.00".
			if j+1 < len(rs) && (rs[j] == ':' || rs[j] == '.') && isDigit(rs[j+1]) {
				k := j + 1
				for k < len(rs) && isDigit(rs[k]) {
					k++
				}
				j = k
			}
		} else {
			for j < len(rs) && unicode.IsLetter(rs[j]) {
				j++
			}
		}
		text := string(rs[i:j])
		if !num {
			if day, part, ok := splitCompound(text); ok {
				out = append(out, slotToken{text: day, sep: sep}, slotToken{text: part})
				i, sepStart = j, j
				continue
			}
		}
		out = append(out, slotToken{text: text, num: num, sep: sep})
		i, sepStart = j, j
	}
	return out
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// splitCompound splits "dienstagnachmittag" into "dienstag" and "nachmittag".
func splitCompound(w string) (day, part string, ok bool) {
	if dayWords[w] != "" || partWords[w] != "" {
		return "", "", false
	}
	for _, d := range compoundDays {
		if rest, found := strings.CutPrefix(w, d); found && (partWords[rest] != "" || allDayWords[rest]) && len(rest) > 3 {
			return d, rest, true
		}
	}
	return "", "", false
}

// slotIndex splits a slot code into weekday index (0 = Monday) and part index, or ok false.
func slotIndex(slot string) (day, part int, ok bool) {
	d, p, found := strings.Cut(slot, "-")
	day, part = slices.Index(slotDays, d), slices.Index(slotParts, p)
	return day, part, found && day >= 0 && part >= 0
}

// partHours are the meeting times of the parts of day: 09:00, 12:00, 14:00.
var partHours = []int{9, 12, 14}

// roundConfig are the parameters of an enrolment round, chosen at /wol runde öffnen.
type roundConfig struct {
	Min, Max int
	Weeks    int
	Start    string        // first week's Monday (or any day), YYYY-MM-DD in the feature's zone
	Length   time.Duration // meeting length
}

const (
	defaultWeeks       = 12
	minWeeks, maxWeeks = 1, 52
	minLength          = 15 * time.Minute
	maxLength          = 4 * time.Hour
)

// roundOptionNames maps German and English option names to one name.
var roundOptionNames = map[string]string{
	"größe": "size", "groesse": "size", "grösse": "size", "size": "size",
	"wochen": "weeks", "weeks": "weeks",
	"start": "start", "beginn": "start",
	"dauer": "length", "length": "length", "länge": "length", "laenge": "length",
}

// optionError names the option a person got wrong.
type optionError struct{ Key, Name, Value string }

func (e *optionError) Error() string { return fmt.Sprintf("option %s=%s: %s", e.Name, e.Value, e.Key) }

// parseRoundOptions reads "größe=4-5 wochen=12 start=2026-12-07 dauer=60m" (English: size=,
// weeks=, start=, length=) on top of the defaults; today is the date the default start (the
// next Monday) is counted from.
func parseRoundOptions(args []string, today time.Time) (roundConfig, error) {
	cfg := roundConfig{Min: 4, Max: 5, Weeks: defaultWeeks, Length: 60 * time.Minute, Start: nextMonday(today).Format(time.DateOnly)}
	for _, arg := range args {
		raw, value, ok := strings.Cut(arg, "=")
		name := roundOptionNames[strings.ToLower(raw)]
		if !ok || name == "" {
			return cfg, &optionError{Key: "err_opt_unknown", Name: raw, Value: value}
		}
		bad := &optionError{Key: "err_opt_" + name, Name: raw, Value: value}
		switch name {
		case "size":
			lo, hi, err := parseSize(value)
			if err != nil {
				return cfg, bad
			}
			cfg.Min, cfg.Max = lo, hi
		case "weeks":
			n, err := strconv.Atoi(value)
			if err != nil || n < minWeeks || n > maxWeeks {
				return cfg, bad
			}
			cfg.Weeks = n
		case "start":
			d, err := parseDate(value, today.Location())
			if err != nil || d.Before(truncateDay(today)) {
				return cfg, bad
			}
			cfg.Start = d.Format(time.DateOnly)
		case "length":
			d, err := parseLength(value)
			if err != nil || d < minLength || d > maxLength {
				return cfg, bad
			}
			cfg.Length = d
		}
	}
	return cfg, nil
}

// parseSize reads "4-5", "4–5" or "4"; circles have 3 to 12 members.
func parseSize(s string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(strings.ReplaceAll(s, "–", "-"), "-")
	if lo, err = strconv.Atoi(a); err != nil {
		return 0, 0, err
	}
	hi = lo
	if isRange {
		if hi, err = strconv.Atoi(b); err != nil {
			return 0, 0, err
		}
	}
	if lo < 3 || hi < lo || hi > 12 {
		return 0, 0, errors.New("size out of range")
	}
	return lo, hi, nil
}

// parseDate reads 2026-12-07 or the German 7.12.2026.
func parseDate(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{time.DateOnly, "2.1.2006", "02.01.2006"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q: want 2026-12-07 or 7.12.2026", s)
}

// parseLength reads "60m", "60", "90min", "90 min", "1h", "1,5h", "1std" (see bot.ParseDuration).
func parseLength(s string) (time.Duration, error) {
	return bot.ParseDuration(strings.ReplaceAll(s, ",", "."))
}

func truncateDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// nextMonday is the Monday after t's day (a week later if t is a Monday).
func nextMonday(t time.Time) time.Time {
	d := truncateDay(t)
	days := (8 - int(d.Weekday())) % 7
	if days == 0 {
		days = 7
	}
	return d.AddDate(0, 0, days)
}
