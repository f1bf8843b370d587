package adapters

import (
	"context"
	"strings"
)

// FoldUmlauts transliterates the German umlauts and ß ("Köln" → "Koeln", "Straße" →
// "Strasse"), for adapters that make channel names from display names. Only the lower-case
// letters are mapped: apply it after strings.ToLower.
var FoldUmlauts = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss")

// ResolveMembers turns members (ids or handles) into platform user ids with id, in order,
// dropping duplicates and self (the bot's own id, a member already). It stops at the first
// error, which it returns unwrapped.
func ResolveMembers(ctx context.Context, members []string, self string, id func(context.Context, string) (string, error)) ([]string, error) {
	ids := make([]string, 0, len(members))
	seen := make(map[string]bool, len(members)+1)
	if self != "" {
		seen[self] = true
	}
	for _, m := range members {
		uid, err := id(ctx, m)
		if err != nil {
			return nil, err
		}
		if !seen[uid] {
			seen[uid] = true
			ids = append(ids, uid)
		}
	}
	return ids, nil
}
