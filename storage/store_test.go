package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wolbot/wolbot/storage"
)

func TestOpenEmbedded(t *testing.T) {
	ctx := t.Context()
	s, err := storage.Open(ctx, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Embedded {
		t.Error("Embedded = false, want true without URL")
	}
	if s.NS != "default" {
		t.Errorf("NS = %q, want %q", s.NS, "default")
	}
	if err := s.Client.Set(ctx, s.Key("k"), "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Client.Get(ctx, s.Key("k")).Result(); err != nil || got != "v" {
		t.Fatalf("Get = %q, %v; want v", got, err)
	}

	addr := s.Client.(*redis.Client).Options().Addr
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1})
	defer c.Close()
	if err := c.Ping(ctx).Err(); err == nil {
		t.Error("embedded server still answers after Close")
	}
}

// The embedded server must expire keys like a real one: dedupe records and locks rely on TTLs.
func TestOpenEmbeddedExpiresKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the embedded clock")
	}
	t.Parallel()
	s, err := storage.Open(t.Context(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Client.Set(t.Context(), s.Key("ttl"), "v", time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for s.Client.Exists(t.Context(), s.Key("ttl")).Val() == 1 {
		if time.Now().After(deadline) {
			t.Fatal("key with 1s TTL still there after 3s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts storage.Options
	}{
		{"bad scheme", storage.Options{URL: "http://127.0.0.1:6379"}},
		{"garbage", storage.Options{URL: "::not a url"}},
		{"nobody listening", storage.Options{URL: "redis://127.0.0.1:1"}},
		{"brace in namespace", storage.Options{URL: "redis://127.0.0.1:1", Namespace: "a{b}"}},
		{"sentinel without address", storage.Options{MasterName: "mymaster"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			s, err := storage.Open(ctx, tt.opts)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want error")
			}
			if !strings.Contains(err.Error(), "storage: open") {
				t.Errorf("error %q does not say storage: open", err)
			}
		})
	}
}

func TestKey(t *testing.T) {
	s := &storage.Store{NS: "prod"}
	tests := []struct {
		name  string
		parts []string
		want  string
	}{
		{"one part", []string{"x"}, "wolbot:prod:x"},
		{"several parts", []string{"lc", storage.Tag("C1"), "votes"}, "wolbot:prod:lc:{C1}:votes"},
		{"no parts", nil, "wolbot:prod:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Key(tt.parts...); got != tt.want {
				t.Errorf("Key(%q) = %q, want %q", tt.parts, got, tt.want)
			}
		})
	}
}
