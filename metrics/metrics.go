package metrics

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "wolbot"

// Outcomes of a timer handler run, in wolbot_timers_fired_total.
const (
	timerOK    = "ok"
	timerError = "error"
)

// durationBuckets span 1 ms (a cached answer) to 10 s (a slow chat API with retries).
var durationBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// lagBuckets span a prompt timer (the loop polls at least once a second) to an hour late
// (downtime, or a handler retried with backoff).
var lagBuckets = []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600}

// pendingTimeout bounds the Redis read behind wolbot_timers_pending during a scrape.
const pendingTimeout = time.Second

// Metrics owns a Prometheus registry and wolbot's instruments. It implements bot.Observer,
// storage.TimerObserver, impulses.Observer, adapters.APIObserver and adapters.DropObserver; all its methods are safe
// for concurrent use. Create it with [New].
type Metrics struct {
	reg     *prometheus.Registry
	handler http.Handler

	commands        *prometheus.CounterVec
	commandDuration *prometheus.HistogramVec
	timerLag        *prometheus.HistogramVec
	timersFired     *prometheus.CounterVec
	timersGivenUp   *prometheus.CounterVec
	schedRecreated  *prometheus.CounterVec
	schedFailing    *prometheus.GaugeVec
	deliveries      *prometheus.CounterVec
	apiCalls        *prometheus.CounterVec
	apiErrors       *prometheus.CounterVec
	apiRetries      *prometheus.CounterVec
	eventsDropped   *prometheus.CounterVec

	codes boundedSet // error codes that platforms name, capped
}

// New returns Metrics on a registry of its own, with the Go runtime and process collectors
// registered. Each call makes an independent set, so tests do not share counters.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "commands_total",
			Help: "Events (commands and button clicks) the router handled, by feature, kind and outcome (ok, error, duplicate, panic, unknown_command, rate_limited).",
		}, []string{"feature", "kind", "outcome"}),
		commandDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "command_duration_seconds",
			Help:    "Time from receiving an event to its answer, by feature; dropped duplicates and rate-limited events are not counted.",
			Buckets: durationBuckets,
		}, []string{"feature"}),
		timerLag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "timer_lag_seconds",
			Help:    "How late durable timer handlers start (start minus due time), by timer kind; redeliveries count from the original due time.",
			Buckets: lagBuckets,
		}, []string{"kind"}),
		timersFired: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "timers_fired_total",
			Help: "Durable timer handler runs, by timer kind and outcome (ok, error).",
		}, []string{"kind", "outcome"}),
		timersGivenUp: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "timers_given_up_total",
			Help: "Durable timers given up into the dead-letter set, by timer kind and reason (permanent: a permanent platform error; attempts: retries exhausted).",
		}, []string{"kind", "reason"}),
		schedRecreated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "timer_schedules_recreated_total",
			Help: "Recurring schedules (e.g. impulse.slot) whose timer the periodic check found missing and made again.",
		}, []string{"schedule"}),
		schedFailing: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "timer_schedule_check_failing",
			Help: "1 while the last periodic check of a recurring schedule failed (its timer may be missing), else 0.",
		}, []string{"schedule"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "impulse_deliveries_total",
			Help: "Attempts to deliver an impulse slot to a subscriber, by outcome.",
		}, []string{"outcome"}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "platform_api_calls_total",
			Help: "Chat platform API call attempts (retries included), by platform, operation and HTTP status class (2xx … 5xx, none when no response arrived).",
		}, []string{"platform", "op", "status_class"}),
		apiErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "platform_api_errors_total",
			Help: "Failed chat platform API call attempts (retried ones included), by platform, operation and error code (the platform's code, an HTTP status, network, timeout or canceled).",
		}, []string{"platform", "op", "code"}),
		apiRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "platform_api_retries_total",
			Help: "Chat platform API call attempts after the first, by platform and operation.",
		}, []string{"platform", "op"}),
		eventsDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "events_dropped_total",
			Help: "Inbound events an adapter did not hand on, by platform and reason (queue_full: refused on arrival with a busy answer; too_old: waited too long for its turn).",
		}, []string{"platform", "reason"}),
		codes: boundedSet{max: maxCodes},
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.commands, m.commandDuration, m.timerLag, m.timersFired, m.deliveries,
		m.timersGivenUp, m.schedRecreated, m.schedFailing,
		m.apiCalls, m.apiErrors, m.apiRetries, m.eventsDropped,
	)
	// ContinueOnError: should the pending gauge's Redis read fail, the scrape still carries
	// everything else.
	m.handler = promhttp.InstrumentMetricHandler(reg, promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		Registry:      reg,
		ErrorHandling: promhttp.ContinueOnError,
	}))
	return m
}

// EventDropped counts an event an adapter dropped; it implements adapters.DropObserver.
func (m *Metrics) EventDropped(platform, reason string) {
	m.eventsDropped.WithLabelValues(platform, reason).Inc()
}

// Registry is the registry behind [Metrics.Handler], for registering further collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition formats; mount it on GET /metrics.
func (m *Metrics) Handler() http.Handler { return m.handler }

// PendingTimers is what [Metrics.CollectPendingTimers] reads: *storage.Timers implements it.
type PendingTimers interface {
	Pending(ctx context.Context) (int64, error)
}

// DeadTimers is what [Metrics.CollectPendingTimers] reads for wolbot_timers_dead:
// *storage.Timers implements it.
type DeadTimers interface {
	DeadCount(ctx context.Context) (int64, error)
}

