package main

// Tests of issue 11 ("Hardening") against the wolbot binary in Slack HTTP mode and the fake
// Slack workspace.

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wolbot/wolbot/storage/redistest"
)

// Attack (issue 11.2): WOLBOT_ADMINS named a handle, and the core compared handles: after the
// admin renamed herself, whoever took her old handle was admin. Handles are now resolved to ids
// at start-up (and logged), and only ids count.
func TestAdminHandleIsResolvedToAnIDAtStartup(t *testing.T) {
	bin := wolbotBinary(t)
	store := redistest.Store(t)
	ws := newWorkspace(t)
	ws.user("UCHEF", "chef")
	r := startReplica(t, bin, "wolbot", ws, append(redisVars(store.NS), "WOLBOT_ADMINS=@chef")...)
	if !strings.Contains(r.logs.String(), `"admin":"@chef","id":"UCHEF"`) {
		t.Errorf("the resolution of @chef was not logged:\n%s", r.logs.String())
	}

	// The admin renames herself; someone else takes the handle "chef".
	ws.user("UCHEF", "chefin")
	ws.user("UMALLORY", "chef")
	reply := func(user, text string) string {
		t.Helper()
		before := len(ws.ephemerals("CWOL", user))
		slashCmd{Command: "/wol", Text: text, User: user, Channel: "CWOL"}.mustSend(t, r)
		eventually(t, 10*time.Second, "reply to "+user, func() bool { return len(ws.ephemerals("CWOL", user)) > before })
		return ws.ephemerals("CWOL", user)[before]
	}
	if got := reply("UMALLORY", `region add nord "Nord"`); !strings.Contains(got, "Admins") {
		t.Errorf("the new holder of the admin's old handle added a region: %q", got)
	}
	if got := reply("UCHEF", `region add sued "Süd"`); !strings.Contains(got, "sued") || strings.Contains(got, "Admins") {
		t.Errorf("the admin under her new name: %q", got)
	}
}

// A WOLBOT_ADMINS entry the platform does not know stops the start with a message naming it.
func TestUnknownAdminStopsTheStart(t *testing.T) {
	bin := wolbotBinary(t)
	store := redistest.Store(t)
	ws := newWorkspace(t)
	r := startReplicaNoWait(t, bin, "wolbot", ws, append(redisVars(store.NS), "WOLBOT_ADMINS=@niemand")...)
	select {
	case <-r.done:
	case <-time.After(20 * time.Second):
		t.Fatal("wolbot started although WOLBOT_ADMINS names an unknown user")
	}
	if !strings.Contains(r.logs.String(), "WOLBOT_ADMINS") || !strings.Contains(r.logs.String(), "niemand") {
		t.Errorf("the log does not name the entry:\n%s", r.logs.String())
	}
}

// Attack (issue 11.9): /metrics and the health endpoints were served on the listener the
// platform reaches. They are now on WOLBOT_ADMIN_LISTEN only.
func TestMetricsAndHealthOnlyOnTheAdminListener(t *testing.T) {
	bin := wolbotBinary(t)
	store := redistest.Store(t)
	r := startReplica(t, bin, "wolbot", newWorkspace(t), redisVars(store.NS)...)
	for _, path := range []string{"/metrics", "/healthz", "/readyz"} {
		if code, body := getURL(r.base + path); code == http.StatusOK {
			t.Errorf("public listener serves %s: %d %.80q", path, code, body)
		}
		if code, _ := r.get(path); code != http.StatusOK {
			t.Errorf("admin listener: %s answered %d, want 200", path, code)
		}
	}
	if !strings.Contains(r.logs.String(), `"listener":"WOLBOT_ADMIN_LISTEN"`) {
		t.Error("the admin listener's address was not logged")
	}
}

