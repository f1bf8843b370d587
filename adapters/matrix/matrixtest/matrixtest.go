// Package matrixtest gives tests a real Matrix homeserver, the way storage/redistest gives
// them a real Redis.
//
// The server is chosen once per test binary: MATRIX_TEST_HOMESERVER (with
// MATRIX_TEST_SHARED_SECRET, the server's registration shared secret) when set; otherwise
// Dendrite (github.com/matrix-org/dendrite, the version in [DendriteVersion]) started on a free
// loopback port with SQLite in a temporary directory, federation off, registration only by
// shared secret. The Dendrite binaries are cached in $WOLBOT_DENDRITE_DIR, default
// <user cache dir>/wolbot-dendrite; when they are missing they are built there with
// `go install` from the module proxy (a few minutes, once; it needs cgo). Tests skip, saying
// why, only when Dendrite cannot be built; .ci/run builds it beforehand and sets
// WOLBOT_REQUIRE_DENDRITE, which turns that skip into a failure, so that CI always runs them.
//
//	func TestMain(m *testing.M) { os.Exit(matrixtest.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		hs := matrixtest.Start(t)
//		bot := hs.Register(t, "wolbot")
//		…
//	}
package matrixtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"
	"maunium.net/go/mautrix/synapseadmin"
)

// DendriteVersion is the Dendrite release the tests run against.
const DendriteVersion = "v0.13.8"

// Server is a running homeserver.
type Server struct {
	URL        string // client-server API base URL
	ServerName string // the part of MXIDs after ':', known after the first Register
	secret     string
}

// Account is a registered user.
type Account struct {
	UserID id.UserID
	Token  string
	Client *mautrix.Client
}

var server struct {
	once sync.Once
	srv  *Server
	skip string // why tests must skip: Dendrite could not be built
	err  error
	stop func()
}

// Main runs the tests and stops a Dendrite the tests started. Use it in TestMain.
func Main(m *testing.M) int {
	code := m.Run()
	if server.stop != nil {
		server.stop()
	}
	return code
}

// Start returns the test binary's homeserver, starting it on first use. It skips the test when
// Dendrite cannot be built here, and fails it when a homeserver was found but does not work.
func Start(tb testing.TB) *Server {
	tb.Helper()
	server.once.Do(setup)
	if server.skip != "" {
		if os.Getenv("WOLBOT_REQUIRE_DENDRITE") != "" { // CI: a skipped Matrix test is a failure
			tb.Fatal("matrixtest: " + server.skip)
		}
		tb.Skip("matrixtest: " + server.skip)
	}
	if server.err != nil {
		tb.Fatalf("matrixtest: %v", server.err)
	}
	return server.srv
}

func setup() {
	if url := os.Getenv("MATRIX_TEST_HOMESERVER"); url != "" {
		server.srv = &Server{URL: strings.TrimRight(url, "/"), secret: os.Getenv("MATRIX_TEST_SHARED_SECRET")}
		server.err = probe(server.srv.URL)
		return
	}
	dir, err := binDir()
	if err != nil {
		server.skip = err.Error()
		return
	}
	if err := build(dir); err != nil {
		server.skip = fmt.Sprintf("cannot build Dendrite %s (set MATRIX_TEST_HOMESERVER to use another homeserver): %v", DendriteVersion, err)
		return
	}
	server.srv, server.stop, server.err = startDendrite(dir)
}

// binDir is where the Dendrite binaries are cached.
func binDir() (string, error) {
	if d := os.Getenv("WOLBOT_DENDRITE_DIR"); d != "" {
		return d, nil
	}
	c, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for Dendrite: %w", err)
	}
	return filepath.Join(c, "wolbot-dendrite"), nil
}

var binaries = []string{"dendrite", "generate-config", "generate-keys"}

// build installs the Dendrite binaries into dir unless they are there.
func build(dir string) error {
	missing := false
	for _, b := range binaries {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			missing = true
		}
	}
	if !missing {
		return nil
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return err
	}
	args := []string{"install"}
	for _, b := range binaries {
		args = append(args, "github.com/matrix-org/dendrite/cmd/"+b+"@"+DendriteVersion)
	}
	fmt.Fprintf(os.Stderr, "matrixtest: building Dendrite %s into %s (once; takes a few minutes)\n", DendriteVersion, dir)
	cmd := exec.Command(goBin, args...)
	cmd.Dir = os.TempDir() // outside any module: go install pkg@version
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=", "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%w: %s", err, lastLines(string(out), 5))
	}
	return nil
}

// Secret is the registration shared secret of the Dendrite the tests start.
const secret = "wolbot-test-secret"

