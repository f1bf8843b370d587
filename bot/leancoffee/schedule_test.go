package leancoffee

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wolbot/wolbot/adapters/chattest"
	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no zone database")
	}
	return loc
}

func TestParseBegin(t *testing.T) {
	loc := berlin(t)
	now := time.Date(2026, 12, 4, 14, 30, 0, 0, loc) // a Friday
	at := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, loc) }
	for _, tc := range []struct {
		in   string
		want time.Time
		err  error
	}{
		{"10.12.2026 14:00", at(2026, 12, 10, 14, 0), nil},
		{"10.12.2026 14:00 Uhr", at(2026, 12, 10, 14, 0), nil},
		{"1.1.2027 9:05", at(2027, 1, 1, 9, 5), nil},
		{"10.12. 14:00", at(2026, 12, 10, 14, 0), nil},
		{"04.12. 15:00", at(2026, 12, 4, 15, 0), nil},
		{"04.12. 14:00", at(2026, 12, 4, 14, 0), errBeginPast}, // today, but gone: not next year
		{"2026-12-10 14:00", at(2026, 12, 10, 14, 0), nil},
		{"2026-12-10T14:00", at(2026, 12, 10, 14, 0), nil},
		{"morgen 9:00", at(2026, 12, 5, 9, 0), nil},
		{"Tomorrow 9:00", at(2026, 12, 5, 9, 0), nil},
		{"heute 18:15", at(2026, 12, 4, 18, 15), nil},
		{"heute 8:00", at(2026, 12, 4, 8, 0), errBeginPast},
		{"03.12.2026 14:00", time.Time{}, errBeginPast},
		{"10.02.2027 14:00", time.Time{}, errBeginFar},
		{"31.02.2027 14:00", time.Time{}, errBeginBad},
		{"10.12.2026", time.Time{}, errBeginBad},
		{"10.12.2026 25:00", time.Time{}, errBeginBad},
		{"10.12.2026 14", time.Time{}, errBeginBad},
		{"nächsten Dienstag 14:00", time.Time{}, errBeginBad},
		{"", time.Time{}, errBeginBad},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseBegin(tc.in, now, loc)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if tc.err == nil && !got.Equal(tc.want) {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	// A day already past this year is next year's.
	if got, err := ParseBegin("2.1. 9:00", at(2026, 12, 20, 9, 0), loc); err != nil || !got.Equal(at(2027, 1, 2, 9, 0)) {
		t.Errorf("2.1. from 20 December: %s, %v", got, err)
	}
	// Across the change to summer time the clock time is the local one.
	got, err := ParseBegin("29.03.2027 10:00", time.Date(2027, 3, 20, 9, 0, 0, 0, loc), loc)
	if err != nil || got.UTC().Hour() != 8 {
		t.Errorf("summer time: %s, %v; want 08:00 UTC", got.UTC(), err)
	}
}

// at returns the feature's clock set to now.
func fixedClock(now time.Time) func() time.Time { return func() time.Time { return now } }

func TestPlannedStartRefusals(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	loc := berlin(t)
	fx.kill() // no timer may run on the fixed clock set below
	fx.lc.loc = loc
	fx.lc.now = fixedClock(time.Date(2026, 12, 4, 14, 30, 0, 0, loc))
	for _, tc := range []struct{ cmd, want string }{
		{"/lc start beginn=gestern", "„gestern“ kann ich als Beginn nicht lesen"},
		{"/lc start beginn=10.12.2026", "`beginn=10.12.2026 14:00`"},
		{"/lc start beginn=01.12.2026 14:00", "liegt in der Vergangenheit – jetzt ist Fr., 04.12.2026, 14:30"},
		{"/lc start beginn=01.03.2027 14:00", "höchstens 28 Tage im Voraus"},
		{"/lc start abstimmung=sofort", "zusammen mit `beginn=<Datum Uhrzeit>`"},
		{"/lc start beginn=10.12. 14:00 abstimmung=vielleicht", "„vielleicht“ passt nicht für `abstimmung=`"},
		{"/lc start beginn=10.12. 14:00 stimmen=99", "passt nicht als Zahl der Punkte"},
	} {
		t.Run(tc.cmd, func(t *testing.T) { contains(t, fx.say("anna", tc.cmd), tc.want) })
	}
	if n := fx.store.Client.Exists(context.Background(), fx.lc.st.keys("test:t1:"+testChannel).round).Val(); n != 0 {
		t.Error("a refused start left a round")
	}
	if n, _ := fx.timers.Pending(context.Background()); n != 0 {
		t.Errorf("%d timers pending after refusals", n)
	}
}

// A planned round collects topics ahead, reminds the channel ten minutes before its start and
// announces the start, each exactly once, although the process that planned it is gone and
// another one runs the timers (and would run them again).
func TestPlannedRoundAcrossRestart(t *testing.T) {
	store := redistest.Store(t)
	loc := berlin(t)
	// The planning process's clock lies a day back, so that both timers are due at once
	// for the real clock of the timer loop.
	planned := time.Now().In(loc).Add(-24 * time.Hour).Truncate(time.Minute)
	begin := planned.Add(20 * time.Minute)
	a := newFixture(t, store)
	a.kill() // no timer loop: this process plans and then dies
	a.lc.loc, a.lc.now = loc, fixedClock(planned)
	reply := a.say("anna", "/lc start beginn="+begin.Format("02.01.2006 15:04")+" abstimmung=sofort")
	contains(t, reply, "beginnt am")
	contains(t, reply, begin.Format("15:04")+" Uhr")
	k := a.lc.st.keys("test:t1:" + testChannel)
	r := a.round()
	if r.Phase != PhaseVoting || !r.Open || !r.Begin.Equal(begin) {
		t.Fatalf("planned round: phase %s open %v begin %s", r.Phase, r.Open, r.Begin)
	}
	ctx := context.Background()
	timers := map[string]storage.Timer{}
	for id, due := range map[string]time.Time{remindID(k.chanKey, r.ID): begin.Add(-RemindBefore), beginID(k.chanKey, r.ID): begin} {
		tm, ok, err := a.timers.Get(ctx, id)
		if err != nil || !ok || !tm.Due.Equal(due) {
			t.Fatalf("timer %s: %v %v due %s, want %s", id, ok, err, tm.Due, due)
		}
		timers[id] = tm
	}
	// Ten minutes pass in a second: the reminder is due now, the start a moment later.
	for id, due := range map[string]time.Time{remindID(k.chanKey, r.ID): time.Now(), beginID(k.chanKey, r.ID): time.Now().Add(time.Second)} {
		tm := timers[id]
		tm.Due = due
		if err := a.timers.Schedule(ctx, tm); err != nil {
			t.Fatal(err)
		}
	}
	// Topics and dots come in ahead.
	contains(t, a.say("bob", "/lc thema Jugendbeteiligung"), "als #1 auf dem Board")
	contains(t, a.say("carla", "/lc punkt 1"), "gezählt")
	contains(t, a.chat.Board(r.Board).Text, "📅 Beginn: ")

	// Another process on the same Redis runs the timers.
	b := newFixture(t, store, func(f *Feature) { f.loc, f.now = loc, fixedClock(begin.Add(-RemindBefore)) })
	waitFor(t, 5*time.Second, "reminder and start", func() bool { return len(b.chat.Posts(testChannel)) >= 2 })
	time.Sleep(200 * time.Millisecond)
	posts := b.chat.Posts(testChannel)
	var remind, start int
	for _, p := range posts {
		if strings.Contains(p, "beginnt hier die Lean-Coffee-Runde") {
			remind++
			contains(t, p, "In 10 Min., um "+begin.Format("15:04")+" Uhr")
			contains(t, p, "Bisher steht 1 Thema")
			contains(t, p, "Ihre Punkte können Sie schon jetzt setzen")
		}
		if strings.Contains(p, "die Lean-Coffee-Runde beginnt") {
			start++
			contains(t, p, "anna, mit `/lc weiter` starten Sie die Diskussion")
		}
	}
	if remind != 1 || start != 1 {
		t.Fatalf("reminders %d, starts %d, want 1 each:\n%s", remind, start, strings.Join(posts, "\n---\n"))
	}
	// Redelivered timers (a lease ran out, a third process) post nothing more.
	for _, id := range []string{remindID(k.chanKey, r.ID), beginID(k.chanKey, r.ID)} {
		tm := timers[id]
		h := b.lc.onRemind
		if tm.Kind == BeginKind {
			h = b.lc.onBegin
		}
		if err := h(ctx, tm); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(b.chat.Posts(testChannel)); n != len(posts) || b.chat.Duplicates != 0 {
		t.Errorf("redelivery posted again: %d posts (was %d), %d refused duplicates", n, len(posts), b.chat.Duplicates)
	}
	// The round is ready for the moderator.
	b.lc.now = time.Now
	b.say("anna", "/lc weiter")
	if r := b.round(); r.Phase != PhaseDiscussing || r.Topic != 1 {
		t.Errorf("after /lc weiter: phase %s topic %d", r.Phase, r.Topic)
	}
}

// A planned round that the moderation begins early, or replaces, stays silent at its times.
func TestPlannedTimersOfAMovedOnRound(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store)
	loc := berlin(t)
	fx.kill()
	planned := time.Now().In(loc).Add(-24 * time.Hour).Truncate(time.Minute)
	fx.lc.loc, fx.lc.now = loc, fixedClock(planned)
	fx.say("anna", "/lc start beginn="+planned.Add(30*time.Minute).Format("02.01.2006 15:04"))
	fx.say("bob", "/lc thema Fachkräfte")
	fx.say("anna", "/lc weiter")
	fx.say("anna", "/lc weiter") // discussing before the planned start
	fx.chat.Reset()
	b := newFixture(t, store)
	b.chat = fx.chat
	b.lc.chat = fx.chat
	id := fx.round().ID
	k := fx.lc.st.keys("test:t1:" + testChannel)
	waitFor(t, 5*time.Second, "timers done", func() bool {
		ex, _ := b.timers.Exists(context.Background(), []string{remindID(k.chanKey, id), beginID(k.chanKey, id)})
		return !ex[0] && !ex[1]
	})
	time.Sleep(300 * time.Millisecond)
	for _, c := range fx.chat.Calls() {
		if c.Op == chattest.OpPost && strings.Contains(c.Msg.Text, "Lean-Coffee-Runde") {
			t.Errorf("posted for a round under discussion: %s", c.Msg.Text)
		}
	}
}

// The summary of a planned round dates it by its start, not by the day it was planned, and
// counts its duration from the start.
func TestPlannedRoundSummaryDatesTheMeeting(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	loc := berlin(t)
	fx.kill() // the round's timers are not what this test is about
	fx.lc.loc, fx.lc.now = loc, fixedClock(time.Date(2026, 1, 5, 10, 0, 0, 0, loc))
	fx.say("anna", "/lc start beginn=07.01.2026 14:00")
	fx.say("bob", "/lc thema Fachkräfte")
	fx.lc.now = fixedClock(time.Date(2026, 1, 7, 14, 1, 0, 0, loc))
	fx.say("anna", "/lc weiter")
	fx.say("anna", "/lc weiter")
	fx.say("bob", "/lc aufgabe @bob Stellenprofile vergleichen")
	fx.lc.now = fixedClock(time.Date(2026, 1, 7, 14, 30, 0, 0, loc))
	fx.say("anna", "/lc ende")
	summary := lastSummary(fx.chat)
	contains(t, summary.Msg.Text, "Zusammenfassung vom 07.01.2026")
	contains(t, summary.Msg.Text, "Dauer: 30 Min.")
	if len(summary.Msg.Files) != 1 || summary.Msg.Files[0].Name != "lean-coffee-kreis-dueren-2026-01-07.md" {
		t.Fatalf("minutes file: %+v", summary.Msg.Files)
	}
	contains(t, string(summary.Msg.Files[0].Data), "- Zeit: 14:00–14:30 Uhr (30 Min.)")
	contains(t, fx.chat.LastTo("bob"), "Lean-Coffee-Runde vom 07.01.2026")
}

// FuzzParseBegin: ParseBegin never panics, and a start it accepts lies after now, at most 28
// days ahead, on a whole minute.
//
//	go test -run '^$' -fuzz '^FuzzParseBegin$' -fuzztime 30s ./bot/leancoffee/
func FuzzParseBegin(f *testing.F) {
	for _, s := range []string{
		"10.12.2026 14:00", "10.12. 14:00", "2026-12-10T14:00", "morgen 9:00", "heute 23:59 Uhr",
		"29.02.2028 10:00", "31.12. 24:00", "1.1. 0:00", "..  :", "9999-99-99 99:99", "morgen", "t",
		"10.12.2026\t14:00", "١٠.١٢.٢٠٢٦ 14:00",
	} {
		f.Add(s)
	}
	loc := berlin(f)
	now := time.Date(2026, 12, 4, 14, 30, 0, 0, loc)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseBegin(s, now, loc)
		if err != nil {
			return
		}
		if !got.After(now) || got.Sub(now) > maxAhead || got.Second() != 0 {
			t.Fatalf("ParseBegin(%q) = %s: not within (now, now+28d] on a whole minute", s, got)
		}
	})
}

