package bot

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/adapters/chattest"
)

// keeper is a feature that keeps data about people: it exports a fixed section and records
// deletions; fail makes ForgetUser fail while set.
type keeper struct {
	spy
	section string

	mu      sync.Mutex
	forgot  []UserRef
	fail    error
	exports []string // languages asked for
}

func (k *keeper) UserData(ctx context.Context, u UserRef, lang string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.exports = append(k.exports, lang)
	return k.section, nil
}

func (k *keeper) ForgetUser(ctx context.Context, u UserRef) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail != nil {
		return k.fail
	}
	k.forgot = append(k.forgot, u)
	return nil
}

func (k *keeper) forgotten() []UserRef {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]UserRef(nil), k.forgot...)
}

func newPrivacyBot(t *testing.T) (*Bot, *chattest.Recorder, *keeper, *keeper) {
	t.Helper()
	b, chat, _ := newTestBot(t)
	a, c := &keeper{section: "### Alpha\n- a"}, &keeper{section: "### Gamma\n- c"}
	b.Handle("alpha", a)
	b.Handle("beta", &spy{}) // keeps nothing
	b.Handle("gamma", c)
	b.Handle("daten", DataCommand(), "data")
	b.Handle("vergessen", ForgetCommand(), "forget")
	return b, chat, a, c
}

// lastMsg is the last message to the test user (ephemeral or DM).
func lastMsg(chat *chattest.Recorder) chattest.Call {
	calls := chat.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].User == testUser {
			return calls[i]
		}
	}
	return chattest.Call{}
}

func TestExportCoversFeaturesInOrderAndTheLanguage(t *testing.T) {
	b, chat, _, _ := newPrivacyBot(t)
	ctx := context.Background()
	b.HandleEvent(ctx, command("/lang en"))
	b.HandleEvent(ctx, command("/data"))
	calls := chat.Calls()
	dm, note := calls[len(calls)-2], calls[len(calls)-1]
	if dm.Op != chattest.OpDM || dm.User != testUser || note.Op != chattest.OpEphemeral {
		t.Fatalf("want a DM and an ephemeral note, got %s and %s", dm.Op, note.Op)
	}
	for _, want := range []string{"## 📄 Your data at wolbot", "`u1`", "anna", "### Alpha", "### Gamma", "### ⚙️ Settings", "English", "`/wol forget`"} {
		if !strings.Contains(dm.Msg.Text, want) {
			t.Errorf("export lacks %q:\n%s", want, dm.Msg.Text)
		}
	}
	if strings.Index(dm.Msg.Text, "### Alpha") > strings.Index(dm.Msg.Text, "### Gamma") {
		t.Error("sections not in registration order")
	}
	if !strings.Contains(note.Msg.Text, "direct message") {
		t.Errorf("note %q", note.Msg.Text)
	}
	// Asked in the direct conversation, the export is the answer.
	n := len(chat.Calls())
	b.HandleEvent(ctx, direct(command("/daten"), "D1"))
	if got := chat.Calls()[n:]; len(got) != 1 || got[0].Op != chattest.OpDM {
		t.Errorf("in a DM: %v", got)
	}
}

func TestExportOfSomeoneUnknown(t *testing.T) {
	b, _, _ := newTestBot(t)
	text, err := b.ExportUserData(context.Background(), UserRef{Platform: "test", User: "nobody"}, "de")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Über Sie habe ich derzeit nichts gespeichert.") || !strings.Contains(text, "`/wol vergessen`") {
		t.Errorf("export:\n%s", text)
	}
}

