package main

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters/console"
	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/bot/impulses"
	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

// runConsole plays script in the console chat against the built-in library with a slot every
// second, as the wolbot binary would, and returns what the console printed. Stopping at the
// end of the script is a restart's first half.
func runImpulseConsole(t *testing.T, store *storage.Store, script string) string {
	t.Helper()
	lib, errs := impulses.LoadLibrary(impulses.Builtin, "")
	if len(errs) > 0 {
		t.Fatalf("library: %v", errs)
	}
	var out bytes.Buffer
	chat := console.New(console.Options{In: strings.NewReader(script), Out: &out, Err: io.Discard, Channel: "jugendamt"})
	timers := storage.NewTimers(store, storage.TimerOptions{Lease: 2 * time.Second, MaxWait: 50 * time.Millisecond})
	b := bot.New(bot.Options{Store: store, Chat: chat, Admins: []string{"admin"}, Logger: zerolog.Nop()})
	imp, err := impulses.New(context.Background(), impulses.Options{
		Store: store, Chat: chat, Timers: timers, Library: lib, Schedule: "@every 1s", Rate: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Handle("impuls", imp, "impulse", "impulses")
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = timers.Run(ctx)
	}()
	if err := chat.Run(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	stop()
	<-done
	imp.Close(context.Background())
	return out.String()
}

// titlesTo returns the titles of the impulses the console showed user, in order.
func titlesTo(out, user string) []string {
	var titles []string
	blocks := strings.Split(out, "\n\n[")
	for _, b := range blocks {
		header, text, _ := strings.Cut(strings.TrimPrefix(b, "["), "\n")
		if header != "@"+user+"] wolbot:" || !strings.HasPrefix(text, "**") || !strings.Contains(text, "/impuls feedback ") {
			continue
		}
		title, _, _ := strings.Cut(strings.TrimPrefix(text, "**"), "**")
		titles = append(titles, title)
	}
	return titles
}

// TestConsoleEndToEnd plays the scenario in the console: two subscribers, a slot every
// second, a pause, a restart in the middle, the pause ended after the restart. Each receives
// the built-in series in order, without repeats or gaps.
func TestImpulsesInConsoleWithPauseAndRestart(t *testing.T) {
	t.Parallel()
	store := redistest.Store(t)
	first := runImpulseConsole(t, store, `// Zwei Leitungskräfte abonnieren
anna: /impuls abo
bob: /impuls abo planung
.wait 2500ms
anna: /impuls pause 2w
.wait 1500ms
`)
	if !strings.Contains(first, "Willkommen bei den Kurzimpulsen") || !strings.Contains(first, "pausieren bis") {
		t.Fatalf("first run:\n%s", first)
	}
	second := runImpulseConsole(t, redistest.Reopen(t, store), `anna: /impuls weiter
.wait 2500ms
anna: /impuls archiv
`)
	if !strings.Contains(second, "Willkommen zurück") || !strings.Contains(second, "**Ihr Archiv**") {
		t.Fatalf("second run:\n%s", second)
	}
	lib, _ := impulses.LoadLibrary(impulses.Builtin, "")
	for user, audience := range map[string]string{"anna": impulses.AudienceLeaders, "bob": impulses.AudiencePlanners} {
		var want []string
		for _, imp := range lib.Series("de", audience) {
			want = append(want, imp.Title)
		}
		got := append(titlesTo(first, user), titlesTo(second, user)...)
		if len(got) < 3 || len(got) > len(want) || !slices.Equal(got, want[:len(got)]) {
			t.Errorf("%s saw %q,\nwant the beginning of %q", user, got, want)
		}
		t.Logf("%s received %d impulses: %q", user, len(got), got)
	}
}
