package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wolbot/wolbot/adapters"
)

func TestOutputBlocks(t *testing.T) {
	buttons := []adapters.Button{
		{ID: "lc.vote", Label: "Thema 1", Value: "r7:1", Command: "/lc vote 1"},
		{ID: "lc.done", Label: "Fertig", Style: adapters.StylePrimary},
	}
	dmRef := adapters.PostRef{Channel: "@anna", ID: "old"}
	tests := []struct {
		name string
		opts Options
		do   func(ctx context.Context, c *Console) error
		want string
	}{
		{name: "post",
			do: func(ctx context.Context, c *Console) error {
				_, err := c.Post(ctx, "kreis-dueren", adapters.Message{Text: "Hallo **alle**"})
				return err
			},
			want: "[#kreis-dueren] wolbot:\nHallo **alle**\n\n"},
		{name: "post with buttons and multi-line text",
			do: func(ctx context.Context, c *Console) error {
				_, err := c.Post(ctx, "rat", adapters.Message{Text: "Abstimmung\n\n- eins\n- zwei\n", Buttons: buttons})
				return err
			},
			want: "[#rat] wolbot:\nAbstimmung\n\n- eins\n- zwei\n  [Thema 1] → /lc vote 1 · .click <name> lc.vote r7:1\n  [Fertig] · .click <name> lc.done\n\n"},
		{name: "buttons without text",
			do: func(ctx context.Context, c *Console) error {
				_, err := c.Post(ctx, "rat", adapters.Message{Buttons: buttons[:1]})
				return err
			},
			want: "[#rat] wolbot:\n  [Thema 1] → /lc vote 1 · .click <name> lc.vote r7:1\n\n"},
		{name: "update of an unknown post",
			do: func(ctx context.Context, c *Console) error {
				return c.Update(ctx, adapters.PostRef{Channel: "rat", ID: "from-before-restart"}, adapters.Message{Text: "neu"})
			},
			want: "[#rat] wolbot (edited):\nneu\n\n"},
		{name: "post then update",
			do: func(ctx context.Context, c *Console) error {
				ref, err := c.Post(ctx, "rat", adapters.Message{Text: "alt", Buttons: buttons[:1]})
				if err != nil {
					return err
				}
				return c.Update(ctx, ref, adapters.Message{Text: "neu\nzweite Zeile"})
			},
			want: "[#rat] wolbot:\nalt\n  [Thema 1] → /lc vote 1 · .click <name> lc.vote r7:1\n\n[#rat] wolbot (edited):\nneu\nzweite Zeile\n\n"},
		{name: "ephemeral",
			do: func(ctx context.Context, c *Console) error {
				return c.Ephemeral(ctx, "rat", "anna", adapters.Message{Text: "Nur für dich", Buttons: buttons[1:]})
			},
			want: "[#rat → anna] wolbot:\nNur für dich\n  [Fertig] · .click anna lc.done\n\n"},
		{name: "ephemeral in a direct conversation",
			do: func(ctx context.Context, c *Console) error {
				return c.Ephemeral(ctx, "@anna", "anna", adapters.Message{Text: "psst"})
			},
			want: "[@anna] wolbot:\npsst\n\n"},
		{name: "direct message and its update",
			do: func(ctx context.Context, c *Console) error {
				ref, err := c.DirectMessage(ctx, "anna", adapters.Message{Text: "Impuls"})
				if err != nil {
					return err
				}
				if ref.Channel != "@anna" {
					return fmt.Errorf("ref.Channel = %q", ref.Channel)
				}
				return c.Update(ctx, ref, adapters.Message{Text: "Impuls (gelesen)"})
			},
			want: "[@anna] wolbot:\nImpuls\n\n[@anna] wolbot (edited):\nImpuls (gelesen)\n\n"},
		{name: "post into a direct channel and update after restart",
			do: func(ctx context.Context, c *Console) error {
				if _, err := c.Post(ctx, "@anna", adapters.Message{Text: "a"}); err != nil {
					return err
				}
				return c.Update(ctx, dmRef, adapters.Message{Text: "b"})
			},
			want: "[@anna] wolbot:\na\n\n[@anna] wolbot (edited):\nb\n\n"},
		{name: "custom bot name", opts: Options{BotName: "kaffee"},
			do: func(ctx context.Context, c *Console) error {
				return c.Ephemeral(ctx, "rat", "bob", adapters.Message{Text: "x"})
			},
			want: "[#rat → bob] kaffee:\nx\n\n"},
		{name: "private channels get unique ids",
			do: func(ctx context.Context, c *Console) error {
				for _, want := range []string{"wol-rheinland-1", "wol-rheinland-1-2", "wol-rheinland-1-3"} {
					id, err := c.CreatePrivateChannel(ctx, "t", "wol-rheinland-1", []string{"anna", "bob"})
					if err != nil || id != want {
						return fmt.Errorf("id %q, %v; want %q", id, err, want)
					}
				}
				_, err := c.CreatePrivateChannel(ctx, "t", "leer", nil)
				return err
			},
			want: "-- #wol-rheinland-1 created (private): anna, bob\n\n" +
				"-- #wol-rheinland-1-2 created (private): anna, bob\n\n" +
				"-- #wol-rheinland-1-3 created (private): anna, bob\n\n" +
				"-- #leer created (private)\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			tt.opts.Out = &out
			c := New(tt.opts)
			if err := tt.do(context.Background(), c); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("output:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestFiles(t *testing.T) {
	ics := adapters.File{Name: "wol-kreis.ics", Type: "text/calendar", Data: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")}
	tests := []struct {
		name     string
		send     func(ctx context.Context, c *Console, f adapters.File) error
		file     adapters.File
		wantOut  string
		wantName string // file expected in FilesDir; "" for none
	}{
		{name: "post with a file",
			send: func(ctx context.Context, c *Console, f adapters.File) error {
				_, err := c.Post(ctx, "kreis", adapters.Message{Text: "Willkommen", Files: []adapters.File{f}})
				return err
			},
			file:     ics,
			wantOut:  "[#kreis] wolbot:\nWillkommen\n📎 wol-kreis.ics (32 Bytes)\n\n",
			wantName: "wol-kreis.ics"},
		{name: "direct message with a one-byte file",
			send: func(ctx context.Context, c *Console, f adapters.File) error {
				_, err := c.DirectMessage(ctx, "anna", adapters.Message{Text: "x", Files: []adapters.File{f}})
				return err
			},
			file:     adapters.File{Name: "a.txt", Data: []byte("1")},
			wantOut:  "[@anna] wolbot:\nx\n📎 a.txt (1 Byte)\n\n",
			wantName: "a.txt"},
		{name: "ephemeral with a file",
			send: func(ctx context.Context, c *Console, f adapters.File) error {
				return c.Ephemeral(ctx, "kreis", "anna", adapters.Message{Text: "x", Files: []adapters.File{f}})
			},
			file:     ics,
			wantOut:  "[#kreis → anna] wolbot:\nx\n📎 wol-kreis.ics (32 Bytes)\n\n",
			wantName: "wol-kreis.ics"},
		{name: "path traversal is cut to the base name",
			send: func(ctx context.Context, c *Console, f adapters.File) error {
				_, err := c.Post(ctx, "kreis", adapters.Message{Files: []adapters.File{f}})
				return err
			},
			file:     adapters.File{Name: "../../etc/passwd", Data: []byte("ab")},
			wantOut:  "[#kreis] wolbot:\n📎 passwd (2 Bytes)\n\n",
			wantName: "passwd"},
		{name: "windows separators and a dot-dot name",
			send: func(ctx context.Context, c *Console, f adapters.File) error {
				_, err := c.Post(ctx, "kreis", adapters.Message{Files: []adapters.File{f}})
				return err
			},
			file:     adapters.File{Name: `..\..\..`, Data: []byte("ab")},
			wantOut:  "[#kreis] wolbot:\n📎 file (2 Bytes)\n\n",
			wantName: "file"},
		{name: "an update keeps the post's files and writes none",
			send: func(ctx context.Context, c *Console, f adapters.File) error {
				return c.Update(ctx, adapters.PostRef{Channel: "kreis", ID: "p"}, adapters.Message{Text: "neu", Files: []adapters.File{f}})
			},
			file:    ics,
			wantOut: "[#kreis] wolbot (edited):\nneu\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "a", "b", "c") // deep, so that a traversal would land inside root
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			c := New(Options{Out: &out, FilesDir: dir})
			if err := tt.send(context.Background(), c, tt.file); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tt.wantOut {
				t.Errorf("output:\n%q\nwant:\n%q", got, tt.wantOut)
			}
			var written []string
			filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					rel, _ := filepath.Rel(dir, path)
					written = append(written, rel)
				}
				return nil
			})
			var want []string
			if tt.wantName != "" {
				want = []string{tt.wantName}
			}
			if !slices.Equal(written, want) {
				t.Fatalf("files written %q, want %q", written, want)
			}
			if tt.wantName != "" {
				data, err := os.ReadFile(filepath.Join(dir, tt.wantName))
				if err != nil || !bytes.Equal(data, tt.file.Data) {
					t.Errorf("file content %q, %v; want %q", data, err, tt.file.Data)
				}
			}
		})
	}
}

