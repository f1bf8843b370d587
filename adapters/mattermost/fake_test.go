package mattermost

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mattermost/mattermost/server/public/model"
	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
)

// fakeMM is a Mattermost server for tests: the REST v4 endpoints the adapter uses and the
// WebSocket, speaking Mattermost's wire format with the model package's own types. It keeps
// what the adapter sent so that tests can inspect it.
type fakeMM struct {
	t     *testing.T
	token string
	bot   *model.User
	team  *model.Team

	mu         sync.Mutex
	users      map[string]*model.User
	posts      map[string]*model.Post // as stored, with integrations
	pending    map[string]string      // pending post id → post id
	created    []*model.Post          // bodies of POST /posts, in order
	patches    map[string][]*model.PostPatch
	ephemerals []*model.PostEphemeral
	channels   map[string]*model.Channel
	members    map[string][]string // channel id → user ids added
	commands   map[string]*model.Command
	responses  []*model.CommandResponse // bodies sent to response URLs
	hits       map[string]int           // "METHOD /path" → requests, failed ones included
	inject     map[string][]injected    // "METHOD /path" → responses to give before the real one
	denyEphem  bool                     // POST /posts/ephemeral answers 403
	outsiders  map[string]bool          // channel id + "/" + user id: not a member of that channel
	files      map[string]*fakeFile     // file id → uploaded file
	wsDials    []string                 // raw query of every WebSocket dial
	conns      map[*fakeConn]bool       // authenticated WebSocket connections
	nextConnID int
	acceptWS   bool
	srv        *httptest.Server
	addr       string
	authed     chan struct{} // one value per authenticated WebSocket connection
	handlerMux *http.ServeMux
}

// fakeFile is a file uploaded through POST /api/v4/files.
type fakeFile struct {
	info *model.FileInfo
	data []byte
}

// injected is a canned failure for one request.
type injected struct {
	status int
	header map[string]string
}

func newFake(t *testing.T) *fakeMM {
	t.Helper()
	f := &fakeMM{
		t:         t,
		token:     "bot-token-" + model.NewId(),
		bot:       &model.User{Id: model.NewId(), Username: "wolbot", IsBot: true, Locale: "en"},
		team:      &model.Team{Id: model.NewId(), Name: "kommunen", DisplayName: "Kommunen"},
		users:     make(map[string]*model.User),
		posts:     make(map[string]*model.Post),
		pending:   make(map[string]string),
		patches:   make(map[string][]*model.PostPatch),
		channels:  make(map[string]*model.Channel),
		members:   make(map[string][]string),
		commands:  make(map[string]*model.Command),
		hits:      make(map[string]int),
		inject:    make(map[string][]injected),
		files:     make(map[string]*fakeFile),
		conns:     make(map[*fakeConn]bool),
		outsiders: make(map[string]bool),
		acceptWS:  true,
		authed:    make(chan struct{}, 100),
	}
	f.addUser(f.bot)
	f.addUser(&model.User{Id: model.NewId(), Username: "anna", Locale: "de"})
	f.addUser(&model.User{Id: model.NewId(), Username: "bob", Locale: "en"})
	f.handlerMux = f.routes()
	f.srv = httptest.NewServer(f)
	f.addr = f.srv.Listener.Addr().String()
	t.Cleanup(f.close)
	return f
}

func (f *fakeMM) url() string { return "http://" + f.addr }

// locked runs fn holding f.mu.
func (f *fakeMM) locked(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

func (f *fakeMM) addUser(u *model.User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[u.Id] = u
}

func (f *fakeMM) user(name string) *model.User {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range f.users {
		if u.Username == name {
			return u
		}
	}
	f.t.Fatalf("fake: no user %q", name)
	return nil
}

func (f *fakeMM) close() {
	f.dropWS()
	f.srv.Close()
}

// restart stops the listener and starts a new one on the same address, as a server restart
// does; open WebSocket connections are cut.
func (f *fakeMM) restart() {
	f.srv.Listener.Close() // first, so that the adapter cannot reconnect to the old server
	f.dropWS()
	f.srv.Close()
	var l net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may take a moment to become free
		if l, err = net.Listen("tcp", f.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		f.t.Fatalf("fake: relisten on %s: %v", f.addr, err)
	}
	srv := httptest.NewUnstartedServer(f)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.srv = srv
}

// failNext makes the next requests to "METHOD /path" fail with the given responses, in order.
func (f *fakeMM) failNext(route string, rs ...injected) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inject[route] = append(f.inject[route], rs...)
}

