package leancoffee

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wolbot/wolbot/bot"
)

// Limits on what people may enter. They keep the board readable and Redis small.
const (
	MaxTopicLen   = 300 // characters per topic
	MaxNoteLen    = 500 // characters per note
	MaxTopics     = 40  // topics per round
	MaxNotes      = 300 // notes per round
	maxDots       = 20
	minTimebox    = time.Second
	maxTimebox    = 2 * time.Hour
	maxExtensions = 5
)

// Settings are the parameters of a round, chosen at /lc start.
type Settings struct {
	Dots         int             // dots per person
	PerTopic     int             // dots one person may put on one topic
	Timebox      time.Duration   // first timebox per topic
	Extensions   []time.Duration // the following, usually shorter, timeboxes
	ThumbsWindow time.Duration   // how long a thumbs vote stays open at most
	// Warning is how long before a timebox ends the channel is told so; 0 means no warning.
	// A timebox no longer than the warning gets none.
	Warning time.Duration
}

// DefaultSettings are used for everything /lc start does not set.
func DefaultSettings() Settings {
	return Settings{
		Dots:         3,
		PerTopic:     3,
		Timebox:      8 * time.Minute,
		Extensions:   []time.Duration{4 * time.Minute, 2 * time.Minute},
		ThumbsWindow: time.Minute,
		Warning:      time.Minute,
	}
}

// optionError names the option a person got wrong, so the reply can say which one.
type optionError struct {
	key   string // catalogue key of the reply
	name  string
	value string
	dots  int // the dots per person, for opt_bad_pertopic_dots
}

func (e *optionError) Error() string { return fmt.Sprintf("option %s=%s: %s", e.name, e.value, e.key) }

// option names with their German aliases.
var optionNames = map[string]string{
	"votes": "votes", "stimmen": "votes", "punkte": "votes", "dots": "votes",
	"pertopic": "pertopic", "prothema": "pertopic", "max": "pertopic",
	"timebox": "timebox", "zeit": "timebox", "time": "timebox",
	"extensions": "extensions", "verlaengerung": "extensions", "verlängerung": "extensions",
	"verlaengerungen": "extensions", "verlängerungen": "extensions", "ext": "extensions",
	"thumbs": "thumbs", "daumen": "thumbs",
	"warn": "warn", "warning": "warn", "warnung": "warn", "vorwarnung": "warn",
}

// ParseSettings reads "votes=3 timebox=8m extensions=4m,2m" (German aliases allowed:
// "stimmen=3 zeit=8m verlängerung=4m,2m") on top of the defaults.
func ParseSettings(args []string) (Settings, error) {
	s := DefaultSettings()
	var perTopic *optionError // the pertopic option as given, checked against votes at the end
	for _, arg := range args {
		rawName, value, ok := strings.Cut(arg, "=")
		name := optionNames[strings.ToLower(rawName)]
		if !ok || name == "" {
			return s, &optionError{key: "opt_unknown", name: rawName, value: value}
		}
		bad := &optionError{key: "opt_bad_" + name, name: rawName, value: value}
		switch name {
		case "votes", "pertopic":
			n, err := strconv.Atoi(value)
			if err != nil || n < 1 || n > maxDots {
				return s, bad
			}
			if name == "votes" {
				s.Dots = n
			} else {
				s.PerTopic, perTopic = n, &optionError{key: "opt_bad_pertopic_dots", name: rawName, value: value}
			}
		case "timebox":
			d, err := bot.ParseDuration(value)
			if err != nil || d < minTimebox || d > maxTimebox {
				return s, bad
			}
			s.Timebox = d
		case "extensions":
			s.Extensions = nil
			if isNone(value) {
				continue
			}
			parts := strings.Split(value, ",")
			if len(parts) > maxExtensions {
				return s, bad
			}
			for i, p := range parts {
				d, err := bot.ParseDuration(p)
				if err != nil || d < minTimebox || d > maxTimebox {
					return s, bad
				}
				// Each extension is shorter than the one before, or as long: that is what
				// brings a Lean Coffee round to its end.
				if i > 0 && d > s.Extensions[i-1] {
					return s, &optionError{key: "opt_bad_ext_grow", name: rawName, value: value}
				}
				s.Extensions = append(s.Extensions, d)
			}
		case "warn":
			if isNone(value) {
				s.Warning = 0
				continue
			}
			d, err := bot.ParseDuration(value)
			if err != nil || (d != 0 && d < minTimebox) || d > maxTimebox {
				return s, bad
			}
			s.Warning = d // "0s" switches warnings off like "0"
		case "thumbs":
			d, err := bot.ParseDuration(value)
			if err != nil || d < minTimebox || d > 10*time.Minute {
				return s, bad
			}
			s.ThumbsWindow = d
		}
	}
	if perTopic == nil {
		s.PerTopic = s.Dots
	} else if s.PerTopic > s.Dots {
		perTopic.dots = s.Dots
		return s, perTopic
	}
	return s, nil
}

// isNone reports whether an option's value switches it off: "0", "none", "keine", "aus",
// "off" or nothing.
func isNone(value string) bool {
	switch strings.ToLower(value) {
	case "", "0", "none", "keine", "aus", "off":
		return true
	}
	return false
}
