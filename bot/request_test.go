package bot

import (
	"context"
	"testing"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/adapters/chattest"
)

func TestRequestRest(t *testing.T) {
	tests := []struct {
		name string
		text string
		n    int
		want string
	}{
		{"keeps inner spacing after one arg", "/lc topic Wie  geht's?", 1, "Wie  geht's?"},
		{"n=0 skips only the feature word", "/lc topic Wie  geht's?", 0, "topic Wie  geht's?"},
		{"n=2 skips two args", "/lc topic Wie  geht's?", 2, "geht's?"},
		{"fewer words than n is empty", "/lc vote", 2, ""},
		{"exactly n words is empty", "/lc vote", 1, ""},
		{"only the feature word", "/lc", 0, ""},
		{"empty text", "", 0, ""},
		{"spaces around and between words", "   /lc   topic   a  b   ", 1, "a  b"},
		{"tabs separate words", "/lc\ttopic\tWie\t geht's", 1, "Wie\t geht's"},
		{"keeps line breaks in the rest", "/lc topic Zeile 1\nZeile 2", 1, "Zeile 1\nZeile 2"},
		{"a line break ends the skipped arg", "/lc topic\nZeile 1", 1, "Zeile 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &Request{Event: adapters.Event{Kind: adapters.KindCommand, Text: tt.text}}
			if got := req.Rest(tt.n); got != tt.want {
				t.Errorf("Rest(%d) of %q = %q, want %q", tt.n, tt.text, got, tt.want)
			}
		})
	}
}

// TestRequestRestLineBreakBeforeSkippedArg guards a fixed bug (see request.go Rest): a line break
// right after a skipped word is not trimmed, so the next word is not skipped.
func TestRequestRestLineBreakBeforeSkippedArg(t *testing.T) {
	tests := []struct {
		name string
		text string
		n    int
		want string
	}{
		{"line break after the feature word", "/lc\ntopic Wie geht's", 1, "Wie geht's"},
		{"line break between args", "/lc vote\n2 3", 2, "3"},
		{"CRLF after the feature word", "/lc\r\ntopic x", 1, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &Request{Event: adapters.Event{Kind: adapters.KindCommand, Text: tt.text}}
			if got := req.Rest(tt.n); got != tt.want {
				t.Errorf("Rest(%d) of %q = %q, want %q", tt.n, tt.text, got, tt.want)
			}
		})
	}
}

func TestRequestReply(t *testing.T) {
	tests := []struct {
		name string
		ev   adapters.Event
		want chattest.Call
	}{
		{
			name: "in a channel only the user sees it",
			ev:   command("/x"),
			want: chattest.Call{Op: chattest.OpEphemeral, Channel: testChannel, User: testUser,
				Msg: adapters.Message{Text: "ok"}},
		},
		{
			name: "in a direct conversation it is posted there",
			ev:   direct(command("/x"), "D1"),
			want: chattest.Call{Op: chattest.OpPost, Channel: "D1", PostID: "p1",
				Msg: adapters.Message{Text: "ok"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, chat, _ := newTestBot(t)
			b.Handle("x", HandlerFunc(func(ctx context.Context, req *Request) error {
				return req.ReplyText(ctx, "ok")
			}))
			b.HandleEvent(context.Background(), tt.ev)
			calls := chat.Calls()
			if len(calls) != 1 {
				t.Fatalf("chat calls = %v, want one", replies(chat))
			}
			got := calls[0]
			if got.Op != tt.want.Op || got.Channel != tt.want.Channel || got.User != tt.want.User ||
				got.PostID != tt.want.PostID || got.Msg.Text != tt.want.Msg.Text {
				t.Errorf("reply = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestIsAdmin: admins are compared by user id only (issue 11.2); a user whose handle is an
// admin's entry is not an admin.
func TestIsAdmin(t *testing.T) {
	b := New(Options{Admins: []string{"U0ADMIN", "@Chef", "  boss  ", "", "@"}})
	tests := []struct {
		name string
		user string
		want bool
	}{
		{"by id", "U0ADMIN", true},
		{"by id in other case", "u0admin", true},
		{"an id configured as @chef", "chef", true},
		{"not an admin", "U9", false},
		{"empty user", "", false},
		{"a bare @ is nobody", "@", false},
		{"a prefix of an admin is not one", "U0ADM", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.IsAdmin(tt.user); got != tt.want {
				t.Errorf("IsAdmin(%q) = %v, want %v", tt.user, got, tt.want)
			}
		})
	}
}

func TestRequestIsAdminAsksTheBot(t *testing.T) {
	b := New(Options{Admins: []string{"U1"}})
	req := &Request{Event: adapters.Event{User: "U1", UserName: "anna"}, bot: b}
	if !req.IsAdmin() {
		t.Error("IsAdmin() = false for U1, want true")
	}
	req.Event = adapters.Event{User: "U2", UserName: "U1"}
	if req.IsAdmin() {
		t.Error("IsAdmin() = true for U2 named like the admin's id, want false")
	}
}
