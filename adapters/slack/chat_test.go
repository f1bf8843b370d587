package slack

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wolbot/wolbot/adapters"
)

func TestPostRetriedAfter429(t *testing.T) {
	f := newFakeSlack(t)
	a := newTestAdapter(t, f, Options{})
	var n atomic.Int32
	f.on("chat.postMessage", func(w http.ResponseWriter, _ url.Values) bool {
		if n.Add(1) > 1 {
			return false // the default answer: posted
		}
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	})
	start := time.Now()
	ref, err := a.Post(context.Background(), "C0LEAN", adapters.Message{Text: "Board"})
	if err != nil {
		t.Fatalf("Post: %v", err)
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("retried after %v, before Retry-After", took)
	}
	if calls := f.callsTo("chat.postMessage"); len(calls) != 2 || ref.ID == "" || ref.Channel != "C0LEAN" {
		t.Errorf("%d calls, ref %+v", len(calls), ref)
	}
}

func TestFailuresReturnedAfterBoundedRetries(t *testing.T) {
	tests := []struct {
		name     string
		answer   func(w http.ResponseWriter)
		calls    int
		notFound bool
		contains string
	}{
		{
			name:     "server error is retried, then returned",
			answer:   func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) },
			calls:    4,
			contains: "giving up after 4 attempts",
		},
		{
			name: "rate limit that never ends is returned",
			answer: func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusTooManyRequests)
			},
			calls:    4,
			contains: "rate limit",
		},
		{
			name: "Retry-After beyond the limit is not waited for",
			answer: func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "3600")
				w.WriteHeader(http.StatusTooManyRequests)
			},
			calls:    1,
			contains: "rate limit",
		},
		{
			name:     "slack's internal_error is retried",
			answer:   func(w http.ResponseWriter) { slackError(w, "internal_error") },
			calls:    4,
			contains: "internal_error",
		},
		{
			name:     "unknown channel is not retried and is ErrNotFound",
			answer:   func(w http.ResponseWriter) { slackError(w, "channel_not_found") },
			calls:    1,
			notFound: true,
			contains: "chat.postMessage",
		},
		{
			name:     "missing scope is not retried",
			answer:   func(w http.ResponseWriter) { slackError(w, "missing_scope") },
			calls:    1,
			contains: "missing_scope",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSlack(t)
			a := newTestAdapter(t, f, Options{})
			f.on("chat.postMessage", func(w http.ResponseWriter, _ url.Values) bool {
				tt.answer(w)
				return true
			})
			_, err := a.Post(context.Background(), "C0LEAN", adapters.Message{Text: "x"})
			if err == nil {
				t.Fatal("Post succeeded")
			}
			if n := len(f.callsTo("chat.postMessage")); n != tt.calls {
				t.Errorf("%d calls, want %d", n, tt.calls)
			}
			if errors.Is(err, adapters.ErrNotFound) != tt.notFound {
				t.Errorf("errors.Is(%v, ErrNotFound) = %v", err, !tt.notFound)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not mention %q", err, tt.contains)
			}
		})
	}
}

func TestNetworkFailureRetried(t *testing.T) {
	f := newFakeSlack(t)
	a := newTestAdapter(t, f, Options{})
	var n atomic.Int32
	f.on("chat.update", func(w http.ResponseWriter, _ url.Values) bool {
		if n.Add(1) > 1 {
			return false
		}
		// Cut the connection without an answer, as a failing proxy would.
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return true
	})
	if err := a.Update(context.Background(), adapters.PostRef{Channel: "C0LEAN", ID: "1.2"}, adapters.Message{Text: "x"}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if calls := len(f.callsTo("chat.update")); calls != 2 {
		t.Errorf("%d calls, want 2", calls)
	}
}

func TestDirectMessageOpensConversationOnce(t *testing.T) {
	f := newFakeSlack(t)
	a := newTestAdapter(t, f, Options{})
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		ref, err := a.DirectMessage(ctx, "U0ANNA", adapters.Message{Text: "Dein Kreis startet"})
		if err != nil {
			t.Fatal(err)
		}
		if ref.Channel != "D0ANNA" {
			t.Errorf("posted to %q", ref.Channel)
		}
	}
	// By handle: resolved with users.list first.
	if _, err := a.DirectMessage(ctx, "@bob", adapters.Message{Text: "Impuls"}); err != nil {
		t.Fatal(err)
	}
	opens := f.callsTo("conversations.open")
	if len(opens) != 2 || opens[0].Form.Get("users") != "U0ANNA" || opens[1].Form.Get("users") != "U0BOB" {
		t.Errorf("conversations.open calls %v", opens)
	}
	posts := f.callsTo("chat.postMessage")
	if len(posts) != 3 || posts[2].Form.Get("channel") != "D0BOB" {
		t.Errorf("posts %v", posts)
	}
}

