package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"
	"github.com/slack-go/slack/socketmode"

	"github.com/wolbot/wolbot/adapters"
)

// The fake workspace. testUser is slacktest's default human user; users.info answers for
// every id like slacktest's stock answer does: name "spengler", locale "en-US".
const (
	testTeam    = "T024BE7LD"
	testBotUser = "UBOT00001"
	testBotID   = "BBOT00001"
	testUser    = "W012A3CDE"
	testSecret  = "test-signing-secret"
	testAppTok  = "xapp-1-test"
)

// apiCall is one Web API request the fake received: the method and its form.
type apiCall struct {
	Method string
	Form   url.Values
}

// hook answers a Web API method instead of the fake's default; it returns false to fall
// back to the default.
type hook func(w http.ResponseWriter, form url.Values) bool

// fakeUpload is one file of Slack's external upload flow: announced with its name and length,
// then its bytes, then shared (completed) into a channel.
type fakeUpload struct {
	name     string
	length   int
	data     []byte
	uploaded bool
	channel  string // set by files.completeUploadExternal
	title    string
}

// fakeSlack is slacktest's server with the methods the adapter uses answered from slack-go's
// types and recorded, plus a Socket Mode endpoint: apps.connections.open hands out the URL of
// a WebSocket that speaks Socket Mode envelopes.
type fakeSlack struct {
	*slacktest.Server
	t *testing.T

	mu      sync.Mutex
	calls   []apiCall
	hooks   map[string]hook
	nextTS  int
	uploads map[string]*fakeUpload // file id → upload announced by files.getUploadURLExternal
	changed chan struct{}          // closed and replaced whenever calls or conns change

	// Socket Mode
	conns    []*websocket.Conn // every connection, the current one last
	writeMu  sync.Mutex        // gorilla allows one writer at a time
	acks     chan string       // envelope ids the client acknowledged
	upgrader websocket.Upgrader
}

var recorded = []string{
	"auth.test", "chat.postMessage", "chat.update", "chat.postEphemeral", "conversations.open",
	"conversations.create", "conversations.invite", "conversations.list", "users.list", "apps.connections.open",
	"files.getUploadURLExternal", "files.completeUploadExternal",
}

func newFakeSlack(t *testing.T) *fakeSlack {
	t.Helper()
	f := &fakeSlack{
		t:       t,
		hooks:   make(map[string]hook),
		uploads: make(map[string]*fakeUpload),
		changed: make(chan struct{}),
		acks:    make(chan string, 100),
		// The client sends Origin https://api.slack.com, as to Slack itself.
		upgrader: websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }},
	}
	f.Server = slacktest.NewTestServer(func(c slacktest.Customize) {
		for _, m := range recorded {
			c.Handle("/"+m, f.serveAPI(m))
		}
		c.Handle("/users.info", f.serveUsersInfo)
		c.Handle("/socket", f.serveSocket)
		c.Handle("/hooks/", f.serveResponseURL)
		c.Handle("/upload/", f.serveUpload)
	})
	f.Start()
	t.Cleanup(func() {
		for _, c := range f.allConns() {
			c.Close()
		}
		f.Stop()
	})
	return f
}

// on makes fn answer method until it returns false.
func (f *fakeSlack) on(method string, fn hook) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hooks[method] = fn
}

// hook returns the hook of method, or nil.
func (f *fakeSlack) hook(method string) hook {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hooks[method]
}

// record appends a call, wakes the waiters, and returns a fresh message ts.
func (f *fakeSlack) record(c apiCall) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
	f.nextTS++
	f.notify()
	return fmt.Sprintf("1700000000.%06d", f.nextTS)
}

// notify wakes everyone waiting for a change. The caller holds f.mu.
func (f *fakeSlack) notify() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// check evaluates cond under f.mu and returns the channel that the next change closes.
func (f *fakeSlack) check(cond func() bool) (bool, chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return cond(), f.changed
}

// wait polls cond under f.mu until it holds or 5 s have passed.
func (f *fakeSlack) wait(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		ok, ch := f.check(cond)
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			f.t.Fatalf("timed out waiting for %s; calls: %v", what, f.methods())
		}
	}
}

