package console

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wolbot/wolbot/adapters"
)

// recorder is a Handler that collects events; react, if set, runs for each event and may
// answer through the Console, as the core would.
type recorder struct {
	mu     sync.Mutex
	events []adapters.Event
	react  func(ctx context.Context, ev adapters.Event)
}

func (r *recorder) HandleEvent(ctx context.Context, ev adapters.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	if r.react != nil {
		r.react(ctx, ev)
	}
}

func (r *recorder) all() []adapters.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]adapters.Event(nil), r.events...)
}

// runScript runs script through a new Console built from opts and returns the console, the
// events and what was written to Err.
func runScript(t *testing.T, opts Options, script string, rec *recorder) (*Console, []adapters.Event, string) {
	t.Helper()
	var errOut bytes.Buffer
	opts.In = strings.NewReader(script)
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	opts.Err = &errOut
	c := New(opts)
	if rec == nil {
		rec = &recorder{}
	}
	if err := c.Run(context.Background(), rec); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return c, rec.all(), errOut.String()
}

// cmd is the command event that user sends in channel, as the test defaults configure it.
func cmd(user, channel, text string) adapters.Event {
	return adapters.Event{
		Kind: adapters.KindCommand, Platform: "console", Team: "console",
		Channel: channel, ChannelName: channel, User: user, UserName: user,
		Direct: strings.HasPrefix(channel, "@"), Text: text,
	}
}

func TestRunParsesLines(t *testing.T) {
	click := cmd("bob", "allgemein", "")
	click.Kind, click.Text, click.ActionID = adapters.KindAction, "", "lc.start"
	localized := cmd("anna", "allgemein", "help")
	localized.Team, localized.Locale = "rathaus", "en"

	tests := []struct {
		name     string
		opts     Options
		script   string
		want     []adapters.Event
		wantHint string // substring of Err; "" means Err stays empty
	}{
		{name: "slash command", script: "anna: /lc start votes=3\n",
			want: []adapters.Event{cmd("anna", "allgemein", "lc start votes=3")}},
		{name: "slash command without space after colon", script: "anna:/lc help",
			want: []adapters.Event{cmd("anna", "allgemein", "lc help")}},
		{name: "mention is a command", script: "anna: @wolbot  lc start \n",
			want: []adapters.Event{cmd("anna", "allgemein", "lc start")}},
		{name: "mention ignores case", script: "anna: @WolBot help\n",
			want: []adapters.Event{cmd("anna", "allgemein", "help")}},
		{name: "mention alone", script: "anna: @wolbot\n",
			want: []adapters.Event{cmd("anna", "allgemein", "")}},
		{name: "longer handle is no mention", script: "anna: @wolbotter hi\n"},
		{name: "plain chat is ignored", script: "anna: Hallo zusammen, wer macht mit?\n"},
		{name: "mention later in text is chat", script: "anna: frag doch @wolbot\n"},
		{name: "custom bot name", opts: Options{BotName: "kaffee"},
			script: "anna: @kaffee start\nanna: @wolbot start\n",
			want:   []adapters.Event{cmd("anna", "allgemein", "start")}},
		{name: "custom start channel", opts: Options{Channel: "lobby"}, script: "anna: /x\n",
			want: []adapters.Event{cmd("anna", "lobby", "x")}},
		{name: "team and locale from options", opts: Options{Team: "rathaus", Locale: "en"},
			script: "anna: /help\n", want: []adapters.Event{localized}},
		{name: "channel switch", script: "#kreis-dueren\nbob: /lc help\n#allgemein\nbob: /x\n",
			want: []adapters.Event{cmd("bob", "kreis-dueren", "lc help"), cmd("bob", "allgemein", "x")}},
		{name: "direct messages are always commands",
			script: "@wolbot\nanna: lc help\nbob: /wol join\ncarl: @wolbot status\n",
			want: []adapters.Event{cmd("anna", "@anna", "lc help"), cmd("bob", "@bob", "wol join"),
				cmd("carl", "@carl", "status")}},
		{name: "empty direct message is ignored", script: "@wolbot\nanna:\n"},
		{name: "channel line leaves direct mode", script: "@wolbot\n#rat\nanna: hallo\nanna: /x\n",
			want: []adapters.Event{cmd("anna", "rat", "x")}},
		{name: "comments and empty lines", script: "// a comment\n\n   \n\t// indented\n"},
		{name: "CRLF line ends", script: "anna: /lc help\r\n#kreis\r\nbob: /x\r\n",
			want: []adapters.Event{cmd("anna", "allgemein", "lc help"), cmd("bob", "kreis", "x")}},
		{name: "umlauts and punctuation in names", script: "jürgen: /a\nÖzlem-K._2: /b\n",
			want: []adapters.Event{cmd("jürgen", "allgemein", "a"), cmd("Özlem-K._2", "allgemein", "b")}},
		{name: "bad line gets a hint and reading goes on", script: "what is this\nanna: /x\n",
			want: []adapters.Event{cmd("anna", "allgemein", "x")}, wantHint: `line 1: cannot read "what is this"`},
		{name: "space in name is a bad line", script: "anna maria: /x\n", wantHint: "line 1:"},
		{name: "channel with spaces is a bad line", script: "\n#a b\n", wantHint: "line 2: a channel name"},
		{name: "bare hash is a bad line", script: "#\n", wantHint: "line 1:"},
		{name: "unknown dot command", script: ".sleep 5s\n", wantHint: `cannot read ".sleep 5s"`},
		{name: "bad wait", script: ".wait soon\n", wantHint: `.wait needs a duration such as 5s, not "soon"`},
		{name: "negative wait", script: ".wait -1s\n", wantHint: ".wait needs"},
		{name: "click without action", script: ".click anna\n", wantHint: ".click needs"},
		{name: "click without value", script: ".click bob lc.start\n", want: []adapters.Event{click}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got, hint := runScript(t, tt.opts, tt.script, nil)
			for i := range got {
				if got[i].ID == "" {
					t.Errorf("event %d has no ID", i)
				}
				got[i].ID = ""
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d events %+v, want %d %+v", len(got), got, len(tt.want), tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("event %d:\n got %+v\nwant %+v", i, got[i], tt.want[i])
				}
			}
			switch {
			case tt.wantHint == "" && hint != "":
				t.Errorf("unexpected hint %q", hint)
			case !strings.Contains(hint, tt.wantHint):
				t.Errorf("hint %q does not contain %q", hint, tt.wantHint)
			case tt.wantHint != "" && strings.Count(hint, "\n") != 1:
				t.Errorf("hint %q is not one line", hint)
			}
		})
	}
}

