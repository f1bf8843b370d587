package main

// Shared helpers of the replica and drill tests: a Slack workspace fake that several wolbot
// processes share, the wolbot binary built once per test binary, and real wolbot processes in
// Slack HTTP mode.

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/wolbot/wolbot/storage/redistest"
)

// replicaSecret signs the requests the tests send to the wolbot processes.
const replicaSecret = "replica-signing-secret"

// workspace extends fakeSlack into a whole workspace that several wolbot processes share: it
// records every call in fakeSlack.calls (under fakeSlack.mu, which guards everything here),
// answers users.info per user, opens one stable direct conversation "D<user>" per user, creates
// private channels (refusing a taken name with name_taken, as Slack does), records invitations,
// and gives every post its own ts. A hook may run after a call took effect and before it is
// answered: to block it, or to kill the process that made it.
type workspace struct {
	*fakeSlack
	srv *httptest.Server

	names    map[string]string // user id → user name; others are named after their id
	channels map[string]*wsChannel
	byName   map[string]string // channel name → id
	hooks    map[string]func(form url.Values)
	nextID   int
	nextTS   int
}

// wsChannel is a private channel the bot created.
type wsChannel struct {
	ID, Name string
	Members  []string // invited users, in order of invitation; the bot (creator) not included
}

func newWorkspace(t *testing.T) *workspace {
	t.Helper()
	w := &workspace{
		fakeSlack: &fakeSlack{calls: map[string][]url.Values{}},
		names:     map[string]string{},
		channels:  map[string]*wsChannel{},
		byName:    map[string]string{},
		hooks:     map[string]func(url.Values){},
	}
	w.srv = httptest.NewServer(w)
	t.Cleanup(w.srv.Close)
	return w
}

// apiURL is what SLACK_API_URL points at.
func (w *workspace) apiURL() string { return w.srv.URL + "/api/" }

// user names a user id.
func (w *workspace) user(id, name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.names[id] = name
}

// after makes fn run after every call of method took effect and before it is answered; nil
// removes the hook. fn runs on the request's goroutine and may block.
func (w *workspace) after(method string, fn func(form url.Values)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if fn == nil {
		delete(w.hooks, method)
		return
	}
	w.hooks[method] = fn
}

func (w *workspace) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	w.mu.Lock()
	w.calls[method] = append(w.calls[method], r.Form)
	resp := w.answerLocked(method, r.Form)
	hook := w.hooks[method]
	w.mu.Unlock()
	if hook != nil {
		hook(r.Form)
	}
	rw.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(rw).Encode(resp)
}