// callsTo returns the recorded calls of method.
func (f *fakeSlack) callsTo(method string) []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []apiCall
	for _, c := range f.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// waitCall waits for the n-th (1-based) call of method and returns it.
func (f *fakeSlack) waitCall(method string, n int) apiCall {
	f.t.Helper()
	var got apiCall
	f.wait(fmt.Sprintf("call %d of %s", n, method), func() bool {
		k := 0
		for _, c := range f.calls {
			if c.Method == method {
				if k++; k == n {
					got = c
					return true
				}
			}
		}
		return false
	})
	return got
}

func (f *fakeSlack) methods() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.calls))
	for i, c := range f.calls {
		out[i] = c.Method
	}
	return out
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// slackError answers like Slack does for a failed call: 200 with ok false.
func slackError(w http.ResponseWriter, code string) {
	writeJSON(w, slack.SlackResponse{Ok: false, Error: code})
}

func (f *fakeSlack) serveAPI(method string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if method == "apps.connections.open" {
			if r.Header.Get("Authorization") != "Bearer "+testAppTok {
				slackError(w, "not_authed")
				return
			}
		} else if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ts := f.record(apiCall{Method: method, Form: r.PostForm})
		if h := f.hook(method); h != nil && h(w, r.PostForm) {
			return
		}
		f.answer(w, r, method, ts)
	}
}

