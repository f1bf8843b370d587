package bot

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wolbot/wolbot/adapters"
)

// Regression tests for issue 10 ("Everywhere"): dead references, plurals, long echoes, greetings.

// registeredCommands are the slash commands that `wolbot mattermost setup` and the Slack
// manifest register (cmd/wolbot checks both lists against this set too).
var registeredCommands = []string{"lc", "wol", "impuls", "daten", "vergessen", "wolbot"}

var slashRe = regexp.MustCompile("`/([\\p{L}]+)")

// TestRepliesPointOnlyAtRegisteredCommands: no reply may send a user to a slash command that
// the chat platform does not know (on Mattermost, /help opens Mattermost's own help).
func TestRepliesPointOnlyAtRegisteredCommands(t *testing.T) {
	for _, cat := range []Catalog{coreMsgs, privacyMsgs} {
		for _, lang := range Langs {
			for key, tmpl := range cat[lang] {
				for _, m := range slashRe.FindAllStringSubmatch(tmpl, -1) {
					if !slices.Contains(registeredCommands, m[1]) {
						t.Errorf("%s %s: points at /%s, which no platform registers: %q", lang, key, m[1], tmpl)
					}
				}
			}
		}
	}
	b, chat, _ := newTestBot(t)
	b.Handle("daten", DataCommand(), "data")
	b.Handle("vergessen", ForgetCommand(), "forget")
	for _, ev := range []adapters.Event{command("/help"), inEnglish(command("/help")), command("/vergessen"),
		inEnglish(command("/forget")), command("/foo"), inEnglish(command("/foo")), command("/lang"), inEnglish(command("/lang"))} {
		b.HandleEvent(context.Background(), ev)
	}
	for _, c := range chat.Calls() {
		texts := []string{c.Msg.Text}
		for _, btn := range c.Msg.Buttons {
			texts = append(texts, "`"+btn.Command)
		}
		for _, text := range texts {
			for _, m := range slashRe.FindAllStringSubmatch(text, -1) {
				if !slices.Contains(registeredCommands, m[1]) {
					t.Errorf("reply points at unregistered /%s: %q", m[1], text)
				}
			}
		}
	}
}

// TestWolbotCommandIsTheCoreEntry: /wolbot (registered on every platform) reaches the core's
// help and language commands and, followed by a feature word, the feature.
func TestWolbotCommandIsTheCoreEntry(t *testing.T) {
	ctx := context.Background()
	b, chat, _ := newTestBot(t)
	lc := &spy{}
	b.Handle("lc", lc)
	b.Handle("daten", DataCommand(), "data")

	b.HandleEvent(ctx, command("/wolbot"))
	if got := chat.LastTo(testUser); !strings.HasPrefix(got, coreMsgs.T("de", "help_intro")) {
		t.Errorf("/wolbot = %q, want the help", got)
	}
	b.HandleEvent(ctx, command("/wolbot hilfe"))
	if got := chat.LastTo(testUser); !strings.HasPrefix(got, coreMsgs.T("de", "help_intro")) {
		t.Errorf("/wolbot hilfe = %q, want the help", got)
	}
	b.HandleEvent(ctx, command("/wolbot language en"))
	if got, want := chat.LastTo(testUser), coreMsgs.T("en", "lang_set"); got != want {
		t.Errorf("/wolbot language en = %q, want %q", got, want)
	}
	b.HandleEvent(ctx, command("/wolbot lc topic Wie  geht's?"))
	got := lc.served()
	if len(got) != 1 || got[0].Feature != "lc" || !slices.Equal(got[0].Args, []string{"topic", "Wie", "geht's?"}) {
		t.Fatalf("lc served %+v, want one topic request", got)
	}
	if got[0].Event.Text != "lc topic Wie  geht's?" {
		t.Errorf("event text = %q, want the command without /wolbot", got[0].Event.Text)
	}
	// English help names the English way to reach the data export.
	b.HandleEvent(ctx, command("/wolbot help"))
	if got := chat.LastTo(testUser); !strings.Contains(got, "`/wolbot data`") || strings.Contains(got, "/daten") {
		t.Errorf("English help = %q, want /wolbot data and no German command word", got)
	}
}

