package impulses

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/bot"
	"github.com/wolbot/wolbot/storage"
)

// Timer kinds and the fixed id of the one slot timer.
const (
	SlotKind    = "impulse.slot"
	DeliverKind = "impulse.deliver"
	slotTimerID = "impulse.slot"
)

// Options configure [New]. Store, Chat, Timers and Library are required.
type Options struct {
	Store   *storage.Store
	Chat    adapters.Chat
	Timers  *storage.Timers
	Library *Library
	// Schedule is the cron expression of the slots (env WOLBOT_IMPULSE_SCHEDULE); ""
	// means DefaultSchedule. An admin's /impuls zeitplan, stored in Redis, wins over it.
	Schedule string
	// HolidayState skips slots on the public holidays of a German state: "NW", "BY", …
	// (env WOLBOT_IMPULSE_HOLIDAYS); "" skips none.
	HolidayState string
	// Rate is how many impulses per second all replicas together send (env
	// WOLBOT_IMPULSE_RATE); 0 means DefaultRate.
	Rate float64
	// Retention is how long a subscriber's archive (the delivery log) and feedback are kept
	// after the last delivery or vote, and a stopped subscription after it stopped (env
	// WOLBOT_RETENTION); 0 means DefaultRetention (180 days).
	Retention time.Duration
	// Location is the time zone of schedules without CRON_TZ=, of holidays and of the dates
	// shown; default Europe/Berlin, or UTC when the zone database is missing.
	Location *time.Location
	Logger   zerolog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Observer is told the outcome of every delivery attempt, for metrics; nil means none.
	Observer Observer
}

// Observer is told how each attempt to deliver one slot to one subscriber ended, for metrics.
// It is called from the timer loop's goroutines, so it must be safe for concurrent use and
// quick. outcome is one of the Delivery… constants.
type Observer interface {
	Delivered(outcome string)
}

// Outcomes of a delivery attempt, as reported to an [Observer].
const (
	DeliveryDelivered           = "delivered"            // posted and committed
	DeliveryDuplicateRefused    = "duplicate_refused"    // this slot was delivered already (a redelivery, or a concurrent run)
	DeliveryTakenOver           = "taken_over"           // posted, but another slot's delivery took the reservation over
	DeliverySkippedPaused       = "skipped_paused"       // the subscriber pauses
	DeliverySkippedUnsubscribed = "skipped_unsubscribed" // the subscriber is gone or unsubscribed
	DeliverySkippedExhausted    = "skipped_exhausted"    // the series is exhausted and the subscriber was told so
	DeliveryDeferred            = "deferred"             // another slot's delivery is under way: tried again shortly
	DeliveryPaced               = "paced"                // rescheduled to the send time the rate limiter gave it
	DeliveryRecipientGone       = "recipient_gone"       // the person or channel no longer exists; subscription ended
	DeliveryImpulseMissing      = "impulse_missing"      // the reserved impulse left the library; reservation dropped
	DeliveryFailed              = "failed"               // an error (chat or Redis): the timer retries
	DeliveryGivenUp             = "given_up"             // the post failed too often; the next slot finishes it
	DeliveryMalformed           = "malformed"            // an unreadable delivery timer, dropped
)

// Feature is the short-impulse feature; register it with the bot's router under "impuls".
type Feature struct {
	st       *store
	chat     adapters.Chat
	timers   *storage.Timers
	lib      *Library
	start    Schedule // Options.Schedule, parsed
	holidays *holidays
	limiter  *limiter
	// delivered gathers delivery counts for the statistics (best effort, see store.go).
	delivered *deliveredCounter
	obs       Observer // nil: none
	series    sync.Map // "<lang>|<audience>" → the series' ids joined by commas
	loc       *time.Location
	log       zerolog.Logger
	now       func() time.Time
}

// takeoverAfter is how old another slot's unfinished delivery must be before a newer slot
// finishes it instead of waiting: far longer than any timer lease, so it only ever happens to
// a delivery whose timer was lost or gave up.
const takeoverAfter = 10 * time.Minute

