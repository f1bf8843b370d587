package impulses

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wolbot/wolbot/adapters"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

func TestCatalog(t *testing.T) {
	if err := msgs.Check(); err != nil {
		t.Fatal(err)
	}
}

// renderButtons shows buttons the way the console prints them.
func renderButtons(m adapters.Message) string {
	var sb strings.Builder
	sb.WriteString(m.Text)
	for _, b := range m.Buttons {
		sb.WriteString("\n  [" + b.Label + "] " + b.ID + "=" + b.Value + " → " + b.Command)
	}
	return sb.String() + "\n"
}

// TestGoldenMessages keeps what people read under review: an impulse in German and English,
// as a direct message and in a channel, and the all-received notice.
func TestGoldenMessages(t *testing.T) {
	lib := testLibrary(t)
	de, _ := lib.Get("zwei", "de")
	en, _ := lib.Get("zwei", "en")
	cases := map[string]adapters.Message{
		"impulse_de":         impulseMessage(de, KindUser),
		"impulse_en":         impulseMessage(en, KindUser),
		"impulse_channel_de": impulseMessage(de, KindChannel),
		"all_received_de":    allReceived("de"),
		"all_received_en":    allReceived("en"),
	}
	for name, msg := range cases {
		t.Run(name, func(t *testing.T) {
			got := renderButtons(msg)
			path := filepath.Join("testdata", "golden", name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s changed:\n--- got\n%s\n--- want\n%s", name, got, want)
			}
		})
	}
}

func TestImpulseMessageFormat(t *testing.T) {
	imp := &Impulse{ID: "x", Title: "Titel", Body: "Text mit **Markdown** und @channel im Entwurf.", Question: "Und nun?", Language: "de"}
	m := impulseMessage(imp, KindUser)
	if !strings.HasPrefix(m.Text, "**Titel**\n\nText mit **Markdown** und @channel im Entwurf.\n\n**Frage:** Und nun?\n\n") {
		t.Errorf("text %q", m.Text)
	}
	if len(m.Buttons) != 2 || m.Buttons[0].ID != FeedbackAction || m.Buttons[0].Value != "x:up" ||
		m.Buttons[1].Value != "x:down" || m.Buttons[0].Label != "Hilfreich" || m.Buttons[1].Label != "Weniger hilfreich" ||
		m.Buttons[0].Command != "/impuls feedback x gut" {
		t.Errorf("buttons %+v", m.Buttons)
	}
}

func TestDates(t *testing.T) {
	loc := berlin(t)
	ts := time.Date(2026, 4, 13, 6, 0, 0, 0, time.UTC) // 08:00 in Berlin, summer time
	if got := (clock{lang: "de", loc: loc}).dateTime(ts); got != "Mo., 13.04.2026, 08:00 Uhr" {
		t.Errorf("de: %q", got)
	}
	if got := (clock{lang: "en", loc: loc}).dateTime(ts); got != "Mon 13 Apr 2026, 08:00" {
		t.Errorf("en: %q", got)
	}
	if got := (clock{lang: "de", loc: loc}).date(ts); got != "Mo., 13.04.2026" {
		t.Errorf("de date: %q", got)
	}
}