func (f *fakeMM) hitCount(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[route]
}

func (f *fakeMM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route := r.Method + " " + r.URL.Path
	var inj *injected
	f.locked(func() {
		f.hits[route]++
		if q := f.inject[route]; len(q) > 0 {
			inj = &q[0]
			f.inject[route] = q[1:]
		}
	})
	if inj != nil {
		for k, v := range inj.header {
			w.Header().Set(k, v)
		}
		appError(w, inj.status, "fake.injected")
		return
	}
	if strings.HasPrefix(r.URL.Path, "/api/v4/") && r.URL.Path != "/api/v4/websocket" &&
		!f.authorized(r) {
		appError(w, http.StatusUnauthorized, "api.context.session_expired.app_error")
		return
	}
	f.handlerMux.ServeHTTP(w, r)
}

// authorized checks the Authorization header as Mattermost does: "Bearer <token>", any case.
func (f *fakeMM) authorized(r *http.Request) bool {
	kind, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(kind, "bearer") && tok == f.token
}

func appError(w http.ResponseWriter, status int, id string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, model.NewAppError("fake", id, nil, "", status).ToJSON())
}

func writeModel(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// decode reads the request body into v and returns the raw bytes too.
func decode(t *testing.T, r *http.Request, v any) []byte {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("fake: read body: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Errorf("fake: %s %s: decode body %q: %v", r.Method, r.URL.Path, b, err)
	}
	return b
}

// uploadFiles is POST /api/v4/files as Mattermost streams it: a multipart/form-data body whose
// "channel_id" field comes before its "files" parts; the answer is a FileUploadResponse.
func (f *fakeMM) uploadFiles(w http.ResponseWriter, r *http.Request) {
	mr, err := r.MultipartReader()
	if err != nil {
		appError(w, 400, "api.file.upload_file.read_request.app_error")
		return
	}
	var channel string
	res := &model.FileUploadResponse{}
	var uploaded []*fakeFile
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			appError(w, 400, "api.file.upload_file.read_request.app_error")
			return
		}
		data, _ := io.ReadAll(part)
		switch part.FormName() {
		case "channel_id":
			channel = string(data)
		case "files":
			if !model.IsValidId(channel) {
				appError(w, 400, "api.file.upload_file.missing_channel_id.app_error")
				return
			}
			info := &model.FileInfo{Id: model.NewId(), ChannelId: channel, CreatorId: f.bot.Id,
				Name: part.FileName(), Size: int64(len(data)), MimeType: http.DetectContentType(data)}
			res.FileInfos = append(res.FileInfos, info)
			uploaded = append(uploaded, &fakeFile{info: info, data: data})
		}
	}
	if len(uploaded) == 0 {
		appError(w, 400, "api.file.upload_file.no_files.app_error")
		return
	}
	f.locked(func() {
		for _, u := range uploaded {
			f.files[u.info.Id] = u
		}
	})
	writeModel(w, 201, res)
}

