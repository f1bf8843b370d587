package main

import (
	"context"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
)

// resolveAdmins turns WOLBOT_ADMINS (handles or ids) into user ids once, at start-up, and logs
// what each entry resolved to. The core compares only ids: a handle can be renamed and taken
// by someone else, an id cannot. An entry the platform does not know stops the start, so that
// a typo does not silently leave the installation without its admin.
func resolveAdmins(ctx context.Context, chat adapters.Chat, entries []string, log zerolog.Logger) ([]string, error) {
	ids := make([]string, 0, len(entries))
	for _, e := range entries {
		u, err := chat.LookupUser(ctx, e)
		if err != nil {
			return nil, fmt.Errorf("WOLBOT_ADMINS: cannot resolve %q to a user: %w", e, err)
		}
		log.Info().Str("admin", e).Str("id", u.ID).Str("name", u.Name).Msg("global admin resolved")
		ids = append(ids, u.ID)
	}
	return ids, nil
}
