package console_test

import (
	"context"
	"os"
	"strings"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/adapters/console"
)

// A script plays a short conversation; the handler stands in for the bot core and answers
// every command with a post carrying a button, or a direct message.
func ExampleConsole_Run() {
	script := `// anna opens a round, bob chats, then clicks
anna: /lc start
bob: Bin dabei!
.click bob lc.join
@wolbot
bob: hilfe
`
	c := console.New(console.Options{In: strings.NewReader(script), Out: os.Stdout})
	bot := adapters.HandlerFunc(func(ctx context.Context, ev adapters.Event) {
		switch {
		case ev.Kind == adapters.KindAction:
			c.Ephemeral(ctx, ev.Channel, ev.User, adapters.Message{Text: "Du bist dabei."})
		case ev.Direct:
			c.DirectMessage(ctx, ev.User, adapters.Message{Text: "Befehle: /lc start"})
		default:
			c.Post(ctx, ev.Channel, adapters.Message{
				Text:    "Lean Coffee beginnt.",
				Buttons: []adapters.Button{{ID: "lc.join", Label: "Mitmachen", Command: "/lc join"}},
			})
		}
	})
	c.Run(context.Background(), bot)
	// Output:
	// [#allgemein] wolbot:
	// Lean Coffee beginnt.
	//   [Mitmachen] → /lc join · .click <name> lc.join
	//
	// [#allgemein → bob] wolbot:
	// Du bist dabei.
	//
	// [@bob] wolbot:
	// Befehle: /lc start
}
