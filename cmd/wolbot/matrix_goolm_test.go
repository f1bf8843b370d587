//go:build goolm

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/wolbot/wolbot/adapters/matrix/matrixtest"
)

// wolbotGoolmBinary builds ./cmd/wolbot with -tags goolm, as the Dockerfile does, once per
// test binary.
func wolbotGoolmBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the wolbot binary")
	}
	goolmBin.once.Do(func() {
		// Next to the test binary, in the directory `go test` removes afterwards.
		dir := ""
		if exe, err := os.Executable(); err == nil {
			dir, _ = os.MkdirTemp(filepath.Dir(exe), "wolbot-goolm-")
		}
		if dir == "" {
			var err error
			if dir, err = os.MkdirTemp("", "wolbot-goolm-"); err != nil {
				goolmBin.err = err
				return
			}
		}
		goolmBin.path = filepath.Join(dir, "wolbot")
		out, err := exec.Command("go", "build", "-tags", "goolm", "-o", goolmBin.path, ".").CombinedOutput()
		if err != nil {
			goolmBin.err = fmt.Errorf("go build -tags goolm: %v\n%s", err, out)
		}
	})
	if goolmBin.err != nil {
		t.Fatal(goolmBin.err)
	}
	return goolmBin.path
}

var goolmBin struct {
	once sync.Once
	path string
	err  error
}

// TestMatrixEncryptedEnrolment: four planners enrol in the encrypted DMs the bot opens with
// them (Element's default), their clients encrypting like Element's; the admin confirms, and
// the circle's room is created encrypted with all four invited.
func TestMatrixEncryptedEnrolment(t *testing.T) {
	bin := wolbotGoolmBinary(t)
	planners := []string{"p1", "p2", "p3", "p4"}
	w := newMxWorld(t, append([]string{"admin"}, planners...)...)
	w.vars = []string{"WOLBOT_ADMINS=" + w.users["admin"].UserID.String(), "WOLBOT_WOL_WEEK=1h",
		"MATRIX_CRYPTO_DIR=" + t.TempDir(), "MATRIX_PICKLE_KEY=test"}
	w.start(t, bin, "wolbot-1")
	room := w.room(t, "admin", planners...)
	ctx := context.Background()

	munis := []string{"Kreis Düren", "StädteRegion Aachen", "Stadt Köln", "Kreis Euskirchen"}
	w.say(t, "admin", room, `!wol region add rheinland "Rheinland"`)
	w.say(t, "admin", room, `!wol region rheinland kommunen "`+strings.Join(munis, "; ")+`"`)
	w.say(t, "admin", room, "!wol runde öffnen rheinland wochen=1")
	time.Sleep(2 * time.Second)

	for i, p := range planners {
		e := matrixtest.Encrypting(t, w.users[p])
		w.say(t, p, room, "!wol join")
		var dm id.RoomID
		eventually(t, 20*time.Second, p+"'s direct room", func() bool {
			var direct event.DirectChatsEventContent
			if w.bot.Client.GetAccountData(ctx, "m.direct", &direct) != nil || len(direct[w.users[p].UserID]) == 0 {
				return false
			}
			dm = direct[w.users[p].UserID][0]
			return true
		})
		var enc event.EncryptionEventContent
		if err := w.bot.Client.StateEvent(ctx, dm, event.StateEncryption, "", &enc); err != nil || enc.Algorithm != id.AlgorithmMegolmV1 {
			t.Fatalf("%s's DM is not encrypted: %+v %v", p, enc, err)
		}
		if _, err := w.users[p].Client.JoinRoomByID(ctx, dm); err != nil {
			t.Fatal(err)
		}
		e.WaitEncrypted(t, dm)
		eventually(t, 20*time.Second, p+" reads the first question", func() bool {
			return strings.Contains(strings.Join(e.Texts(dm), "\n"), "1/5")
		})
		answers := []string{"rheinland", munis[i], "Planung", "Ich möchte von anderen Kommunen lernen, wie sie Jugendliche beteiligen.", "mo-vm, di-vm", "ja"}
		for n, a := range answers {
			before := len(e.Texts(dm))
			if _, err := w.users[p].Client.SendText(ctx, dm, a); err != nil {
				t.Fatal(err)
			}
			eventually(t, 20*time.Second, fmt.Sprintf("%s: answer %d taken", p, n+1), func() bool { return len(e.Texts(dm)) > before })
		}
		eventually(t, 20*time.Second, p+" enrolled", func() bool {
			return strings.Contains(strings.Join(e.Texts(dm), "\n"), "Sie sind angemeldet")
		})
	}
	w.say(t, "admin", room, "!wol vorschau rheinland")
	w.say(t, "admin", room, "!wol bestätigen rheinland")
	var circle id.RoomID
	eventually(t, 30*time.Second, "circle room", func() bool {
		joined, err := w.bot.Client.JoinedRooms(ctx)
		if err != nil {
			return false
		}
		for _, r := range joined.JoinedRooms {
			var name event.RoomNameEventContent
			if w.bot.Client.StateEvent(ctx, r, event.StateRoomName, "", &name) == nil && strings.HasPrefix(name.Name, "wol-rheinland") {
				circle = r
				return true
			}
		}
		return false
	})
	var enc event.EncryptionEventContent
	if err := w.bot.Client.StateEvent(ctx, circle, event.StateEncryption, "", &enc); err != nil || enc.Algorithm != id.AlgorithmMegolmV1 {
		t.Errorf("circle room not encrypted: %+v %v", enc, err)
	}
	for _, p := range planners {
		// Dendrite sends createRoom's invites after the room's name: wait for them.
		eventually(t, 20*time.Second, p+" invited to the circle room", func() bool {
			var m event.MemberEventContent
			err := w.bot.Client.StateEvent(ctx, circle, event.StateMember, w.users[p].UserID.String(), &m)
			return err == nil && m.Membership == event.MembershipInvite
		})
	}
}
