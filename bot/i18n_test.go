package bot

import (
	"strings"
	"testing"
)

// testCatalog has a key only German knows and plural variants.
var testCatalog = Catalog{
	"de": {
		"greet":      "Hallo {name}, Sie haben {n} Themen.",
		"only_de":    "Nur auf Deutsch.",
		"dots.one":   "{n} Punkt für {name}",
		"dots.other": "{n} Punkte für {name}",
	},
	"en": {
		"greet":      "Hello {name}, you have {n} topics.",
		"dots.one":   "{n} dot for {name}",
		"dots.other": "{n} dots for {name}",
	},
}

func TestCatalogT(t *testing.T) {
	tests := []struct {
		name      string
		lang, key string
		args      []any
		want      string
	}{
		{"fills placeholders in English", "en", "greet", []any{"name", "Anna", "n", 3},
			"Hello Anna, you have 3 topics."},
		{"fills placeholders in German", "de", "greet", []any{"n", 3, "name", "Anna"},
			"Hallo Anna, Sie haben 3 Themen."},
		{"without args leaves the template as is", "en", "greet", nil,
			"Hello {name}, you have {n} topics."},
		{"does not expand placeholders inside values", "en", "greet", []any{"name", "{n}", "n", 1},
			"Hello {n}, you have 1 topics."},
		{"falls back to German for an unknown language", "fr", "greet", []any{"name", "Anna", "n", 1},
			"Hallo Anna, Sie haben 1 Themen."},
		{"falls back to German for an empty language", "", "only_de", nil, "Nur auf Deutsch."},
		{"falls back to German for a key missing in English", "en", "only_de", nil, "Nur auf Deutsch."},
		{"shows a key missing everywhere", "en", "nope", nil, "⟦nope⟧"},
		{"shows a key missing everywhere in German", "de", "nope", []any{"x", 1}, "⟦nope⟧"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testCatalog.T(tt.lang, tt.key, tt.args...); got != tt.want {
				t.Errorf("T(%q, %q, %v) = %q, want %q", tt.lang, tt.key, tt.args, got, tt.want)
			}
		})
	}
}

func TestCatalogN(t *testing.T) {
	tests := []struct {
		name string
		lang string
		n    int
		want string
	}{
		{"one is singular", "en", 1, "1 dot for Anna"},
		{"zero is plural", "en", 0, "0 dots for Anna"},
		{"two is plural", "en", 2, "2 dots for Anna"},
		{"minus one is plural", "en", -1, "-1 dots for Anna"},
		{"German singular", "de", 1, "1 Punkt für Anna"},
		{"German plural", "de", 5, "5 Punkte für Anna"},
		{"unknown language falls back to German", "fr", 1, "1 Punkt für Anna"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testCatalog.N(tt.lang, "dots", tt.n, "name", "Anna"); got != tt.want {
				t.Errorf("N(%q, dots, %d) = %q, want %q", tt.lang, tt.n, got, tt.want)
			}
		})
	}
}

func TestCatalogCheck(t *testing.T) {
	tests := []struct {
		name string
		cat  Catalog
		want []string // substrings of the error; none means Check passes
	}{
		{
			name: "passes when both languages have the same keys and placeholders",
			cat: Catalog{
				"de": {"a": "{x} und {y}", "b": "ohne"},
				"en": {"a": "{y} and {x} and {x}", "b": "none"},
			},
		},
		{
			name: "reports a key missing in English",
			cat: Catalog{
				"de": {"a": "A", "b": "B"},
				"en": {"a": "A"},
			},
			want: []string{`en: key "b" missing`},
		},
		{
			name: "reports a key English has that German lacks",
			cat: Catalog{
				"de": {"a": "A"},
				"en": {"a": "A", "extra": "E"},
			},
			want: []string{`en: key "extra" not in de`},
		},
		{
			name: "reports differing placeholders",
			cat: Catalog{
				"de": {"a": "{n} Punkte"},
				"en": {"a": "{count} dots"},
			},
			want: []string{`en: key "a" has placeholders [{count}], de has [{n}]`},
		},
		{
			name: "reports a placeholder only German uses",
			cat: Catalog{
				"de": {"a": "{n} Punkte für {name}"},
				"en": {"a": "{n} dots"},
			},
			want: []string{`en: key "a" has placeholders`},
		},
		{
			name: "reports a missing language",
			cat:  Catalog{"de": {"a": "A"}},
			want: []string{"language en missing"},
		},
		{
			name: "reports every problem at once",
			cat: Catalog{
				"de": {"a": "{n}", "b": "B"},
				"en": {"a": "{m}"},
			},
			want: []string{`en: key "a" has placeholders`, `en: key "b" missing`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cat.Check()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Check() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Check() = nil, want an error mentioning %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Check() = %q, want it to mention %q", err, w)
				}
			}
		})
	}
}

func TestCoreMessagesAreComplete(t *testing.T) {
	if err := coreMsgs.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestNormalizeLang(t *testing.T) {
	tests := []struct {
		name, locale, want string
	}{
		{"German with region", "de-DE", "de"},
		{"English with underscore region", "en_US", "en"},
		{"upper case", "EN", "en"},
		{"surrounding spaces", " de ", "de"},
		{"plain German", "de", "de"},
		{"Austrian German", "de-AT", "de"},
		{"unsupported language", "fr", ""},
		{"unsupported language with region", "fr-CH", ""},
		{"empty", "", ""},
		{"prefix of a supported language is not enough", "d", ""},
		{"three-letter code is not German", "deu", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormalizeLang(tt.locale); got != tt.want {
				t.Errorf("NormalizeLang(%q) = %q, want %q", tt.locale, got, tt.want)
			}
		})
	}
}
