// Package redistest gives tests a real Redis over a real connection: the one shared helper for
// every package whose tests need state (DESIGN.md, "Testing").
//
// The intended use is a TestMain per package plus Store per test:
//
//	func TestMain(m *testing.M) { redistest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		s := redistest.Store(t) // fresh namespace, cleaned up at test end
//		...
//	}
//
// The server is chosen once per test binary: REDIS_CLUSTER_ADDRS (comma-separated nodes of a
// Redis Cluster) when set, else REDIS_URL when set (CI sets it), otherwise a
// redis-server from PATH started on a free port for the package's tests, otherwise an embedded
// miniredis. Each Store gets its own random namespace, so tests may run in parallel on one server.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/wolbot/wolbot/storage"
)

// server is the test binary's one Redis, set up once by Main or, failing that, by the first
// Store/URL call.
var server struct {
	once    sync.Once
	url     string
	addrs   []string // REDIS_CLUSTER_ADDRS: run against a Redis Cluster instead of url
	backend string   // for test logs: which kind of server the tests run against
	err     error
	stop    func()
}

// Main runs a package's tests: if REDIS_URL is set it is used; else if redis-server is on PATH
// one is started on a free port for the package's tests and stopped afterwards (if it will not
// start, a warning is printed); else an embedded miniredis is started. Call it from TestMain:
//
//	func TestMain(m *testing.M) { redistest.Main(m) }
func Main(m *testing.M) {
	setup(true)
	if server.err != nil {
		fmt.Fprintln(os.Stderr, "redistest:", server.err)
		os.Exit(1)
	}
	code := m.Run()
	if server.stop != nil {
		server.stop()
	}
	os.Exit(code)
}

// URL is the redis URL the tests use.
func URL() string {
	setup(false)
	return server.url
}

// Store returns a *storage.Store on a fresh random namespace; at test end it deletes the
// namespace's keys and closes the store. Without Main it still works, on REDIS_URL or an
// embedded miniredis (a redis-server process needs Main to be stopped again).
func Store(tb testing.TB) *storage.Store {
	tb.Helper()
	setup(false)
	if server.err != nil {
		tb.Fatalf("redistest: %v", server.err)
	}
	ns := namespace(tb.Name())
	s := open(tb, ns)
	tb.Logf("redistest: %s, namespace %s", server.backend, ns)
	tb.Cleanup(func() {
		if err := deleteNamespace(ns); err != nil {
			tb.Errorf("redistest: cleaning up namespace %s: %v", ns, err)
		}
	})
	return s
}

// Reopen returns a second, independent *storage.Store (a new connection) on the same server and
// namespace as s — for restart and two-replica tests. It is closed at test end. s must come from
// Store.
func Reopen(tb testing.TB, s *storage.Store) *storage.Store {
	tb.Helper()
	return open(tb, s.NS)
}

func open(tb testing.TB, ns string) *storage.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := storage.Open(ctx, options(ns))
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// options connects to the chosen server: the cluster's nodes when REDIS_CLUSTER_ADDRS is set.
func options(ns string) storage.Options {
	if len(server.addrs) > 0 {
		return storage.Options{Addrs: server.addrs, Namespace: ns}
	}
	return storage.Options{URL: server.url, Namespace: ns}
}

// Cluster reports whether the tests run against a Redis Cluster (REDIS_CLUSTER_ADDRS). Tests
// that need a single URL (a child process configured by REDIS_URL) skip themselves then.
func Cluster() bool {
	setup(false)
	return len(server.addrs) > 0
}

// namespace is the test's name made key-safe plus a random suffix: readable in redis-cli,
// unique across parallel tests and repeated runs.
func namespace(name string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, name)
	if len(clean) > 40 {
		clean = clean[:40]
	}
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "test-" + clean + "-" + hex.EncodeToString(b[:])
}

// deleteNamespace removes the keys of namespace ns. It connects afresh, as the test may have
// closed its stores (a replica "dying").
func deleteNamespace(ns string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := storage.Open(ctx, options(ns))
	if err != nil {
		return err
	}
	defer s.Close()
	if cc, ok := s.Client.(*redis.ClusterClient); ok {
		// Every master holds its own share of the keys; UNLINK one key at a time so no call
		// spans slots.
		return cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			iter := node.Scan(ctx, 0, s.Key("*"), 500).Iterator()
			for iter.Next(ctx) {
				if err := cc.Unlink(ctx, iter.Val()).Err(); err != nil {
					return err
				}
			}
			return iter.Err()
		})
	}

	iter := s.Client.Scan(ctx, 0, s.Key("*"), 500).Iterator()
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.Client.Unlink(ctx, batch...).Err()
		batch = batch[:0]
		return err
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	return flush()
}

