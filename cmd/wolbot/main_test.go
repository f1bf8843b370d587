package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wolbot/wolbot/storage/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// block is one bot post as the console prints it.
type block struct {
	Header string // e.g. "[#kreis-dueren → bob] wolbot:"
	Text   string
}

var headerRe = regexp.MustCompile(`^\[(#[^\]]+|@[^\]]+)\] wolbot( \(edited\))?:$`)

// parseBlocks splits console output at header lines; scripts rely on exactly this shape.
func parseBlocks(out string) []block {
	var blocks []block
	for _, line := range strings.Split(out, "\n") {
		if headerRe.MatchString(line) {
			blocks = append(blocks, block{Header: line})
			continue
		}
		if len(blocks) > 0 {
			b := &blocks[len(blocks)-1]
			b.Text += line + "\n"
		}
	}
	return blocks
}

// find returns the index of the first block at or after from whose header and text contain
// the given strings, or -1.
func find(blocks []block, from int, header, text string) int {
	for i := max(from, 0); i < len(blocks); i++ {
		if strings.Contains(blocks[i].Header, header) && strings.Contains(blocks[i].Text, text) {
			return i
		}
	}
	return -1
}

// step is a post expected in a console session: a header and a piece of its text.
type step struct{ header, text string }

// expectInOrder fails the test unless the steps appear in blocks in this order; output is
// the whole session, printed when one is missing.
func expectInOrder(t *testing.T, blocks []block, output string, steps []step) {
	t.Helper()
	at := 0
	for _, s := range steps {
		i := find(blocks, at, s.header, s.text)
		if i < 0 {
			t.Fatalf("missing after block %d: %s %q\n\nfull output:\n%s", at, s.header, s.text, output)
		}
		at = i + 1
	}
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// withRedis adds what reaches the tests' Redis (REDIS_URL, or REDIS_ADDRS for a cluster).
func withRedis(vars map[string]string) map[string]string {
	for k, v := range redistest.Env() {
		vars[k] = v
	}
	return vars
}

// script is a whole Lean Coffee round by three people, as a person would type it.
const script = `// Drei Kommunen, eine Runde
#kreis-dueren
anna: /lc start votes=2 timebox=2s extensions=2s thumbs=20s
bob: /lc topic Wie beteiligen wir Jugendliche an der Planung?
carla: /lc thema Kooperation mit der Schulverwaltung @channel
anna: /lc topic Fachkräftemangel im ASD
bob: /lc next
anna: /lc next
bob: /lc vote 2
bob: /lc vote 1
carla: /lc vote 2
carla: /lc vote 3
carla: /lc vote 1
anna: /lc vote 3
anna: /lc next
.wait 3s
anna: /lc thumbs up
bob: /lc thumbs up
carla: /lc thumbs down
anna: /lc note Schulverwaltung zum nächsten Treffen einladen
.wait 3s
bob: /lc thumbs down
carla: /lc thumbs down
anna: /lc thumbs side
anna: /lc status
anna: /lc end
bob: /lc vote 1
`

func TestConsoleEndToEnd(t *testing.T) {
	store := redistest.Store(t)
	var out, errs bytes.Buffer
	code := run(context.Background(), nil, strings.NewReader(script), &out, &errs, env(withRedis(map[string]string{
		"WOLBOT_NAMESPACE": store.NS,
	})))
	if code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, errs.String())
	}
	blocks := parseBlocks(out.String())
	t.Logf("%d blocks", len(blocks))

	// Each step must appear, in this order.
	steps := []step{
		{"[#kreis-dueren] wolbot:", "Lean Coffee – Themen sammeln"},
		{"[#kreis-dueren → anna] wolbot:", "Sie moderieren"},
		{"[#kreis-dueren] wolbot (edited):", "- **#1** Wie beteiligen wir Jugendliche an der Planung? _(bob)_"},
		{"[#kreis-dueren → bob] wolbot:", "Danke! Ihr Thema steht als #1"},
		{"[#kreis-dueren] wolbot (edited):", "Kooperation mit der Schulverwaltung @\u200bchannel _(carla)_"},
		{"[#kreis-dueren → bob] wolbot:", "Das darf nur die Moderation dieser Runde (anna)"},
		{"[#kreis-dueren] wolbot:", "Die Abstimmung läuft"},
		{"[#kreis-dueren] wolbot (edited):", "[Punkt auf 1] → /lc punkt 1"},
		{"[#kreis-dueren → carla] wolbot:", "Sie haben schon alle 2 Punkte gesetzt"},
		{"[#kreis-dueren] wolbot:", "Thema 1 von 3:** Kooperation mit der Schulverwaltung"},
		{"[#kreis-dueren] wolbot:", "Die Zeit für „Kooperation mit der Schulverwaltung @\u200bchannel“ ist um"},
		{"[#kreis-dueren] wolbot (edited):", "Ergebnis: 👍 2 · ✋ 0 · 👎 1 – wir hängen 2 Sek. an."},
		{"[#kreis-dueren] wolbot:", "Wir bleiben bei „Kooperation mit der Schulverwaltung"},
		{"[#kreis-dueren → anna] wolbot:", "Ihre Notiz zu Thema 2 ist festgehalten"},
		{"[#kreis-dueren] wolbot (edited):", "Ergebnis: 👍 0 · ✋ 1 · 👎 2 – weiter zum nächsten Thema."},
		{"[#kreis-dueren] wolbot:", "Thema 2 von 3:** Fachkräftemangel im ASD"},
		{"[#kreis-dueren → anna] wolbot:", "**Stand:** Thema 2 von 3 wird besprochen"},
		{"[#kreis-dueren] wolbot (edited):", "Lean Coffee – beendet"},
		{"[#kreis-dueren] wolbot:", "Lean Coffee – Zusammenfassung"},
		{"[#kreis-dueren → bob] wolbot:", "Diese Runde ist schon beendet"},
	}
	expectInOrder(t, blocks, out.String(), steps)
	// The summary lists all topics in vote order, discussed or not, with dots, time and notes.
	summary := blocks[find(blocks, 0, "", "Lean Coffee – Zusammenfassung")].Text
	for _, want := range []string{
		"- #2 **Kooperation mit der Schulverwaltung @\u200bchannel** — 2 Punkte · besprochen: ",
		"(1 Verlängerung)",
		"    - Schulverwaltung zum nächsten Treffen einladen _(anna)_",
		"- #3 **Fachkräftemangel im ASD** — 2 Punkte · besprochen: ",
		"- #1 **Wie beteiligen wir Jugendliche an der Planung?** — 1 Punkt · nicht besprochen",
		"3 Personen",
	} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	// Topic 2 was discussed first although topic 3 has as many dots: ties go to the earlier topic.
	if strings.Index(summary, "#2 **Kooperation") > strings.Index(summary, "#3 **Fachkräftemangel") {
		t.Error("tie not broken by arrival")
	}
	if strings.Contains(errs.String(), "Kooperation") {
		t.Error("message contents in the log")
	}
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is a wolbot process with its stdin held open.
type proc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *syncBuffer
}

