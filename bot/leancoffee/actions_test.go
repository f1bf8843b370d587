package leancoffee

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wolbot/wolbot/adapters/chattest"
	"github.com/wolbot/wolbot/storage/redistest"
)

// toDiscussion brings a round with two topics to the discussion of its first.
func toDiscussion(fx *fixture) {
	fx.say("anna", "/lc start timebox=10m")
	fx.say("bob", "/lc thema Jugendbeteiligung")
	fx.say("carla", "/lc thema Kooperation mit der Schulverwaltung")
	fx.say("anna", "/lc weiter")
	fx.say("bob", "/lc punkt 2")
	fx.say("anna", "/lc weiter")
}

// lastSummary is the last summary posted to a channel ("Zusammenfassung"), or a zero Call.
func lastSummary(rec *chattest.Recorder) chattest.Call {
	var summary chattest.Call
	for _, c := range rec.Calls() {
		if c.Op == chattest.OpPost && strings.Contains(c.Msg.Text, "Zusammenfassung") {
			summary = c
		}
	}
	return summary
}

func dmsTo(rec *chattest.Recorder, user string) []chattest.Call {
	var out []chattest.Call
	for _, c := range rec.Calls() {
		if c.Op == chattest.OpDM && c.User == user {
			out = append(out, c)
		}
	}
	return out
}