// setup picks the server once. Only Main may start a redis-server process, because only Main
// can stop it when the tests are done.
func setup(mayStartProcess bool) {
	server.once.Do(func() {
		if addrs := os.Getenv("REDIS_CLUSTER_ADDRS"); addrs != "" {
			server.addrs, server.backend = strings.Split(addrs, ","), "REDIS_CLUSTER_ADDRS (cluster)"
			return
		}
		if u := os.Getenv("REDIS_URL"); u != "" {
			server.url, server.backend = u, "REDIS_URL"
			return
		}
		if mayStartProcess {
			if bin, err := exec.LookPath("redis-server"); err == nil {
				err := startRedisServer(bin)
				if err == nil {
					return
				}
				// Keep `go test ./...` working on a machine with a broken redis-server, but say so.
				fmt.Fprintf(os.Stderr, "redistest: %v; using miniredis instead\n", err)
			}
		}
		server.err = startMiniredis()
	})
}

func startMiniredis() error {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return fmt.Errorf("starting miniredis: %w", err)
	}
	// miniredis expires keys only when its clock moves; tick it like storage's embedded mode.
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		last := time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				m.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	server.url, server.backend = "redis://"+m.Addr(), "miniredis"
	server.stop = func() {
		close(done)
		m.Close()
	}
	return nil
}

// startRedisServer starts bin on a free port. Finding a free port and binding it are two steps,
// so another process may take the port in between: try a few ports.
func startRedisServer(bin string) error {
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		return err
	}
	var errs []error
	for range 3 {
		port, err := freePort()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		proc, err := runRedisServer(bin, dir, port)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		server.url = fmt.Sprintf("redis://127.0.0.1:%d/0", port)
		server.backend = "redis-server on port " + strconv.Itoa(port)
		server.stop = func() {
			proc.stop()
			_ = os.RemoveAll(dir)
		}
		return nil
	}
	_ = os.RemoveAll(dir)
	return fmt.Errorf("starting redis-server: %w", errors.Join(errs...))
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// process is a started redis-server; exited delivers cmd.Wait's result, as a goroutine waits on
// it from the start to notice an early exit.
type process struct {
	cmd    *exec.Cmd
	exited chan error
}

// stop asks redis-server to shut down and kills it if it takes too long.
func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// runRedisServer starts redis-server on port and waits until it answers PING.
func runRedisServer(bin, dir string, port int) (*process, error) {
	logFile := filepath.Join(dir, "redis-"+strconv.Itoa(port)+".log")
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no",
		"--bind", "127.0.0.1", "--logfile", logFile)
	cmd.Dir = dir // whatever it writes stays in the temp dir
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, exited: make(chan error, 1)}
	go func() { p.exited <- cmd.Wait() }()

	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-p.exited:
			out, _ := os.ReadFile(logFile)
			return nil, fmt.Errorf("redis-server on port %d exited (%v): %s", port, err, out)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return p, nil
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-p.exited
			return nil, fmt.Errorf("redis-server on port %d did not answer: %w", port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Keys lists the keys matching pattern on every node: on a Redis Cluster each master holds only
// its share, so a plain KEYS or SCAN would see a random part. For tests that dump state.
func Keys(tb testing.TB, s *storage.Store, pattern string) []string {
	tb.Helper()
	ctx := context.Background()
	var keys []string
	if cc, ok := s.Client.(*redis.ClusterClient); ok {
		var mu sync.Mutex
		err := cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			found, err := node.Keys(ctx, pattern).Result()
			mu.Lock()
			defer mu.Unlock()
			keys = append(keys, found...)
			return err
		})
		if err != nil {
			tb.Fatalf("redistest: keys %s: %v", pattern, err)
		}
		return keys
	}
	keys, err := s.Client.Keys(ctx, pattern).Result()
	if err != nil {
		tb.Fatalf("redistest: keys %s: %v", pattern, err)
	}
	return keys
}

// Env returns the environment a wolbot process needs to reach the tests' Redis:
// REDIS_URL, or REDIS_ADDRS for a cluster.
func Env() map[string]string {
	setup(false)
	if len(server.addrs) > 0 {
		return map[string]string{"REDIS_ADDRS": strings.Join(server.addrs, ",")}
	}
	return map[string]string{"REDIS_URL": server.url}
}

// Dump returns every key matching pattern (on every node) with its value rendered as text, to
// prove that refused input changed nothing. The router's event dedupe records (":seen:") are
// left out: every event writes one, whatever it does.
func Dump(tb testing.TB, s *storage.Store, pattern string) map[string]string {
	tb.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, key := range Keys(tb, s, pattern) {
		if strings.Contains(key, ":seen:") {
			continue
		}
		c := s.Client
		switch typ := c.Type(ctx, key).Val(); typ {
		case "hash":
			out[key] = fmt.Sprint(c.HGetAll(ctx, key).Val())
		case "list":
			out[key] = fmt.Sprint(c.LRange(ctx, key, 0, -1).Val())
		case "set":
			members := c.SMembers(ctx, key).Val()
			slices.Sort(members)
			out[key] = fmt.Sprint(members)
		case "zset":
			out[key] = fmt.Sprint(c.ZRangeWithScores(ctx, key, 0, -1).Val())
		case "string":
			out[key] = c.Get(ctx, key).Val()
		default:
			out[key] = typ
		}
	}
	return out
}