func startProc(t *testing.T, bin string, vars ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), vars...)
	p := &proc{cmd: cmd, out: &syncBuffer{}}
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = p.out, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return p
}

func (p *proc) say(t *testing.T, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if _, err := io.WriteString(p.stdin, l+"\n"); err != nil {
			t.Fatal(err)
		}
	}
}

// waitOutput waits until the output contains want and returns when it was first seen.
func (p *proc) waitOutput(t *testing.T, want string, timeout time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if strings.Contains(p.out.String(), want) {
			return time.Now()
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %q; output:\n%s", want, p.out.String())
	return time.Time{}
}

// TestKillDuringTimebox kills a real wolbot process with SIGKILL in the middle of a timebox and
// starts a new one against the same Redis: the timebox ends on time and the round goes on.
func TestKillDuringTimebox(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	store := redistest.Store(t)
	bin := filepath.Join(t.TempDir(), "wolbot")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	vars := []string{"WOLBOT_NAMESPACE=" + store.NS, "WOLBOT_LOG_LEVEL=warn"}
	for k, v := range redistest.Env() {
		vars = append(vars, k+"="+v)
	}

	first := startProc(t, bin, vars...)
	first.say(t, "anna: /lc start timebox=4s thumbs=30s", "anna: /lc topic Gemeinsame Jugendhilfeplanung", "anna: /lc next", "anna: /lc next")
	started := first.waitOutput(t, "Thema 1 von 1", 10*time.Second)
	due := started.Add(4 * time.Second)
	time.Sleep(time.Second)
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.cmd.Wait()
	if strings.Contains(first.out.String(), "ist um") {
		t.Fatal("timebox ended before the kill")
	}

	second := startProc(t, bin, vars...)
	ended := second.waitOutput(t, "Die Zeit für „Gemeinsame Jugendhilfeplanung“ ist um", 10*time.Second)
	// `started` was seen up to a poll interval after the real start; allow for that and for
	// the new process's start-up.
	if early := due.Sub(ended); early > 500*time.Millisecond {
		t.Errorf("timebox ended %v early after restart", early)
	}
	if late := ended.Sub(due); late > 3*time.Second {
		t.Errorf("timebox ended %v late after restart", late)
	}
	second.say(t, "anna: /lc thumbs down")
	second.waitOutput(t, "Zusammenfassung", 10*time.Second)
	if n := strings.Count(second.out.String(), "wolbot:\n⏰ Die Zeit"); n != 1 {
		t.Errorf("thumbs prompt posted %d times", n)
	}
	_ = second.stdin.Close() // end of input: clean exit
	if err := second.cmd.Wait(); err != nil {
		t.Errorf("exit after end of input: %v", err)
	}
}

func TestConfiguration(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		vars     map[string]string
		wantCode int
		wantErr  string
	}{
		{"help lists every variable", []string{"--help"}, nil, 0, "WOLBOT_ADMINS"},
		{"bad log level names the variable", nil, map[string]string{"WOLBOT_LOG_LEVEL": "laut"}, 2, "WOLBOT_LOG_LEVEL"},
		{"bad time zone names the variable", nil, map[string]string{"WOLBOT_TIMEZONE": "Mars/Olympus"}, 2, "WOLBOT_TIMEZONE"},
		{"bad namespace names the variable", nil, map[string]string{"WOLBOT_NAMESPACE": "a:b"}, 2, "WOLBOT_NAMESPACE"},
		{"unreachable redis stops start-up", nil, map[string]string{"REDIS_URL": "redis://127.0.0.1:1"}, 1, "storage"},
		{"stray argument", []string{"lc"}, nil, 2, "unexpected argument"},
		{"two platforms at once", nil, map[string]string{"MATTERMOST_URL": "http://mm", "SLACK_BOT_TOKEN": "xoxb"}, 1, "one wolbot per chat platform"},
		{"mattermost without token names it", nil, map[string]string{"MATTERMOST_URL": "http://127.0.0.1:1"}, 1, "MATTERMOST_TOKEN"},
		{"slack without app token or secret names them", nil, map[string]string{"SLACK_BOT_TOKEN": "xoxb"}, 1, "SLACK_APP_TOKEN"},
		{"mattermost setup needs a team", []string{"mattermost", "setup"}, nil, 2, "--team is required"},
		{"bad retention names the variable", nil, map[string]string{"WOLBOT_RETENTION": "bald"}, 2, "WOLBOT_RETENTION"},
		{"bad wol week names the variable", nil, map[string]string{"WOLBOT_WOL_WEEK": "-1s"}, 2, "WOLBOT_WOL_WEEK"},
		{"bad button ttl names the variable", nil, map[string]string{"WOLBOT_BUTTON_TTL": "0s"}, 2, "WOLBOT_BUTTON_TTL"},
		{"bad matrix sync timeout names the variable", nil, map[string]string{"MATRIX_SYNC_TIMEOUT": "soon"}, 2, "MATRIX_SYNC_TIMEOUT"},
		{"bad impulse rate names the variable", nil, map[string]string{"WOLBOT_IMPULSE_RATE": "viel"}, 2, "WOLBOT_IMPULSE_RATE"},
		{"unknown chat names the variable", nil, map[string]string{"WOLBOT_CHAT": "irc"}, 1, "WOLBOT_CHAT"},
		{"matrix without token names it", nil, map[string]string{"MATRIX_HOMESERVER": "http://127.0.0.1:1"}, 1, "MATRIX_TOKEN or MATRIX_PASSWORD"},
		{"matrix chosen without homeserver names it", nil, map[string]string{"WOLBOT_CHAT": "matrix"}, 1, "MATRIX_HOMESERVER"},
		{"matrix and slack at once", nil, map[string]string{"MATRIX_HOMESERVER": "http://mx", "SLACK_BOT_TOKEN": "xoxb"}, 1, "WOLBOT_CHAT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			code := run(context.Background(), tt.args, strings.NewReader(""), &out, &errs, env(tt.vars))
			if code != tt.wantCode || !strings.Contains(errs.String(), tt.wantErr) {
				t.Errorf("code %d, stderr %q; want %d and %q", code, errs.String(), tt.wantCode, tt.wantErr)
			}
		})
	}
}

// TestEmbeddedByDefault: with nothing configured the bot runs on the embedded Redis, says so
// loudly, and exits cleanly at end of input.
func TestEmbeddedByDefault(t *testing.T) {
	var out, errs bytes.Buffer
	code := run(context.Background(), nil, strings.NewReader("anna: /lc start\nanna: /lc status\n"), &out, &errs, env(nil))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	if !strings.Contains(errs.String(), "embedded in-memory Redis") {
		t.Errorf("no warning about in-memory state: %s", errs.String())
	}
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	var headers []string
	for sc.Scan() {
		if headerRe.MatchString(sc.Text()) {
			headers = append(headers, sc.Text())
		}
	}
	want := []string{"[#allgemein] wolbot:", "[#allgemein → anna] wolbot:", "[#allgemein → anna] wolbot:"}
	if strings.Join(headers, "|") != strings.Join(want, "|") {
		t.Errorf("headers %q, want %q", headers, want)
	}
}
