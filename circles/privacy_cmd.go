package circles

import (
	"context"

	"github.com/wolbot/wolbot/bot"
)

// The data subject commands as part of /wol: "/wol daten" (or "data") sends the requester
// everything the bot stores about them, from every feature, as a direct message; "/wol
// vergessen" (or "forget") deletes it after a confirmation. The work is the bot core's
// (bot/privacy.go), so that the top-level /daten and /vergessen do exactly the same.

// forgetAction is the action id of the confirmation buttons of "/wol vergessen".
const forgetAction = "wol.forget"

var wolForget = bot.PrivacyCommand{
	Forget: map[string]string{"de": "/wol vergessen", "en": "/wol forget"},
	Action: forgetAction,
}

func (f *Feature) dataCmd(ctx context.Context, c *call) error {
	return c.Bot().ServeDataRequest(ctx, c.Request)
}

// forgetCmd asks for, confirms or cancels a deletion; args are the words after "vergessen"
// (nil for a button click, whose value says which).
func (f *Feature) forgetCmd(ctx context.Context, c *call, args []string) error {
	return c.Bot().ServeForgetRequest(ctx, c.Request, args, wolForget)
}
