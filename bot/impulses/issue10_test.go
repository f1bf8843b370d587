package impulses

import (
	"context"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/storage/redistest"
)

// Regression tests for issue 10 in the impulses: channel commands in a DM, cron errors in
// German, plurals, command words per language, long input, one date format.

// TestChannelTargetInDirectMessage: "/impuls abo #" in a DM used to report that the channel
// "@admin" now receives impulses.
func TestChannelTargetInDirectMessage(t *testing.T) {
	fx := newFixture(t, redistest.Store(t), fixtureOpts{})
	dm := func(text string) string {
		ev := fx.event("admin")
		ev.Kind, ev.Text, ev.Direct, ev.Channel, ev.ChannelName = "command", strings.TrimPrefix(text, "/"), true, "@admin", "@admin"
		fx.bot.HandleEvent(context.Background(), ev)
		posts := fx.platform.Posts("@admin")
		if len(posts) == 0 {
			return ""
		}
		return posts[len(posts)-1]
	}
	for _, text := range []string{"/impuls abo #", "/impuls abo # planung", "/impuls stopp #"} {
		t.Run(text, func(t *testing.T) {
			before := dump(t, fx.store)
			reply := dm(text)
			if strings.Contains(reply, "@admin") || !strings.Contains(reply, "Direktnachricht") {
				t.Errorf("reply = %q, want an explanation that a DM has no channel to subscribe", reply)
			}
			if after := dump(t, fx.store); !maps.Equal(before, after) {
				t.Errorf("state changed:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
	// A named channel works from a DM.
	contains(t, dm("/impuls abo #C42"), "Der Kanal C42 erhält ab jetzt")
}

// TestScheduleErrorIsExplainedInTheUsersLanguage: the cron parser's English ("expected exactly
// 5 fields") does not reach a German reply.
func TestScheduleErrorIsExplainedInTheUsersLanguage(t *testing.T) {
	fx := newFixture(t, redistest.Store(t), fixtureOpts{})
	tests := []struct{ expr, want string }{
		{"0 8 * *", "fünf Angaben"},
		{"0 8 * * MON TUE", "fünf Angaben"},
		{"jeden Montag um acht", "fünf Angaben"},
		{"0 25 * * MON", "Stunde"},
		{"61 8 * * MON", "Minute"},
		{"0 8 * * XYZ", "Wochentag"},
		{"0 8 32 * *", "Tag"},
		{"0 8 * 13 *", "Monat"},
		{"0 0 30 2 *", "nie"},
		{"CRON_TZ=Mars/Olympus 0 8 * * MON", "Zeitzone"},
		{"CRON_TZ=Europe/Berlin", "fünf Angaben"},
		{"@every 2x", "@every"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			reply := fx.say("admin", "/impuls zeitplan "+tt.expr)
			contains(t, reply, "kein gültiger Zeitplan")
			contains(t, reply, tt.want)
			for _, english := range []string{"expected", "failed", "field", "provided", "unrecognized", "syntax", "above", "below", "never fires"} {
				if strings.Contains(reply, english) {
					t.Errorf("German reply contains English %q: %q", english, reply)
				}
			}
		})
	}
	ev := fx.event("admin")
	ev.Kind, ev.Text, ev.Locale = "command", "impuls schedule 0 8 * *", "en"
	fx.bot.HandleEvent(context.Background(), ev)
	contains(t, fx.platform.LastTo("admin"), "five fields")
}

func TestCataloguePlurals(t *testing.T) {
	for name, cat := range map[string]bot.Catalog{"msgs": msgs, "privacy": privacyMsgs} {
		if err := cat.CheckPlurals("people", "channels", "words"); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if err := cat.CheckQuotes(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	fx := newFixture(t, redistest.Store(t), fixtureOpts{})
	fx.say("admin", "/impuls abo @carla")
	contains(t, fx.say("admin", "/impuls abonnenten"), "1 – davon 1 Person und 0 Kanäle")
}

var impulsCmdRe = regexp.MustCompile("/impuls ([\\p{L}]+)")

// TestCommandWordsMatchTheLanguage: the German texts show German subcommands, the English
// texts English ones (all are accepted in both languages).
func TestCommandWordsMatchTheLanguage(t *testing.T) {
	english := []string{"subscribe", "now", "resume", "archive", "stop", "schedule", "preview", "stats", "library", "subscribers", "help", "lang", "language"}
	german := []string{"abo", "jetzt", "weiter", "archiv", "stopp", "zeitplan", "vorschau", "statistik", "bibliothek", "abonnenten", "hilfe", "sprache"}
	for _, cat := range []bot.Catalog{msgs, privacyMsgs} {
		for lang, wrong := range map[string][]string{"de": english, "en": german} {
			for key, tmpl := range cat[lang] {
				for _, m := range impulsCmdRe.FindAllStringSubmatch(tmpl, -1) {
					if slices.Contains(wrong, m[1]) {
						t.Errorf("%s %s: `/impuls %s` in the wrong language: %q", lang, key, m[1], tmpl)
					}
				}
			}
		}
	}
}

// TestLongInputIsQuotedShort: a pasted page is not echoed back in full.
func TestLongInputIsQuotedShort(t *testing.T) {
	fx := newFixture(t, redistest.Store(t), fixtureOpts{})
	long := strings.Repeat("lang", 1250)
	for _, text := range []string{"/impuls " + long, "/impuls pause " + long, "/impuls abo " + long,
		"/impuls feedback " + long + " gut"} {
		if reply := fx.say("anna", text); utf8.RuneCountInString(reply) > 400 || strings.Contains(reply, long[:200]) {
			t.Errorf("%.30s…: reply of %d characters echoes the input", text, utf8.RuneCountInString(reply))
		}
	}
	if reply := fx.say("admin", "/impuls zeitplan "+long); strings.Contains(reply, long[:200]) {
		t.Errorf("schedule reply echoes the input: %.200q", reply)
	}
}

// TestDatesUseTheSharedFormat: impulses show days as every feature does (bot.FormatDay).
func TestDatesUseTheSharedFormat(t *testing.T) {
	loc := time.UTC
	fri := time.Date(2026, 12, 4, 8, 0, 0, 0, loc)
	for _, lang := range bot.Langs {
		c := clock{lang: lang, loc: loc}
		if got, want := c.date(fri), bot.FormatDay(lang, fri); got != want {
			t.Errorf("%s date = %q, want %q", lang, got, want)
		}
		if got, want := c.dateTime(fri), bot.FormatDayTime(lang, fri); got != want {
			t.Errorf("%s dateTime = %q, want %q", lang, got, want)
		}
	}
}
