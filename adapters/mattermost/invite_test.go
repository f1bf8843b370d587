package mattermost

import (
	"context"
	"slices"
	"testing"
)

func TestInviteToChannel(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	anna := f.user("anna")
	channel, err := a.CreatePrivateChannel(context.Background(), f.team.Id, "WOL Rheinland 1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.InviteToChannel(context.Background(), channel, []string{"@anna", f.bot.Id}); err != nil {
		t.Fatal(err)
	}
	var added []string
	f.locked(func() { added = f.members[channel] })
	if !slices.Equal(added, []string{anna.Id}) {
		t.Errorf("added %v, want only anna (the bot is a member already)", added)
	}
	if err := a.InviteToChannel(context.Background(), channel, []string{"@niemand"}); err == nil {
		t.Error("an unknown member was accepted")
	}
}

// TestCreatePrivateChannelAgainReusesTheBotsOwn: a retry after a crash (the first attempt made
// the channel, the answer was lost) finds that channel instead of creating a second one; a
// name taken by someone else still gets a channel of the bot's own.
func TestCreatePrivateChannelAgainReusesTheBotsOwn(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	ctx := context.Background()
	first, err := a.CreatePrivateChannel(ctx, f.team.Id, "wol-rheinland-1", []string{"@anna"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := a.CreatePrivateChannel(ctx, f.team.Id, "wol-rheinland-1", []string{"@anna"})
	if err != nil || again != first {
		t.Fatalf("retry made %q (%v), want the first channel %q", again, err, first)
	}
	var n int
	f.locked(func() { n = len(f.channels) })

	// A channel of that name made by someone else is left alone.
	f.locked(func() {
		for _, c := range f.channels {
			if c.Id == first {
				c.CreatorId = "someone-else"
			}
		}
	})
	other, err := a.CreatePrivateChannel(ctx, f.team.Id, "wol-rheinland-1", []string{"@anna"})
	if err != nil || other == first {
		t.Fatalf("got %q (%v), want a new channel beside someone else's", other, err)
	}
	var m int
	f.locked(func() { m = len(f.channels) })
	if m != n+1 {
		t.Errorf("%d channels, want %d", m, n+1)
	}
}