// answer gives the default, successful answer of method.
func (f *fakeSlack) answer(w http.ResponseWriter, r *http.Request, method, ts string) {
	form := r.PostForm
	ok := slack.SlackResponse{Ok: true}
	switch method {
	case "auth.test":
		writeJSON(w, struct {
			slack.SlackResponse
			slack.AuthTestResponse
		}{ok, slack.AuthTestResponse{Team: "Test", User: "wolbot", TeamID: testTeam, UserID: testBotUser, BotID: testBotID}})
	case "chat.postMessage", "chat.update":
		writeJSON(w, struct {
			slack.SlackResponse
			Channel string `json:"channel"`
			TS      string `json:"ts"`
		}{ok, form.Get("channel"), cmp(form.Get("ts"), ts)})
	case "chat.postEphemeral":
		writeJSON(w, struct {
			slack.SlackResponse
			MessageTS string `json:"message_ts"`
		}{ok, ts})
	case "conversations.open":
		ch := slack.Channel{}
		ch.ID = "D" + strings.TrimLeft(form.Get("users"), "UW")
		writeJSON(w, struct {
			slack.SlackResponse
			Channel slack.Channel `json:"channel"`
		}{ok, ch})
	case "conversations.create", "conversations.invite":
		ch := slack.Channel{}
		ch.ID, ch.Name, ch.IsPrivate = "G0NEWCHAN", form.Get("name"), true
		writeJSON(w, struct {
			slack.SlackResponse
			Channel slack.Channel `json:"channel"`
		}{ok, ch})
	case "users.list":
		writeJSON(w, struct {
			slack.SlackResponse
			Members []slack.User `json:"members"`
		}{ok, []slack.User{
			{ID: "U0ANNA", Name: "anna", Locale: "de-DE", Profile: slack.UserProfile{DisplayName: "Anna K."}},
			{ID: "U0BOB", Name: "bob", Locale: "en-GB", Profile: slack.UserProfile{DisplayName: "Bob"}},
			{ID: "U0BOB2", Name: "bob2", Profile: slack.UserProfile{DisplayName: "Bob"}},
			{ID: "U0GONE", Name: "gone", Deleted: true},
			{ID: "U0KALENDER", Name: "kalender", IsBot: true},
			{ID: "USLACKBOT", Name: "slackbot"},
		}})
	case "files.getUploadURLExternal":
		n, err := strconv.Atoi(form.Get("length"))
		if form.Get("filename") == "" || err != nil || n <= 0 {
			slackError(w, "invalid_arguments")
			return
		}
		id := "F0" + strings.ReplaceAll(ts, ".", "")
		f.mu.Lock()
		f.uploads[id] = &fakeUpload{name: form.Get("filename"), length: n}
		f.mu.Unlock()
		writeJSON(w, slack.GetUploadURLExternalResponse{SlackResponse: ok, FileID: id,
			UploadURL: "http://" + r.Host + "/upload/v1/" + id})
	case "files.completeUploadExternal":
		// Like Slack: files is a JSON array of {id, title}; every file must have been uploaded
		// with the announced length, and channel_id names where to share them.
		var files []slack.FileSummary
		if err := json.Unmarshal([]byte(form.Get("files")), &files); err != nil || len(files) == 0 {
			slackError(w, "invalid_arguments")
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, fs := range files {
			u, found := f.uploads[fs.ID]
			if !found || !u.uploaded {
				slackError(w, "file_not_found")
				return
			}
			if len(u.data) != u.length {
				slackError(w, "file_upload_size_mismatch")
				return
			}
		}
		for _, fs := range files {
			f.uploads[fs.ID].channel, f.uploads[fs.ID].title = form.Get("channel_id"), fs.Title
		}
		writeJSON(w, slack.CompleteUploadExternalResponse{SlackResponse: ok, Files: files})
	case "apps.connections.open":
		writeJSON(w, struct {
			slack.SlackResponse
			URL string `json:"url"`
		}{ok, "ws://" + r.Host + "/socket?ticket=t1"})
	}
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// serveUpload receives a file's bytes at the upload URL, as files.slack.com does: a POST
// whose body is the file, raw or as the "file" part of a multipart form.
func (f *fakeSlack) serveUpload(w http.ResponseWriter, r *http.Request) {
	id := path.Base(r.URL.Path)
	var data []byte
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		var file multipart.File
		if file, _, err = r.FormFile("file"); err == nil {
			data, err = io.ReadAll(file)
		}
	} else {
		data, err = io.ReadAll(r.Body)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.uploads[id]
	if r.Method != http.MethodPost || err != nil || !ok {
		http.Error(w, "bad upload", http.StatusBadRequest)
		return
	}
	u.data, u.uploaded = data, true
	f.notify()
	io.WriteString(w, "OK - "+strconv.Itoa(len(data)))
}

// shared returns the uploads completed into channel, in file id order.
func (f *fakeSlack) shared(channel string) []*fakeUpload {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := make([]string, 0, len(f.uploads))
	for id, u := range f.uploads {
		if u.channel == channel {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	out := make([]*fakeUpload, len(ids))
	for i, id := range ids {
		out[i] = f.uploads[id]
	}
	return out
}

// serveUsersInfo lets a hook answer users.info and otherwise leaves it to slacktest's
// default user; it is not recorded, since the adapter caches it.
func (f *fakeSlack) serveUsersInfo(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if h := f.hook("users.info"); h != nil && h(w, r.PostForm) {
		return
	}
	writeJSON(w, struct {
		slack.SlackResponse
		User slack.User `json:"user"`
	}{slack.SlackResponse{Ok: true}, slack.User{ID: r.PostForm.Get("user"), Name: "spengler", Locale: "en-US"}})
}

// serveResponseURL stands for hooks.slack.com: it records what is posted to a response_url
// as a call "response_url" with the JSON fields text and response_type.
func (f *fakeSlack) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	var m slack.WebhookMessage
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.record(apiCall{Method: "response_url", Form: url.Values{
		"path": {r.URL.Path}, "text": {m.Text}, "response_type": {m.ResponseType},
	}})
	_, _ = w.Write([]byte("ok"))
}

// serveSocket is the Socket Mode WebSocket: hello, pings, and a reader that collects acks.
func (f *fakeSlack) serveSocket(w http.ResponseWriter, r *http.Request) {
	conn, err := f.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	n := f.addConn(conn)
	_ = f.write(conn, socketmode.Request{Type: "hello", NumConnections: n, ConnectionInfo: socketmode.ConnectionInfo{AppID: "A1"}})

	done := make(chan struct{})
	go func() { // Slack pings; the client treats a silent server as dead
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := f.ping(conn); err != nil {
					return
				}
			}
		}
	}()
	defer close(done)
	for {
		var res socketmode.Response
		if err := conn.ReadJSON(&res); err != nil {
			return
		}
		f.acks <- res.EnvelopeID
	}
}

// addConn records a new Socket Mode connection and returns how many there were so far.
func (f *fakeSlack) addConn(conn *websocket.Conn) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.conns = append(f.conns, conn)
	f.notify()
	return len(f.conns)
}