func (f *fakeMM) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v4/websocket", f.websocket)
	mux.HandleFunc("GET /api/v4/users/me", func(w http.ResponseWriter, r *http.Request) {
		writeModel(w, 200, f.bot)
	})
	mux.HandleFunc("GET /api/v4/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		var u *model.User
		var ok bool
		f.locked(func() { u, ok = f.users[r.PathValue("id")] })
		if !ok {
			appError(w, 404, "app.user.missing_account.const")
			return
		}
		writeModel(w, 200, u)
	})
	mux.HandleFunc("GET /api/v4/users/username/{name}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, u := range f.users {
			if u.Username == r.PathValue("name") {
				writeModel(w, 200, u)
				return
			}
		}
		appError(w, 404, "app.user.missing_account.const")
	})
	mux.HandleFunc("POST /api/v4/files", f.uploadFiles)
	mux.HandleFunc("POST /api/v4/posts", func(w http.ResponseWriter, r *http.Request) {
		var p model.Post
		decode(f.t, r, &p)
		f.mu.Lock()
		defer f.mu.Unlock()
		// Like Mattermost: a post may only name files uploaded into its own channel.
		for _, id := range p.FileIds {
			if ff, ok := f.files[id]; !ok || ff.info.ChannelId != p.ChannelId {
				appError(w, 400, "api.post.create_post.file_ids.app_error")
				return
			}
		}
		f.created = append(f.created, &p)
		// Like Mattermost: a repeated pending post id answers with the post made the first time.
		if id, ok := f.pending[p.PendingPostId]; ok && p.PendingPostId != "" {
			writeModel(w, 201, f.clientCopy(f.posts[id]))
			return
		}
		p.Id, p.UserId, p.CreateAt = model.NewId(), f.bot.Id, model.GetMillis()
		f.posts[p.Id] = &p
		f.pending[p.PendingPostId] = p.Id
		writeModel(w, 201, f.clientCopy(&p))
	})
	mux.HandleFunc("PUT /api/v4/posts/{id}/patch", func(w http.ResponseWriter, r *http.Request) {
		var patch model.PostPatch
		decode(f.t, r, &patch)
		f.mu.Lock()
		defer f.mu.Unlock()
		p, ok := f.posts[r.PathValue("id")]
		if !ok {
			appError(w, 404, "app.post.get.app_error")
			return
		}
		f.patches[p.Id] = append(f.patches[p.Id], &patch)
		if patch.Message != nil {
			p.Message = *patch.Message
		}
		if patch.Props != nil {
			p.SetProps(*patch.Props)
		}
		p.EditAt = model.GetMillis()
		writeModel(w, 200, f.clientCopy(p))
	})
	mux.HandleFunc("POST /api/v4/posts/ephemeral", func(w http.ResponseWriter, r *http.Request) {
		var e model.PostEphemeral
		decode(f.t, r, &e)
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.denyEphem {
			appError(w, 403, "api.context.permissions.app_error")
			return
		}
		f.ephemerals = append(f.ephemerals, &e)
		e.Post.Id = model.NewId()
		writeModel(w, 201, f.clientCopy(e.Post))
	})
	mux.HandleFunc("POST /api/v4/channels/direct", func(w http.ResponseWriter, r *http.Request) {
		var ids []string
		decode(f.t, r, &ids)
		sort.Strings(ids)
		name := strings.Join(ids, "__")
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, c := range f.channels {
			if c.Name == name {
				writeModel(w, 201, c)
				return
			}
		}
		c := &model.Channel{Id: model.NewId(), Type: model.ChannelTypeDirect, Name: name}
		f.channels[c.Id] = c
		writeModel(w, 201, c)
	})
	mux.HandleFunc("POST /api/v4/channels", func(w http.ResponseWriter, r *http.Request) {
		var c model.Channel
		decode(f.t, r, &c)
		f.mu.Lock()
		defer f.mu.Unlock()
		if !model.IsValidChannelIdentifier(c.Name) || len(c.Name) > model.ChannelNameMaxLength {
			appError(w, 400, "model.channel.is_valid.name.app_error")
			return
		}
		for _, o := range f.channels {
			if o.Name == c.Name && o.TeamId == c.TeamId {
				appError(w, 400, "store.sql_channel.save_channel.exists.app_error")
				return
			}
		}
		c.Id, c.CreatorId = model.NewId(), f.bot.Id
		f.channels[c.Id] = &c
		writeModel(w, 201, &c)
	})
	mux.HandleFunc("GET /api/v4/teams/{team}/channels/name/{name}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, c := range f.channels {
			if c.Name == r.PathValue("name") && c.TeamId == r.PathValue("team") {
				writeModel(w, 200, c)
				return
			}
		}
		appError(w, 404, "app.channel.get_by_name.missing.app_error")
	})
	mux.HandleFunc("POST /api/v4/channels/{id}/members", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		decode(f.t, r, &body)
		f.mu.Lock()
		defer f.mu.Unlock()
		id := r.PathValue("id")
		if _, ok := f.channels[id]; !ok {
			appError(w, 404, "app.channel.get.existing.app_error")
			return
		}
		f.members[id] = append(f.members[id], body["user_id"])
		writeModel(w, 201, &model.ChannelMember{ChannelId: id, UserId: body["user_id"]})
	})
	// Membership: a user the fake knows is a member of every channel, unless listed in
	// outsiders, or the channel is a direct channel of two others.
	mux.HandleFunc("GET /api/v4/channels/{id}/members/{user}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		id, user := r.PathValue("id"), r.PathValue("user")
		_, known := f.users[user]
		c, isChannel := f.channels[id]
		dmOfOthers := isChannel && c.Type == model.ChannelTypeDirect && !strings.Contains(c.Name, user)
		if !known || f.outsiders[id+"/"+user] || dmOfOthers {
			appError(w, 404, "app.channel.get_member.missing.app_error")
			return
		}
		writeModel(w, 200, &model.ChannelMember{ChannelId: id, UserId: user})
	})
	mux.HandleFunc("GET /api/v4/teams/name/{name}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("name") != f.team.Name {
			appError(w, 404, "app.team.get_by_name.missing.app_error")
			return
		}
		writeModel(w, 200, f.team)
	})
	mux.HandleFunc("GET /api/v4/teams/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != f.team.Id {
			appError(w, 404, "app.team.get.find.app_error")
			return
		}
		writeModel(w, 200, f.team)
	})
	mux.HandleFunc("GET /api/v4/commands", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		list := []*model.Command{}
		for _, c := range f.commands {
			if c.TeamId == r.URL.Query().Get("team_id") {
				list = append(list, c)
			}
		}
		writeModel(w, 200, list)
	})
	mux.HandleFunc("POST /api/v4/commands", func(w http.ResponseWriter, r *http.Request) {
		var c model.Command
		decode(f.t, r, &c)
		f.mu.Lock()
		defer f.mu.Unlock()
		c.Id, c.Token, c.CreatorId, c.CreateAt = model.NewId(), model.NewId(), f.bot.Id, model.GetMillis()
		c.UpdateAt = c.CreateAt
		f.commands[c.Id] = &c
		writeModel(w, 201, &c)
	})
	mux.HandleFunc("PUT /api/v4/commands/{id}", func(w http.ResponseWriter, r *http.Request) {
		var c model.Command
		decode(f.t, r, &c)
		f.mu.Lock()
		defer f.mu.Unlock()
		old, ok := f.commands[r.PathValue("id")]
		if !ok {
			appError(w, 404, "app.command.getcommand.app_error")
			return
		}
		c.Id, c.Token, c.CreatorId, c.CreateAt, c.TeamId = old.Id, old.Token, old.CreatorId, old.CreateAt, old.TeamId
		c.UpdateAt = model.GetMillis()
		f.commands[c.Id] = &c
		writeModel(w, 200, &c)
	})
	mux.HandleFunc("POST /hooks/commands/{id}", func(w http.ResponseWriter, r *http.Request) {
		var c model.CommandResponse
		decode(f.t, r, &c)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.responses = append(f.responses, &c)
		w.WriteHeader(200)
	})
	return mux
}