// TestLongUnknownCommandIsQuotedShort: a 5,000-character unknown command is not echoed in full.
func TestLongUnknownCommandIsQuotedShort(t *testing.T) {
	b, chat, _ := newTestBot(t)
	long := strings.Repeat("x", 5000)
	b.HandleEvent(context.Background(), command("/"+long))
	got := chat.LastTo(testUser)
	if utf8.RuneCountInString(got) > 200 {
		t.Errorf("reply has %d characters, want a short quote: %.120q…", utf8.RuneCountInString(got), got)
	}
	if !strings.Contains(got, strings.Repeat("x", MaxQuote)+"…") {
		t.Errorf("reply = %.200q, want the first %d characters and an ellipsis", got, MaxQuote)
	}
	b.HandleEvent(context.Background(), command("/lang "+strings.Repeat("ü", 3000)))
	if got := chat.LastTo(testUser); utf8.RuneCountInString(got) > 200 {
		t.Errorf("lang reply has %d characters", utf8.RuneCountInString(got))
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"kurz", "kurz"},
		{strings.Repeat("ä", MaxQuote), strings.Repeat("ä", MaxQuote)},
		{strings.Repeat("ä", MaxQuote+1), strings.Repeat("ä", MaxQuote) + "…"},
		{"@here " + strings.Repeat("a", 60), adapters.Escape("@here "+strings.Repeat("a", MaxQuote-6)) + "…"},
		{"zwei\nZeilen", "zwei Zeilen"},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%.30q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestGreetingInDirectConversationGetsWelcome: "Guten Tag, wie funktioniert das?" is not an
// unknown command "guten".
func TestGreetingInDirectConversationGetsWelcome(t *testing.T) {
	for _, text := range []string{"Guten Tag, wie funktioniert das?", "Hallo", "hallo!", "hi", "Hello", "Moin",
		"Wie funktioniert das?", "hey there"} {
		t.Run(text, func(t *testing.T) {
			b, chat, _ := newTestBot(t)
			b.Handle("lc", &describedSpy{de: "Lean-Coffee-Runde", en: "Lean Coffee round"})
			b.HandleEvent(context.Background(), direct(command(text), "D1"))
			posts := chat.Posts("D1")
			if len(posts) != 1 {
				t.Fatalf("posts = %q, want one welcome", posts)
			}
			if !strings.HasPrefix(posts[0], coreMsgs.T("de", "welcome")) || !strings.Contains(posts[0], "Lean-Coffee-Runde") {
				t.Errorf("reply = %q, want the welcome with the help", posts[0])
			}
			if strings.Contains(posts[0], "kenne ich leider nicht") {
				t.Errorf("greeting treated as an unknown command: %q", posts[0])
			}
		})
	}
}

func TestCoreCataloguesPlurals(t *testing.T) {
	for name, cat := range map[string]Catalog{"core": coreMsgs, "privacy": privacyMsgs, "dates": dateMsgs} {
		if err := cat.CheckPlurals(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if err := cat.CheckQuotes(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestCheckPlurals(t *testing.T) {
	tests := []struct {
		name string
		cat  Catalog
		want []string
	}{
		{"a proper pair passes", Catalog{
			"de": {"k.one": "1 Kreis", "k.other": "{n} Kreise", "x": "{count} von {total}"},
			"en": {"k.one": "1 circle", "k.other": "{n} circles", "x": "{count} of {total}"},
		}, nil},
		{"a count before a noun outside a pair", Catalog{
			"de": {"k": "{count} Kreise"}, "en": {"k": "{count} circles"},
		}, []string{`de: key "k": {count} counts "Kreise"`, `en: key "k": {count} counts "circles"`}},
		{"{n} counting a noun outside a pair", Catalog{"de": {"k": "Noch {n} Themen"}, "en": {"k": "{n} topics left"}},
			[]string{`de: key "k": {n} counts "Themen"`, `en: key "k": {n} counts "topics"`}},
		{"{n} as a number, not a count", Catalog{"de": {"k": "Thema {n} von {total}"}, "en": {"k": "Topic {n}."}}, nil},
		{"half a pair", Catalog{"de": {"k.one": "1 Kreis"}, "en": {"k.one": "1 circle", "k.other": "{n} circles"}},
			[]string{`de: plural "k" lacks k.other`}},
		{"other without {n}", Catalog{"de": {"k.one": "1 Kreis", "k.other": "Kreise"}, "en": {"k.one": "1 circle", "k.other": "{n} circles"}},
			[]string{`de: plural "k": k.other does not show {n}`}},
		{"the same text twice", Catalog{"de": {"k.one": "{n} Kreise", "k.other": "{n} Kreise"}, "en": {"k.one": "1 circle", "k.other": "{n} circles"}},
			[]string{`de: plural "k": k.one and k.other say the same`}},
		{"an extra count placeholder", Catalog{"de": {"k": "{people} Personen"}, "en": {"k": "{people} people"}},
			[]string{`de: key "k": {people} counts "Personen"`, `en: key "k": {people} counts "people"`}},
		{"an adjective before the noun", Catalog{"de": {"k": "{count} aktive Kreise"}, "en": {"k": "{count} active circles"}},
			[]string{`de: key "k": {count} counts "aktive Kreise"`, `en: key "k": {count} counts "active circles"`}},
		{"verbs and prepositions are no nouns", Catalog{"de": {"k": "({count} von {total} erhalten)"}, "en": {"k": "({count} of {total} received)"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cat.CheckPlurals("people")
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("CheckPlurals() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckPlurals() = nil, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("CheckPlurals() = %q, want it to mention %q", err, w)
				}
			}
		})
	}
}

func TestCheckQuotes(t *testing.T) {
	ok := Catalog{"de": {"a": "„{x}“ kenne ich nicht."}, "en": {"a": "I don't know “{x}” here."}}
	if err := ok.CheckQuotes(); err != nil {
		t.Errorf("CheckQuotes() = %v, want nil", err)
	}
	bad := Catalog{"de": {"a": "Danke für „{title}“."}, "en": {"a": "Thanks for “{title}”!"}}
	err := bad.CheckQuotes()
	if err == nil || !strings.Contains(err.Error(), `de: key "a"`) || !strings.Contains(err.Error(), `en: key "a"`) {
		t.Errorf("CheckQuotes() = %v, want both keys reported", err)
	}
}

// TestFormatDay: one date format with weekday for every feature.
func TestFormatDay(t *testing.T) {
	fri := time.Date(2026, 12, 4, 8, 5, 0, 0, time.UTC)
	tests := []struct{ lang, day, dayTime string }{
		{"de", "Fr., 04.12.2026", "Fr., 04.12.2026, 08:05 Uhr"},
		{"en", "Fri 4 Dec 2026", "Fri 4 Dec 2026, 08:05"},
	}
	for _, tt := range tests {
		if got := FormatDay(tt.lang, fri); got != tt.day {
			t.Errorf("FormatDay(%s) = %q, want %q", tt.lang, got, tt.day)
		}
		if got := FormatDayTime(tt.lang, fri); got != tt.dayTime {
			t.Errorf("FormatDayTime(%s) = %q, want %q", tt.lang, got, tt.dayTime)
		}
	}
}

// TestGreetingAfterAMentionGetsWelcome: "@wolbot hallo" in a channel is answered privately with
// the welcome for channels (no "write me here").
func TestGreetingAfterAMentionGetsWelcome(t *testing.T) {
	b, chat, _ := newTestBot(t)
	b.HandleEvent(context.Background(), inEnglish(command("hello")))
	want := coreMsgs.T("en", "welcome_channel") + "\n\n" + b.help("en")
	if got := replies(chat); !slices.Equal(got, []string{ephemeral(want)}) {
		t.Errorf("replies = %q, want %q", got, want)
	}
}
