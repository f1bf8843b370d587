package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/bot/impulses"
	"github.com/wolbot/wolbot/metrics"
	"github.com/wolbot/wolbot/storage"
	"github.com/wolbot/wolbot/storage/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// One value serves every observer interface the core defines.
var (
	_ bot.Observer                = (*metrics.Metrics)(nil)
	_ storage.TimerObserver       = (*metrics.Metrics)(nil)
	_ storage.TimerGiveUpObserver = (*metrics.Metrics)(nil)
	_ storage.KeepObserver        = (*metrics.Metrics)(nil)
	_ impulses.Observer           = (*metrics.Metrics)(nil)
	_ adapters.APIObserver        = (*metrics.Metrics)(nil)
)

// scrape GETs /metrics from m's handler over a real HTTP server and returns the text format.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read /metrics: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s\n%s", resp.Status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want the text exposition format", ct)
	}
	return string(body)
}

// wantLines fails for every line of want that the exposition lacks.
func wantLines(t *testing.T, exposition string, want ...string) {
	t.Helper()
	have := make(map[string]bool)
	for _, l := range strings.Split(exposition, "\n") {
		have[l] = true
	}
	for _, w := range want {
		if !have[w] {
			t.Errorf("exposition lacks %q", w)
		}
	}
}

func TestScrapeShowsObservations(t *testing.T) {
	m := metrics.New()

	m.EventHandled("lc", "command", bot.OutcomeOK, 3*time.Millisecond)
	m.EventHandled("lc", "command", bot.OutcomeOK, 200*time.Millisecond)
	m.EventHandled("lc", "action", bot.OutcomeDuplicate, time.Millisecond)
	m.EventHandled("unknown", "command", bot.OutcomeUnknownCommand, 2*time.Millisecond)
	m.EventHandled("impuls", "command", bot.OutcomePanic, 20*time.Millisecond)

	m.TimerFired("lc.tick", 30*time.Millisecond, nil)
	m.TimerFired("lc.tick", 2*time.Second, errors.New("redis: connection refused"))
	m.TimerFired("wol.remind", -time.Second, nil) // another replica's clock ahead

	m.Delivered(impulses.DeliveryDelivered)
	m.Delivered(impulses.DeliveryDelivered)
	m.Delivered(impulses.DeliverySkippedPaused)

	m.APICall("mattermost", "create post", 429, 1, errors.New("rate limited"))
	m.APICall("mattermost", "create post", 201, 2, nil)
	m.APICall("mattermost", "get user", 0, 1, &url.Error{Op: "Get", URL: "http://mm", Err: errors.New("connection refused")})
	m.APICall("mattermost", "get user", 0, 2, fmt.Errorf("get: %w", context.DeadlineExceeded))
	m.APICall("slack", "chat.postMessage", 200, 1, coded("channel_not_found"))

	got := scrape(t, m)
	wantLines(t, got,
		`wolbot_commands_total{feature="lc",kind="command",outcome="ok"} 2`,
		`wolbot_commands_total{feature="lc",kind="action",outcome="duplicate"} 1`,
		`wolbot_commands_total{feature="unknown",kind="command",outcome="unknown_command"} 1`,
		`wolbot_commands_total{feature="impuls",kind="command",outcome="panic"} 1`,
		// The duplicate is not handling time: two observations for lc, not three.
		`wolbot_command_duration_seconds_count{feature="lc"} 2`,
		`wolbot_command_duration_seconds_bucket{feature="lc",le="0.001"} 0`,
		`wolbot_command_duration_seconds_bucket{feature="lc",le="0.005"} 1`,
		`wolbot_command_duration_seconds_bucket{feature="lc",le="0.25"} 2`,
		`wolbot_command_duration_seconds_bucket{feature="lc",le="10"} 2`,
		`wolbot_command_duration_seconds_sum{feature="lc"} 0.203`,

		`wolbot_timer_lag_seconds_count{kind="lc.tick"} 2`,
		`wolbot_timer_lag_seconds_bucket{kind="lc.tick",le="0.05"} 1`,
		`wolbot_timer_lag_seconds_bucket{kind="lc.tick",le="2.5"} 2`,
		`wolbot_timer_lag_seconds_sum{kind="lc.tick"} 2.03`,
		`wolbot_timer_lag_seconds_bucket{kind="wol.remind",le="0.01"} 1`,
		`wolbot_timer_lag_seconds_sum{kind="wol.remind"} 0`,
		`wolbot_timers_fired_total{kind="lc.tick",outcome="ok"} 1`,
		`wolbot_timers_fired_total{kind="lc.tick",outcome="error"} 1`,
		`wolbot_timers_fired_total{kind="wol.remind",outcome="ok"} 1`,

		`wolbot_impulse_deliveries_total{outcome="delivered"} 2`,
		`wolbot_impulse_deliveries_total{outcome="skipped_paused"} 1`,

		`wolbot_platform_api_calls_total{op="create post",platform="mattermost",status_class="4xx"} 1`,
		`wolbot_platform_api_calls_total{op="create post",platform="mattermost",status_class="2xx"} 1`,
		`wolbot_platform_api_calls_total{op="get user",platform="mattermost",status_class="none"} 2`,
		`wolbot_platform_api_calls_total{op="chat.postMessage",platform="slack",status_class="2xx"} 1`,
		`wolbot_platform_api_errors_total{code="429",op="create post",platform="mattermost"} 1`,
		`wolbot_platform_api_errors_total{code="network",op="get user",platform="mattermost"} 1`,
		`wolbot_platform_api_errors_total{code="timeout",op="get user",platform="mattermost"} 1`,
		`wolbot_platform_api_errors_total{code="channel_not_found",op="chat.postMessage",platform="slack"} 1`,
		`wolbot_platform_api_retries_total{op="create post",platform="mattermost"} 1`,
		`wolbot_platform_api_retries_total{op="get user",platform="mattermost"} 1`,
		`# TYPE wolbot_command_duration_seconds histogram`,
		`# TYPE wolbot_commands_total counter`,
	)
	for _, family := range []string{"go_goroutines", "process_cpu_seconds_total", "promhttp_metric_handler_requests_total"} {
		if !strings.Contains(got, "\n"+family+" ") && !strings.Contains(got, "\n"+family+"{") {
			t.Errorf("exposition lacks %s", family)
		}
	}
	if strings.Contains(got, "connection refused") || strings.Contains(got, "rate limited") {
		t.Error("an error text became a label value")
	}
	if t.Failed() {
		t.Logf("exposition:\n%s", got)
	}
}

