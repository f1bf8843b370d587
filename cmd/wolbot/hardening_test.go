package main

// Tests of issue 11 ("Hardening") against the wolbot binary in Slack HTTP mode and the fake
// Slack workspace.

import (
	"strings"
	"testing"
	"time"

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
