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