// The new commands answer in English too.
func TestIssue14InEnglish(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	loc := berlin(t)
	// The clock is fixed on an afternoon that real time has passed: a running timer loop would
	// end the timebox at once (it failed so in CI, racing bob's last command).
	fx.kill()
	fx.lc.loc = loc
	fx.lc.now = fixedClock(time.Date(2026, 12, 4, 14, 30, 0, 0, loc))
	for _, u := range []string{"anna", "bob"} {
		fx.say(u, "/lc lang en")
	}
	for _, tc := range []struct{ user, cmd, want string }{
		{"anna", "/lc start begin=tomorrow 25:00", "I can't read “tomorrow 25:00” as a start time"},
		{"anna", "/lc start begin=3.12.2026 9:00", "is in the past – it is Fri 4 Dec 2026, 14:30 now"},
		{"anna", "/lc start begin=tomorrow 9:00 voting=now", "Your round is set up and begins on Sat 5 Dec 2026, 09:00"},
		{"bob", "/lc topic Youth participation", "as #1"},
		{"bob", "/lc topic Young people taking part", "as #2"},
		{"bob", "/lc merge 1 2", "Only this round's moderator (anna)"},
		{"anna", "/lc merge 1 1", "cannot be merged with itself"},
		{"anna", "/lc merge 1 2", "Topic #2 is now part of topic #1"},
		{"anna", "/lc action @bob Send the minutes", "Action items belong to a topic under discussion"},
		{"anna", "/lc next", ""},
		{"anna", "/lc action bob Send the minutes", "Please name who takes the item on first"},
		{"anna", "/lc action @bob Send the minutes", "Action item no. 1 for bob on topic #1 is recorded"},
		{"bob", "/lc action remove 1", "can be struck out only by whoever recorded it"},
	} {
		got := fx.say(tc.user, tc.cmd)
		if tc.want != "" {
			contains(t, got, tc.want)
		}
	}
}