func TestFilesDirMissing(t *testing.T) {
	var out bytes.Buffer
	c := New(Options{Out: &out, FilesDir: filepath.Join(t.TempDir(), "fehlt")})
	_, err := c.Post(context.Background(), "kreis", adapters.Message{Text: "x", Files: []adapters.File{{Name: "a.ics", Data: []byte("x")}}})
	if err == nil {
		t.Fatal("Post into a missing files directory succeeded")
	}
	if out.Len() != 0 {
		t.Errorf("a post whose file could not be saved was printed: %q", out.String())
	}
}

func TestPostRefs(t *testing.T) {
	ctx := context.Background()
	a, b := New(Options{Out: &bytes.Buffer{}}), New(Options{Out: &bytes.Buffer{}})
	seen := map[string]bool{}
	for _, c := range []*Console{a, b} { // two runs of the bot
		for range 3 {
			ref, err := c.Post(ctx, "rat", adapters.Message{Text: "x"})
			if err != nil {
				t.Fatal(err)
			}
			if ref.Channel != "rat" || ref.ID == "" || seen[ref.ID] {
				t.Errorf("ref %+v is incomplete or repeated", ref)
			}
			seen[ref.ID] = true
		}
	}
}

func TestUpdateWithoutChannel(t *testing.T) {
	c := New(Options{Out: &bytes.Buffer{}})
	err := c.Update(context.Background(), adapters.PostRef{ID: "x"}, adapters.Message{Text: "y"})
	if !errors.Is(err, adapters.ErrNotFound) {
		t.Errorf("Update = %v, want ErrNotFound", err)
	}
}