// answerLocked carries out one Web API call; the caller holds w.mu.
func (w *workspace) answerLocked(method string, form url.Values) any {
	ok := slack.SlackResponse{Ok: true}
	switch method {
	case "auth.test":
		return struct {
			slack.SlackResponse
			slack.AuthTestResponse
		}{ok, slack.AuthTestResponse{User: "wolbot", UserID: "UBOT", TeamID: "T1", Team: "kommunen", BotID: "B1"}}
	case "users.info":
		id := form.Get("user")
		name := w.names[id]
		if name == "" {
			name = strings.ToLower(id)
		}
		return struct {
			slack.SlackResponse
			User slack.User `json:"user"`
		}{ok, slack.User{ID: id, Name: name, Locale: "de-DE"}}
	case "users.list": // every named user, on one page
		var members []slack.User
		for id, name := range w.names {
			members = append(members, slack.User{ID: id, Name: name, Locale: "de-DE"})
		}
		slices.SortFunc(members, func(a, b slack.User) int { return strings.Compare(a.ID, b.ID) })
		return struct {
			slack.SlackResponse
			Members []slack.User           `json:"members"`
			Meta    slack.ResponseMetadata `json:"response_metadata"`
		}{ok, members, slack.ResponseMetadata{}}
	case "conversations.open":
		ch := slack.Channel{}
		ch.ID = "D" + form.Get("users")
		ch.IsIM = true
		return struct {
			slack.SlackResponse
			Channel slack.Channel `json:"channel"`
		}{ok, ch}
	case "conversations.create":
		name := form.Get("name")
		if _, taken := w.byName[name]; taken {
			return slack.SlackResponse{Ok: false, Error: "name_taken"}
		}
		w.nextID++
		c := &wsChannel{ID: fmt.Sprintf("CPRIV%04d", w.nextID), Name: name}
		w.channels[c.ID], w.byName[name] = c, c.ID
		ch := slack.Channel{}
		ch.ID, ch.Name, ch.IsPrivate, ch.Creator = c.ID, name, true, "UBOT"
		return struct {
			slack.SlackResponse
			Channel slack.Channel `json:"channel"`
		}{ok, ch}
	case "conversations.invite":
		c := w.channels[form.Get("channel")]
		if c == nil {
			return slack.SlackResponse{Ok: false, Error: "channel_not_found"}
		}
		for _, u := range strings.Split(form.Get("users"), ",") {
			if u != "" && !slices.Contains(c.Members, u) {
				c.Members = append(c.Members, u)
			}
		}
		ch := slack.Channel{}
		ch.ID, ch.Name = c.ID, c.Name
		return struct {
			slack.SlackResponse
			Channel slack.Channel `json:"channel"`
		}{ok, ch}
	case "conversations.list": // the private channels the bot is in: all it created
		var list []slack.Channel
		for _, c := range w.channels {
			ch := slack.Channel{}
			ch.ID, ch.Name, ch.IsPrivate, ch.Creator, ch.NumMembers = c.ID, c.Name, true, "UBOT", len(c.Members)+1
			list = append(list, ch)
		}
		slices.SortFunc(list, func(a, b slack.Channel) int { return strings.Compare(a.ID, b.ID) })
		return struct {
			slack.SlackResponse
			Channels []slack.Channel        `json:"channels"`
			Meta     slack.ResponseMetadata `json:"response_metadata"`
		}{ok, list, slack.ResponseMetadata{}}
	case "conversations.members":
		c := w.channels[form.Get("channel")]
		if c == nil {
			return slack.SlackResponse{Ok: false, Error: "channel_not_found"}
		}
		return struct {
			slack.SlackResponse
			Members []string               `json:"members"`
			Meta    slack.ResponseMetadata `json:"response_metadata"`
		}{ok, append([]string{"UBOT"}, c.Members...), slack.ResponseMetadata{}}
	case "chat.postMessage", "chat.update":
		w.nextTS++
		ts := form.Get("ts")
		if method == "chat.postMessage" {
			ts = fmt.Sprintf("1700000000.%06d", w.nextTS)
		}
		return struct {
			slack.SlackResponse
			Channel string `json:"channel"`
			TS      string `json:"ts"`
		}{ok, form.Get("channel"), ts}
	case "chat.postEphemeral":
		w.nextTS++
		return struct {
			slack.SlackResponse
			TS string `json:"message_ts"`
		}{ok, fmt.Sprintf("1700000000.%06d", w.nextTS)}
	case "files.getUploadURLExternal": // step 1 of a file upload; the bytes go to /upload/<id>
		w.nextID++
		id := fmt.Sprintf("F%04d", w.nextID)
		return slack.GetUploadURLExternalResponse{SlackResponse: ok, FileID: id, UploadURL: w.srv.URL + "/upload/" + id}
	case "files.completeUploadExternal":
		var files []slack.FileSummary
		if json.Unmarshal([]byte(form.Get("files")), &files) != nil || len(files) == 0 || form.Get("channel_id") == "" {
			return slack.SlackResponse{Ok: false, Error: "invalid_arguments"}
		}
		return slack.CompleteUploadExternalResponse{SlackResponse: ok, Files: files}
	default: // also the POST of a file's bytes to "upload/<id>"
		return ok
	}
}

// msgs returns text and blocks of the calls of method that match channel (and user, unless
// empty), in the order they arrived.
func (w *workspace) msgs(method, channel, user string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, v := range w.calls[method] {
		if v.Get("channel") == channel && (user == "" || v.Get("user") == user) {
			out = append(out, v.Get("text")+"\n"+v.Get("blocks"))
		}
	}
	return out
}

// posts are the chat.postMessage texts in channel.
func (w *workspace) posts(channel string) []string { return w.msgs("chat.postMessage", channel, "") }

// dms are the chat.postMessage texts in the bot's direct conversation with user.
func (w *workspace) dms(user string) []string { return w.posts("D" + user) }

// ephemerals are the chat.postEphemeral texts shown to user in channel.
func (w *workspace) ephemerals(channel, user string) []string {
	return w.msgs("chat.postEphemeral", channel, user)
}

// count is how many calls of method arrived.
func (w *workspace) count(method string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.calls[method])
}

