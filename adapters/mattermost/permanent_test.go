package mattermost

import (
	"errors"
	"net/http"
	"testing"

	"github.com/wolbot/wolbot/adapters"
)

// A post Mattermost refuses for good (403: the bot left the channel or it was archived; 404:
// it is gone) is permanent, so a timer gives up at once; other failures are not.
func TestAPIErrorPermanent(t *testing.T) {
	tests := []struct {
		op        string
		status    int
		permanent bool
		notFound  bool
	}{
		{"create post", http.StatusForbidden, true, false},
		{"create post", http.StatusNotFound, true, true},
		{"direct message", http.StatusForbidden, true, false},
		{"create post", http.StatusInternalServerError, false, false},
		{"create post", http.StatusTooManyRequests, false, false},
		{"update post", http.StatusNotFound, false, true},
		{"create post", 0, false, false},
	}
	for _, tt := range tests {
		err := error(&APIError{Op: tt.op, Status: tt.status, Attempts: 1, Err: errors.New("refused")})
		if got := adapters.IsPermanent(err); got != tt.permanent {
			t.Errorf("%s %d: IsPermanent = %v, want %v", tt.op, tt.status, got, tt.permanent)
		}
		if got := errors.Is(err, adapters.ErrNotFound); got != tt.notFound {
			t.Errorf("%s %d: ErrNotFound = %v, want %v", tt.op, tt.status, got, tt.notFound)
		}
	}
}
