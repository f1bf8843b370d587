package leancoffee

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/wolbot/wolbot/bot"
)

var t0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func newTestRound(phase Phase, topics int) *Round {
	return &Round{
		ID: "r1", Phase: phase, Topics: topics,
		Settings: Settings{Dots: 3, PerTopic: 3, Timebox: 8 * time.Minute,
			Extensions: []time.Duration{4 * time.Minute, 2 * time.Minute}, ThumbsWindow: time.Minute},
		Votes: map[int]int{}, Spent: map[int]time.Duration{}, ExtCount: map[int]int{},
	}
}

// discussing returns a round discussing its first of n topics since t0.
func discussing(n int) *Round {
	r := newTestRound(PhaseVoting, n)
	if _, err := r.Next(t0); err != nil {
		panic(err)
	}
	return r
}

func thumbsOpen(r *Round, votes ...string) *Round {
	if _, err := r.TimeboxOver(r.Due); err != nil {
		panic(err)
	}
	for i, v := range votes {
		r.Thumbs[string(rune('a'+i))] = v
	}
	return r
}

func TestRoundTransitions(t *testing.T) {
	tests := []struct {
		name    string
		round   func() *Round
		step    func(r *Round) (Result, error)
		wantErr error
		wantOut Outcome
		check   func(t *testing.T, r *Round, res Result)
	}{
		{
			name:    "next without topics is refused",
			round:   func() *Round { return newTestRound(PhaseCollecting, 0) },
			step:    func(r *Round) (Result, error) { return r.Next(t0) },
			wantErr: errNoTopics,
		},
		{
			name:    "collecting moves to voting",
			round:   func() *Round { return newTestRound(PhaseCollecting, 2) },
			step:    func(r *Round) (Result, error) { return r.Next(t0) },
			wantOut: OutVoting,
		},
		{
			name: "voting starts the topic with most dots, ties by arrival",
			round: func() *Round {
				r := newTestRound(PhaseVoting, 4)
				r.Votes = map[int]int{2: 3, 3: 5, 4: 3}
				return r
			},
			step:    func(r *Round) (Result, error) { return r.Next(t0) },
			wantOut: OutTopicStarted,
			check: func(t *testing.T, r *Round, _ Result) {
				if want := []int{3, 2, 4, 1}; !slices.Equal(r.Order, want) {
					t.Errorf("order = %v, want %v", r.Order, want)
				}
				if r.Topic != 3 || r.Stage != StageTalk || !r.Due.Equal(t0.Add(8*time.Minute)) {
					t.Errorf("topic %d stage %s due %v", r.Topic, r.Stage, r.Due)
				}
			},
		},
		{
			name:    "timebox end opens the thumbs vote",
			round:   func() *Round { return discussing(2) },
			step:    func(r *Round) (Result, error) { return r.TimeboxOver(t0.Add(8 * time.Minute)) },
			wantOut: OutThumbsOpened,
			check: func(t *testing.T, r *Round, _ Result) {
				if r.Stage != StageThumbs || !r.Due.Equal(t0.Add(9*time.Minute)) {
					t.Errorf("stage %s due %v", r.Stage, r.Due)
				}
			},
		},
		{
			name:    "more up than down extends with the first extension",
			round:   func() *Round { return thumbsOpen(discussing(2), ThumbUp, ThumbUp, ThumbDown) },
			step:    func(r *Round) (Result, error) { return r.CloseThumbs(t0.Add(9 * time.Minute)) },
			wantOut: OutExtended,
			check: func(t *testing.T, r *Round, res Result) {
				if res.Extension != 4*time.Minute || res.Up != 2 || res.Down != 1 || !res.Closed {
					t.Errorf("result %+v", res)
				}
				if !r.Due.Equal(t0.Add(13*time.Minute)) || r.ExtCount[1] != 1 {
					t.Errorf("due %v ext %v", r.Due, r.ExtCount)
				}
			},
		},
		{
			name: "second extension is the shorter one",
			round: func() *Round {
				r := thumbsOpen(discussing(2), ThumbUp)
				_, _ = r.CloseThumbs(t0.Add(9 * time.Minute))
				return thumbsOpen(r, ThumbUp)
			},
			step:    func(r *Round) (Result, error) { return r.CloseThumbs(t0.Add(14 * time.Minute)) },
			wantOut: OutExtended,
			check: func(t *testing.T, r *Round, res Result) {
				if res.Extension != 2*time.Minute {
					t.Errorf("extension %v, want 2m", res.Extension)
				}
			},
		},
		{
			name: "extensions used up moves on although people want more",
			round: func() *Round {
				r := discussing(2)
				r.ExtUsed = 2
				return thumbsOpen(r, ThumbUp)
			},
			step:    func(r *Round) (Result, error) { return r.CloseThumbs(t0.Add(20 * time.Minute)) },
			wantOut: OutTopicStarted,
			check: func(t *testing.T, r *Round, res Result) {
				if !res.NoMoreExt || r.Topic != 2 || res.Prev != 1 {
					t.Errorf("result %+v topic %d", res, r.Topic)
				}
			},
		},
		{
			name:    "tie moves on",
			round:   func() *Round { return thumbsOpen(discussing(2), ThumbUp, ThumbDown, ThumbSide) },
			step:    func(r *Round) (Result, error) { return r.CloseThumbs(t0.Add(9 * time.Minute)) },
			wantOut: OutTopicStarted,
		},
		{
			name:    "nobody voted moves on",
			round:   func() *Round { return thumbsOpen(discussing(2)) },
			step:    func(r *Round) (Result, error) { return r.CloseThumbs(t0.Add(9 * time.Minute)) },
			wantOut: OutTopicStarted,
		},
		{
			name:    "last topic ends the round and books its time",
			round:   func() *Round { return thumbsOpen(discussing(1), ThumbDown) },
			step:    func(r *Round) (Result, error) { return r.CloseThumbs(t0.Add(9 * time.Minute)) },
			wantOut: OutEnded,
			check: func(t *testing.T, r *Round, _ Result) {
				if r.Phase != PhaseEnded || r.Spent[1] != 9*time.Minute || !r.Discussed(1) {
					t.Errorf("phase %s spent %v", r.Phase, r.Spent)
				}
			},
		},
		{
			name:    "moderator extends a running timebox on top of it",
			round:   func() *Round { return discussing(2) },
			step:    func(r *Round) (Result, error) { return r.Extend(t0.Add(time.Minute)) },
			wantOut: OutExtended,
			check: func(t *testing.T, r *Round, _ Result) {
				if !r.Due.Equal(t0.Add(12 * time.Minute)) {
					t.Errorf("due %v, want t0+12m", r.Due)
				}
			},
		},
		{
			name: "moderator extends beyond the list with the last extension",
			round: func() *Round {
				r := thumbsOpen(discussing(2))
				r.ExtUsed = 5
				return r
			},
			step:    func(r *Round) (Result, error) { return r.Extend(t0.Add(9 * time.Minute)) },
			wantOut: OutExtended,
			check: func(t *testing.T, r *Round, res Result) {
				if res.Extension != 2*time.Minute || r.Stage != StageTalk {
					t.Errorf("extension %v stage %s", res.Extension, r.Stage)
				}
			},
		},
		{
			name:    "extend outside discussion is refused",
			round:   func() *Round { return newTestRound(PhaseVoting, 2) },
			step:    func(r *Round) (Result, error) { return r.Extend(t0) },
			wantErr: errNotTalk,
		},
		{
			name:    "skip moves to the next topic",
			round:   func() *Round { return discussing(3) },
			step:    func(r *Round) (Result, error) { return r.Next(t0.Add(3 * time.Minute)) },
			wantOut: OutTopicStarted,
			check: func(t *testing.T, r *Round, _ Result) {
				if r.Spent[1] != 3*time.Minute || r.Topic != 2 || r.Cur != 1 {
					t.Errorf("spent %v topic %d", r.Spent, r.Topic)
				}
			},
		},
		{
			name:    "end while voting leaves every topic undiscussed",
			round:   func() *Round { return newTestRound(PhaseVoting, 2) },
			step:    func(r *Round) (Result, error) { return r.End(t0) },
			wantOut: OutEnded,
			check: func(t *testing.T, r *Round, _ Result) {
				if r.Discussed(1) || r.Discussed(2) {
					t.Error("topics marked discussed")
				}
			},
		},
		{
			name: "anything on an ended round is refused",
			round: func() *Round {
				r := discussing(1)
				_, _ = r.End(t0)
				return r
			},
			step:    func(r *Round) (Result, error) { return r.Next(t0) },
			wantErr: errEnded,
		},
		{
			name:    "thumbs close without an open vote is refused",
			round:   func() *Round { return discussing(1) },
			step:    func(r *Round) (Result, error) { return r.CloseThumbs(t0) },
			wantErr: errNoThumbs,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.round()
			seq := r.Seq
			res, err := tt.step(r)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if r.Seq != seq {
					t.Error("a refused step changed the round")
				}
				return
			}
			if res.Outcome != tt.wantOut {
				t.Errorf("outcome = %v, want %v", res.Outcome, tt.wantOut)
			}
			if tt.wantOut != OutVoting && r.Seq == seq {
				t.Error("timed step did not bump Seq")
			}
			if tt.check != nil {
				tt.check(t, r, res)
			}
		})
	}
}

