package storage_test

import (
	"testing"
	"time"

	"github.com/wolbot/wolbot/storage/redistest"
)

func TestFirstSeen(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	ctx := t.Context()
	steps := []struct {
		name, scope, id string
		want            bool
	}{
		{"first delivery", "slack:C1", "ev1", true},
		{"repeated delivery", "slack:C1", "ev1", false},
		{"same id in another scope", "slack:C2", "ev1", true},
		{"another id in the scope", "slack:C1", "ev2", true},
		{"repeated again", "slack:C1", "ev1", false},
	}
	for _, st := range steps {
		got, err := s.FirstSeen(ctx, st.scope, st.id, 0)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got != st.want {
			t.Errorf("%s: FirstSeen(%q, %q) = %v, want %v", st.name, st.scope, st.id, got, st.want)
		}
	}

	key := s.DedupeKey("slack:C1", "ev1")
	if want := "wolbot:" + s.NS + ":seen:{slack:C1}:ev1"; key != want {
		t.Errorf("DedupeKey = %q, want %q", key, want)
	}
	ttl := s.Client.TTL(ctx, key).Val()
	if ttl < 23*time.Hour || ttl > 24*time.Hour {
		t.Errorf("default TTL = %v, want about 24h", ttl)
	}
}

func TestFirstSeenExpires(t *testing.T) {
	t.Parallel()
	s := redistest.Store(t)
	ctx := t.Context()
	if first, err := s.FirstSeen(ctx, "c", "ev", 100*time.Millisecond); err != nil || !first {
		t.Fatalf("FirstSeen = %v, %v; want true", first, err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		first, err := s.FirstSeen(ctx, "c", "ev", 100*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if first {
			return // forgotten after its TTL
		}
		if time.Now().After(deadline) {
			t.Fatal("id still remembered 3s after a 100ms TTL")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
