package bot

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wolbot/wolbot/adapters"
)

// MaxQuote is how many characters of a user's input a reply quotes back ("„{cmd}“ kenne ich
// nicht"); the rest is cut and marked with "…", so a pasted page is not repeated to its author.
const MaxQuote = 40

// Quote prepares user input for quoting in a reply: escaped like any user text (see
// [adapters.Escape]) and cut to [MaxQuote] characters with a trailing "…".
func Quote(s string) string {
	s = strings.Join(strings.Fields(s), " ") // the cut counts what is shown, not runs of spaces
	if utf8.RuneCountInString(s) > MaxQuote {
		s = strings.TrimRightFunc(string([]rune(s)[:MaxQuote]), unicode.IsSpace) + "…"
	}
	return adapters.Escape(s) // after the cut, so a cut cannot undo the escaping
}

// PluralForm is the one place that decides which variant of a plural key a count takes:
// ".one" or ".other". German and English agree: only exactly 1 is singular ("1 Kreis",
// "0 Kreise", "2 Kreise"). A language with other rules gets its case here.
func PluralForm(lang string, n int) string {
	switch lang {
	default: // de, en
		if n == 1 {
			return "one"
		}
		return "other"
	}
}

// countPlaceholders are placeholder names that stand for a number of things everywhere; a
// package names its own further ones when it calls [Catalog.CheckPlurals].
var countPlaceholders = []string{"n", "count", "total", "minutes", "seconds", "hours", "days", "weeks",
	"people", "members", "channels", "votes", "dots", "topics", "circles", "words", "size", "left", "remaining"}

// uncountedWords may follow a count without depending on it ("3 von 5", "3 of 5").
var uncountedWords = map[string]bool{"von": true, "of": true, "out": true, "bis": true, "to": true,
	"und": true, "and": true, "oder": true, "or": true, "x": true, "is": true, "was": true, "has": true}

// countRe finds a placeholder followed by up to two words.
var countRe = regexp.MustCompile(`\{([a-zA-Z_]+)\} ([\p{L}]+)(?: ([\p{L}]+))?`)

// countedNoun returns the noun that a count directly before words w1 (and w2) counts in lang,
// or "": a capitalised German word, perhaps after an adjective ("aktive Kreise"); an English
// plural, perhaps after an adjective ("active circles").
func countedNoun(lang, w1, w2 string) string {
	if uncountedWords[strings.ToLower(w1)] {
		return ""
	}
	upper := func(w string) bool { r, _ := utf8.DecodeRuneInString(w); return unicode.IsUpper(r) }
	switch lang {
	case "de":
		if upper(w1) {
			return w1
		}
		for _, end := range []string{"e", "en", "er", "es"} {
			if strings.HasSuffix(w1, end) && w2 != "" && upper(w2) {
				return w1 + " " + w2
			}
		}
	case "en":
		plural := func(w string) bool {
			return w == "people" || w == "children" || (strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !uncountedWords[w])
		}
		if plural(w1) {
			return w1
		}
		if w2 != "" && !upper(w1) && plural(w2) {
			return w1 + " " + w2
		}
	}
	return ""
}

