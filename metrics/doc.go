// Package metrics exposes wolbot's Prometheus metrics. It is the only package that imports the
// Prometheus client: the core packages each define a small observer interface where they use
// it (bot.Observer, storage.TimerObserver, impulses.Observer, adapters.APIObserver), and
// [*Metrics] implements all four, so main wires one value into every Options struct and
// serves [Metrics.Handler] on GET /metrics.
//
// Start reading at [New]. The series, all with bounded labels (feature names, timer kinds,
// operation names, status classes and error codes; never user, channel or event ids, never
// raw error text):
//
//	wolbot_commands_total{feature,kind,outcome}               events the router handled
//	wolbot_command_duration_seconds{feature}                  handling time (duplicates excluded)
//	wolbot_timer_lag_seconds{kind}                            handler start − due time
//	wolbot_timers_fired_total{kind,outcome}                   handler runs, outcome ok|error
//	wolbot_timers_pending                                     scheduled timers (read on scrape)
//	wolbot_impulse_deliveries_total{outcome}                  impulse delivery attempts
//	wolbot_platform_api_calls_total{platform,op,status_class} chat API attempts, retries included
//	wolbot_platform_api_errors_total{platform,op,code}        failed attempts by error code
//	wolbot_platform_api_retries_total{platform,op}            attempts after the first
//
// plus the Go runtime (go_*) and process (process_*) collectors and promhttp's own scrape
// counters.
package metrics