func TestActionItems(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	fx.chat.AddBots("wolbot")
	fx.chat.RemoveUsers("niemand")

	// Before the discussion there is no topic to attach an item to.
	fx.say("anna", "/lc start timebox=10m")
	contains(t, fx.say("bob", "/lc aufgabe @carla Protokoll schicken"), "gerade wird keines besprochen")
	fx.say("anna", "/lc end")
	toDiscussion(fx)

	for _, tc := range []struct {
		name, user, cmd, want string
	}{
		{"no owner", "bob", "/lc aufgabe", "wer die Aufgabe übernimmt"},
		{"owner without @", "bob", "/lc aufgabe Protokoll schicken", "wer die Aufgabe übernimmt"},
		{"no text", "bob", "/lc aufgabe @carla", "hinter den Namen"},
		{"unknown owner", "bob", "/lc aufgabe @niemand Protokoll schicken", "„niemand“ kann ich nicht finden"},
		{"bot owner", "bob", "/lc aufgabe @wolbot Protokoll schicken", "ist ein Bot"},
		{"too long", "bob", "/lc aufgabe @carla " + strings.Repeat("x", MaxNoteLen+1), "501 Zeichen"},
		{"english", "bob", "/lc action @niemand Send minutes", "„niemand“"},
		{"first", "bob", "/lc aufgabe @carla Einladung an die <!channel> Schulverwaltung schicken", "Aufgabe Nr. 1 für carla zu Thema #2"},
		{"second", "carla", "/lc action @bob Zahlen aus 2025 besorgen", "Aufgabe Nr. 2 für bob"},
		{"third", "anna", "/lc aufgabe @carla Raum buchen", "Aufgabe Nr. 3"},
		{"remove by someone else", "bob", "/lc aufgabe löschen 3", "nur streichen, wer sie eingetragen hat"},
		{"remove bad number", "bob", "/lc aufgabe löschen x", "Nummer der Aufgabe"},
		{"remove unknown", "bob", "/lc aufgabe löschen 9", "Nr. 9 gibt es"},
		{"remove own", "anna", "/lc aufgabe löschen 3", "Nr. 3 ist gestrichen"},
		{"remove twice", "anna", "/lc aufgabe löschen 3", "Nr. 3 gibt es"},
	} {
		t.Run(tc.name, func(t *testing.T) { contains(t, fx.say(tc.user, tc.cmd), tc.want) })
	}
	fx.say("anna", "/lc weiter")
	contains(t, fx.say("anna", "/lc aufgabe @bob Rückmeldung an das Jugendamt"), "zu Thema #1")
	fx.say("anna", "/lc ende")

	// The summary lists the items per topic, escaped, struck ones left out.
	summary := lastSummary(fx.chat)
	text := summary.Msg.Text
	for _, want := range []string{
		"☑️ Aufgabe für carla: Einladung an die <\u200b!channel> Schulverwaltung schicken",
		"☑️ Aufgabe für bob: Zahlen aus 2025 besorgen",
		"☑️ Aufgabe für bob: Rückmeldung an das Jugendamt",
	} {
		contains(t, text, want)
	}
	if strings.Contains(text, "Raum buchen") {
		t.Errorf("struck item in the summary:\n%s", text)
	}
	if i, j := strings.Index(text, "Zahlen aus 2025"), strings.Index(text, "Jugendbeteiligung"); i > j {
		t.Errorf("items not under their topic:\n%s", text)
	}

	// Each owner gets one DM with exactly their items.
	carla, bob := dmsTo(fx.chat, "carla"), dmsTo(fx.chat, "bob")
	if len(carla) != 1 || len(bob) != 1 {
		t.Fatalf("DMs: carla %d, bob %d, want 1 each", len(carla), len(bob))
	}
	contains(t, carla[0].Msg.Text, "Ihre Aufgabe aus der Lean-Coffee-Runde")
	contains(t, carla[0].Msg.Text, "Einladung an die <\u200b!channel> Schulverwaltung schicken – zu #2 „Kooperation mit der Schulverwaltung“ _(eingetragen von bob)_")
	contains(t, bob[0].Msg.Text, "Ihre 2 Aufgaben")
	if strings.Contains(bob[0].Msg.Text, "Einladung") || strings.Contains(carla[0].Msg.Text, "Raum buchen") {
		t.Error("DM carries someone else's or a struck item")
	}
	if len(dmsTo(fx.chat, "anna")) != 0 {
		t.Error("anna owns no item but got a DM")
	}

	// Sending again (a redelivered timer, a restarted process) tells nobody twice.
	ctx := context.Background()
	k := fx.lc.st.keys("test:t1:" + testChannel)
	actions, err := fx.lc.st.actions(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	other := newFixture(t, fx.store)
	other.chat = fx.chat // the same chat, another process
	other.lc.chat = fx.chat
	if err := other.lc.sendActionDMs(ctx, k, fx.round(), actions); err != nil {
		t.Fatal(err)
	}
	if n := len(dmsTo(fx.chat, "bob")) + len(dmsTo(fx.chat, "carla")); n != 2 || fx.chat.Duplicates != 0 {
		t.Errorf("%d DMs and %d refused duplicates after a second send, want 2 and 0", n, fx.chat.Duplicates)
	}
}

// A DM that fails on the round's end is sent by the durable timer set with the end; those
// already told are not told again.
func TestActionDMsRetryOnlyTheFailed(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	fx.lc.actionsAfter = 300 * time.Millisecond
	toDiscussion(fx)
	fx.say("anna", "/lc aufgabe @bob Zahlen besorgen")
	fx.say("anna", "/lc aufgabe @carla Raum buchen")
	var failed atomic.Bool
	fx.chat.SetFail(func(op chattest.Op) error {
		if op == chattest.OpDM && failed.CompareAndSwap(false, true) {
			return context.DeadlineExceeded // the first DM fails, the second goes through
		}
		return nil
	})
	fx.say("anna", "/lc ende")
	if got := len(dmsTo(fx.chat, "bob")) + len(dmsTo(fx.chat, "carla")); got != 1 {
		t.Fatalf("%d DMs after one failed, want 1", got)
	}
	waitFor(t, 5*time.Second, "the missing DM", func() bool {
		return len(dmsTo(fx.chat, "bob")) == 1 && len(dmsTo(fx.chat, "carla")) == 1
	})
	time.Sleep(200 * time.Millisecond)
	if len(dmsTo(fx.chat, "bob")) != 1 || len(dmsTo(fx.chat, "carla")) != 1 || fx.chat.Duplicates != 0 {
		t.Errorf("bob %d, carla %d DMs, %d refused duplicates; want 1, 1, 0",
			len(dmsTo(fx.chat, "bob")), len(dmsTo(fx.chat, "carla")), fx.chat.Duplicates)
	}
}

// A process that dies between ending the round and sending the DMs leaves them to the timer,
// which another process runs.
func TestActionDMsAfterACrash(t *testing.T) {
	store := redistest.Store(t)
	fx := newFixture(t, store)
	fx.lc.actionsAfter = 0
	toDiscussion(fx)
	fx.say("anna", "/lc aufgabe @bob Zahlen besorgen")
	fx.kill()
	fx.chat.SetFail(func(op chattest.Op) error {
		if op == chattest.OpDM {
			return context.Canceled // the process is going down
		}
		return nil
	})
	fx.say("anna", "/lc ende")
	other := newFixture(t, store)
	waitFor(t, 5*time.Second, "the DM from the other process", func() bool { return len(dmsTo(other.chat, "bob")) == 1 })
}

func TestMinutesFile(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	toDiscussion(fx)
	fx.say("anna", "/lc notiz Jugendforum *ausprobieren*")
	fx.say("bob", "/lc aufgabe @carla Einladung\nschicken")
	time.Sleep(10 * time.Millisecond)
	fx.say("anna", "/lc ende")
	summary := lastSummary(fx.chat)
	if len(summary.Msg.Files) != 1 {
		t.Fatalf("summary has %d files, want 1", len(summary.Msg.Files))
	}
	f := summary.Msg.Files[0]
	date := fx.round().Started.UTC().Format("2006-01-02")
	if want := "lean-coffee-kreis-dueren-" + date + ".md"; f.Name != want {
		t.Errorf("file name %q, want %q", f.Name, want)
	}
	if f.Type != "text/markdown; charset=utf-8" {
		t.Errorf("file type %q", f.Type)
	}
	md := string(f.Data)
	for _, want := range []string{
		"# Lean Coffee kreis-dueren – " + date + "\n",
		"- Moderation: anna\n",
		"- Teilnehmende: 3 Personen\n",
		"## #2 Kooperation mit der Schulverwaltung\n\n- Punkte: 1 Punkt\n- Besprochen: ",
		"### Notizen\n\n- Jugendforum \\*ausprobieren\\* (anna)\n",
		"### Aufgaben\n\n- [ ] carla: Einladung schicken\n",
		"## #1 Jugendbeteiligung\n\n- Punkte: 0 Punkte\n- Nicht besprochen\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("minutes lack %q:\n%s", want, md)
		}
	}
	if strings.ContainsRune(md, '\u200b') || strings.Contains(md, "/lc") {
		t.Errorf("minutes carry chat escapes or command hints:\n%s", md)
	}
}

