package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/wolbot/wolbot/storage/redistest"
)

// pipedStatusScript is n commands in a row, as a piped script sends them: far faster than the
// per-user flood limit of a chat platform allows.
func pipedStatusScript(n int) string {
	var sb strings.Builder
	sb.WriteString("#kreis-dueren\n")
	for i := range n {
		fmt.Fprintf(&sb, "anna: /impuls status %d\n", i)
	}
	return sb.String()
}

// TestConsoleRunsAPipedScriptWithoutFloodLimit: the console is one person's terminal; the
// per-user rate limit used to drop everything after the first 20 lines of a piped script.
func TestConsoleRunsAPipedScriptWithoutFloodLimit(t *testing.T) {
	store := redistest.Store(t)
	var out, errs bytes.Buffer
	code := run(context.Background(), nil, strings.NewReader(pipedStatusScript(60)), &out, &errs, env(withRedis(map[string]string{
		"WOLBOT_NAMESPACE": store.NS,
	})))
	if code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, errs.String())
	}
	if n := len(parseBlocks(out.String())); n != 60 {
		t.Errorf("%d answers to 60 commands:\n%s", n, out.String())
	}
}

// TestRateLimitIsConfigurable: WOLBOT_RATE_LIMIT sets the limit on any platform, the console too.
func TestRateLimitIsConfigurable(t *testing.T) {
	store := redistest.Store(t)
	var out, errs bytes.Buffer
	code := run(context.Background(), nil, strings.NewReader(pipedStatusScript(10)), &out, &errs, env(withRedis(map[string]string{
		"WOLBOT_NAMESPACE": store.NS, "WOLBOT_RATE_LIMIT": "5/1m",
	})))
	if code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, errs.String())
	}
	blocks := parseBlocks(out.String())
	if len(blocks) != 6 || !strings.Contains(blocks[5].Text, "sehr schnell hintereinander") {
		t.Errorf("want 5 answers and one notice, got %d blocks:\n%s", len(blocks), out.String())
	}
}

func TestRateLimitSetting(t *testing.T) {
	for _, v := range []string{"", "off", "20/4s", "60/1m", "5/s"} {
		if _, err := loadConfig(nil, env(map[string]string{"WOLBOT_RATE_LIMIT": v}), io.Discard); err != nil {
			t.Errorf("WOLBOT_RATE_LIMIT=%q: %v", v, err)
		}
	}
	for _, v := range []string{"viel", "0/1s", "5/0s", "-1/1s", "5/-1s", "5", "5/x"} {
		_, err := loadConfig(nil, env(map[string]string{"WOLBOT_RATE_LIMIT": v}), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "WOLBOT_RATE_LIMIT") {
			t.Errorf("WOLBOT_RATE_LIMIT=%q: err = %v, want one naming the variable", v, err)
		}
	}
}
