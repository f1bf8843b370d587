package slack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"github.com/slack-go/slack"

	"github.com/wolbot/wolbot/adapters"
)

// retryPolicy bounds how often and how long a Web API call is retried.
type retryPolicy struct {
	attempts      int           // total tries, the first included
	backoff       time.Duration // wait before the second try after a 5xx or network error; doubles
	maxBackoff    time.Duration
	maxRetryAfter time.Duration // a longer Retry-After is not waited for: the call fails at once
}

var defaultRetry = retryPolicy{
	attempts:      4,
	backoff:       250 * time.Millisecond,
	maxBackoff:    4 * time.Second,
	maxRetryAfter: 60 * time.Second,
}

// retryableCodes are Slack error codes that mean "try again later" rather than "this request
// is wrong".
var retryableCodes = map[string]bool{
	"internal_error":      true,
	"service_unavailable": true,
	"ratelimited":         true,
}

// notFoundCodes are Slack error codes that mean that a user, channel or post does not exist;
// they wrap [adapters.ErrNotFound].
var notFoundCodes = map[string]bool{
	"channel_not_found": true,
	"user_not_found":    true,
	"users_not_found":   true,
	"message_not_found": true,
}

// permanentCodes are Slack error codes that no retry can fix; they wrap
// [adapters.ErrPermanent], so a timer gives up at once.
var permanentCodes = map[string]bool{
	"not_in_channel":    true,
	"channel_not_found": true,
	"is_archived":       true,
	"user_disabled":     true,
	"account_inactive":  true,
}

// call runs fn, the Web API call named op, retrying it by a.retry. The returned error is
// wrapped with the operation; after more than one attempt it says how many were made.
func (a *Adapter) call(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	var err error
	attempt := 1
	for ; ; attempt++ {
		err = fn(ctx)
		a.observe(op, attempt, err)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || attempt >= a.retry.attempts {
			break
		}
		wait, ok := a.retry.wait(err, attempt)
		if !ok {
			break
		}
		if deadline, has := ctx.Deadline(); has && time.Until(deadline) < wait {
			break // the caller cannot wait that long: fail now rather than at the deadline
		}
		a.log.Warn().Err(err).Str("op", op).Int("attempt", attempt).Dur("retry_in", wait).Msg("slack call failed, retrying")
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return wrapErr(op, attempt, errors.Join(err, ctx.Err()))
		case <-t.C:
		}
	}
	return wrapErr(op, attempt, err)
}

// observe reports one attempt of a Web API call to the observer, if any.
func (a *Adapter) observe(op string, attempt int, err error) {
	obs := a.opts.Observer
	if obs == nil {
		return
	}
	if code := slackCode(err); code != "" {
		err = codedError{code: code, err: err}
	}
	obs.APICall(platform, op, httpStatus(err), attempt, err)
}

// httpStatus is the HTTP status the answer to a call had, as far as err tells: 200 for success
// and for Slack's own errors (which come as {"ok": false} with 200), 0 when no answer arrived.
func httpStatus(err error) int {
	var rl *slack.RateLimitedError
	var sc slack.StatusCodeError
	switch {
	case err == nil, slackCode(err) != "":
		return http.StatusOK
	case errors.As(err, &rl):
		return http.StatusTooManyRequests
	case errors.As(err, &sc):
		return sc.Code
	default:
		return 0
	}
}

// codedError carries Slack's error code to an [adapters.APIObserver], which reads it with
// APIErrorCode.
type codedError struct {
	code string
	err  error
}

func (e codedError) Error() string        { return e.err.Error() }
func (e codedError) Unwrap() error        { return e.err }
func (e codedError) APIErrorCode() string { return e.code }

// wrapErr wraps err with the operation, the number of attempts, ErrNotFound where Slack
// said that something does not exist, and ErrPermanent where no retry can help.
func wrapErr(op string, attempts int, err error) error {
	code := slackCode(err)
	if notFoundCodes[code] {
		err = fmt.Errorf("%w: %w", adapters.ErrNotFound, err)
	}
	if permanentCodes[code] {
		err = fmt.Errorf("%w: %w", adapters.ErrPermanent, err)
	}
	if attempts > 1 {
		return fmt.Errorf("slack: %s: giving up after %d attempts: %w", op, attempts, err)
	}
	return fmt.Errorf("slack: %s: %w", op, err)
}

// slackCode is Slack's error code ("channel_not_found") if err carries one, else "".
func slackCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// wait says whether err after the given attempt (1-based) deserves another try, and after
// how long.
func (p retryPolicy) wait(err error, attempt int) (time.Duration, bool) {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return 0, false
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		if rl.RetryAfter > p.maxRetryAfter {
			return 0, false
		}
		return max(rl.RetryAfter, 100*time.Millisecond), true
	}
	var sc slack.StatusCodeError
	switch {
	case errors.As(err, &sc):
		if sc.Code < http.StatusInternalServerError && sc.Code != http.StatusTooManyRequests {
			return 0, false
		}
	case retryableCodes[slackCode(err)]:
	case isNetworkError(err):
	default:
		return 0, false
	}
	d := p.backoff << (attempt - 1)
	if d > p.maxBackoff || d <= 0 {
		d = p.maxBackoff
	}
	// Up to a quarter of jitter, so that replicas hit by the same outage do not retry in step.
	return d + time.Duration(rand.Int64N(int64(d)/4+1)), true
}

// isNetworkError reports whether err is a failure to reach Slack or to read its answer.
func isNetworkError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}
