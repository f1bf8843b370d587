package slack

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/wolbot/wolbot/adapters"
)

// Errors that no retry can fix are marked permanent, so a timer gives up at once.
func TestPermanentErrorCodes(t *testing.T) {
	tests := []struct {
		code      string
		permanent bool
	}{
		{"not_in_channel", true},
		{"channel_not_found", true},
		{"is_archived", true},
		{"user_disabled", true},
		{"account_inactive", true},
		{"missing_scope", false},
		{"internal_error", false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			f := newFakeSlack(t)
			a := newTestAdapter(t, f, Options{})
			f.on("chat.postMessage", func(w http.ResponseWriter, _ url.Values) bool {
				slackError(w, tt.code)
				return true
			})
			_, err := a.Post(context.Background(), "C0LEAN", adapters.Message{Text: "x"})
			if err == nil {
				t.Fatal("Post succeeded")
			}
			if got := adapters.IsPermanent(err); got != tt.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tt.permanent)
			}
		})
	}
}