func TestCreatePrivateChannel(t *testing.T) {
	f := newFakeSlack(t)
	a := newTestAdapter(t, f, Options{})
	f.on("conversations.create", func(w http.ResponseWriter, form url.Values) bool {
		if form.Get("name") == "wol-rheinland-sued" {
			slackError(w, "name_taken")
			return true
		}
		return false
	})
	f.on("conversations.invite", func(w http.ResponseWriter, form url.Values) bool {
		if strings.Contains(form.Get("users"), testBotUser) {
			slackError(w, "cant_invite_self")
			return true
		}
		return false
	})
	id, err := a.CreatePrivateChannel(context.Background(), testTeam, "WOL Rheinland Süd!",
		[]string{"U0ANNA", "@bob", testBotUser, "U0ANNA"})
	if err != nil {
		t.Fatal(err)
	}
	if id != "G0NEWCHAN" {
		t.Errorf("id %q", id)
	}
	creates := f.callsTo("conversations.create")
	if len(creates) != 2 || creates[1].Form.Get("name") != "wol-rheinland-sued-2" ||
		creates[1].Form.Get("is_private") != "true" || creates[1].Form.Get("team_id") != "" {
		t.Errorf("conversations.create calls %v", creates)
	}
	invites := f.callsTo("conversations.invite")
	if len(invites) != 1 || invites[0].Form.Get("channel") != "G0NEWCHAN" || invites[0].Form.Get("users") != "U0ANNA,U0BOB" {
		t.Errorf("conversations.invite calls %v", invites)
	}

	// A failed invitation returns the channel with the error.
	f.on("conversations.invite", func(w http.ResponseWriter, _ url.Values) bool {
		slackError(w, "user_is_restricted")
		return true
	})
	id, err = a.CreatePrivateChannel(context.Background(), "", "kreis", []string{"U0ANNA"})
	if id != "G0NEWCHAN" || err == nil || !strings.Contains(err.Error(), "user_is_restricted") {
		t.Errorf("failed invite: %q, %v", id, err)
	}
}