// CheckPlurals reports plural mistakes in the catalogue, in every language of [Langs]:
//
//   - every plural pair (key.one and key.other, rendered with [Catalog.N]) must be complete;
//   - key.other must show {n}, and key.one must say something else than key.other;
//   - a count placeholder directly followed by a noun ("{count} Kreise", "{count} aktive
//     Kreise", "{count} circles") outside a plural pair is a noun that does not follow its
//     number: make it a pair. Count placeholders are {n}, {count}, {total}, {minutes},
//     {people}, … and the names given in counts. German nouns are told by their capital,
//     English ones by a plural ending;
//   - every pair renders with 0, 1 and 2 without a placeholder left over.
//
// Each package with a catalogue calls it from a test, like [Catalog.Check].
func (c Catalog) CheckPlurals(counts ...string) error {
	isCount := func(name string) bool {
		return slices.Contains(countPlaceholders, name) || slices.Contains(counts, name)
	}
	var problems []string
	for _, lang := range Langs {
		msgs := c[lang]
		for _, key := range slices.Sorted(maps.Keys(msgs)) {
			tmpl := msgs[key]
			base, variant, isPlural := cutVariant(key)
			if isPlural {
				other := "one"
				if variant == "one" {
					other = "other"
				}
				if _, ok := msgs[base+"."+other]; !ok {
					problems = append(problems, fmt.Sprintf("%s: plural %q lacks %s.%s", lang, base, base, other))
					continue
				}
				if variant == "one" {
					continue // the pair is checked once, from its .other side
				}
				if !strings.Contains(tmpl, "{n}") {
					problems = append(problems, fmt.Sprintf("%s: plural %q: %s.other does not show {n}", lang, base, base))
				}
				if msgs[base+".one"] == tmpl {
					problems = append(problems, fmt.Sprintf("%s: plural %q: %s.one and %s.other say the same", lang, base, base, base))
				}
				for _, n := range []int{0, 1, 2} {
					if out := c.N(lang, base, n); strings.Contains(out, "{n}") || strings.Contains(out, "⟦") {
						problems = append(problems, fmt.Sprintf("%s: plural %q renders %q for %d", lang, base, out, n))
					}
				}
			}
			for _, m := range countRe.FindAllStringSubmatch(tmpl, -1) {
				if !isCount(m[1]) || (isPlural && m[1] == "n") {
					continue
				}
				if noun := countedNoun(lang, m[2], m[3]); noun != "" {
					problems = append(problems, fmt.Sprintf("%s: key %q: {%s} counts %q; make it a plural pair", lang, key, m[1], noun))
				}
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("catalog plurals: %s", strings.Join(problems, "; "))
	}
	return nil
}

// cutVariant splits "dots.one" into "dots", "one".
func cutVariant(key string) (base, variant string, ok bool) {
	for _, v := range []string{"one", "other"} {
		if b, found := strings.CutSuffix(key, "."+v); found {
			return b, v, true
		}
	}
	return key, "", false
}

// quoteEndRe finds a placeholder that ends a quotation which the sentence then ends too:
// „{title}“. — if the title ends in "?" the reader sees „Wie geht das?“.
var quoteEndRe = regexp.MustCompile(`\}[“”"»«]\s?[.!?]`)

// CheckQuotes reports templates in which a quoted placeholder is directly followed by the end
// of the sentence (`„{title}“.`, `“{name}”!`): user text often ends with its own punctuation,
// and the reader then sees it doubled. Rephrase, e.g. with a dash: „{title}“ – ….
func (c Catalog) CheckQuotes() error {
	var problems []string
	for _, lang := range Langs {
		for _, key := range slices.Sorted(maps.Keys(c[lang])) {
			if quoteEndRe.MatchString(c[lang][key]) {
				problems = append(problems, fmt.Sprintf("%s: key %q ends a sentence right after a quoted placeholder", lang, key))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("catalog quotes: %s", strings.Join(problems, "; "))
	}
	return nil
}

// dateMsgs are the formats of days and times, shared by every feature.
var dateMsgs = Catalog{
	"de": {
		"day":      "{wd}, {date}",
		"day_time": "{wd}, {date}, {time} Uhr",
		"wd_0":     "So.", "wd_1": "Mo.", "wd_2": "Di.", "wd_3": "Mi.", "wd_4": "Do.", "wd_5": "Fr.", "wd_6": "Sa.",
	},
	"en": {
		"day":      "{wd} {date}",
		"day_time": "{wd} {date}, {time}",
		"wd_0":     "Sun", "wd_1": "Mon", "wd_2": "Tue", "wd_3": "Wed", "wd_4": "Thu", "wd_5": "Fri", "wd_6": "Sat",
	},
}

// FormatDay writes a date with its weekday, the one format every feature shows:
// "Fr., 04.12.2026" in German, "Fri 4 Dec 2026" in English. t should already be in the
// reader's zone.
func FormatDay(lang string, t time.Time) string {
	return dateMsgs.T(lang, "day", "wd", dateMsgs.T(lang, "wd_"+strconv.Itoa(int(t.Weekday()))),
		"date", FormatDate(lang, t))
}

// FormatDayTime is [FormatDay] with the clock time: "Fr., 04.12.2026, 08:00 Uhr",
// "Fri 4 Dec 2026, 08:00".
func FormatDayTime(lang string, t time.Time) string {
	return dateMsgs.T(lang, "day_time", "wd", dateMsgs.T(lang, "wd_"+strconv.Itoa(int(t.Weekday()))),
		"date", FormatDate(lang, t), "time", t.Format("15:04"))
}
