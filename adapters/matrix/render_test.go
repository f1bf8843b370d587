package matrix

import (
	"slices"
	"testing"

	"github.com/wolbot/wolbot/adapters"
)

// TestReactionsFor: which buttons get a reaction. Tests of the adapter against Dendrite cover
// the round trip; this table covers the rule.
func TestReactionsFor(t *testing.T) {
	vote := func(n string) adapters.Button {
		return adapters.Button{ID: "lc.vote", Label: "Punkt auf " + n, Value: "r:" + n, Command: "/lc vote " + n}
	}
	tests := []struct {
		name    string
		buttons []adapters.Button
		want    []string
	}{
		{"emoji labels", []adapters.Button{{ID: "a", Label: "👍 Vertiefen"}, {ID: "a", Label: "✋ Egal"}, {ID: "a", Label: "👎 Weiter"}}, []string{"👍", "✋", "👎"}},
		{"plain labels get none", []adapters.Button{{ID: "lc.next", Label: "Abstimmung starten", Command: "/lc next"}}, nil},
		{"votes 1 to 3", []adapters.Button{vote("1"), vote("2"), vote("3"), {ID: "lc.next", Label: "Weiter", Command: "/lc next"}}, []string{"1️⃣", "2️⃣", "3️⃣"}},
		{"a single numbered button is no vote row", []adapters.Button{vote("1")}, nil},
		{"a gap is no vote row", []adapters.Button{vote("1"), vote("3")}, nil},
		{"more than ten topics: no numbers", func() []adapters.Button {
			var bs []adapters.Button
			for _, n := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"} {
				bs = append(bs, vote(n))
			}
			return bs
		}(), nil},
		{"one emoji twice is dropped", []adapters.Button{{ID: "a", Label: "👍 Ja"}, {ID: "b", Label: "👍️ Auch ja"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, r := range reactionsFor(tt.buttons) {
				got = append(got, r.Key)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("reactions %q, want %q", got, tt.want)
			}
		})
	}
}

// TestOpName: metric operation names carry no ids, rooms, users or transaction ids.
func TestOpName(t *testing.T) {
	for _, tt := range []struct{ method, path, want string }{
		{"PUT", "/_matrix/client/v3/rooms/!abc:ex.org/send/m.room.message/wolbot-1f", "PUT rooms/*/send/*/*"},
		{"GET", "/_matrix/client/v3/rooms/!abc:ex.org/state/m.room.member/@anna:ex.org", "GET rooms/*/state/*/*"},
		{"GET", "/_matrix/client/v3/profile/@anna:ex.org", "GET profile/*"},
		{"GET", "/_matrix/client/v1/rooms/!r:ex.org/relations/$ev/m.annotation", "GET rooms/*/relations/*/m.annotation"},
		{"PUT", "/_matrix/client/v3/user/@bot:ex.org/account_data/m.direct", "PUT user/*/account_data/*"},
		{"GET", "/_matrix/client/v3/sync", "GET sync"},
	} {
		if got := opName(tt.method, tt.path); got != tt.want {
			t.Errorf("opName(%s %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}