func TestChannelName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"WOL Rheinland 1", "wol-rheinland-1"},
		{"#Kreis Düren/Jülich", "kreis-dueren-juelich"},
		{"  straße__x ", "strasse__x"},
		{"!!!", ""},
		{strings.Repeat("a", 100), strings.Repeat("a", 80)},
	}
	for _, tt := range tests {
		if got := channelName(tt.in); got != tt.want {
			t.Errorf("channelName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLookupUser(t *testing.T) {
	f := newFakeSlack(t)
	a := newTestAdapter(t, f, Options{})
	f.on("users.info", func(w http.ResponseWriter, form url.Values) bool {
		if form.Get("user") == "U0NOBODY" {
			slackError(w, "user_not_found")
			return true
		}
		if form.Get("include_locale") != "true" {
			t.Errorf("users.info without include_locale")
		}
		return false
	})
	ctx := context.Background()
	tests := []struct {
		in       string
		want     adapters.User
		notFound bool
	}{
		{in: testUser, want: adapters.User{ID: testUser, Name: "spengler", Locale: "en-US"}},
		{in: "<@" + testUser + "|spengler>", want: adapters.User{ID: testUser, Name: "spengler", Locale: "en-US"}},
		{in: "@anna", want: adapters.User{ID: "U0ANNA", Name: "anna", Locale: "de-DE"}},
		{in: "Anna", want: adapters.User{ID: "U0ANNA", Name: "anna", Locale: "de-DE"}},
		{in: "anna k.", want: adapters.User{ID: "U0ANNA", Name: "anna", Locale: "de-DE"}}, // unique display name
		{in: "bob", want: adapters.User{ID: "U0BOB", Name: "bob", Locale: "en-GB"}},       // user name wins over shared display name
		{in: "kalender", want: adapters.User{ID: "U0KALENDER", Name: "kalender", IsBot: true}},
		{in: "@slackbot", want: adapters.User{ID: "USLACKBOT", Name: "slackbot", IsBot: true}}, // not flagged by Slack
		{in: "gone", notFound: true}, // deleted
		{in: "@nobody", notFound: true},
		{in: "U0NOBODY", notFound: true},
		{in: "@", notFound: true},
	}
	for _, tt := range tests {
		u, err := a.LookupUser(ctx, tt.in)
		if tt.notFound {
			if !errors.Is(err, adapters.ErrNotFound) {
				t.Errorf("LookupUser(%q) = %+v, %v; want ErrNotFound", tt.in, u, err)
			}
			continue
		}
		if err != nil || u != tt.want {
			t.Errorf("LookupUser(%q) = %+v, %v; want %+v", tt.in, u, err, tt.want)
		}
	}
	// All names came from one users.list scan; the misses did not rescan.
	if n := len(f.callsTo("users.list")); n != 1 {
		t.Errorf("users.list called %d times, want 1", n)
	}
}

func TestNewChecksConfiguration(t *testing.T) {
	f := newFakeSlack(t)
	tests := []struct {
		name    string
		opts    Options
		mention string
	}{
		{"no bot token", Options{AppToken: testAppTok}, "SLACK_BOT_TOKEN"},
		{"neither mode", Options{BotToken: "xoxb-1"}, "SLACK_APP_TOKEN"},
		{"bot token as app token", Options{BotToken: "xoxb-1", AppToken: "xoxb-1"}, "SLACK_APP_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.APIURL = f.GetAPIURL()
			_, err := New(context.Background(), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("New = %v, want an error naming %s", err, tt.mention)
			}
		})
	}

	f.on("auth.test", func(w http.ResponseWriter, _ url.Values) bool {
		slackError(w, "invalid_auth")
		return true
	})
	_, err := New(context.Background(), Options{BotToken: "xoxb-revoked", SigningSecret: "s", APIURL: f.GetAPIURL()})
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") || strings.Contains(err.Error(), "xoxb-revoked") {
		t.Errorf("New with a refused token = %v", err)
	}
}