func (f *fakeSlack) allConns() []*websocket.Conn {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*websocket.Conn(nil), f.conns...)
}

// current is the latest Socket Mode connection.
func (f *fakeSlack) current() *websocket.Conn {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns[len(f.conns)-1]
}

func (f *fakeSlack) ping(conn *websocket.Conn) error {
	f.writeMu.Lock()
	defer f.writeMu.Unlock()
	return conn.WriteControl(websocket.PingMessage, []byte("p"), time.Now().Add(time.Second))
}

// write sends one message; gorilla allows one writer at a time.
func (f *fakeSlack) write(conn *websocket.Conn, v any) error {
	f.writeMu.Lock()
	defer f.writeMu.Unlock()
	return conn.WriteJSON(v)
}

// send writes a Socket Mode envelope to the current connection.
func (f *fakeSlack) send(typ, envelope string, payload any, retry int) {
	f.t.Helper()
	raw, err := json.Marshal(payload)
	if err != nil {
		f.t.Fatal(err)
	}
	err = f.write(f.current(), socketmode.Request{Type: typ, EnvelopeID: envelope, Payload: raw, RetryAttempt: retry})
	if err != nil {
		f.t.Fatalf("send %s: %v", typ, err)
	}
}

// dropConnection closes the current Socket Mode connection without a close frame, as a
// failing network or proxy would.
func (f *fakeSlack) dropConnection() {
	f.current().NetConn().Close()
}

// waitAck waits for the acknowledgement of envelope.
func (f *fakeSlack) waitAck(envelope string) {
	f.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case id := <-f.acks:
			if id == envelope {
				return
			}
		case <-deadline:
			f.t.Fatalf("envelope %s not acknowledged", envelope)
		}
	}
}

// newTestAdapter returns an adapter talking to f, with retries fast enough for tests.
func newTestAdapter(t *testing.T, f *fakeSlack, opts Options) *Adapter {
	t.Helper()
	opts.BotToken = "xoxb-test"
	opts.APIURL = strings.TrimSuffix(f.GetAPIURL(), "/") // New adds the "/"
	opts.Logger = zerolog.Nop()
	if opts.AppToken == "" && opts.SigningSecret == "" {
		opts.SigningSecret = testSecret
	}
	a, err := New(context.Background(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	a.retry = retryPolicy{attempts: 4, backoff: 5 * time.Millisecond, maxBackoff: 20 * time.Millisecond, maxRetryAfter: 5 * time.Second}
	return a
}

// recorder is a Handler that passes events to a channel, optionally holding each one until
// release is closed.
type recorder struct {
	events  chan adapters.Event
	release chan struct{}
	then    func(ctx context.Context, ev adapters.Event) // run after recording, if set
}

func newRecorder() *recorder { return &recorder{events: make(chan adapters.Event, 20)} }

func (r *recorder) HandleEvent(ctx context.Context, ev adapters.Event) {
	r.events <- ev
	if r.release != nil {
		<-r.release
	}
	if r.then != nil {
		r.then(ctx, ev)
	}
}

func (r *recorder) next(t *testing.T) adapters.Event {
	t.Helper()
	select {
	case ev := <-r.events:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event reached the handler")
		return adapters.Event{}
	}
}

// none checks that no event reaches the handler within a short while.
func (r *recorder) none(t *testing.T) {
	t.Helper()
	select {
	case ev := <-r.events:
		t.Fatalf("unexpected event %+v", ev)
	case <-time.After(150 * time.Millisecond):
	}
}

// sign adds Slack's signature headers for body at time ts to h.
func sign(h http.Header, secret string, ts int64, body string) {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%d:%s", ts, body)
	h.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
}
