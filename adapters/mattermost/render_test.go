package mattermost

import (
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"
)

func TestCodeSpan(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/lc vote 2", "`/lc vote 2`"},
		{"/lc topic `code`", "`` /lc topic `code` ``"},
		{"a ``b`` c", "```a ``b`` c```"},
		{"/lc\nnext", "`/lc next`"},
	}
	for _, tt := range tests {
		if got := codeSpan(tt.in); got != tt.want {
			t.Errorf("codeSpan(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNoMentions(t *testing.T) {
	for _, in := range []string{"@channel", "@here", "@all", "@anna", "<!channel>", "Ende @channel jetzt"} {
		got := noMentions(in)
		if strings.Contains(got, in) {
			t.Errorf("noMentions(%q) = %q still mentions", in, got)
		}
		if strings.ReplaceAll(got, zwsp, "") != in {
			t.Errorf("noMentions(%q) = %q changes what readers see", in, got)
		}
	}
}

func TestChannelSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"WOL Rheinland", "wol-rheinland-abc123"},
		{"Köln & Düren (Süd)", "koeln-dueren-sued-abc123"},
		{"  ---  ", "wolbot-abc123"},
		{"Straße_1", "strasse-1-abc123"},
		{strings.Repeat("x", 100), strings.Repeat("x", 64-7) + "-abc123"},
	}
	for _, tt := range tests {
		got := channelSlug(tt.in, "abc123")
		if got != tt.want {
			t.Errorf("channelSlug(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !model.IsValidChannelIdentifier(got) || len(got) > model.ChannelNameMaxLength {
			t.Errorf("channelSlug(%q) = %q is not a valid channel name", tt.in, got)
		}
	}
}