func TestForgetAsksConfirmsAndRefusesRepeats(t *testing.T) {
	b, chat, a, c := newPrivacyBot(t)
	ctx := context.Background()
	b.HandleEvent(ctx, command("/sprache de"))
	store := b.Store()
	langKey := b.prefs.keyFor(testPlatform, testUser)

	b.HandleEvent(ctx, command("/vergessen bestätigen"))
	if got := lastMsg(chat).Msg.Text; !strings.Contains(got, "keine offene Löschanfrage") {
		t.Errorf("confirm without a request: %q", got)
	}
	b.HandleEvent(ctx, command("/vergessen"))
	ask := lastMsg(chat).Msg
	if !strings.Contains(ask.Text, "`/vergessen bestätigen`") || len(ask.Buttons) != 2 ||
		ask.Buttons[0].ID != ForgetAction || ask.Buttons[0].Style != adapters.StyleDanger || ask.Buttons[1].Value != "cancel" {
		t.Fatalf("question %q with %+v", ask.Text, ask.Buttons)
	}
	first := ask.Buttons[0].Value
	// Asking again replaces the request: the first button is stale now.
	b.HandleEvent(ctx, command("/vergessen"))
	nonce := lastMsg(chat).Msg.Buttons[0].Value
	b.HandleEvent(ctx, click(ForgetAction, first))
	if got := lastMsg(chat).Msg.Text; !strings.Contains(got, "nicht mehr aktuell") {
		t.Errorf("stale button: %q", got)
	}
	if len(a.forgotten()) != 0 {
		t.Fatal("a stale button deleted data")
	}
	b.HandleEvent(ctx, click(ForgetAction, nonce))
	if got := lastMsg(chat).Msg.Text; !strings.Contains(got, "Erledigt") {
		t.Errorf("confirmation: %q", got)
	}
	if len(a.forgotten()) != 1 || len(c.forgotten()) != 1 || a.forgotten()[0] != (UserRef{Platform: testPlatform, User: testUser, UserName: testUserName}) {
		t.Errorf("forgotten: %v, %v", a.forgotten(), c.forgotten())
	}
	if n := store.Client.Exists(ctx, langKey, b.forgetKey(UserRef{Platform: testPlatform, User: testUser})).Val(); n != 0 {
		t.Errorf("%d of the bot's own keys left", n)
	}
	b.HandleEvent(ctx, click(ForgetAction, nonce))
	if got := lastMsg(chat).Msg.Text; !strings.Contains(got, "keine offene Löschanfrage") {
		t.Errorf("second confirmation: %q", got)
	}
	if len(a.forgotten()) != 1 {
		t.Error("a second confirmation deleted again")
	}
	// Cancelling.
	b.HandleEvent(ctx, command("/vergessen"))
	b.HandleEvent(ctx, command("/vergessen abbrechen"))
	if got := lastMsg(chat).Msg.Text; !strings.Contains(got, "ich lösche nichts") {
		t.Errorf("cancel: %q", got)
	}
	b.HandleEvent(ctx, command("/vergessen bitte"))
	if got := lastMsg(chat).Msg.Text; !strings.Contains(got, "verstehe ich hier nicht") {
		t.Errorf("unknown word: %q", got)
	}
}

func TestFailedDeletionCanBeConfirmedAgain(t *testing.T) {
	b, chat, a, c := newPrivacyBot(t)
	ctx := context.Background()
	b.HandleEvent(ctx, command("/sprache en"))
	c.fail = errors.New("redis down")
	b.HandleEvent(ctx, command("/forget"))
	b.HandleEvent(ctx, command("/forget confirm"))
	if got := lastMsg(chat).Msg.Text; !strings.Contains(got, "something went wrong") {
		t.Errorf("failure: %q", got)
	}
	// The language stays (the bot's own keys go last), and the request waits for a retry.
	if b.Store().Client.Exists(ctx, b.prefs.keyFor(testPlatform, testUser)).Val() != 1 {
		t.Error("the language went although a feature failed")
	}
	c.mu.Lock()
	c.fail = nil
	c.mu.Unlock()
	b.HandleEvent(ctx, command("/forget confirm"))
	if got := lastMsg(chat).Msg.Text; !strings.Contains(got, "Done") {
		t.Errorf("retry: %q", got)
	}
	if len(a.forgotten()) != 2 || len(c.forgotten()) != 1 {
		t.Errorf("forgotten: %d, %d", len(a.forgotten()), len(c.forgotten()))
	}
}

func TestLongExportIsSplit(t *testing.T) {
	b, chat, _ := newTestBot(t)
	big := &keeper{section: "### Big\n" + strings.Repeat("- eine Zeile mit Inhalt, ä ö ü\n", 1500)}
	b.Handle("big", big)
	b.Handle("daten", DataCommand())
	b.HandleEvent(context.Background(), direct(command("/daten"), "D1"))
	var parts []string
	for _, c := range chat.Calls() {
		if c.Op == chattest.OpDM {
			parts = append(parts, c.Msg.Text)
		}
	}
	if len(parts) < 2 {
		t.Fatalf("%d parts", len(parts))
	}
	for _, p := range parts {
		if len(p) > maxDMLen || !utf8.ValidString(p) {
			t.Errorf("part of %d bytes (valid UTF-8: %v)", len(p), utf8.ValidString(p))
		}
	}
	if joined := strings.Join(parts, "\n"); strings.Count(joined, "eine Zeile") != 1500 {
		t.Errorf("%d lines after splitting, want 1500", strings.Count(joined, "eine Zeile"))
	}
}

func TestSplitMessage(t *testing.T) {
	tests := []struct {
		name string
		text string
		max  int
		want []string
	}{
		{"short stays whole", "abc", 10, []string{"abc"}},
		{"at a blank line", "aaaa\n\nbbbb", 8, []string{"aaaa", "bbbb"}},
		{"at a line break", "aaaa\nbbbb", 7, []string{"aaaa", "bbbb"}},
		{"a long line at a rune boundary", "ääää", 5, []string{"ää", "ää"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitMessage(tt.text, tt.max)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("splitMessage(%q, %d) = %q, want %q", tt.text, tt.max, got, tt.want)
			}
		})
	}
}

func TestPrivacyMessagesAreComplete(t *testing.T) {
	if err := privacyMsgs.Check(); err != nil {
		t.Fatal(err)
	}
}