func TestParseSettings(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    Settings
		wantErr string
	}{
		{"defaults", nil, DefaultSettings(), ""},
		{"english options", []string{"votes=5", "timebox=5s", "extensions=3s,2s"},
			Settings{Dots: 5, PerTopic: 5, Timebox: 5 * time.Second, Extensions: []time.Duration{3 * time.Second, 2 * time.Second}, ThumbsWindow: time.Minute}, ""},
		{"german aliases", []string{"stimmen=2", "zeit=10min", "verlängerung=5", "daumen=30sek"},
			Settings{Dots: 2, PerTopic: 2, Timebox: 10 * time.Minute, Extensions: []time.Duration{5 * time.Minute}, ThumbsWindow: 30 * time.Second}, ""},
		{"per topic limit", []string{"votes=4", "pertopic=1"},
			Settings{Dots: 4, PerTopic: 1, Timebox: 8 * time.Minute, Extensions: []time.Duration{4 * time.Minute, 2 * time.Minute}, ThumbsWindow: time.Minute}, ""},
		{"no extensions", []string{"extensions=keine"},
			Settings{Dots: 3, PerTopic: 3, Timebox: 8 * time.Minute, ThumbsWindow: time.Minute}, ""},
		{"unknown option", []string{"farbe=rot"}, Settings{}, "opt_unknown"},
		{"word without value", []string{"schnell"}, Settings{}, "opt_unknown"},
		{"zero votes", []string{"votes=0"}, Settings{}, "opt_bad_votes"},
		{"too many votes", []string{"votes=99"}, Settings{}, "opt_bad_votes"},
		{"nonsense timebox", []string{"timebox=bald"}, Settings{}, "opt_bad_timebox"},
		{"timebox too long", []string{"timebox=3h"}, Settings{}, "opt_bad_timebox"},
		{"too many extensions", []string{"extensions=1m,1m,1m,1m,1m,1m"}, Settings{}, "opt_bad_extensions"},
		{"equal extensions", []string{"extensions=2m,2m"},
			Settings{Dots: 3, PerTopic: 3, Timebox: 8 * time.Minute, Extensions: []time.Duration{2 * time.Minute, 2 * time.Minute}, ThumbsWindow: time.Minute}, ""},
		{"extensions that grow", []string{"verlängerung=3m,4m"}, Settings{}, "opt_bad_ext_grow"},
		{"extensions that grow later", []string{"extensions=4m,2m,3m"}, Settings{}, "opt_bad_ext_grow"},
		{"per topic above votes", []string{"votes=2", "pertopic=3"}, Settings{}, "opt_bad_pertopic_dots"},
		{"per topic before votes", []string{"prothema=3", "stimmen=2"}, Settings{}, "opt_bad_pertopic_dots"},
		{"per topic above default votes", []string{"pertopic=5"}, Settings{}, "opt_bad_pertopic_dots"},
		{"per topic equal to votes", []string{"votes=2", "pertopic=2"},
			Settings{Dots: 2, PerTopic: 2, Timebox: 8 * time.Minute, Extensions: []time.Duration{4 * time.Minute, 2 * time.Minute}, ThumbsWindow: time.Minute}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSettings(tt.args)
			if tt.wantErr != "" {
				var oe *optionError
				if !errors.As(err, &oe) || oe.key != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Dots != tt.want.Dots || got.PerTopic != tt.want.PerTopic || got.Timebox != tt.want.Timebox ||
				got.ThumbsWindow != tt.want.ThumbsWindow || !slices.Equal(got.Extensions, tt.want.Extensions) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"8m", 8 * time.Minute, true}, {"8", 8 * time.Minute, true}, {"8min", 8 * time.Minute, true},
		{"8 Min.", 8 * time.Minute, true}, {"90s", 90 * time.Second, true}, {"30sek", 30 * time.Second, true},
		{"1m30s", 90 * time.Second, true}, {"1std", time.Hour, true}, {"", 0, false}, {"bald", 0, false},
	}
	for _, tt := range tests {
		got, err := bot.ParseDuration(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("bot.ParseDuration(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestCatalogComplete(t *testing.T) {
	if err := msgs.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestCataloguesPluralsAndQuotes renders every counted text with 0, 1 and 2 in both languages
// (bot.Catalog.CheckPlurals) and finds sentences that end right after a quoted user text.
func TestCataloguesPluralsAndQuotes(t *testing.T) {
	for name, cat := range map[string]bot.Catalog{"messages": msgs, "privacy": privacyMsgs} {
		if err := cat.CheckPlurals("dots"); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if err := cat.CheckQuotes(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