// startDendrite writes a config into a temporary directory and starts Dendrite on a free
// loopback port.
func startDendrite(bin string) (*Server, func(), error) {
	removeStale()
	data, err := os.MkdirTemp("", fmt.Sprintf("wolbot-dendrite-%d-", os.Getpid()))
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*Server, func(), error) {
		_ = os.RemoveAll(data)
		return nil, nil, err
	}
	cfg, err := exec.Command(filepath.Join(bin, "generate-config"), "-ci", "-dir", data, "-server", "localhost").Output()
	if err != nil {
		return fail(fmt.Errorf("generate-config: %w", err))
	}
	conf := string(cfg)
	for old, repl := range map[string]string{
		"disable_federation: false":              "disable_federation: true",
		"registration_disabled: false":           "registration_disabled: true",
		"registration_shared_secret: complement": "registration_shared_secret: " + secret,
		"private_key: matrix_key.pem":            "private_key: " + filepath.Join(data, "matrix_key.pem"),
	} {
		if !strings.Contains(conf, old) {
			return fail(fmt.Errorf("generate-config: %q not found in its output", old))
		}
		conf = strings.Replace(conf, old, repl, 1)
	}
	if err := os.WriteFile(filepath.Join(data, "dendrite.yaml"), []byte(conf), 0o600); err != nil {
		return fail(err)
	}
	if out, err := exec.Command(filepath.Join(bin, "generate-keys"), "--private-key", filepath.Join(data, "matrix_key.pem")).CombinedOutput(); err != nil {
		return fail(fmt.Errorf("generate-keys: %w: %s", err, out))
	}
	port, err := freePort()
	if err != nil {
		return fail(err)
	}
	logFile, err := os.Create(filepath.Join(data, "dendrite.log"))
	if err != nil {
		return fail(err)
	}
	cmd := exec.Command(filepath.Join(bin, "dendrite"), "--config", filepath.Join(data, "dendrite.yaml"),
		"--http-bind-address", "127.0.0.1:"+port)
	cmd.Dir = data
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fail(fmt.Errorf("start dendrite: %w", err))
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		logFile.Close()
		_ = os.RemoveAll(data)
	}
	srv := &Server{URL: "http://127.0.0.1:" + port, secret: secret}
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := probe(srv.URL)
		if err == nil {
			fmt.Fprintf(os.Stderr, "matrixtest: Dendrite %s on %s\n", DendriteVersion, srv.URL)
			return srv, stop, nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(data, "dendrite.log"))
			stop()
			return nil, nil, fmt.Errorf("dendrite did not start: %v\n%s", err, lastLines(string(log), 20))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// probe checks that url answers as a homeserver.
func probe(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cli, err := mautrix.NewClient(url, "", "")
	if err != nil {
		return err
	}
	cli.Client = &http.Client{Timeout: 5 * time.Second}
	_, err = cli.Versions(ctx)
	return err
}

// Register creates a user with a random suffix on localpart (so tests never collide) and
// returns it logged in. displayName, when given, becomes the profile's display name.
func (s *Server) Register(tb testing.TB, localpart, displayName string) Account {
	tb.Helper()
	if s.secret == "" {
		tb.Fatal("matrixtest: MATRIX_TEST_SHARED_SECRET is needed to register users on MATRIX_TEST_HOMESERVER")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var b [3]byte
	_, _ = rand.Read(b[:])
	user := strings.ToLower(localpart) + "-" + hex.EncodeToString(b[:])
	cli, err := mautrix.NewClient(s.URL, "", "")
	if err != nil {
		tb.Fatalf("matrixtest: %v", err)
	}
	admin := &synapseadmin.Client{Client: cli}
	password := "pw-" + hex.EncodeToString(b[:]) + "-secret"
	resp, err := admin.SharedSecretRegister(ctx, s.secret, synapseadmin.ReqSharedSecretRegister{
		Username: user, Password: password, Displayname: displayName,
	})
	if err != nil {
		tb.Fatalf("matrixtest: register %s: %v", user, err)
	}
	cli.UserID, cli.AccessToken, cli.DeviceID = resp.UserID, resp.AccessToken, resp.DeviceID
	if s.ServerName == "" {
		s.ServerName = resp.UserID.Homeserver()
	}
	if displayName != "" {
		_ = cli.SetDisplayName(ctx, displayName) // Dendrite ignores displayname at registration
	}
	return Account{UserID: resp.UserID, Token: resp.AccessToken, Client: cli}
}

// removeStale deletes the data directories of Dendrites whose test binary is gone (killed
// before Main could clean up).
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "wolbot-dendrite-*-*"))
	for _, d := range dirs {
		var pid int
		if _, err := fmt.Sscanf(filepath.Base(d), "wolbot-dendrite-%d-", &pid); err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(d)
		}
	}
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