// On Mattermost and Slack a channel id says nothing to a person ("8xq4h1ab3pd9…"): the
// minutes file, its title, the owners' DMs and the data export name the channel by the name
// the platform sent with the start command.
func TestChannelNamedByItsName(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	fx.channelName = "Jugendhilfeplanung Düren"
	toDiscussion(fx)
	fx.channelName = "" // later events may come without a name (button clicks, websocket)
	fx.say("anna", "/lc aufgabe @bob Zahlen besorgen")
	fx.say("anna", "/lc ende")
	summary := lastSummary(fx.chat)
	if len(summary.Msg.Files) != 1 {
		t.Fatalf("summary has %d files, want 1", len(summary.Msg.Files))
	}
	date := fx.round().Started.UTC().Format("2006-01-02")
	if f := summary.Msg.Files[0]; f.Name != "lean-coffee-jugendhilfeplanung-dueren-"+date+".md" ||
		!strings.HasPrefix(string(f.Data), "# Lean Coffee Jugendhilfeplanung Düren – "+date+"\n") {
		t.Errorf("minutes %q begin %q, want the channel's name", f.Name, strings.SplitN(string(f.Data), "\n", 2)[0])
	}
	waitFor(t, 5*time.Second, "bob's DM", func() bool { return len(dmsTo(fx.chat, "bob")) == 1 })
	contains(t, dmsTo(fx.chat, "bob")[0].Msg.Text, "im Kanal `Jugendhilfeplanung Düren`")
	data, err := fx.lc.UserData(context.Background(), ref("anna"), "de")
	if err != nil {
		t.Fatal(err)
	}
	contains(t, data, "im Kanal `Jugendhilfeplanung Düren`")
}