func TestAPIRetriesAreCountedExactly(t *testing.T) {
	m := metrics.New()
	m.APICall("slack", "chat.update", 503, 1, errors.New("503"))
	m.APICall("slack", "chat.update", 0, 2, errors.New("EOF"))
	m.APICall("slack", "chat.update", 200, 3, nil)

	want := `
# HELP wolbot_platform_api_retries_total Chat platform API call attempts after the first, by platform and operation.
# TYPE wolbot_platform_api_retries_total counter
wolbot_platform_api_retries_total{op="chat.update",platform="slack"} 2
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "wolbot_platform_api_retries_total"); err != nil {
		t.Error(err)
	}
	if n, err := testutil.GatherAndCount(m.Registry(), "wolbot_platform_api_errors_total"); err != nil || n != 2 {
		t.Errorf("%d error series (%v), want 2: 503 and network", n, err)
	}
}

func TestPendingTimersAreReadOnScrape(t *testing.T) {
	m := metrics.New()
	p := &fakePending{n: 7}
	m.CollectPendingTimers(p)

	wantLines(t, scrape(t, m), `wolbot_timers_pending 7`)
	p.n = 9
	wantLines(t, scrape(t, m), `wolbot_timers_pending 9`)

	p.err = errors.New("redis down")
	got := scrape(t, m) // scrape fails the test unless the status is 200
	wantLines(t, got, `wolbot_timers_pending NaN`)
	if !strings.Contains(got, "\ngo_goroutines ") {
		t.Error("a failing pending read emptied the scrape")
	}
	if !p.hadDeadline {
		t.Error("Pending was called without a deadline")
	}
}

func TestPendingTimersWithRealTimers(t *testing.T) {
	m := metrics.New()
	timers := storage.NewTimers(redistest.Store(t), storage.TimerOptions{})
	m.CollectPendingTimers(timers)
	for i := range 3 {
		err := timers.Schedule(context.Background(), storage.Timer{ID: fmt.Sprint("t", i), Kind: "test", Due: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
	}
	wantLines(t, scrape(t, m), `wolbot_timers_pending 3`)
}

func TestPlatformErrorCodesAreBounded(t *testing.T) {
	m := metrics.New()
	m.APICall("slack", "users.info", 200, 1, coded("Not A Code: user 4711 <script>"))
	m.APICall("slack", "users.info", 200, 1, coded(strings.Repeat("x", 65)))
	for i := range 100 {
		m.APICall("slack", "users.info", 200, 1, coded(fmt.Sprintf("code_%d", i)))
	}
	got := scrape(t, m)
	if n := strings.Count(got, "\nwolbot_platform_api_errors_total{"); n != 65 {
		t.Errorf("%d error code series, want 64 codes and other", n)
	}
	wantLines(t, got,
		`wolbot_platform_api_errors_total{code="code_0",op="users.info",platform="slack"} 1`,
		`wolbot_platform_api_errors_total{code="other",op="users.info",platform="slack"} 38`,
	)
	// A code seen before the cap was reached keeps its series.
	m.APICall("slack", "users.info", 200, 1, coded("code_5"))
	wantLines(t, scrape(t, m), `wolbot_platform_api_errors_total{code="code_5",op="users.info",platform="slack"} 2`)
}

func TestInstancesAreIndependent(t *testing.T) {
	a, b := metrics.New(), metrics.New()
	a.Delivered(impulses.DeliveryFailed)
	if strings.Contains(scrape(t, b), `outcome="failed"`) {
		t.Error("a second Metrics saw the first one's counts")
	}
}

// coded is an error carrying a platform error code, as the Slack adapter reports them.
type codedErr string

func coded(code string) error           { return codedErr(code) }
func (e codedErr) Error() string        { return "slack: " + string(e) + " (user U123)" }
func (e codedErr) APIErrorCode() string { return string(e) }

type fakePending struct {
	n           int64
	err         error
	hadDeadline bool
}

func (p *fakePending) Pending(ctx context.Context) (int64, error) {
	_, p.hadDeadline = ctx.Deadline()
	return p.n, p.err
}

// Given-up timers, the dead-letter set and schedule checks are visible.
func TestTimerGiveUpsAndScheduleChecks(t *testing.T) {
	m := metrics.New()
	timers := storage.NewTimers(redistest.Store(t), storage.TimerOptions{MaxAttempts: 1, Observer: m})
	m.CollectPendingTimers(timers)
	timers.Handle("test.fail", func(context.Context, storage.Timer) error { return storage.Permanent(errors.New("gone")) })
	if err := timers.Schedule(context.Background(), storage.Timer{ID: "f", Kind: "test.fail", Due: time.Now().Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- timers.Run(ctx) }()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if n, _ := timers.DeadCount(context.Background()); n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the failing timer was not given up")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	m.TimerGaveUp("test.other", false)
	m.ScheduleChecked("impulse.slot", true, nil)
	m.ScheduleChecked("wol.x", false, errors.New("redis down"))
	wantLines(t, scrape(t, m),
		`wolbot_timers_dead 1`,
		`wolbot_timers_pending 0`,
		`wolbot_timers_given_up_total{kind="test.fail",reason="permanent"} 1`,
		`wolbot_timers_given_up_total{kind="test.other",reason="attempts"} 1`,
		`wolbot_timer_schedules_recreated_total{schedule="impulse.slot"} 1`,
		`wolbot_timer_schedule_check_failing{schedule="impulse.slot"} 0`,
		`wolbot_timer_schedule_check_failing{schedule="wol.x"} 1`,
	)
}