// Attack (issue 11.5): clients that send a request body slowly held their connections open for
// as long as they liked. Now the server cuts each off after its read timeout, while a signed
// request still gets through at once; an oversized header is refused.
func TestSlowBodyClientsAreCutOff(t *testing.T) {
	bin := wolbotBinary(t)
	store := redistest.Store(t)
	ws := newWorkspace(t)
	r := startReplica(t, bin, "wolbot", ws, redisVars(store.NS)...)
	host := strings.TrimPrefix(r.base, "http://")

	const slow = 100
	closed := make(chan time.Duration, slow)
	start := time.Now()
	for i := 0; i < slow; i++ {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		_, err = fmt.Fprintf(c, "POST /slack/commands HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
			"Content-Length: 100000\r\nX-Slack-Request-Timestamp: 1\r\nX-Slack-Signature: v0=00\r\n\r\n", host)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			// One byte every half second, until the server gives up on us.
			for {
				if _, err := c.Write([]byte("a")); err != nil {
					break
				}
				time.Sleep(500 * time.Millisecond)
			}
		}()
		go func() {
			_ = c.SetReadDeadline(time.Now().Add(readTimeout + 10*time.Second))
			_, _ = io.Copy(io.Discard, c) // returns when the server closes the connection
			closed <- time.Since(start)
		}()
	}

	// A signed request gets through while the slow clients hang on.
	time.Sleep(time.Second)
	t0 := time.Now()
	slashCmd{Command: "/lc", Text: "help", User: "UANNA", Channel: "C1"}.mustSend(t, r)
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("a signed request took %v next to %d slow clients", d, slow)
	}

	for i := 0; i < slow; i++ {
		if d := <-closed; d > readTimeout+5*time.Second {
			t.Fatalf("a slow client was still connected after %v (read timeout %v)", d, readTimeout)
		}
	}

	// Headers beyond the limit are refused.
	req, _ := http.NewRequest(http.MethodPost, r.base+"/slack/commands", strings.NewReader("x"))
	req.Header.Set("X-Padding", strings.Repeat("a", 2*maxHeaderBytes))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("oversized header: status %d, want 431", resp.StatusCode)
	}
}

