package mattermost

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wolbot/wolbot/adapters"
)

// APIError is a Mattermost REST call that failed for good: at once (401, 403, 404 and other
// client errors) or after the retries of [call] (429, 5xx, network errors). A 404 matches
// [adapters.ErrNotFound] with errors.Is.
type APIError struct {
	Op       string // what the adapter tried, e.g. "create post"
	Status   int    // HTTP status; 0 when no response arrived
	Attempts int    // calls made, including the first
	Err      error  // the client's error (for a response with a status, Mattermost's AppError)
}

func (e *APIError) Error() string {
	s := "mattermost: " + e.Op
	if e.Status != 0 {
		s += ": status " + strconv.Itoa(e.Status)
	}
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (gave up after %d attempts)", e.Attempts)
	}
	return s + ": " + e.Err.Error()
}

// Unwrap exposes the client's error, for a 404 [adapters.ErrNotFound], and for a 403 or 404
// on creating a post (the bot left the channel, the channel was archived or deleted, the user
// was deactivated) [adapters.ErrPermanent].
func (e *APIError) Unwrap() []error {
	errs := []error{e.Err}
	if e.Status == http.StatusNotFound {
		errs = append(errs, adapters.ErrNotFound)
	}
	if (e.Status == http.StatusForbidden || e.Status == http.StatusNotFound) && (e.Op == "create post" || e.Op == "direct message") {
		errs = append(errs, adapters.ErrPermanent)
	}
	return errs
}

// hasStatus reports whether err is an [*APIError] with that HTTP status.
func hasStatus(err error, status int) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Status == status
}

// call runs one REST operation with the adapter's retry policy:
//
//   - 429: wait as long as Retry-After or X-Ratelimit-Reset say (at most maxRateWait), retry;
//   - 5xx and network errors: exponential backoff with jitter, retry;
//   - anything else (401, 403, 404, 400 …): fail at once;
//
// at most maxAttempts calls in all. Failures are logged with the operation, status and attempt,
// never with contents, and returned as an [*APIError].
func call[T any](ctx context.Context, a *Adapter, op string, fn func(context.Context) (T, *model.Response, error)) (T, error) {
	delay := a.retryBase
	for attempt := 1; ; attempt++ {
		v, resp, err := fn(ctx)
		status, header := 0, http.Header(nil)
		if resp != nil {
			status, header = resp.StatusCode, resp.Header
		}
		if a.obs != nil {
			a.obs.APICall(platform, op, status, attempt, err)
		}
		if err == nil {
			return v, nil
		}
		var zero T
		apiErr := &APIError{Op: op, Status: status, Attempts: attempt, Err: err}
		if ctx.Err() != nil {
			return zero, apiErr
		}
		log := a.log.With().Str("op", op).Int("status", status).Int("attempt", attempt).Logger()
		wait, retry := a.retryWait(status, header, err, delay)
		if !retry || attempt >= a.maxAttempts {
			lvl := log.Warn()
			if status == http.StatusNotFound {
				lvl = log.Debug() // a lookup that finds nothing is an answer, not a failure
			}
			lvl.Err(err).Msg("mattermost API call failed")
			return zero, apiErr
		}
		log.Info().Err(err).Dur("retry_in", wait).Msg("mattermost API call failed; retrying")
		if !sleep(ctx, wait) {
			apiErr.Err = fmt.Errorf("%w (while waiting to retry after: %v)", ctx.Err(), err)
			return zero, apiErr
		}
		if status != http.StatusTooManyRequests {
			delay = min(2*delay, a.retryMax)
		}
	}
}

// retryWait decides whether a failed call is retried, and after how long.
func (a *Adapter) retryWait(status int, header http.Header, err error, delay time.Duration) (time.Duration, bool) {
	switch {
	case status == http.StatusTooManyRequests:
		wait, ok := rateLimitWait(header, time.Now())
		if !ok {
			return jitter(delay), true
		}
		if wait > a.maxRateWait {
			return 0, false
		}
		return max(wait, time.Millisecond), true
	case status >= 500:
		return jitter(delay), true
	case status == 0:
		// No response: retry network trouble (connection refused, reset, timeout), but not an
		// error the client found before sending, which would only repeat.
		var urlErr *url.Error
		return jitter(delay), errors.As(err, &urlErr)
	default:
		return 0, false
	}
}

// rateLimitWait reads how long a 429 asks the client to wait: Retry-After (seconds or an HTTP
// date) first, then X-Ratelimit-Reset, which Mattermost sends as seconds until the limit
// resets (a value that looks like a Unix time is read as one).
func rateLimitWait(h http.Header, now time.Time) (time.Duration, bool) {
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
			return time.Duration(s * float64(time.Second)), true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	if v := h.Get("X-Ratelimit-Reset"); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
			if s > 1e9 { // an absolute Unix time
				return max(time.Unix(int64(s), 0).Sub(now), 0), true
			}
			return time.Duration(s * float64(time.Second)), true
		}
	}
	return 0, false
}

// jitter spreads d over [d/2, d], so that replicas that failed together do not retry together.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// sleep waits d or until ctx is done; it reports whether the full wait passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
