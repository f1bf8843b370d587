package leancoffee

import (
	"slices"
	"strings"
	"testing"
)

// TestHelpListsEveryCommand: the help of each language names every subcommand the router
// knows (except help itself), in that language's words.
func TestHelpListsEveryCommand(t *testing.T) {
	for _, lang := range []string{"de", "en"} {
		named := map[string]bool{}
		for _, w := range commandWords(msgs[lang]["help"]) {
			named[subcommands[strings.ToLower(w)]] = true
		}
		var missing []string
		for _, sub := range subcommands {
			if sub != "help" && !named[sub] && !slices.Contains(missing, sub) {
				missing = append(missing, sub)
			}
		}
		slices.Sort(missing)
		if len(missing) > 0 {
			t.Errorf("%s help does not name %v:\n%s", lang, missing, msgs[lang]["help"])
		}
	}
}