func TestEventIDsAreUnique(t *testing.T) {
	const script = "anna: /a\nanna: /a\n#x\n.click anna b.c\n"
	seen := map[string]bool{}
	for range 2 { // two runs of the bot, e.g. before and after a restart
		_, events, _ := runScript(t, Options{}, script, nil)
		if len(events) != 3 {
			t.Fatalf("got %d events, want 3", len(events))
		}
		for _, ev := range events {
			if !strings.HasPrefix(ev.ID, "console-") || seen[ev.ID] {
				t.Errorf("ID %q is malformed or repeated", ev.ID)
			}
			seen[ev.ID] = true
		}
	}
}

func TestLongLine(t *testing.T) {
	long := strings.Repeat("ä", 64*1024) // 128 KiB of UTF-8
	_, events, _ := runScript(t, Options{}, "anna: /lc add "+long+"\r\nbob: /x\n", nil)
	if len(events) != 2 || events[0].Text != "lc add "+long || events[1].Text != "x" {
		t.Fatalf("long line not read whole: %d events", len(events))
	}

	c := New(Options{In: strings.NewReader("anna: /" + strings.Repeat("x", maxLine) + "\n"), Err: io.Discard})
	if err := c.Run(context.Background(), &recorder{}); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("Run on a line over the limit = %v, want an error naming line 1", err)
	}
}

func TestWaitPauses(t *testing.T) {
	var times []time.Time
	rec := &recorder{react: func(context.Context, adapters.Event) { times = append(times, time.Now()) }}
	runScript(t, Options{}, "anna: /a\n.wait 60ms\nanna: /b\n", rec)
	if len(times) != 2 {
		t.Fatalf("got %d events, want 2", len(times))
	}
	if d := times[1].Sub(times[0]); d < 60*time.Millisecond {
		t.Errorf("events %v apart, want at least 60ms", d)
	}
}

func TestWaitHonoursCancel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	rec := &recorder{}
	c := New(Options{In: strings.NewReader(".wait 1h\nanna: /late\n"), Err: io.Discard})
	start := time.Now()
	if err := c.Run(ctx, rec); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Run took %v after cancel", d)
	}
	if ev := rec.all(); len(ev) != 0 {
		t.Errorf("got events %+v after cancel", ev)
	}
}