func TestFiles(t *testing.T) {
	ics := adapters.File{Name: "wol-kreis.ics", Type: "text/calendar", Data: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")}
	md := adapters.File{Name: `..\protokoll.md`, Type: "text/markdown", Data: []byte("# Protokoll\n")}
	tests := []struct {
		name        string
		send        func(ctx context.Context, a *Adapter, msg adapters.Message) error
		msg         adapters.Message
		channel     string // where the message and files must land
		wantPost    bool
		wantTitles  []string
		noEphemeral bool
	}{
		{name: "post with text and two files",
			send: func(ctx context.Context, a *Adapter, msg adapters.Message) error {
				ref, err := a.Post(ctx, "C0KREIS", msg)
				if err == nil && ref.ID == "" {
					err = errors.New("post without ts")
				}
				return err
			},
			msg:     adapters.Message{Text: "Willkommen", Files: []adapters.File{ics, md}},
			channel: "C0KREIS", wantPost: true, wantTitles: []string{"wol-kreis.ics", "protokoll.md"}},
		{name: "files only: the share alone",
			send: func(ctx context.Context, a *Adapter, msg adapters.Message) error {
				_, err := a.Post(ctx, "C0KREIS", msg)
				return err
			},
			msg:     adapters.Message{Files: []adapters.File{ics}},
			channel: "C0KREIS", wantTitles: []string{"wol-kreis.ics"}},
		{name: "direct message shares into the DM",
			send: func(ctx context.Context, a *Adapter, msg adapters.Message) error {
				_, err := a.DirectMessage(ctx, "U0ANNA", msg)
				return err
			},
			msg:     adapters.Message{Text: "Ihr Kalender", Files: []adapters.File{ics}},
			channel: "D0ANNA", wantPost: true, wantTitles: []string{"wol-kreis.ics"}},
		{name: "ephemeral with a file becomes a direct message",
			send: func(ctx context.Context, a *Adapter, msg adapters.Message) error {
				return a.Ephemeral(ctx, "C0KREIS", "U0ANNA", msg)
			},
			msg:     adapters.Message{Text: "Nur für Sie", Files: []adapters.File{ics}},
			channel: "D0ANNA", wantPost: true, wantTitles: []string{"wol-kreis.ics"}, noEphemeral: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSlack(t)
			a := newTestAdapter(t, f, Options{})
			if err := tt.send(context.Background(), a, tt.msg); err != nil {
				t.Fatal(err)
			}
			posts := f.callsTo("chat.postMessage")
			if tt.wantPost != (len(posts) == 1) || len(posts) > 1 {
				t.Fatalf("%d chat.postMessage calls, want post=%v", len(posts), tt.wantPost)
			}
			if tt.wantPost && (posts[0].Form.Get("channel") != tt.channel || !strings.Contains(posts[0].Form.Get("text"), tt.msg.Text)) {
				t.Errorf("posted %v", posts[0].Form)
			}
			if tt.noEphemeral && len(f.callsTo("chat.postEphemeral")) != 0 {
				t.Error("chat.postEphemeral called: ephemeral messages cannot carry files")
			}
			for i, c := range f.callsTo("files.getUploadURLExternal") {
				if c.Form.Get("filename") != tt.wantTitles[i] || c.Form.Get("length") != strconv.Itoa(len(tt.msg.Files[i].Data)) {
					t.Errorf("getUploadURLExternal %d: %v", i, c.Form)
				}
			}
			if n := len(f.callsTo("files.completeUploadExternal")); n != 1 {
				t.Errorf("%d completeUploadExternal calls, want 1 for all files", n)
			}
			shared := f.shared(tt.channel)
			if len(shared) != len(tt.wantTitles) {
				t.Fatalf("%d files shared into %s, want %d", len(shared), tt.channel, len(tt.wantTitles))
			}
			for i, u := range shared {
				if u.title != tt.wantTitles[i] || u.name != tt.wantTitles[i] || string(u.data) != string(tt.msg.Files[i].Data) {
					t.Errorf("file %d: %q/%q %q", i, u.name, u.title, u.data)
				}
			}
		})
	}
}

func TestFileUploadRefusedPostsNothing(t *testing.T) {
	f := newFakeSlack(t)
	a := newTestAdapter(t, f, Options{})
	f.on("files.getUploadURLExternal", func(w http.ResponseWriter, _ url.Values) bool {
		slackError(w, "not_allowed_token_type")
		return true
	})
	_, err := a.Post(context.Background(), "C0KREIS", adapters.Message{Text: "x", Files: []adapters.File{{Name: "a.ics", Data: []byte("x")}}})
	if err == nil || !strings.Contains(err.Error(), "not_allowed_token_type") {
		t.Errorf("Post = %v, want Slack's refusal", err)
	}
	if n := len(f.callsTo("chat.postMessage")); n != 0 {
		t.Errorf("%d messages posted although the file could not be uploaded", n)
	}
	if _, err := a.Post(context.Background(), "C0KREIS", adapters.Message{Text: "x", Files: []adapters.File{{Name: "leer.ics"}}}); err == nil {
		t.Error("an empty file was accepted; Slack refuses length 0")
	}
}
