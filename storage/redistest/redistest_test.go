package redistest_test

import (
	"context"
	"testing"

	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

func TestStoreReopenAndCleanup(t *testing.T) {
	var ns string
	var keys []string
	t.Run("test using the store", func(t *testing.T) {
		s := redistest.Store(t)
		ns = s.NS
		if ns == "default" || ns == "" {
			t.Fatalf("namespace %q, want a fresh one", ns)
		}
		if other := redistest.Store(t); other.NS == ns {
			t.Errorf("two stores share namespace %q", ns)
		}
		for _, k := range []string{"a", "b:{x}:c"} {
			keys = append(keys, s.Key(k))
			if err := s.Client.Set(t.Context(), s.Key(k), "1", 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
		r := redistest.Reopen(t, s)
		if r == s || r.NS != ns {
			t.Fatalf("Reopen = same store or namespace %q, want a new store on %q", r.NS, ns)
		}
		if got := r.Client.Get(t.Context(), s.Key("a")).Val(); got != "1" {
			t.Errorf("reopened store reads %q, want 1", got)
		}
		_ = s.Close() // a test may close its store; cleanup must still work
	})

	s, err := storage.Open(context.Background(), storage.Options{URL: redistest.URL(), Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := s.Client.Exists(context.Background(), keys...).Val(); n != 0 {
		t.Errorf("%d keys of namespace %s left after the test", n, ns)
	}
}