// clientCopy is a post as Mattermost sends it to clients: integrations stripped.
func (f *fakeMM) clientCopy(p *model.Post) *model.Post {
	b, _ := json.Marshal(p)
	var c model.Post
	json.Unmarshal(b, &c)
	c.StripActionIntegrations()
	return &c
}

// fakeConn is one WebSocket connection of the fake.
type fakeConn struct {
	mu  sync.Mutex // gorilla allows one writer at a time
	c   *websocket.Conn
	seq int64
}

func (c *fakeConn) send(ev *model.WebSocketEvent) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := ev.SetSequence(c.seq).ToJSON()
	if err != nil {
		return err
	}
	c.seq++
	return c.c.WriteMessage(websocket.TextMessage, b)
}

func (c *fakeConn) reply(r *model.WebSocketResponse) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := r.ToJSON()
	if err != nil {
		return err
	}
	return c.c.WriteMessage(websocket.TextMessage, b)
}

// websocket answers the authentication challenge (or accepts the Authorization header), says
// hello with a connection id, and then keeps the connection for [fakeMM.push].
func (f *fakeMM) websocket(w http.ResponseWriter, r *http.Request) {
	var accept bool
	var connID string
	f.locked(func() {
		accept = f.acceptWS
		f.wsDials = append(f.wsDials, r.URL.RawQuery)
		f.nextConnID++
		connID = "conn" + strings.Repeat("x", f.nextConnID)
	})
	if !accept {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	up := websocket.Upgrader{}
	wc, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &fakeConn{c: wc}
	defer func() {
		f.locked(func() { delete(f.conns, c) })
		wc.Close()
	}()
	headerOK := f.authorized(r)
	authed := false
	for {
		var req model.WebSocketRequest
		if err := wc.ReadJSON(&req); err != nil {
			return
		}
		if req.Action != string(model.WebsocketAuthenticationChallenge) {
			continue
		}
		tok, _ := req.Data["token"].(string)
		if tok != f.token && !headerOK {
			c.reply(model.NewWebSocketResponse("FAIL", req.Seq, nil))
			continue
		}
		c.reply(model.NewWebSocketResponse(model.StatusOk, req.Seq, nil))
		if authed {
			continue
		}
		authed = true
		hello := model.NewWebSocketEvent(model.WebsocketEventHello, "", "", f.bot.Id, nil, "")
		hello.Add("server_version", "10.11.0")
		hello.Add("connection_id", connID)
		c.send(hello)
		f.locked(func() { f.conns[c] = true })
		f.authed <- struct{}{}
	}
}

// waitConnected waits for the next authenticated WebSocket connection.
func (f *fakeMM) waitConnected(t *testing.T) {
	t.Helper()
	select {
	case <-f.authed:
	case <-time.After(5 * time.Second):
		t.Fatal("the adapter did not connect to the WebSocket")
	}
}

// dropWS cuts every WebSocket connection, as a network failure does.
func (f *fakeMM) dropWS() {
	var conns []*fakeConn
	f.locked(func() {
		for c := range f.conns {
			conns = append(conns, c)
		}
		clear(f.conns)
	})
	for _, c := range conns {
		c.c.Close()
	}
}

// push sends ev to every authenticated connection.
func (f *fakeMM) push(ev *model.WebSocketEvent) {
	for _, c := range f.connections() {
		c.send(ev)
	}
}

func (f *fakeMM) connections() []*fakeConn {
	f.mu.Lock()
	defer f.mu.Unlock()
	conns := make([]*fakeConn, 0, len(f.conns))
	for c := range f.conns {
		conns = append(conns, c)
	}
	return conns
}

// posted builds a "posted" event the way Mattermost does: the post as a JSON string in
// data["post"], next to channel_type, channel_name, sender_name and team_id.
func (f *fakeMM) posted(p *model.Post, channelType model.ChannelType, channelName, sender string) *model.WebSocketEvent {
	if p.Id == "" {
		p.Id = model.NewId()
	}
	if p.CreateAt == 0 {
		p.CreateAt = model.GetMillis()
	}
	js, err := p.ToJSON()
	if err != nil {
		f.t.Fatal(err)
	}
	ev := model.NewWebSocketEvent(model.WebsocketEventPosted, "", p.ChannelId, "", nil, "")
	ev.Add("post", js)
	ev.Add("channel_type", string(channelType))
	ev.Add("channel_name", channelName)
	ev.Add("channel_display_name", channelName)
	ev.Add("sender_name", "@"+sender)
	team := f.team.Id
	if channelType == model.ChannelTypeDirect {
		team = ""
	}
	ev.Add("team_id", team)
	ev.Add("set_online", true)
	return ev
}

// dm returns the id of the direct channel between the bot and user, creating it in the fake
// as Mattermost does on first use.
func (f *fakeMM) dm(user string) string {
	name := dmName(f.bot.Id, user)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.channels {
		if c.Name == name {
			return c.Id
		}
	}
	c := &model.Channel{Id: model.NewId(), Type: model.ChannelTypeDirect, Name: name}
	f.channels[c.Id] = c
	return c.Id
}

// dmName is the name Mattermost gives the direct channel of two users.
func dmName(a, b string) string {
	ids := []string{a, b}
	sort.Strings(ids)
	return ids[0] + "__" + ids[1]
}

// recorder is an adapters.Handler that collects events.
type recorder struct{ ch chan adapters.Event }

func newRecorder() *recorder { return &recorder{ch: make(chan adapters.Event, 100)} }

func (r *recorder) HandleEvent(_ context.Context, ev adapters.Event) { r.ch <- ev }

func (r *recorder) next(t *testing.T) adapters.Event {
	t.Helper()
	select {
	case ev := <-r.ch:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event reached the handler")
		return adapters.Event{}
	}
}

func (r *recorder) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case ev := <-r.ch:
		t.Fatalf("unexpected event reached the handler: %+v", ev)
	case <-time.After(d):
	}
}

// syncBuffer is a log sink that tests may read while goroutines write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const (
	testPublicURL    = "http://wolbot.test"
	testCommandToken = "cmd-token-1"
)

// newTestAdapter connects an Adapter to the fake, with retries and backoffs shortened. The
// adapter logs at info level into the returned buffer.
func newTestAdapter(t *testing.T, f *fakeMM) (*Adapter, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	a, err := New(context.Background(), Options{
		URL:           f.url(),
		Token:         f.token,
		PublicURL:     testPublicURL,
		CommandTokens: []string{"other-team-token", testCommandToken},
		Logger:        zerolog.New(logs).Level(zerolog.InfoLevel),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	a.retryBase, a.retryMax = 5*time.Millisecond, 20*time.Millisecond
	a.backoffMin, a.backoffMax = 10*time.Millisecond, 80*time.Millisecond
	return a, logs
}

// run starts a.Run and stops it when the test ends.
func run(t *testing.T, a *Adapter, h adapters.Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
}