// privateChannels returns copies of the channels created, by id.
func (w *workspace) privateChannels() []wsChannel {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []wsChannel
	for _, c := range w.channels {
		cp := *c
		cp.Members = slices.Clone(c.Members)
		out = append(out, cp)
	}
	slices.SortFunc(out, func(a, b wsChannel) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// countContaining counts the texts that contain s.
func countContaining(texts []string, s string) int {
	n := 0
	for _, t := range texts {
		if strings.Contains(t, s) {
			n++
		}
	}
	return n
}

// eventually polls cond every 10 ms until it holds or timeout passes; then it fails the test
// with what and the replicas' logs.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// wolbotBinary builds ./cmd/wolbot once per test binary. It goes next to the test binary, in
// the directory `go test` removes afterwards (a temporary directory when that is not writable).
func wolbotBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the wolbot binary")
	}
	wolbotBin.once.Do(func() {
		dir := ""
		if exe, err := os.Executable(); err == nil {
			dir, _ = os.MkdirTemp(filepath.Dir(exe), "wolbot-bin-")
		}
		if dir == "" {
			var err error
			if dir, err = os.MkdirTemp("", "wolbot-bin-"); err != nil {
				wolbotBin.err = err
				return
			}
		}
		wolbotBin.path = filepath.Join(dir, "wolbot")
		out, err := exec.Command("go", "build", "-o", wolbotBin.path, ".").CombinedOutput()
		if err != nil {
			wolbotBin.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if wolbotBin.err != nil {
		t.Fatal(wolbotBin.err)
	}
	return wolbotBin.path
}

var wolbotBin struct {
	once sync.Once
	path string
	err  error
}

// replica is a wolbot process in Slack HTTP mode, listening on its own address.
type replica struct {
	name  string
	cmd   *exec.Cmd
	base  string // http://127.0.0.1:port, WOLBOT_LISTEN: the platform callbacks
	admin string // http://127.0.0.1:port, WOLBOT_ADMIN_LISTEN: health and metrics
	logs  *syncBuffer
	done  chan struct{} // closed when the process has exited
	err   error         // cmd.Wait's result, after done
}

// redisVars is the environment that reaches the tests' Redis in namespace ns.
func redisVars(ns string) []string {
	vars := []string{"WOLBOT_NAMESPACE=" + ns}
	for k, v := range redistest.Env() {
		vars = append(vars, k+"="+v)
	}
	return vars
}

// ownEnv is os.Environ without what configures wolbot, so that the tests' own settings count.
func ownEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "WOLBOT_") || strings.HasPrefix(k, "SLACK_") || strings.HasPrefix(k, "MATTERMOST_") ||
			strings.HasPrefix(k, "REDIS_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// startReplica starts the wolbot binary against w and waits until it is ready. vars add to or
// override the defaults (Slack HTTP mode against w, info logs). The process is killed at the
// end of the test; when the test failed, its log is printed.
func startReplica(t *testing.T, bin, name string, w *workspace, vars ...string) *replica {
	t.Helper()
	r := startReplicaNoWait(t, bin, name, w, vars...)
	r.waitReady(t, 20*time.Second)
	return r
}

func startReplicaNoWait(t *testing.T, bin, name string, w *workspace, vars ...string) *replica {
	t.Helper()
	return launch(t, bin, name, append([]string{"SLACK_BOT_TOKEN=xoxb-test", "SLACK_SIGNING_SECRET=" + replicaSecret,
		"SLACK_API_URL=" + w.apiURL()}, vars...)...)
}

// launch starts bin as a wolbot process named name with its own callback and admin listeners
// and the given variables (later ones win), logging into the replica; it is killed at the end
// of the test, and its log is printed when the test failed.
func launch(t *testing.T, bin, name string, vars ...string) *replica {
	t.Helper()
	addr, adminAddr := freeAddr(t), freeAddr(t)
	r := &replica{name: name, base: "http://" + addr, admin: "http://" + adminAddr, logs: &syncBuffer{}, done: make(chan struct{})}
	r.cmd = exec.Command(bin)
	r.cmd.Env = append(ownEnv(), "WOLBOT_LISTEN="+addr, "WOLBOT_ADMIN_LISTEN="+adminAddr, "WOLBOT_LOG_LEVEL=info")
	r.cmd.Env = append(r.cmd.Env, vars...)
	r.cmd.Stdout, r.cmd.Stderr = r.logs, r.logs
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		r.err = r.cmd.Wait()
		close(r.done)
	}()
	t.Cleanup(func() {
		r.kill()
		if t.Failed() {
			t.Logf("--- log of %s (%s):\n%s", r.name, r.base, lastLines(r.logs.String(), 60))
		}
	})
	return r
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[… %d lines]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

func (r *replica) exited() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// waitReady waits until /readyz answers 200.
func (r *replica) waitReady(t *testing.T, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if r.exited() {
			t.Fatalf("%s exited before it was ready (%v):\n%s", r.name, r.err, r.logs.String())
		}
		if code, _ := r.get("/readyz"); code == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after %v:\n%s", r.name, timeout, r.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// get fetches path (health, metrics) from the replica's admin listener.
func (r *replica) get(path string) (int, string) {
	return getURL(r.admin + path)
}

// getURL fetches u and returns the status (0 when no answer came) and body.
func getURL(u string) (int, string) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// kill sends SIGKILL and waits for the process to be gone.
func (r *replica) kill() {
	if !r.exited() {
		_ = r.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-r.done
}

// stop sends SIGTERM and waits up to timeout for a clean exit; it reports the exit error.
func (r *replica) stop(timeout time.Duration) error {
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
		return r.err
	case <-time.After(timeout):
		r.kill()
		return fmt.Errorf("%s did not stop within %v after SIGTERM", r.name, timeout)
	}
}

// metric sums the samples of a Prometheus metric whose labels contain every one of labels
// (e.g. `kind="lc.tick"`).
func (r *replica) metric(name string, labels ...string) float64 {
	_, body := r.get("/metrics")
	sum := 0.0
	for _, line := range strings.Split(body, "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(line, l)
		}
		if !ok {
			continue
		}
		f := strings.Fields(line)
		if v, err := strconv.ParseFloat(f[len(f)-1], 64); err == nil {
			sum += v
		}
	}
	return sum
}

// triggerSeq numbers trigger ids, so that every slash command is a new event.
var triggerSeq atomic.Int64

// slashCmd is a slash command as Slack sends it.
type slashCmd struct {
	Command string // "/lc"
	Text    string // "start timebox=2s"
	User    string // user id
	Channel string
	Trigger string // trigger_id, the event id; empty: a fresh one
}

// send posts the signed slash command to r and returns the trigger id used.
func (c slashCmd) send(r *replica) (string, error) {
	if c.Trigger == "" {
		c.Trigger = fmt.Sprintf("%d.%d", time.Now().UnixNano(), triggerSeq.Add(1))
	}
	form := url.Values{"command": {c.Command}, "text": {c.Text}, "team_id": {"T1"}, "channel_id": {c.Channel},
		"channel_name": {strings.ToLower(c.Channel)}, "user_id": {c.User}, "user_name": {strings.ToLower(c.User)},
		"trigger_id": {c.Trigger}}
	return c.Trigger, signedPost(r.base+"/slack/commands", "application/x-www-form-urlencoded", []byte(form.Encode()), nil)
}

// mustSend is send that fails the test.
func (c slashCmd) mustSend(t *testing.T, r *replica) string {
	t.Helper()
	id, err := c.send(r)
	if err != nil {
		t.Fatalf("%s %s on %s: %v", c.Command, c.Text, r.name, err)
	}
	return id
}

// signedPost sends body with Slack's request signature and expects 200.
func signedPost(u, contentType string, body []byte, header http.Header) error {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(replicaSecret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s: %s %s", u, resp.Status, b)
	}
	return nil
}

// appMention is an Events API callback of an app_mention, as Slack sends (and re-sends) it.
func appMention(eventID, user, channel, text string) []byte {
	body, _ := json.Marshal(map[string]any{
		"token": "unused", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": time.Now().Unix(),
		"event": map[string]any{
			"type": "app_mention", "user": user, "text": text, "channel": channel,
			"ts": "1700000001.000100", "event_ts": "1700000001.000100",
		},
	})
	return body
}

// impulseIDs are the ids of the impulses among texts, read from their feedback buttons.
func impulseIDs(texts []string) []string {
	var ids []string
	for _, t := range texts {
		if m := feedbackValueRe.FindStringSubmatch(t); m != nil {
			ids = append(ids, m[1])
		}
	}
	return ids
}

var feedbackValueRe = regexp.MustCompile(`"value":"([^"|:]+):up"`)

// errs collects errors from goroutines for the test's goroutine.
type errCollector struct {
	mu   sync.Mutex
	list []error
}

func (e *errCollector) add(err error) {
	if err == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, err)
}

func (e *errCollector) err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return errors.Join(e.list...)
}
