package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wolbot/wolbot/adapters/chattest"
	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

func TestGiveUpCatalog(t *testing.T) {
	if err := giveUpMsgs.Check(); err != nil {
		t.Error(err)
	}
}

// Admins hear once per kind and hour that timers were given up, however many.
func TestGiveUpNotifiesAdminsOncePerKind(t *testing.T) {
	store := redistest.Store(t)
	chat := &chattest.Recorder{}
	timers := storage.NewTimers(store, storage.TimerOptions{MaxAttempts: 1})
	timers.HandleGiveUp("", (&giveUpNotifier{store: store, chat: chat, admins: []string{"@boss", "chefin"}}).notify)
	for _, kind := range []string{"lc.tick", "wol.remind"} {
		timers.Handle(kind, func(context.Context, storage.Timer) error { return storage.Permanent(errors.New("is_archived")) })
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- timers.Run(ctx) }()
	for _, tm := range []storage.Timer{{ID: "a", Kind: "lc.tick"}, {ID: "b", Kind: "lc.tick"}, {ID: "c", Kind: "wol.remind"}} {
		if err := timers.Schedule(ctx, tm); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if n, _ := timers.DeadCount(ctx); n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("timers not given up")
		}
	}
	cancel()
	<-done // Run returns after the handlers, give-up hooks included
	got := map[string]int{}
	for _, c := range chat.Calls() {
		if c.Op != chattest.OpDM {
			t.Errorf("unexpected %s call", c.Op)
			continue
		}
		if !strings.Contains(c.Msg.Text, "wolbot timers dead") || !strings.Contains(c.Msg.Text, "aufgegeben") {
			t.Errorf("notice %q", c.Msg.Text)
		}
		for _, kind := range []string{"lc.tick", "wol.remind"} {
			if strings.Contains(c.Msg.Text, kind) {
				got[c.User+" "+kind]++
			}
		}
	}
	for _, want := range []string{"boss lc.tick", "chefin lc.tick", "boss wol.remind", "chefin wol.remind"} {
		if got[want] != 1 {
			t.Errorf("%s: %d notices, want 1 (all: %v)", want, got[want], got)
		}
	}
}