func TestLookupUser(t *testing.T) {
	c := New(Options{Locale: "en"})
	tests := []struct {
		in, want string // want "" means not found
	}{
		{"anna", "anna"},
		{"@anna", "anna"},
		{"jürgen.k_2-x", "jürgen.k_2-x"},
		{"", ""},
		{"@", ""},
		{"anna maria", ""},
		{"anna:", ""},
		{"@@anna", ""},
	}
	for _, tt := range tests {
		u, err := c.LookupUser(context.Background(), tt.in)
		if tt.want == "" {
			if !errors.Is(err, adapters.ErrNotFound) {
				t.Errorf("LookupUser(%q) = %+v, %v; want ErrNotFound", tt.in, u, err)
			}
			continue
		}
		if want := (adapters.User{ID: tt.want, Name: tt.want, Locale: "en"}); err != nil || u != want {
			t.Errorf("LookupUser(%q) = %+v, %v; want %+v", tt.in, u, err, want)
		}
	}
	// The bot's own name is a bot, so that no one hands a round or a circle to it.
	if u, err := c.LookupUser(context.Background(), "@wolbot"); err != nil || !u.IsBot {
		t.Errorf("LookupUser(@wolbot) = %+v, %v; want a bot", u, err)
	}
}

func TestCancelledContext(t *testing.T) {
	var out bytes.Buffer
	c := New(Options{Out: &out})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	msg := adapters.Message{Text: "x"}
	_, postErr := c.Post(ctx, "rat", msg)
	_, dmErr := c.DirectMessage(ctx, "anna", msg)
	_, chErr := c.CreatePrivateChannel(ctx, "t", "rat", nil)
	_, userErr := c.LookupUser(ctx, "anna")
	for i, err := range []error{
		postErr, dmErr, chErr, userErr,
		c.Update(ctx, adapters.PostRef{Channel: "rat", ID: "1"}, msg),
		c.Ephemeral(ctx, "rat", "anna", msg),
	} {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("call %d = %v, want context.Canceled", i, err)
		}
	}
	if out.Len() != 0 {
		t.Errorf("printed %q with a cancelled context", out.String())
	}
}

// chunkWriter records every Write call separately.
type chunkWriter struct {
	mu     sync.Mutex
	chunks []string
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.chunks = append(w.chunks, string(p))
	return len(p), nil
}

