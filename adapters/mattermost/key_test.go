package mattermost

import (
	"context"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wolbot/wolbot/adapters"
)

// TestKeyedPostIsDedupedByPendingPostID: a caller's retry with the same Message.Key sends the
// same pending post id, which Mattermost answers with the post it already made.
func TestKeyedPostIsDedupedByPendingPostID(t *testing.T) {
	f := newFake(t)
	a, _ := newTestAdapter(t, f)
	channel := model.NewId()
	msg := adapters.Message{Text: "Kurzimpuls", Key: "imp:sub1:1700000000000"}
	first, err := a.Post(context.Background(), channel, msg)
	if err != nil {
		t.Fatal(err)
	}
	second, err := a.Post(context.Background(), channel, msg)
	if err != nil {
		t.Fatal(err)
	}
	var p1, p2 string
	f.locked(func() { p1, p2 = f.created[0].PendingPostId, f.created[len(f.created)-1].PendingPostId })
	if p1 != p2 || len(p1) != len(f.bot.Id)+1+26 {
		t.Errorf("pending ids %q and %q, want equal and id-shaped", p1, p2)
	}
	if first.ID != second.ID {
		t.Errorf("keyed retry made a second post: %s and %s", first.ID, second.ID)
	}
	other, err := a.Post(context.Background(), channel, adapters.Message{Text: "Kurzimpuls", Key: "imp:sub2:1700000000000"})
	if err != nil || other.ID == first.ID {
		t.Errorf("a different key must make its own post: %v %v", other, err)
	}
}