// New returns the feature, registers its two timer kinds and makes sure the slot timer exists
// (idempotent: several replicas starting at once schedule one slot timer).
func New(ctx context.Context, opts Options) (*Feature, error) {
	if opts.Store == nil || opts.Chat == nil || opts.Timers == nil || opts.Library == nil {
		return nil, errors.New("impulses: Store, Chat, Timers and Library are required")
	}
	loc, now := bot.ClockDefaults(opts.Location, opts.Now)
	expr := opts.Schedule
	if expr == "" {
		expr = DefaultSchedule
	}
	start, err := ParseSchedule(expr, loc)
	if err != nil {
		return nil, fmt.Errorf("impulses: WOLBOT_IMPULSE_SCHEDULE=%q: %w", opts.Schedule, err)
	}
	hol, err := newHolidays(opts.HolidayState)
	if err != nil {
		return nil, fmt.Errorf("impulses: WOLBOT_IMPULSE_HOLIDAYS=%q: %w", opts.HolidayState, err)
	}
	st := newStore(opts.Store, opts.Retention)
	f := &Feature{
		st: st, chat: opts.Chat, timers: opts.Timers, lib: opts.Library, start: start, holidays: hol,
		limiter: newLimiter(opts.Store.Client, st.rateKey, validRate(opts.Rate)),
		loc:     loc, log: opts.Logger.With().Str("feature", "impuls").Logger(), now: now,
		obs: opts.Observer,
	}
	f.delivered = &deliveredCounter{st: st, log: f.log}
	// Impulses are bulk work: a fan-out to thousands runs in its own lane and never takes a
	// slot from a timebox.
	opts.Timers.HandleLane(SlotKind, storage.LaneBulk, f.onSlot)
	opts.Timers.HandleLane(DeliverKind, storage.LaneBulk, f.onDeliver)
	if _, err := f.ensureSlot(ctx); err != nil {
		return nil, err
	}
	// The slot timer is made here at start; should it go missing later (Redis lost its data,
	// the timer was given up), the timer loop's periodic check makes it again.
	opts.Timers.Keep(slotTimerID, f.keepSlot)
	return f, nil
}

// schedule is the schedule in force: the admins' one from Redis, else the start value. A
// stored expression this version cannot parse is logged and ignored.
func (f *Feature) schedule(ctx context.Context) (Schedule, bool, error) {
	expr, err := f.st.storedSchedule(ctx)
	if err != nil {
		return Schedule{}, false, err
	}
	if expr == "" {
		return f.start, false, nil
	}
	s, err := ParseSchedule(expr, f.loc)
	if err != nil {
		f.log.Error().Err(err).Str("schedule", expr).Msg("stored impulse schedule is invalid; using the start value")
		return f.start, false, nil
	}
	return s, true, nil
}

// ensureSlot schedules the slot timer unless it exists for the schedule in force, and reports
// whether it had to. An existing timer is left alone, so a restart never moves or repeats a
// slot.
func (f *Feature) ensureSlot(ctx context.Context) (bool, error) {
	sch, _, err := f.schedule(ctx)
	if err != nil {
		return false, err
	}
	tm, ok, err := f.timers.Get(ctx, slotTimerID)
	if err != nil {
		return false, fmt.Errorf("impulses: slot timer: %w", err)
	}
	if ok && string(tm.Payload) == sch.Expr {
		return false, nil
	}
	return true, f.scheduleSlot(ctx, sch, f.now())
}

// keepSlot is the timer loop's periodic check: it recreates the slot timer, for the schedule
// in force, only when it is missing. Unlike ensureSlot it leaves a timer of another schedule
// alone, so replicas started with different WOLBOT_IMPULSE_SCHEDULE values do not move the
// slot back and forth every minute.
func (f *Feature) keepSlot(ctx context.Context) (bool, error) {
	ok, err := f.timers.Exists(ctx, []string{slotTimerID})
	if err != nil {
		return false, fmt.Errorf("impulses: slot timer: %w", err)
	}
	if ok[0] {
		return false, nil
	}
	sch, _, err := f.schedule(ctx)
	if err != nil {
		return false, err
	}
	return true, f.scheduleSlot(ctx, sch, f.now())
}

// scheduleSlot sets the slot timer to the first slot of sch after t. The payload names the
// expression, so a start with another schedule notices the change.
func (f *Feature) scheduleSlot(ctx context.Context, sch Schedule, after time.Time) error {
	next := sch.Next(after)
	if next.IsZero() {
		return fmt.Errorf("impulses: schedule %q has no slot after %s", sch.Expr, after.Format(time.RFC3339))
	}
	err := f.timers.Schedule(ctx, storage.Timer{ID: slotTimerID, Kind: SlotKind, Due: next, Payload: []byte(sch.Expr)})
	if err != nil {
		return fmt.Errorf("impulses: schedule slot: %w", err)
	}
	return nil
}

// Close writes the delivery counts gathered for the statistics (at most the last 250 ms of
// deliveries). Call it after the timer loop has stopped; without it those counts are lost,
// nothing else.
func (f *Feature) Close(ctx context.Context) { f.delivered.close(ctx) }

// Describe is the line in the general help.
func (f *Feature) Describe(lang string) string { return msgs.T(lang, "describe") }