func TestConcurrentPostsDoNotInterleave(t *testing.T) {
	const goroutines, posts = 16, 50
	w := &chunkWriter{}
	c := New(Options{Out: w})
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range posts {
				tag := fmt.Sprintf("g%d-%d", g, i)
				msg := adapters.Message{
					Text:    tag + "\nzweite Zeile " + tag,
					Buttons: []adapters.Button{{ID: "a", Label: tag, Value: tag, Command: "/x " + tag}},
				}
				var err error
				switch i % 3 {
				case 0:
					var ref adapters.PostRef
					ref, err = c.Post(ctx, "rat", msg)
					if err == nil {
						err = c.Update(ctx, ref, msg)
					}
				case 1:
					_, err = c.DirectMessage(ctx, "anna", msg)
				case 2:
					err = c.Ephemeral(ctx, "rat", "bob", msg)
				}
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()

	// Every Write is one whole block, and the blocks parse back.
	seen := map[string]int{}
	for _, chunk := range w.chunks {
		lines := strings.Split(chunk, "\n")
		if len(lines) != 6 || lines[4] != "" || lines[5] != "" {
			t.Fatalf("chunk is not one block: %q", chunk)
		}
		tag := lines[1]
		if !strings.HasPrefix(lines[0], "[") || !strings.HasSuffix(lines[0], " wolbot:") && !strings.HasSuffix(lines[0], " wolbot (edited):") ||
			lines[2] != "zweite Zeile "+tag || lines[3] != "  ["+tag+"] → /x "+tag+" · .click "+clickName(lines[0])+" a "+tag {
			t.Fatalf("block is garbled: %q", chunk)
		}
		seen[tag]++
	}
	for g := range goroutines {
		for i := range posts {
			tag := fmt.Sprintf("g%d-%d", g, i)
			want := 1
			if i%3 == 0 {
				want = 2 // post and update
			}
			if seen[tag] != want {
				t.Errorf("%s printed %d times, want %d", tag, seen[tag], want)
			}
		}
	}
}

func TestKeyedPostPrintedOnce(t *testing.T) {
	var out strings.Builder
	c := New(Options{Out: &out})
	msg := adapters.Message{Text: "Kurzimpuls", Key: "imp:anna:1"}
	r1, err1 := c.DirectMessage(context.Background(), "anna", msg)
	r2, err2 := c.DirectMessage(context.Background(), "anna", msg)
	if err1 != nil || err2 != nil || r1 != r2 {
		t.Fatalf("refs %v %v, errors %v %v", r1, r2, err1, err2)
	}
	if n := strings.Count(out.String(), "[@anna] wolbot:"); n != 1 {
		t.Errorf("printed %d times, want once:\n%s", n, out.String())
	}
}

func TestInviteToChannelPrinted(t *testing.T) {
	var out strings.Builder
	c := New(Options{Out: &out})
	if err := c.InviteToChannel(context.Background(), "wol-rheinland-1", []string{"@anna", "bob"}); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "-- anna, bob invited to #wol-rheinland-1\n\n"; got != want {
		t.Errorf("printed %q, want %q", got, want)
	}
}

// clickName is the user a block's .click hint names: the reader of an ephemeral or DM block.
func clickName(header string) string {
	if m := readerRe.FindStringSubmatch(header); m != nil {
		return m[1] + m[2]
	}
	return "<name>"
}

var readerRe = regexp.MustCompile(`^\[(?:#\S+ → (\S+)|@(\S+))\]`)

// TestClickWorksFromWhatIsPrinted: the .click hint under a button is a line a script can use
// as it is (with the user's name), and it reaches the post that showed the button, even
// though the value carries a round id that appears nowhere else.
func TestClickWorksFromWhatIsPrinted(t *testing.T) {
	var out bytes.Buffer
	c := New(Options{In: strings.NewReader(""), Out: &out})
	ctx := context.Background()
	ref, err := c.Post(ctx, "allgemein", adapters.Message{Text: "Abstimmung", Buttons: []adapters.Button{
		{ID: "lc.vote", Label: "Punkt auf 2", Value: "r9f3:2", Command: "/lc vote 2"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var hint string
	for _, line := range strings.Split(out.String(), "\n") {
		if _, h, ok := strings.Cut(line, " · "); ok {
			hint = h
		}
	}
	if hint == "" {
		t.Fatalf("no .click hint printed:\n%s", out.String())
	}
	line := strings.Replace(hint, "<name>", "bob", 1)
	var got []adapters.Event
	c2 := c
	c2.opts.In = strings.NewReader(line + "\n")
	if err := c2.Run(ctx, adapters.HandlerFunc(func(_ context.Context, ev adapters.Event) { got = append(got, ev) })); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Kind != adapters.KindAction || got[0].User != "bob" || got[0].ActionID != "lc.vote" ||
		got[0].Value != "r9f3:2" || got[0].PostID != ref.ID {
		t.Errorf("%q gave events %+v, want bob's click on post %s", line, got, ref.ID)
	}
}