// Attack (issue 11.7): with Redis at maxmemory every command failed, /lc status and /daten
// included, while /readyz said 200. Now /readyz fails while Redis refuses writes, and reading
// commands still answer when the dedupe write is refused. The test runs a redis-server of its
// own, so that setting maxmemory cannot disturb a shared one.
func TestRedisOutOfMemory(t *testing.T) {
	rs, admin := ownRedis(t)
	bin := wolbotBinary(t)

	ws := newWorkspace(t)
	r := startReplica(t, bin, "wolbot", ws, "REDIS_URL=redis://"+rs.addr()+"/0", "WOLBOT_NAMESPACE=oom")
	reply := func(text string) string {
		t.Helper()
		before := len(ws.ephemerals("C1", "UANNA"))
		f := strings.Fields(text)
		slashCmd{Command: f[0], Text: strings.Join(f[1:], " "), User: "UANNA", Channel: "C1"}.mustSend(t, r)
		eventually(t, 10*time.Second, "reply to "+text, func() bool { return len(ws.ephemerals("C1", "UANNA")) > before })
		return ws.ephemerals("C1", "UANNA")[before]
	}
	reply("/lc start")

	ctx := context.Background()
	for _, kv := range [][2]string{{"maxmemory-policy", "noeviction"}, {"maxmemory", "1"}} {
		if err := admin.ConfigSet(ctx, kv[0], kv[1]).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := admin.Set(ctx, "probe", "x", 0).Err(); err == nil || !strings.HasPrefix(err.Error(), "OOM") {
		t.Fatalf("redis-server accepts writes at maxmemory 1: %v", err)
	}
	eventually(t, 5*time.Second, "/readyz 503 while Redis refuses writes", func() bool {
		code, _ := r.get("/readyz")
		return code == http.StatusServiceUnavailable
	})
	const apology = "bei mir ist ein Fehler aufgetreten"
	if got := reply("/lc status"); strings.Contains(got, apology) || !strings.Contains(got, "Lean Coffee") {
		t.Errorf("/lc status at maxmemory: %q", got)
	}
	if got := reply("/daten"); strings.Contains(got, apology) {
		t.Errorf("/daten at maxmemory: %q", got)
	}
	if len(ws.dms("UANNA")) == 0 {
		t.Error("/daten at maxmemory sent no export")
	}

	// The deletion request can still be made (Redis 7: a script flagged allow-oom).
	if got := reply("/vergessen"); strings.Contains(got, apology) {
		t.Errorf("/vergessen at maxmemory: %q", got)
	}

	if err := admin.ConfigSet(ctx, "maxmemory", "0").Err(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "/readyz 200 once Redis accepts writes", func() bool {
		code, _ := r.get("/readyz")
		return code == http.StatusOK
	})
}

// Attack (issue 11.8): a topic carried a direction override, a user mention and a bare image
// address into every post that shows it. The board now shows the topic without format
// characters, with the mention and the address broken.
func TestTopicCannotMentionOverrideOrUnfurl(t *testing.T) {
	bin := wolbotBinary(t)
	store := redistest.Store(t)
	ws := newWorkspace(t)
	r := startReplica(t, bin, "wolbot", ws, redisVars(store.NS)...)
	slashCmd{Command: "/lc", Text: "start", User: "UANNA", Channel: "CLC"}.mustSend(t, r)
	eventually(t, 20*time.Second, "board", func() bool { return len(ws.posts("CLC")) > 0 })
	slashCmd{Command: "/lc", Text: "topic Frage an @anna \u202eexe.txt\u202c https://evil.example/x.png", User: "UBOB", Channel: "CLC"}.mustSend(t, r)
	var board string
	defer func() {
		if t.Failed() {
			t.Logf("posts %q\nupdates %q\nephemerals %q", ws.posts("CLC"), ws.msgs("chat.update", "CLC", ""), ws.ephemerals("CLC", "UBOB"))
		}
	}()
	eventually(t, 20*time.Second, "topic on the board", func() bool {
		for _, m := range ws.msgs("chat.update", "CLC", "") {
			if strings.Contains(m, "Frage an") {
				board = m
				return true
			}
		}
		return false
	})
	for _, bad := range []string{"@anna", "\u202e", "\u202c", "https://evil"} {
		if strings.Contains(board, bad) {
			t.Errorf("the board shows %q: %q", bad, board)
		}
	}
	if !strings.Contains(board, "@\u200banna") || !strings.Contains(board, "https:\u200b//evil.example/x.png") {
		t.Errorf("the topic is not readable on the board: %q", board)
	}
}

// Attack (issue 11.7, erasure): with Redis full, a confirmed deletion failed, although deleting
// is what frees memory and is the person's right (Art. 17 GDPR): the features' erasure writes
// (anonymising a Lean Coffee topic, blanking a moderator, removing a circle member) are
// commands Redis refuses at maxmemory. Now each feature erases through scripts flagged
// allow-oom. Anna has data in every feature (a running Lean Coffee round she moderates, an
// ended one with her topic, a circle enrolment, an impulse subscription); Redis is filled to
// maxmemory (noeviction) and kept over it; /lc status and /daten answer, and her deletion
// (/vergessen … bestätigen texte) and Bob's (/wol vergessen … bestätigen) succeed and leave
// nothing behind.
func TestErasureAtMaxmemory(t *testing.T) {
	rs, admin := ownRedis(t)
	bin := wolbotBinary(t)

	ws := newWorkspace(t)
	for id, name := range map[string]string{"UADMIN": "admin", "UANNA": "anna", "UBOB": "bob"} {
		ws.user(id, name)
	}
	r := startReplica(t, bin, "wolbot", ws, "REDIS_URL=redis://"+rs.addr()+"/0", "WOLBOT_NAMESPACE=oom", "WOLBOT_ADMINS=UADMIN")
	const apology = "bei mir ist ein Fehler aufgetreten"
	send := func(user, channel, text, want string) string {
		t.Helper()
		before := len(ws.ephemerals(channel, user))
		f := strings.Fields(text)
		slashCmd{Command: f[0], Text: strings.Join(f[1:], " "), User: user, Channel: channel}.mustSend(t, r)
		eventually(t, 10*time.Second, "reply to "+user+": "+text, func() bool { return len(ws.ephemerals(channel, user)) > before })
		got := ws.ephemerals(channel, user)[before]
		if strings.Contains(got, apology) || !strings.Contains(got, want) {
			t.Fatalf("%s: %s: reply %q, want %q", user, text, got, want)
		}
		return got
	}

	// Anna's data in every feature.
	send("UADMIN", "CWOL", `/wol region add rheinland "Rheinland"`, "rheinland")
	send("UADMIN", "CWOL", `/wol region rheinland kommunen "Stadt Köln; Kreis Düren"`, "Stadt Köln")
	send("UADMIN", "CWOL", "/wol runde öffnen rheinland", "rheinland")
	if err := enrolViaSlash(ws, r, "UANNA", "rheinland", "Stadt Köln"); err != nil {
		t.Fatal(err)
	}
	send("UANNA", "CIMP", "/impuls abo", "Willkommen")
	send("UBOB", "CIMP", "/impuls abo", "Willkommen")
	send("UBOB", "CEND", "/lc start", "")
	send("UANNA", "CEND", "/lc thema Annas altes Thema", "")
	posts := len(ws.posts("CEND"))
	slashCmd{Command: "/lc", Text: "ende", User: "UBOB", Channel: "CEND"}.mustSend(t, r)
	eventually(t, 10*time.Second, "the summary", func() bool { return len(ws.posts("CEND")) > posts })
	send("UANNA", "CLC", "/lc start", "")
	send("UANNA", "CLC", "/lc thema Annas laufendes Thema", "")
	send("UBOB", "CLC", "/lc thema Bobs Thema", "")

	// Fill Redis up to maxmemory, then keep it over the limit, so that what the deletions
	// free cannot make room again.
	ctx := context.Background()
	usedMemory := func() int64 {
		t.Helper()
		info, err := admin.InfoMap(ctx, "memory").Result()
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.ParseInt(info["Memory"]["used_memory"], 10, 64)
		if err != nil {
			t.Fatalf("used_memory: %v", err)
		}
		return n
	}
	for _, kv := range [][2]string{{"maxmemory-policy", "noeviction"}, {"maxmemory", strconv.FormatInt(usedMemory()+2<<20, 10)}} {
		if err := admin.ConfigSet(ctx, kv[0], kv[1]).Err(); err != nil {
			t.Fatal(err)
		}
	}
	filler := strings.Repeat("x", 32<<10)
	for i := 0; ; i++ {
		err := admin.Set(ctx, "filler:"+strconv.Itoa(i), filler, 0).Err()
		if err != nil && strings.HasPrefix(err.Error(), "OOM") {
			t.Logf("Redis full after %d filler values", i)
			break
		}
		if err != nil || i > 1000 {
			t.Fatalf("filling Redis: %d values, %v", i, err)
		}
	}
	if err := admin.ConfigSet(ctx, "maxmemory", strconv.FormatInt(usedMemory()-1<<20, 10)).Err(); err != nil {
		t.Fatal(err)
	}
	refused := func(when string) {
		t.Helper()
		if err := admin.Set(ctx, "probe", "x", 0).Err(); err == nil || !strings.HasPrefix(err.Error(), "OOM") {
			t.Fatalf("%s: Redis accepts writes: %v", when, err)
		}
	}
	refused("before the deletions")

	send("UANNA", "CLC", "/lc status", "Lean Coffee")
	send("UANNA", "CLC", "/daten", "Direktnachricht")
	eventually(t, 10*time.Second, "Anna's export", func() bool { return len(ws.dms("UANNA")) > 0 })
	export := strings.Join(ws.dms("UANNA"), "\n")
	for _, want := range []string{"Annas laufendes Thema", "Annas altes Thema", "Rheinland", "Kurzimpulse"} {
		if !strings.Contains(export, want) {
			t.Errorf("Anna's export at maxmemory lacks %q:\n%s", want, export)
		}
	}

	send("UANNA", "CLC", "/vergessen", "Möchten Sie")
	send("UANNA", "CLC", "/vergessen bestätigen texte", "Erledigt")
	send("UBOB", "CWOL", "/wol vergessen", "Möchten Sie")
	send("UBOB", "CWOL", "/wol vergessen bestätigen", "Erledigt")
	refused("after the deletions")

	dms := len(ws.dms("UANNA"))
	send("UANNA", "CLC", "/daten", "Direktnachricht")
	eventually(t, 10*time.Second, "Anna's second export", func() bool { return len(ws.dms("UANNA")) > dms })
	if got := ws.dms("UANNA")[dms]; !strings.Contains(got, "nichts gespeichert") {
		t.Errorf("Anna's export after the deletion: %q", got)
	}

	// Nothing in Redis names Anna or Bob (by id or handle), or holds Anna's text from the ended
	// round; her topic in the running round stays for the others, anonymised.
	keys, err := admin.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range keys {
		if strings.HasPrefix(key, "filler:") {
			continue
		}
		var vals []string
		switch typ := admin.Type(ctx, key).Val(); typ {
		case "string":
			vals = []string{admin.Get(ctx, key).Val()}
		case "hash":
			for f, v := range admin.HGetAll(ctx, key).Val() {
				vals = append(vals, f, v)
			}
		case "set":
			vals = admin.SMembers(ctx, key).Val()
		case "list":
			vals = admin.LRange(ctx, key, 0, -1).Val()
		case "zset":
			vals = admin.ZRange(ctx, key, 0, -1).Val()
		}
		all := key + "\n" + strings.Join(vals, "\n")
		for _, bad := range []string{"UANNA", "UBOB", "anna", "bob", "Annas altes Thema"} {
			if strings.Contains(all, bad) {
				t.Errorf("after the deletions, %s holds %q: %.300q", key, bad, all)
			}
		}
	}
}

// ownRedis starts a redis-server of the test's own, whose settings (maxmemory) the test may
// change without disturbing a shared one, and returns it with a client for those settings.
func ownRedis(t *testing.T) (*redisServer, *redis.Client) {
	t.Helper()
	if redistest.Cluster() {
		t.Skip("uses a redis-server of its own")
	}
	redisBin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not on PATH")
	}
	port, _ := strconv.Atoi(strings.TrimPrefix(freeAddr(t), "127.0.0.1:"))
	rs := &redisServer{bin: redisBin, dir: t.TempDir(), port: port}
	rs.start(t)
	t.Cleanup(func() { rs.stop(t) })
	admin := redis.NewClient(&redis.Options{Addr: rs.addr()})
	t.Cleanup(func() { admin.Close() })
	return rs, admin
}
