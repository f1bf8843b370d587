package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wolbot/wolbot/bot/impulses"
	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

// Reliability drills: a wolbot process is killed with SIGKILL at the worst moment, or its Redis
// is restarted, and a new process (or the same one) must finish the job: nothing lost, nothing
// doubled. Each runs real processes in Slack HTTP mode against the workspace fake.

// enrolViaSlash plays one planner's enrolment dialog with slash commands on r: join, then one
// `/wol antwort` per question, each sent after the bot asked it (one direct message per step).
func enrolViaSlash(ws *workspace, r *replica, user, region, muni string) error {
	steps := []string{"join", "antwort " + region, "antwort " + muni, "antwort Planung",
		"antwort Ich möchte von anderen Kommunen lernen, wie sie Jugendliche beteiligen.",
		"antwort mo-vm, di-vm", "antwort ja"}
	for i, text := range steps {
		if _, err := (slashCmd{Command: "/wol", Text: text, User: user, Channel: "CWOL"}).send(r); err != nil {
			return err
		}
		deadline := time.Now().Add(10 * time.Second)
		for len(ws.dms(user)) < i+1 {
			if time.Now().After(deadline) {
				return fmt.Errorf("%s: no answer to %q; replies %q", user, text, ws.ephemerals("CWOL", user))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if !strings.Contains(ws.dms(user)[len(steps)-1], "Sie sind angemeldet") {
		return fmt.Errorf("%s: not enrolled: %q", user, ws.dms(user))
	}
	return nil
}

// TestDrillKillDuringConfirmation kills wolbot while it confirms the circles of a round: right
// when Slack has created the first circle's private channel, before the answer reaches the bot.
// A new process and the admin's repeated `/wol bestätigen` (confirm is idempotent) must finish
// the confirmation: one private channel per circle holding its members, one welcome
// per circle, every planner in exactly one circle.
func TestDrillKillDuringConfirmation(t *testing.T) {
	bin := wolbotBinary(t)
	store := redistest.Store(t)
	ws := newWorkspace(t)
	ws.user("UADMIN", "admin")
	vars := append(redisVars(store.NS), "WOLBOT_ADMINS=UADMIN")
	first := startReplica(t, bin, "first", ws, vars...)

	admin := func(r *replica, text, want string) {
		t.Helper()
		before := len(ws.ephemerals("CWOL", "UADMIN"))
		slashCmd{Command: "/wol", Text: text, User: "UADMIN", Channel: "CWOL"}.mustSend(t, r)
		eventually(t, 10*time.Second, "admin reply to "+text, func() bool {
			return len(ws.ephemerals("CWOL", "UADMIN")) > before
		})
		if got := ws.ephemerals("CWOL", "UADMIN")[before]; !strings.Contains(got, want) {
			t.Fatalf("/wol %s: reply %q, want %q", text, got, want)
		}
	}
	munis := []string{"Kreis Düren", "StädteRegion Aachen", "Stadt Köln", "Kreis Euskirchen", "Rhein-Erft-Kreis"}
	admin(first, `region add rheinland "Rheinland"`, "rheinland")
	admin(first, `region rheinland kommunen "`+strings.Join(munis, "; ")+`"`, "Kreis Düren")
	admin(first, "runde öffnen rheinland", "rheinland")

	// Ten planners, two per municipality, enrol at the same time.
	var planners []string
	var wg sync.WaitGroup
	var errList errCollector
	for i := range 10 {
		u := fmt.Sprintf("UPLAN%02d", i+1)
		ws.user(u, fmt.Sprintf("planerin%02d", i+1))
		planners = append(planners, u)
		wg.Go(func() { errList.add(enrolViaSlash(ws, first, u, "rheinland", munis[i%len(munis)])) })
	}
	wg.Wait()
	if err := errList.err(); err != nil {
		t.Fatal(err)
	}
	admin(first, "vorschau rheinland", "Vorschau")

	// The first conversations.create takes effect at Slack, then the process dies before it
	// learns the channel id.
	created := make(chan struct{})
	var once sync.Once
	ws.after("conversations.create", func(url.Values) {
		once.Do(func() {
			first.kill()
			close(created)
		})
	})
	slashCmd{Command: "/wol", Text: "bestätigen rheinland", User: "UADMIN", Channel: "CWOL"}.mustSend(t, first)
	select {
	case <-created:
	case <-time.After(10 * time.Second):
		t.Fatal("no conversations.create within 10s of /wol bestätigen")
	}
	ws.after("conversations.create", nil)
	t.Logf("killed during conversations.create; channels at Slack: %+v", ws.privateChannels())

	second := startReplica(t, bin, "second", ws, vars...)
	admin(second, "bestätigen rheinland", "ist bestätigt")
	confirmed := ws.ephemerals("CWOL", "UADMIN")
	text, _, _ := strings.Cut(confirmed[len(confirmed)-1], "\n") // the text, not the blocks
	circles := slices.Compact(regexp.MustCompile("`rheinland-\\d+`").FindAllString(text, -1))
	t.Logf("confirmed: %s", text)
	time.Sleep(500 * time.Millisecond) // anything doubled would arrive now

	// Each circle: one channel, named after it, holding its members, welcomed once.
	channels := ws.privateChannels()
	inCircle := map[string]string{}
	for _, c := range channels {
		welcomes := countContaining(ws.posts(c.ID), "Working-Out-Loud-Kreis")
		t.Logf("channel %s #%s: members %v, %d welcome(s)", c.ID, c.Name, c.Members, welcomes)
		if welcomes != 1 {
			t.Errorf("channel #%s got %d welcomes, want 1", c.Name, welcomes)
		}
		for _, m := range c.Members {
			if prev, dup := inCircle[m]; dup {
				t.Errorf("%s is in #%s and #%s", m, prev, c.Name)
			}
			inCircle[m] = c.Name
		}
	}
	if len(channels) != len(circles) {
		var names []string
		for _, c := range channels {
			names = append(names, "#"+c.Name+fmt.Sprintf(" (%d members)", len(c.Members)))
		}
		t.Errorf("%d circles confirmed (%v) but %d private channels created: %v; a channel that Slack created "+
			"just before the kill is not adopted on retry (conversations.create answers name_taken, the adapter "+
			"takes the name with a suffix) and stays behind without members", len(circles), circles, len(channels), names)
	}
	for _, id := range circles {
		name := "wol-" + strings.Trim(id, "`")
		i := slices.IndexFunc(channels, func(c wsChannel) bool { return c.Name == name })
		if i < 0 || len(channels[i].Members) < 3 {
			t.Errorf("circle %s has no channel #%s with its members", id, name)
		}
	}
	for _, u := range planners {
		if inCircle[u] == "" {
			t.Errorf("%s is in no circle's channel", u)
		}
	}
	t.Logf("conversations.create called %d times for %d circles", ws.count("conversations.create"), len(circles))
}

// TestDrillKillDuringFanOut kills wolbot in the middle of an impulse slot's fan-out to 60
// subscribers, at the moment the 15th impulse reaches Slack (so that one post has reached
// Slack but is not committed), and starts a new process. Every subscriber must end with the
// first impulse in their archive exactly once; on screen each has it once, except posts that
// reached Slack without their commit: those are posted again (Slack has no idempotency key),
// and the test counts them.
func TestDrillKillDuringFanOut(t *testing.T) {
	bin := wolbotBinary(t)
	store := redistest.Store(t)
	ws := newWorkspace(t)
	// The schedule's slot is an hour away; the test moves it to now, so there is one slot.
	vars := append(redisVars(store.NS), "WOLBOT_IMPULSE_SCHEDULE=@every 1h", "WOLBOT_IMPULSE_RATE=20")
	first := startReplica(t, bin, "first", ws, vars...)

	var subs []string
	for i := range 60 {
		u := fmt.Sprintf("USUB%02d", i)
		subs = append(subs, u)
		slashCmd{Command: "/impuls", Text: "abo", User: u, Channel: "CIMP"}.mustSend(t, first)
	}
	eventually(t, 20*time.Second, "60 subscriptions", func() bool {
		return countContaining(ws.msgs("chat.postEphemeral", "CIMP", ""), "Willkommen bei den Kurzimpulsen") == 60
	})

	impulsePosts := func() int {
		ws.mu.Lock()
		defer ws.mu.Unlock()
		n := 0
		for _, v := range ws.calls["chat.postMessage"] {
			if strings.HasPrefix(v.Get("channel"), "DUSUB") {
				n++
			}
		}
		return n
	}
	// Kill inside the fake, when the 15th impulse post has arrived and before it is answered.
	var postedAtKill []string
	killed := make(chan struct{})
	var once sync.Once
	ws.after("chat.postMessage", func(form url.Values) {
		if impulsePosts() >= 15 {
			once.Do(func() {
				first.kill()
				for _, u := range subs {
					if len(ws.dms(u)) > 0 {
						postedAtKill = append(postedAtKill, u)
					}
				}
				close(killed)
			})
		}
	})

	timers := storage.NewTimers(store, storage.TimerOptions{})
	slot := time.Now().Add(300 * time.Millisecond)
	if err := timers.Schedule(context.Background(), storage.Timer{
		ID: "impulse.slot", Kind: impulses.SlotKind, Due: slot, Payload: []byte("@every 1h"),
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-killed:
	case <-time.After(15 * time.Second):
		t.Fatal("the fan-out did not reach 15 posts")
	}
	ws.after("chat.postMessage", nil)
	killedAt := time.Now()
	t.Logf("killed %v after the slot, with %d impulse posts at Slack", killedAt.Sub(slot).Round(time.Millisecond), len(postedAtKill))

	second := startReplica(t, bin, "second", ws, vars...)
	lib, _ := impulses.LoadLibrary(impulses.Builtin, "")
	firstID := lib.Series("de", impulses.AudienceLeaders)[0].ID
	archive := func(u string) []string {
		ids, err := store.Client.ZRange(context.Background(), store.Key("imp", "sub", storage.Tag("slack:@"+u), "archive"), 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	// Claims of the dead process end with their 30 s lease; the rest go on at once.
	eventually(t, 45*time.Second, "every archive holds the first impulse", func() bool {
		for _, u := range subs {
			if len(archive(u)) == 0 {
				return false
			}
		}
		return true
	})
	t.Logf("all 60 delivered %v after the kill", time.Since(killedAt).Round(100*time.Millisecond))
	time.Sleep(time.Second) // a late duplicate would show now

	repeats := 0
	for _, u := range subs {
		if got := archive(u); !slices.Equal(got, []string{firstID}) {
			t.Errorf("%s: archive %q, want [%s]", u, got, firstID)
		}
		ids := impulseIDs(ws.dms(u))
		switch {
		case len(ids) == 0:
			t.Errorf("%s: impulse lost", u)
		case slices.ContainsFunc(ids, func(id string) bool { return id != firstID }):
			t.Errorf("%s: received %q, want only %s", u, ids, firstID)
		case len(ids) > 2:
			t.Errorf("%s: received the impulse %d times", u, len(ids))
		case len(ids) == 2:
			repeats++
			if !slices.Contains(postedAtKill, u) {
				t.Errorf("%s: received the impulse twice although it was not at Slack when the process died", u)
			}
			t.Logf("%s: shown twice (in flight at the kill)", u)
		}
	}
	// The loop claims at most its concurrency (8) at a time, and the shared limiter lets one
	// post out every 50 ms: at most a handful can be in flight; the 15th is, by construction.
	t.Logf("in-flight repeats Slack cannot refuse: %d of 60", repeats)
	if repeats < 1 || repeats > 8 {
		t.Errorf("%d repeats, want between 1 (the post the kill interrupted) and 8 (the claims in flight)", repeats)
	}
	// The archive command tells the same.
	u := postedAtKill[len(postedAtKill)-1]
	slashCmd{Command: "/impuls", Text: "archiv", User: u, Channel: "CIMP"}.mustSend(t, second)
	eventually(t, 10*time.Second, "archive reply", func() bool {
		return countContaining(ws.ephemerals("CIMP", u), "Ihr Archiv") == 1
	})
	if got := ws.ephemerals("CIMP", u); !strings.Contains(got[len(got)-1], "1 von ") {
		t.Errorf("/impuls archiv for %s: %q, want one impulse received", u, got[len(got)-1])
	}
	if d := second.metric("wolbot_impulse_deliveries_total"); d == 0 {
		t.Error("the second process delivered nothing")
	}
}

// redisServer is a redis-server of the test's own, with AOF, that can be stopped and started
// again on the same port and directory.
type redisServer struct {
	bin, dir string
	port     int
	cmd      *exec.Cmd
	done     chan struct{}
}

func (s *redisServer) start(t *testing.T) {
	t.Helper()
	s.cmd = exec.Command(s.bin, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--dir", s.dir,
		"--appendonly", "yes", "--appendfsync", "always", "--save", "", "--logfile", filepath.Join(s.dir, "redis.log"))
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	s.done = done
	cmd := s.cmd
	go func() { _ = cmd.Wait(); close(done) }()
	c := redis.NewClient(&redis.Options{Addr: s.addr(), MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			t.Fatalf("redis-server on port %d did not start:\n%s", s.port, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop shuts redis-server down with SIGTERM (it writes the AOF) and waits for it.
func (s *redisServer) stop(t *testing.T) {
	t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		t.Fatal("redis-server did not stop on SIGTERM")
	}
}

func (s *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// TestDrillRedisRestartDuringRound restarts Redis (with AOF) during a Lean Coffee vote: while it
// is down wolbot apologises instead of staying silent, and /readyz says so; once it is back the
// round goes on with its topics and votes, and the timebox fires.
func TestDrillRedisRestartDuringRound(t *testing.T) {
	if redistest.Cluster() {
		t.Skip("restarts a single redis-server")
	}
	rbin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not on PATH")
	}
	bin := wolbotBinary(t)
	port, err := strconv.Atoi(strings.TrimPrefix(freeAddr(t), "127.0.0.1:"))
	if err != nil {
		t.Fatal(err)
	}
	rs := &redisServer{bin: rbin, dir: t.TempDir(), port: port}
	rs.start(t)
	t.Cleanup(func() {
		if rs.cmd.ProcessState == nil {
			_ = rs.cmd.Process.Kill()
			<-rs.done
		}
	})
	ws := newWorkspace(t)
	r := startReplica(t, bin, "wolbot", ws, "REDIS_URL=redis://"+rs.addr()+"/0", "WOLBOT_NAMESPACE=drill")

	const ch = "CROUND"
	say := func(user, text, wantReply string) {
		t.Helper()
		if wantReply == "" { // the moderator's steps answer in the channel
			slashCmd{Command: "/lc", Text: text, User: user, Channel: ch}.mustSend(t, r)
			return
		}
		before := len(ws.ephemerals(ch, user))
		slashCmd{Command: "/lc", Text: text, User: user, Channel: ch}.mustSend(t, r)
		eventually(t, 10*time.Second, "reply to "+user+": /lc "+text, func() bool { return len(ws.ephemerals(ch, user)) > before })
		if got := ws.ephemerals(ch, user)[before]; !strings.Contains(got, wantReply) {
			t.Fatalf("/lc %s by %s: reply %q, want %q", text, user, got, wantReply)
		}
	}
	say("UANNA", "start votes=3 timebox=2s thumbs=30s", "Ihre Runde läuft")
	say("UBOB", "topic Jugendbeteiligung in der Planung", "als #1 auf dem Board")
	say("UCARLA", "topic Kooperation mit Schulen", "als #2 auf dem Board")
	say("UANNA", "topic Fachkräftemangel", "als #3 auf dem Board")
	say("UANNA", "next", "")
	eventually(t, 10*time.Second, "voting", func() bool { return countContaining(ws.posts(ch), "Die Abstimmung läuft") == 1 })
	say("UANNA", "vote 1", "Ihr Punkt auf Thema 1")
	say("UBOB", "vote 1", "Ihr Punkt auf Thema 1")
	say("UCARLA", "vote 2", "Ihr Punkt auf Thema 2")

	rs.stop(t)
	eventually(t, 10*time.Second, "/readyz 503 while Redis is down", func() bool {
		code, _ := r.get("/readyz")
		return code == 503
	})
	if code, _ := r.get("/healthz"); code != 200 {
		t.Errorf("/healthz %d while Redis is down, want 200 (alive)", code)
	}
	// A vote during the outage is not lost silently: the user is asked to try again.
	say("UDAVE", "vote 1", "Das hat leider nicht geklappt")
	t.Logf("during the outage: /readyz 503, and the vote was answered with %q", firstLine(ws.ephemerals(ch, "UDAVE")[0]))
	time.Sleep(2 * time.Second)
	rs.start(t)
	r.waitReady(t, 15*time.Second)

	say("UDAVE", "vote 1", "Ihr Punkt auf Thema 1")
	say("UANNA", "vote 3", "Ihr Punkt auf Thema 3")
	say("UANNA", "next", "")
	eventually(t, 10*time.Second, "discussion of the topic with most votes", func() bool {
		return countContaining(ws.posts(ch), "Thema 1 von 3:* Jugendbeteiligung in der Planung") == 1
	})
	eventually(t, 10*time.Second, "thumbs prompt", func() bool {
		return countContaining(ws.posts(ch), "Die Zeit für „Jugendbeteiligung in der Planung“ ist um") == 1
	})
	say("UANNA", "end", "")
	eventually(t, 10*time.Second, "summary", func() bool { return countContaining(ws.posts(ch), "Zusammenfassung") == 1 })
	summary := ws.posts(ch)[len(ws.posts(ch))-1]
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`Jugendbeteiligung in der Planung\*? — 3 Punkte · besprochen`),
		regexp.MustCompile(`Kooperation mit Schulen\*? — 1 Punkt · nicht besprochen`),
		regexp.MustCompile(`Fachkräftemangel\*? — 1 Punkt · nicht besprochen`),
		regexp.MustCompile(`4 Personen`),
	} {
		if !want.MatchString(summary) {
			t.Errorf("summary lacks %s:\n%s", want, summary)
		}
	}
	if n := countContaining(ws.posts(ch), "ist um"); n != 1 {
		t.Errorf("thumbs prompt posted %d times", n)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