func TestMinutesName(t *testing.T) {
	for _, tc := range []struct{ channel, want string }{
		{"kreis-dueren", "lean-coffee-kreis-dueren-2026-12-04.md"},
		{"Jugendhilfe Köln-Süd, Straße", "lean-coffee-jugendhilfe-koeln-sued-strasse-2026-12-04.md"},
		{"Town Square/..", "lean-coffee-town-square-2026-12-04.md"},
		{"8xq4h1ab3p", "lean-coffee-8xq4h1ab3p-2026-12-04.md"},
		{"../..", "lean-coffee-kanal-2026-12-04.md"},
	} {
		if got := minutesName(tc.channel, "2026-12-04"); got != tc.want {
			t.Errorf("minutesName(%q) = %q, want %q", tc.channel, got, tc.want)
		}
	}
}

// Action items are part of a person's data: the items they own and those they recorded.
func TestActionItemsInExportAndErasure(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	ctx := context.Background()
	toDiscussion(fx)
	fx.say("carla", "/lc aufgabe @dave Haushaltszahlen besorgen")
	fx.say("anna", "/lc aufgabe @carla Raum buchen")
	fx.say("anna", "/lc ende")

	// dave took part only as an item's owner, and is found all the same.
	dave, err := fx.lc.UserData(ctx, ref("dave"), "de")
	if err != nil {
		t.Fatal(err)
	}
	contains(t, dave, "Ihre Aufgaben: zu Thema 2: „Haushaltszahlen besorgen“ (für dave)")
	carla, err := fx.lc.UserData(ctx, ref("carla"), "de")
	if err != nil {
		t.Fatal(err)
	}
	contains(t, carla, "Ihre Aufgaben: zu Thema 2: „Raum buchen“ (für carla)")
	contains(t, carla, "Von Ihnen eingetragene Aufgaben: zu Thema 2: „Haushaltszahlen besorgen“ (für dave)")

	if err := fx.lc.ForgetUser(ctx, ref("dave")); err != nil {
		t.Fatal(err)
	}
	if err := fx.lc.ForgetUser(ctx, ref("carla")); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"dave", "carla"} {
		if got, err := fx.lc.UserData(ctx, ref(u), "de"); err != nil || strings.Contains(got, "Aufgabe") {
			t.Errorf("%s's export after erasure: %q, %v", u, got, err)
		}
	}
	k := fx.lc.st.keys("test:t1:" + testChannel)
	raw := strings.Join(fx.store.Client.LRange(ctx, k.actions, 0, -1).Val(), "\n")
	if strings.Contains(raw, "dave") || strings.Contains(raw, "carla") {
		t.Errorf("erased people still in the action items:\n%s", raw)
	}
	if fx.store.Client.SIsMember(ctx, k.actsent, "dave").Val() {
		t.Error("dave still recorded as told")
	}
	// The items stay for the others, their people anonymous.
	actions, _ := fx.lc.st.actions(ctx, k)
	if len(actions) != 2 || !actions[0].AnonOwner || !actions[0].AnonAuthor || actions[1].Author != "anna" {
		t.Errorf("items after erasure: %+v", actions)
	}
}

// An erasure with texts (UserRef.Texts, "/vergessen bestätigen texte") removes the texts of the
// action items a person wrote in an ended round, as it does their topics and notes.
func TestForgetTextsRemovesActionItemTexts(t *testing.T) {
	fx := newFixture(t, redistest.Store(t))
	ctx := context.Background()
	toDiscussion(fx)
	fx.say("carla", "/lc aufgabe @dave Haushaltszahlen besorgen")
	fx.say("anna", "/lc ende")
	u := ref("carla")
	u.Texts = true
	if err := fx.lc.ForgetUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	k := fx.lc.st.keys("test:t1:" + testChannel)
	raw := strings.Join(fx.store.Client.LRange(ctx, k.actions, 0, -1).Val(), "\n")
	if strings.Contains(raw, "Haushaltszahlen") || !strings.Contains(raw, "dave") {
		t.Errorf("action items after carla's erasure with texts (want her text gone, dave kept):\n%s", raw)
	}
}
