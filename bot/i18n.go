package bot

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// DefaultLang is the language of users who have not chosen another and whose platform reports
// none the bot speaks.
const DefaultLang = "de"

// Langs are the languages every catalogue must cover, default first.
var Langs = []string{"de", "en"}

// NormalizeLang maps a platform locale ("de-DE", "en_US", "EN") to a supported language, or ""
// when the bot does not speak it.
func NormalizeLang(locale string) string {
	l := strings.ToLower(strings.TrimSpace(locale))
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	if slices.Contains(Langs, l) {
		return l
	}
	return ""
}

// Catalog holds a package's user-visible texts: language → key → template. Templates name their
// placeholders in braces ("{n} Punkte"); a key with variants ".one" and ".other" is a plural
// chosen by [Catalog.N]. Every handler text comes from a catalogue, so a test can check that
// both languages say the same things ([Catalog.Check]).
type Catalog map[string]map[string]string

// T renders key in lang with args given as name, value pairs. An unknown language falls back
// to German; a key missing in a language falls back to German too; a key missing everywhere is
// shown as ⟦key⟧ so it is noticed rather than crashing a chat.
func (c Catalog) T(lang, key string, args ...any) string {
	tmpl, ok := c[lang][key]
	if !ok {
		tmpl, ok = c[DefaultLang][key]
	}
	if !ok {
		return "⟦" + key + "⟧"
	}
	if len(args) == 0 || !strings.Contains(tmpl, "{") {
		return tmpl
	}
	// A single scan instead of a strings.Replacer: texts are rendered on every vote, and
	// building a Replacer per call cost a fifth of the vote path's CPU.
	var sb strings.Builder
	sb.Grow(len(tmpl) + 16*len(args)/2)
	for {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 {
			break
		}
		end += open
		sb.WriteString(tmpl[:open])
		if v, ok := lookupArg(args, tmpl[open+1:end]); ok {
			writeArg(&sb, v)
		} else {
			sb.WriteString(tmpl[open : end+1])
		}
		tmpl = tmpl[end+1:]
	}
	sb.WriteString(tmpl)
	return sb.String()
}

func lookupArg(args []any, name string) (any, bool) {
	for i := 0; i+1 < len(args); i += 2 {
		if n, ok := args[i].(string); ok && n == name {
			return args[i+1], true
		}
	}
	return nil, false
}

func writeArg(sb *strings.Builder, v any) {
	switch v := v.(type) {
	case string:
		sb.WriteString(v)
	case int:
		sb.WriteString(strconv.Itoa(v))
	case int64:
		sb.WriteString(strconv.FormatInt(v, 10))
	default:
		fmt.Fprint(sb, v)
	}
}

// N renders the plural variant of key for count n (key.one or key.other, as [PluralForm]
// decides for lang); {n} is set to n.
func (c Catalog) N(lang, key string, n int, args ...any) string {
	return c.T(lang, key+"."+PluralForm(lang, n), append([]any{"n", n}, args...)...)
}

var placeholderRe = regexp.MustCompile(`\{[a-zA-Z_]+\}`)

// Check reports keys that a language lacks and templates whose placeholders differ between
// languages. Each package with a catalogue calls it from a test.
func (c Catalog) Check() error {
	var problems []string
	base := c[DefaultLang]
	for _, lang := range Langs {
		msgs, ok := c[lang]
		if !ok {
			problems = append(problems, "language "+lang+" missing")
			continue
		}
		for _, key := range slices.Sorted(maps.Keys(base)) {
			tmpl, ok := msgs[key]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: key %q missing", lang, key))
				continue
			}
			if !slices.Equal(placeholders(base[key]), placeholders(tmpl)) {
				problems = append(problems, fmt.Sprintf("%s: key %q has placeholders %v, %s has %v",
					lang, key, placeholders(tmpl), DefaultLang, placeholders(base[key])))
			}
		}
		for key := range msgs {
			if _, ok := base[key]; !ok {
				problems = append(problems, fmt.Sprintf("%s: key %q not in %s", lang, key, DefaultLang))
			}
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("catalog: %s", strings.Join(problems, "; "))
	}
	return nil
}

func placeholders(tmpl string) []string {
	ph := placeholderRe.FindAllString(tmpl, -1)
	slices.Sort(ph)
	return slices.Compact(ph)
}
