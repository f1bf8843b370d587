package main

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

func TestParseLaneConcurrency(t *testing.T) {
	tests := []struct {
		in      string
		want    map[storage.Lane]int
		wantErr bool
	}{
		{"", nil, false},
		{"32", map[storage.Lane]int{storage.LaneInteractive: 32, storage.LaneCompanion: 32, storage.LaneBulk: 32}, false},
		{"interactive=64, bulk=8", map[storage.Lane]int{storage.LaneInteractive: 64, storage.LaneBulk: 8}, false},
		{"companion=4", map[storage.Lane]int{storage.LaneCompanion: 4}, false},
		{"0", nil, true},
		{"fast=3", nil, true},
		{"bulk=", nil, true},
		{"bulk=-1", nil, true},
		{"interactive", nil, true},
	}
	for _, tt := range tests {
		got, err := parseLaneConcurrency(tt.in)
		if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseLaneConcurrency(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	var errs bytes.Buffer
	code := run(context.Background(), nil, strings.NewReader(""), &bytes.Buffer{}, &errs, env(map[string]string{"WOLBOT_TIMER_CONCURRENCY": "viele"}))
	if code != 2 || !strings.Contains(errs.String(), "WOLBOT_TIMER_CONCURRENCY") {
		t.Errorf("bad WOLBOT_TIMER_CONCURRENCY: code %d, stderr %q; want 2 naming the variable", code, errs.String())
	}
}

// "wolbot timers dead" lists the dead-letter set and requeues or drops from it.
func TestTimersDeadCommand(t *testing.T) {
	store := redistest.Store(t)
	timers := storage.NewTimers(store, storage.TimerOptions{MaxAttempts: 1})
	timers.HandleLane("test.gone", storage.LaneCompanion, func(context.Context, storage.Timer) error {
		return storage.Permanent(errors.New("channel_not_found"))
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- timers.Run(ctx) }()
	for _, id := range []string{"wol:a", "wol:b"} {
		if err := timers.Schedule(ctx, storage.Timer{ID: id, Kind: "test.gone"}); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if n, _ := timers.DeadCount(ctx); n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("timers not given up")
		}
	}
	cancel()
	<-done

	vars := withRedis(map[string]string{"WOLBOT_NAMESPACE": store.NS})
	cmd := func(args ...string) (int, string, string) {
		var out, errs bytes.Buffer
		code := run(context.Background(), append([]string{"timers", "dead"}, args...), strings.NewReader(""), &out, &errs, env(vars))
		return code, out.String(), errs.String()
	}
	code, out, errs := cmd()
	if code != 0 || !strings.Contains(out, "wol:a") || !strings.Contains(out, "companion") || !strings.Contains(out, "channel_not_found") ||
		!strings.Contains(out, "2 of 2") {
		t.Errorf("list: code %d, out %q, err %q", code, out, errs)
	}
	if code, out, errs = cmd("--requeue", "wol:a", "--drop", "wol:b"); code != 0 || !strings.Contains(out, "requeued wol:a") || !strings.Contains(out, "dropped wol:b") {
		t.Errorf("requeue and drop: code %d, out %q, err %q", code, out, errs)
	}
	if byLane, _ := timers.PendingByLane(context.Background()); byLane[storage.LaneCompanion] != 1 {
		t.Errorf("pending by lane %v, want wol:a back in the companion lane", byLane)
	}
	if n, _ := timers.DeadCount(context.Background()); n != 0 {
		t.Errorf("%d dead timers left, want 0", n)
	}
	if code, _, errs = cmd("--drop", "wol:b"); code != 1 || !strings.Contains(errs, "no such") {
		t.Errorf("drop of an unknown id: code %d, err %q", code, errs)
	}
	if code, _, errs = run2(t, []string{"timers", "dead"}); code != 2 || !strings.Contains(errs, "REDIS_URL") {
		t.Errorf("without Redis: code %d, err %q", code, errs)
	}
}

func run2(t *testing.T, args []string) (int, string, string) {
	t.Helper()
	var out, errs bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errs, env(nil))
	return code, out.String(), errs.String()
}