// CollectPendingTimers adds wolbot_timers_pending, the number of scheduled timers, read from t
// on each scrape (one pipeline, bounded by a one-second timeout), and, when t also implements
// DeadTimers, wolbot_timers_dead, the size of the dead-letter set; when a read fails the
// sample is NaN. Calling it twice panics.
func (m *Metrics) CollectPendingTimers(t PendingTimers) {
	if d, ok := t.(DeadTimers); ok {
		m.reg.MustRegister(redisGauge("timers_dead",
			"Durable timers in the dead-letter set (given up; see README, Operations), read from Redis on scrape; NaN when Redis did not answer.",
			d.DeadCount))
	}
	m.reg.MustRegister(redisGauge("timers_pending",
		"Durable timers scheduled (claimed ones included), read from Redis on scrape; NaN when Redis did not answer.",
		t.Pending))
}

// redisGauge is a gauge read by count on each scrape, bounded by pendingTimeout; NaN when the
// read fails.
func redisGauge(name, help string, count func(context.Context) (int64, error)) prometheus.GaugeFunc {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Name: name, Help: help}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), pendingTimeout)
		defer cancel()
		n, err := count(ctx)
		if err != nil {
			return math.NaN()
		}
		return float64(n)
	})
}

// EventHandled implements bot.Observer.
func (m *Metrics) EventHandled(feature, kind, outcome string, d time.Duration) {
	m.commands.WithLabelValues(feature, kind, outcome).Inc()
	if outcome != outcomeDuplicate && outcome != outcomeRateLimited { // dropping an event is not handling it
		m.commandDuration.WithLabelValues(feature).Observe(d.Seconds())
	}
}

// TimerFired implements storage.TimerObserver. A negative lag (another replica's clock ahead of
// ours) counts as 0.
func (m *Metrics) TimerFired(kind string, lag time.Duration, err error) {
	m.timerLag.WithLabelValues(kind).Observe(max(lag, 0).Seconds())
	outcome := timerOK
	if err != nil {
		outcome = timerError
	}
	m.timersFired.WithLabelValues(kind, outcome).Inc()
}

// TimerGaveUp implements storage.TimerGiveUpObserver.
func (m *Metrics) TimerGaveUp(kind string, permanent bool) {
	reason := "attempts"
	if permanent {
		reason = "permanent"
	}
	m.timersGivenUp.WithLabelValues(kind, reason).Inc()
}

// ScheduleChecked implements storage.KeepObserver.
func (m *Metrics) ScheduleChecked(name string, recreated bool, err error) {
	if recreated {
		m.schedRecreated.WithLabelValues(name).Inc()
	}
	failing := 0.0
	if err != nil {
		failing = 1
	}
	m.schedFailing.WithLabelValues(name).Set(failing)
}

// Delivered implements impulses.Observer.
func (m *Metrics) Delivered(outcome string) {
	m.deliveries.WithLabelValues(outcome).Inc()
}

// APICall implements adapters.APIObserver.
func (m *Metrics) APICall(platform, op string, status int, attempt int, err error) {
	m.apiCalls.WithLabelValues(platform, op, statusClass(status)).Inc()
	if attempt > 1 {
		m.apiRetries.WithLabelValues(platform, op).Inc()
	}
	if err != nil {
		m.apiErrors.WithLabelValues(platform, op, m.errorCode(status, err)).Inc()
	}
}

// statusClass is "2xx" … "5xx" for an HTTP status, "none" when no response arrived.
func statusClass(status int) string {
	switch {
	case status == 0:
		return "none"
	case status >= 100 && status < 600:
		return strconv.Itoa(status/100) + "xx"
	default:
		return "other"
	}
}

// errorCode names a failed call without its error text: the platform's own code where the
// error carries one, else the HTTP status, else what kept the response from arriving.
func (m *Metrics) errorCode(status int, err error) string {
	var coded interface{ APIErrorCode() string }
	switch {
	case errors.As(err, &coded):
		return m.codes.bound(coded.APIErrorCode())
	case status >= 300 && status < 600:
		return strconv.Itoa(status)
	case status != 0:
		return "other" // a 2xx that failed to decode, or a status no server sends
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	default:
		return "network"
	}
}

// maxCodes caps the distinct platform error codes that get a series of their own.
const maxCodes = 64

// boundedSet passes through up to max distinct short, plain codes and maps every other value
// to "other": a platform's error vocabulary is finite, but the server it talks to is not ours
// to trust with our label cardinality.
type boundedSet struct {
	max  int
	mu   sync.Mutex
	seen map[string]bool
}

func (s *boundedSet) bound(code string) string {
	if !plainCode(code) {
		return "other"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[code] {
		return code
	}
	if len(s.seen) >= s.max {
		return "other"
	}
	if s.seen == nil {
		s.seen = make(map[string]bool)
	}
	s.seen[code] = true
	return code
}

// plainCode reports whether code looks like an error code: 1 to 64 of a-z, 0-9, '_', '.', '-'.
func plainCode(code string) bool {
	if code == "" || len(code) > 64 {
		return false
	}
	for _, r := range code {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// The router's outcomes for events it drops without handling them (bot.OutcomeDuplicate and
// bot.OutcomeRateLimited; metrics cannot import bot, whose tests import metrics). A test pins
// them to bot's constants.
const (
	outcomeDuplicate   = "duplicate"
	outcomeRateLimited = "rate_limited"
)