func TestRunReturnsOnCancelWhileReading(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close() // lets the reading goroutine end
	ctx, cancel := context.WithCancel(context.Background())
	rec := &recorder{}
	c := New(Options{In: pr, Err: io.Discard})
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, rec) }()

	io.WriteString(pw, "anna: /one\n") // returns once the reader has taken it
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestRunReturnsAtEOF(t *testing.T) {
	pr, pw := io.Pipe()
	rec := &recorder{}
	c := New(Options{In: pr, Err: io.Discard})
	done := make(chan error, 1)
	go func() { done <- c.Run(context.Background(), rec) }()

	io.WriteString(pw, "anna: /one\nanna: /two")
	pw.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return at end of input")
	}
	if ev := rec.all(); len(ev) != 2 || ev[1].Text != "two" {
		t.Errorf("got %+v, want two events, the last without a line end", ev)
	}
}

func TestClickResolvesPost(t *testing.T) {
	vote := adapters.Button{ID: "lc.vote", Label: "1", Value: "r7:1", Command: "/lc vote 1"}
	var c *Console
	refs := map[string]adapters.PostRef{} // by the word after "post"
	rec := &recorder{react: func(ctx context.Context, ev adapters.Event) {
		word, arg, _ := strings.Cut(ev.Text, " ")
		switch word {
		case "post": // a post carrying the vote button
			ref, err := c.Post(ctx, ev.Channel, adapters.Message{Text: arg, Buttons: []adapters.Button{vote}})
			if err != nil {
				t.Error(err)
			}
			refs[arg] = ref
		case "plain": // a later post without buttons must not shadow earlier ones
			if _, err := c.Post(ctx, ev.Channel, adapters.Message{Text: arg}); err != nil {
				t.Error(err)
			}
		case "strip": // the post loses its buttons
			if err := c.Update(ctx, refs[arg], adapters.Message{Text: arg}); err != nil {
				t.Error(err)
			}
		case "dm":
			ref, err := c.DirectMessage(ctx, ev.User, adapters.Message{Text: arg, Buttons: []adapters.Button{vote}})
			if err != nil {
				t.Error(err)
			}
			refs[arg] = ref
		}
	}}
	script := strings.Join([]string{
		"anna: /post p1",
		"anna: /post p2",
		"anna: /plain x",
		"#nebenan",
		"anna: /post p3",
		"#allgemein",
		".click bob lc.vote r7:1", // p2: the latest matching post here, not p3 elsewhere
		".click bob lc.vote r7:2", // no post has that value
		".click bob lc.other r7:1",
		"anna: /strip p2",
		".click bob lc.vote r7:1", // p2 lost its buttons: p1
		"@wolbot",
		"anna: dm d1",
		".click anna lc.vote r7:1", // in anna's conversation
		"#nebenan",
		".click carl lc.vote   r7:1",
	}, "\n")
	c = New(Options{In: strings.NewReader(script), Out: io.Discard, Err: io.Discard})
	if err := c.Run(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	var clicks []adapters.Event
	for _, ev := range rec.all() {
		if ev.Kind == adapters.KindAction {
			clicks = append(clicks, ev)
		}
	}
	want := []struct{ user, channel, action, postID string }{
		{"bob", "allgemein", "lc.vote", refs["p2"].ID},
		{"bob", "allgemein", "lc.vote", ""},
		{"bob", "allgemein", "lc.other", ""},
		{"bob", "allgemein", "lc.vote", refs["p1"].ID},
		{"anna", "@anna", "lc.vote", refs["d1"].ID},
		{"carl", "nebenan", "lc.vote", refs["p3"].ID},
	}
	if len(clicks) != len(want) {
		t.Fatalf("got %d clicks, want %d", len(clicks), len(want))
	}
	for i, w := range want {
		got := clicks[i]
		if got.User != w.user || got.Channel != w.channel || got.ActionID != w.action || got.PostID != w.postID {
			t.Errorf("click %d = %+v, want %+v", i, got, w)
		}
	}
	if clicks[0].Value != "r7:1" || clicks[1].Value != "r7:2" || !clicks[4].Direct || clicks[0].Direct {
		t.Errorf("values or direct flags wrong: %+v", clicks)
	}
}

func TestNoBannerOnPipe(t *testing.T) {
	_, _, errOut := runScript(t, Options{}, "anna: /x\n", nil)
	if errOut != "" {
		t.Errorf("Err = %q, want nothing when input is not a terminal", errOut)
	}
}
