package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Options configure Open. Zero values are documented defaults.
type Options struct {
	// URL is a redis:// or rediss:// URL. "" (and no Addrs) starts an embedded in-process Redis
	// (miniredis) on 127.0.0.1:<free port>. With Addrs or MasterName, URL only supplies the
	// credentials, database and TLS settings.
	URL string
	// Namespace separates several bots sharing one Redis; "" means "default". It must not
	// contain '{' or '}', which would break Redis Cluster hash tags.
	Namespace string
	// Addrs are several host:port addresses: cluster seed nodes, or Sentinel nodes when
	// MasterName is set (go-redis UniversalClient decides which).
	Addrs []string
	// MasterName is the Sentinel master name. Without Addrs, the URL's host is the Sentinel.
	MasterName string
}

// Store is a connection to Redis plus the key namespace of one bot.
type Store struct {
	Client   redis.UniversalClient
	NS       string
	Embedded bool // true when state lives only in memory

	embedded  *miniredis.Miniredis
	stopClock chan struct{}
	clockDone chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// Open connects to Redis as opts say and checks the connection with PING.
func Open(ctx context.Context, opts Options) (*Store, error) {
	ns := opts.Namespace
	if ns == "" {
		ns = "default"
	}
	if strings.ContainsAny(ns, "{}") {
		return nil, fmt.Errorf("storage: open: namespace %q must not contain '{' or '}'", ns)
	}
	s := &Store{NS: ns}

	switch {
	case len(opts.Addrs) > 0 || opts.MasterName != "":
		uo := &redis.UniversalOptions{Addrs: opts.Addrs, MasterName: opts.MasterName}
		if opts.URL != "" {
			o, err := redis.ParseURL(opts.URL)
			if err != nil {
				return nil, fmt.Errorf("storage: open: %w", err)
			}
			uo.Username, uo.Password, uo.DB, uo.TLSConfig = o.Username, o.Password, o.DB, o.TLSConfig
			if len(uo.Addrs) == 0 {
				uo.Addrs = []string{o.Addr}
			}
		}
		if len(uo.Addrs) == 0 {
			return nil, errors.New("storage: open: MasterName needs Addrs or a URL")
		}
		s.Client = redis.NewUniversalClient(uo)
	case opts.URL != "":
		o, err := redis.ParseURL(opts.URL)
		if err != nil {
			return nil, fmt.Errorf("storage: open: %w", err)
		}
		s.Client = redis.NewClient(o)
	default:
		if err := s.startEmbedded(); err != nil {
			return nil, err
		}
	}

	if err := s.Client.Ping(ctx).Err(); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("storage: open: ping: %w", err)
	}
	return s, nil
}

// startEmbedded starts miniredis on a free local port and connects to it over TCP, so the
// embedded mode runs exactly the same client code as a real server.
func (s *Store) startEmbedded() error {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return fmt.Errorf("storage: open: embedded redis: %w", err)
	}
	s.embedded = m
	s.Embedded = true
	s.Client = redis.NewClient(&redis.Options{Addr: m.Addr()})

	// miniredis only expires keys when its clock is moved; tick it with the wall clock so that
	// EX/PX TTLs (dedupe records, locks) behave as on a real server, give or take a second.
	s.stopClock = make(chan struct{})
	s.clockDone = make(chan struct{})
	go func() {
		defer close(s.clockDone)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		last := time.Now()
		for {
			select {
			case <-s.stopClock:
				return
			case now := <-tick.C:
				m.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	return nil
}

// Close closes the client and stops the embedded server, if any. It is safe to call twice.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.Client != nil {
			if err := s.Client.Close(); err != nil {
				s.closeErr = fmt.Errorf("storage: close: %w", err)
			}
		}
		if s.embedded != nil {
			close(s.stopClock)
			<-s.clockDone
			s.embedded.Close()
		}
	})
	return s.closeErr
}

// Key builds a key in the store's namespace: "wolbot:" + NS + ":" + parts joined by ":".
func (s *Store) Key(parts ...string) string {
	return "wolbot:" + s.NS + ":" + strings.Join(parts, ":")
}

// Tag wraps s in braces, making it a Redis Cluster hash tag: all keys with the same tag live in
// one slot, so one Lua script or MULTI may touch them together. Only the first {...} of a key
// counts, so s must not contain '}'.
func Tag(s string) string {
	return "{" + s + "}"
}
