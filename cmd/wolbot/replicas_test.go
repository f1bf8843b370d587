package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wolbot/wolbot/bot/impulses"
	"github.com/wolbot/wolbot/storage/redistest"
)

// TestReplicasAnswerOnce runs three wolbot processes in Slack HTTP mode against one Redis and
// one Slack workspace, as a load balancer would, and checks that they behave as one bot: an
// Events API callback that Slack re-sends to every replica is answered once; slash commands
// spread over the replicas (each also re-sent to the next replica with the same trigger_id, as
// a proxy retrying a slow upstream would) are answered once each; a Lean Coffee timebox ends
// with one thumbs prompt; and every impulse subscriber receives the series in order, once.
func TestReplicasAnswerOnce(t *testing.T) {
	bin := wolbotBinary(t)
	store := redistest.Store(t)
	ws := newWorkspace(t)
	vars := append(redisVars(store.NS), "WOLBOT_IMPULSE_SCHEDULE=@every 2s", "WOLBOT_IMPULSE_RATE=50")

	reps := make([]*replica, 3)
	for i := range reps {
		reps[i] = startReplicaNoWait(t, bin, fmt.Sprintf("replica-%d", i+1), ws, vars...)
	}
	for _, r := range reps {
		r.waitReady(t, 20*time.Second)
	}
	start := time.Now()

	// Impulses: three subscribers, each through another replica. A slot every 2 s keeps going
	// while the rest of the test runs.
	subs := []string{"UIMP1", "UIMP2", "UIMP3"}
	for i, u := range subs {
		slashCmd{Command: "/impuls", Text: "abo", User: u, Channel: "CIMP"}.mustSend(t, reps[i])
	}
	for _, u := range subs {
		eventually(t, 10*time.Second, "subscription reply to "+u, func() bool {
			return countContaining(ws.ephemerals("CIMP", u), "Willkommen bei den Kurzimpulsen") == 1
		})
	}

	// One app_mention, delivered to all three replicas at once, as Slack's retries may land.
	var wg sync.WaitGroup
	var errList errCollector
	for i, r := range reps {
		wg.Go(func() {
			h := http.Header{}
			if i > 0 {
				h.Set("X-Slack-Retry-Num", fmt.Sprint(i))
				h.Set("X-Slack-Retry-Reason", "http_timeout")
			}
			errList.add(signedPost(r.base+"/slack/events", "application/json",
				appMention("Ev0REPLICA1", "UMENTION", "CMENTION", "<@UBOT> hilfe"), h))
		})
	}
	wg.Wait()
	if err := errList.err(); err != nil {
		t.Fatal(err)
	}

	// Twenty slash commands round-robin, each re-sent to the next replica with its trigger_id.
	for i := range 20 {
		c := slashCmd{Command: "/lc", Text: "status", User: fmt.Sprintf("USLASH%02d", i), Channel: fmt.Sprintf("CSLASH%02d", i)}
		c.Trigger = c.mustSend(t, reps[i%3])
		c.mustSend(t, reps[(i+1)%3])
	}

	// A Lean Coffee round steered through all three replicas; its timebox timer is shared.
	const lc = "CLEAN"
	slashCmd{Command: "/lc", Text: "start timebox=2s thumbs=30s", User: "UANNA", Channel: lc}.mustSend(t, reps[0])
	eventually(t, 10*time.Second, "round started", func() bool {
		return countContaining(ws.ephemerals(lc, "UANNA"), "Ihre Runde läuft") == 1
	})
	slashCmd{Command: "/lc", Text: "topic Gemeinsame Jugendhilfeplanung", User: "UBOB", Channel: lc}.mustSend(t, reps[1])
	eventually(t, 10*time.Second, "topic taken", func() bool {
		return countContaining(ws.ephemerals(lc, "UBOB"), "Ihr Thema steht als #1") == 1
	})
	slashCmd{Command: "/lc", Text: "next", User: "UANNA", Channel: lc}.mustSend(t, reps[2])
	eventually(t, 10*time.Second, "voting", func() bool { return countContaining(ws.posts(lc), "Die Abstimmung läuft") == 1 })
	slashCmd{Command: "/lc", Text: "next", User: "UANNA", Channel: lc}.mustSend(t, reps[0])
	eventually(t, 10*time.Second, "discussion", func() bool { return countContaining(ws.posts(lc), "Thema 1 von 1") == 1 })
	discussing := time.Now()
	eventually(t, 10*time.Second, "thumbs prompt", func() bool { return countContaining(ws.posts(lc), "ist um") >= 1 })
	t.Logf("timebox of 2s ended after %v", time.Since(discussing).Round(10*time.Millisecond))

	// Let the impulse slots run until everyone has three, then a little longer, so that any
	// duplicate of anything above would have arrived.
	eventually(t, 15*time.Second, "three impulses each", func() bool {
		for _, u := range subs {
			if len(impulseIDs(ws.dms(u))) < 3 {
				return false
			}
		}
		return true
	})
	time.Sleep(time.Second)

	if n := len(ws.ephemerals("CMENTION", "UMENTION")); n != 1 {
		t.Errorf("app_mention delivered to 3 replicas: %d replies, want 1", n)
	} else if !strings.Contains(ws.ephemerals("CMENTION", "UMENTION")[0], "Das kann ich") {
		t.Errorf("app_mention answered with %q, want the help", ws.ephemerals("CMENTION", "UMENTION")[0])
	}
	for i := range 20 {
		ch, u := fmt.Sprintf("CSLASH%02d", i), fmt.Sprintf("USLASH%02d", i)
		if got := ws.ephemerals(ch, u); len(got) != 1 || !strings.Contains(got[0], "keine Lean-Coffee-Runde") {
			t.Errorf("slash command %d: replies %q, want one err_no_round", i, got)
		}
	}
	if n := countContaining(ws.posts(lc), "Die Zeit für „Gemeinsame Jugendhilfeplanung“ ist um"); n != 1 {
		t.Errorf("thumbs prompt posted %d times, want once:\n%s", n, strings.Join(ws.posts(lc), "\n---\n"))
	}
	if n := countContaining(ws.posts(lc), "Lean Coffee – Themen sammeln"); n != 1 {
		t.Errorf("board posted %d times", n)
	}

	lib, libErrs := impulses.LoadLibrary(impulses.Builtin, "")
	if len(libErrs) > 0 {
		t.Fatal(libErrs)
	}
	var series []string
	for _, imp := range lib.Series("de", impulses.AudienceLeaders) {
		series = append(series, imp.ID)
	}
	for _, u := range subs {
		got := impulseIDs(ws.dms(u))
		if len(got) > len(series) || !slices.Equal(got, series[:len(got)]) {
			t.Errorf("%s received %q, want the beginning of %q without repeats", u, got, series)
		}
		if extra := len(ws.dms(u)) - len(got); extra != 0 {
			t.Errorf("%s received %d direct messages that are no impulse", u, extra)
		}
		t.Logf("%s: %d impulses in %v: %q", u, len(got), time.Since(start).Round(100*time.Millisecond), got)
	}

	// The replicas' own counts agree: every event handled once, duplicates dropped, the
	// timebox fired once in all three together, and every replica did part of the work.
	var ok, dup, ticks float64
	for _, r := range reps {
		rOK := r.metric("wolbot_commands_total", `outcome="ok"`)
		rDup := r.metric("wolbot_commands_total", `outcome="duplicate"`)
		rTick := r.metric("wolbot_timers_fired_total", `kind="lc.tick"`, `outcome="ok"`)
		rDeliv := r.metric("wolbot_timers_fired_total", `kind="`+impulses.DeliverKind+`"`)
		t.Logf("%s: %v commands ok, %v duplicates dropped, %v lc.tick fired, %v impulse deliveries run", r.name, rOK, rDup, rTick, rDeliv)
		if rOK == 0 {
			t.Errorf("%s handled no command", r.name)
		}
		ok, dup, ticks = ok+rOK, dup+rDup, ticks+rTick
	}
	// 3 subscriptions + 1 mention + 20 slash commands + 4 round steps.
	if ok != 28 || dup != 22 {
		t.Errorf("replicas counted %v commands ok and %v duplicates, want 28 and 22", ok, dup)
	}
	if ticks != 1 {
		t.Errorf("lc.tick fired %v times across the replicas, want 1", ticks)
	}

	// A graceful stop of all three at once: each exits cleanly.
	for _, r := range reps {
		wg.Go(func() { errList.add(r.stop(15 * time.Second)) })
	}
	wg.Wait()
	if err := errList.err(); err != nil {
		t.Errorf("graceful stop: %v", err)
	}
}
