package impulses

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/storage"
)

// Delivery, step by step (see doc.go for the guarantees):
//
//	slot timer ──► onSlot: holiday? ─► one "impulse.deliver" timer per active subscriber
//	                      └─► slot timer moved to the next slot after now
//	deliver timer ──► onDeliver: rate limiter: send time more than a moment away? ─► the
//	                  timer is rescheduled to it, holding that send time (a permit), and the
//	                  slot is free for other work
//	                  ─► reserve (Lua: read the subscriber, choose the first impulse of their
//	                  series not in the archive, reserve it) ─► post with Message.Key
//	                  ─► commit (Lua) ─► statistics (best effort)

const (
	// maxDeliverAttempts is how often a failing post is retried before the timer gives up. The
	// reservation stays, so the next slot finishes that delivery (takeover) before its own.
	maxDeliverAttempts = 8
	// maxSteps bounds one delivery's loop of reserving, following a changed language or
	// audience, and finishing an abandoned delivery first.
	maxSteps = 5
	// maxLimiterSleep is the longest wait for the rate limiter a delivery spends in its timer
	// slot; a later send time reschedules the delivery to it instead.
	maxLimiterSleep = 10 * time.Millisecond
)

// onSlot runs when a slot is due: it fans out one delivery timer per active subscriber and
// moves the slot timer on. A redelivered slot timer creates no second delivery: delivery
// timer ids are fixed per subscriber and slot, and on a redelivery those already there or
// already delivered are left alone.
func (f *Feature) onSlot(ctx context.Context, t storage.Timer) error {
	slot := t.Due
	log := f.log.With().Time("slot", slot).Int("attempt", t.Attempt).Logger()
	if name := f.holidays.name(slot, f.loc); name != "" {
		log.Info().Str("holiday", name).Str("state", f.holidays.state).Msg("impulse slot skipped: public holiday")
	} else {
		n, err := f.fanOut(ctx, slot, t.Attempt > 1)
		if err != nil {
			return err // redelivered after a backoff; what was scheduled stays scheduled
		}
		log.Info().Int("deliveries", n).Msg("impulse slot fanned out")
	}
	// The next slot counts from now, not from this slot: after downtime the missed slot above
	// is delivered once, and the ones missed in between are not made up.
	sch, _, err := f.schedule(ctx)
	if err != nil {
		return err
	}
	return f.scheduleSlot(ctx, sch, later(f.now(), slot))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// fanOut schedules the deliveries of slot. It reads each subscriber's language and audience
// with the scan (one pipeline per batch), so a delivery usually needs no read of its own. On a
// redelivery of the slot timer it skips subscribers that already have this slot's timer or got
// this slot's impulse, so it neither disturbs a delivery under way nor repeats one.
func (f *Feature) fanOut(ctx context.Context, slot time.Time, redelivery bool) (int, error) {
	slotMS := slot.UnixMilli()
	total := 0
	err := f.st.eachActive(ctx, func(ids []string) error {
		rows, err := f.st.fields(ctx, ids, "lang", "audience", "last_slot", "inflight_slot", "active")
		if err != nil {
			return err
		}
		var scheduled []bool // on a redelivery: whether each subscriber has this slot's timer
		if redelivery {
			timerIDs := make([]string, len(ids))
			for i, id := range ids {
				timerIDs[i] = deliveryTimerID(id, slotMS)
			}
			if scheduled, err = f.timers.Exists(ctx, timerIDs); err != nil {
				return err
			}
		}
		var todo []storage.Timer
		for i, id := range ids {
			if str(rows[i][4]) != "1" {
				continue // an index entry left by a crash; the hash is the truth
			}
			if redelivery {
				last, _ := strconv.ParseInt(str(rows[i][2]), 10, 64)
				inflight, _ := strconv.ParseInt(str(rows[i][3]), 10, 64)
				if last >= slotMS || inflight == slotMS || scheduled[i] {
					continue // delivered, being delivered, or scheduled
				}
			}
			todo = append(todo, deliveryTimer(delivery{sub: id, slot: slotMS, lang: str(rows[i][0]), audience: str(rows[i][1])}, slot))
		}
		total += len(todo)
		return f.timers.ScheduleMany(ctx, todo)
	})
	return total, err
}

// delivery is the payload of a delivery timer.
type delivery struct {
	sub   string
	slot  int64 // unix ms: the slot's time, or the request's time for /impuls jetzt
	force bool  // deliver despite a pause (/impuls jetzt)
	waits int   // how often it waited for another slot's delivery already
	// lang and audience are the subscriber's as the fan-out read them: which series to offer
	// the reservation. Should they have changed, the script says so and the delivery asks again.
	lang, audience string
	// permit is the send time (unix µs, Redis' clock) the rate limiter gave this delivery
	// when it was rescheduled to it; 0 when it holds none.
	permit int64
	// tries counts failed attempts made before the delivery was rescheduled for the limiter
	// (rescheduling starts the timer's own count again).
	tries int
}

// deliveryTimerID is the ID of the delivery timer of sub for slotMS. It is also the idempotency
// key of that delivery's message (msg.Key): the same for every retry of it.
func deliveryTimerID(sub string, slotMS int64) string {
	return "imp:" + sub + ":" + strconv.FormatInt(slotMS, 10)
}

// deliveryTimer builds the delivery timer; the payload is
// "<slot>|<force>|<waits>|<lang>|<audience>|<sub>", with "p<permit>:<tries>|" in front when
// the delivery holds a permit or earlier tries (payloads of older versions never start with p).
func deliveryTimer(d delivery, due time.Time) storage.Timer {
	fl := "0"
	if d.force {
		fl = "1"
	}
	payload := strconv.FormatInt(d.slot, 10) + "|" + fl + "|" + strconv.Itoa(d.waits) + "|" +
		d.lang + "|" + d.audience + "|" + d.sub
	if d.permit != 0 || d.tries != 0 {
		payload = "p" + strconv.FormatInt(d.permit, 10) + ":" + strconv.Itoa(d.tries) + "|" + payload
	}
	return storage.Timer{ID: deliveryTimerID(d.sub, d.slot), Kind: DeliverKind, Due: due, Payload: []byte(payload)}
}

func parseDelivery(p []byte) (delivery, error) {
	var permit int64
	var tries int
	if rest, ok := bytes.CutPrefix(p, []byte("p")); ok {
		head, tail, found := bytes.Cut(rest, []byte("|"))
		ps, ts, found2 := strings.Cut(string(head), ":")
		var err1, err2 error
		permit, err1 = strconv.ParseInt(ps, 10, 64)
		tries, err2 = strconv.Atoi(ts)
		if err := errors.Join(err1, err2); !found || !found2 || err != nil || (permit == 0 && tries == 0) {
			return delivery{}, fmt.Errorf("impulses: malformed delivery %q: permit: %w", p, err)
		}
		p = tail
	}
	parts := strings.SplitN(string(p), "|", 6)
	if len(parts) != 6 {
		return delivery{}, fmt.Errorf("impulses: malformed delivery %q", p)
	}
	slot, err1 := strconv.ParseInt(parts[0], 10, 64)
	waits, err2 := strconv.Atoi(parts[2])
	if err := errors.Join(err1, err2); err != nil || parts[5] == "" {
		return delivery{}, fmt.Errorf("impulses: malformed delivery %q: %w", p, err)
	}
	return delivery{slot: slot, force: parts[1] == "1", waits: waits, lang: parts[3], audience: parts[4], sub: parts[5],
		permit: permit, tries: tries}, nil
}

// onDeliver delivers one slot to one subscriber, exactly once (see doc.go). The reservation
// script reads the subscriber, chooses the impulse and reserves it in one round trip.
func (f *Feature) onDeliver(ctx context.Context, t storage.Timer) (err error) {
	defer func() {
		if err != nil {
			f.observe(DeliveryFailed) // every other outcome is reported where it is decided
		}
	}()
	d, err := parseDelivery(t.Payload)
	if err != nil {
		f.log.Error().Err(err).Str("timer_id", t.ID).Msg("impulse delivery dropped")
		f.observe(DeliveryMalformed)
		return nil // retrying cannot make it readable
	}
	attempt := t.Attempt + d.tries // the attempts before a reschedule for the limiter count too
	log := f.log.With().Str("subscriber", d.sub).Int64("slot", d.slot).Int("attempt", attempt).Logger()
	// A permit is good for the first run after the reschedule it came with; a retry takes a
	// new send time, as the failed run may have used the permit.
	permit := d.permit != 0 && t.Attempt == 1
	if !permit {
		at, wait, err := f.limiter.take(ctx)
		if err != nil {
			return err
		}
		if wait > maxLimiterSleep {
			// Rescheduling replaces this timer (and ends its claim without an error log); the
			// permit travels with it, so the next run sends without asking again.
			d.permit, d.tries = at.UnixMicro(), attempt-1
			if err := f.timers.Schedule(ctx, deliveryTimer(d, at)); err != nil {
				return err
			}
			f.observe(DeliveryPaced)
			return nil
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return err
		}
		permit = true
	}
	lang, audience := d.lang, d.audience
	for range maxSteps {
		r, err := f.st.reserve(ctx, d.sub, d.slot, f.now(), d.force, takeoverAfter, lang, audience, f.seriesIDs(lang, audience))
		if err != nil {
			return err
		}
		switch r.Status {
		case "gone", "done", "inactive", "paused", "quiet":
			log.Debug().Str("status", r.Status).Msg("nothing to deliver")
			f.observe(skipOutcomes[r.Status])
			return nil
		case "changed":
			lang, audience = r.Lang, r.Audience // the subscriber changed since the fan-out
		case "busy":
			d.tries = attempt - 1
			d.permit = 0 // unused, but stale by the time the other delivery is done
			if err := f.waitForOther(ctx, d); err != nil {
				return err
			}
			f.observe(DeliveryDeferred)
			return nil
		case "takeover":
			log.Warn().Int64("abandoned_slot", r.Slot).Str("impulse", r.Impulse).Msg("finishing an abandoned impulse delivery first")
			if err := f.finish(ctx, d.sub, r, attempt, &permit); err != nil {
				return err
			}
		case "ok", "resume":
			return f.finish(ctx, d.sub, r, attempt, &permit)
		default:
			return fmt.Errorf("impulses: unexpected reservation %q", r.Status)
		}
	}
	return fmt.Errorf("impulses: delivery to %s did not settle in %d steps", d.sub, maxSteps)
}

// skipOutcomes are the outcomes of reservations that deliver nothing.
var skipOutcomes = map[string]string{
	"gone": DeliverySkippedUnsubscribed, "inactive": DeliverySkippedUnsubscribed,
	"done": DeliveryDuplicateRefused, "paused": DeliverySkippedPaused, "quiet": DeliverySkippedExhausted,
}

// observe reports a delivery outcome to the observer, if any.
func (f *Feature) observe(outcome string) {
	if f.obs != nil {
		f.obs.Delivered(outcome)
	}
}

// seriesIDs is the series for a language and audience as the reservation script takes it:
// ids joined by commas. The library never changes while the feature runs, so it is cached.
func (f *Feature) seriesIDs(lang, audience string) string {
	key := lang + "|" + audience
	if v, ok := f.series.Load(key); ok {
		return v.(string)
	}
	list := f.lib.Series(lang, audience)
	ids := make([]string, len(list))
	for i, imp := range list {
		ids[i] = imp.ID
	}
	joined := strings.Join(ids, ",")
	f.series.Store(key, joined)
	return joined
}

// waitForOther tries again shortly when another slot's delivery to the same subscriber is
// under way: rescheduling its own timer, which also ends this claim without an error log.
func (f *Feature) waitForOther(ctx context.Context, d delivery) error {
	wait := min(250*time.Millisecond<<min(d.waits, 7), 30*time.Second)
	d.waits++
	return f.timers.Schedule(ctx, deliveryTimer(d, f.now().Add(wait)))
}

// next is the first impulse of the subscriber's series that is not in their archive, or nil.
// It is never an index into the series: a changed library neither skips nor repeats anything.
func (f *Feature) next(sub *subscriber, archive map[string]time.Time) *Impulse {
	for _, imp := range f.lib.Series(sub.Lang, sub.Audience) {
		if _, got := archive[imp.ID]; !got {
			return imp
		}
	}
	return nil
}

// finish posts a reserved delivery and commits it. A failed post returns an error, so the
// timer retries it with the same key, until maxDeliverAttempts: then the reservation stays for
// the next slot to finish. permit says whether the run still holds its send time from the rate
// limiter; a second post in one run (after finishing an abandoned delivery) waits for another.
func (f *Feature) finish(ctx context.Context, sub string, r reservation, attempt int, permit *bool) error {
	log := f.log.With().Str("subscriber", sub).Int64("slot", r.Slot).Str("impulse", r.Impulse).Logger()
	var msg adapters.Message
	if r.Impulse == "" {
		msg = allReceived(r.Lang)
	} else {
		imp, ok := f.lib.Get(r.Impulse, r.Lang)
		if !ok {
			// It left the library since it was reserved: nothing to send, and nothing to
			// archive, so the series goes on with what is there.
			log.Warn().Msg("reserved impulse is no longer in the library; reservation dropped")
			if err := f.st.release(ctx, sub, r.Slot, false); err != nil {
				return err
			}
			f.observe(DeliveryImpulseMissing)
			return nil
		}
		msg = impulseMessage(imp, r.Kind)
	}
	msg.Key = deliveryTimerID(sub, r.Slot)
	if !*permit {
		if err := f.limiter.wait(ctx); err != nil {
			return err
		}
	}
	*permit = false
	var err error
	if r.Kind == KindChannel {
		_, err = f.chat.Post(ctx, r.Target, msg)
	} else {
		_, err = f.chat.DirectMessage(ctx, r.Target, msg)
	}
	switch {
	case errors.Is(err, adapters.ErrNotFound) || adapters.IsPermanent(err):
		// The person or channel is gone, or the bot can no longer post there for good
		// (deactivated, removed from the channel, archived): the post cannot have landed, so
		// dropping the reservation repeats nothing; the subscription ends (subscribing again
		// resumes it) instead of giving up a timer every week.
		log.Warn().Err(err).Msg("impulse recipient not found; subscription ended")
		if err := f.st.release(ctx, sub, r.Slot, true); err != nil {
			return err
		}
		f.observe(DeliveryRecipientGone)
		return nil
	case err != nil && attempt >= maxDeliverAttempts:
		log.Error().Err(err).Msg("impulse delivery given up for now; the next slot finishes it")
		f.observe(DeliveryGivenUp)
		return nil
	case err != nil:
		return fmt.Errorf("impulses: post to %s: %w", sub, err)
	}
	res, err := f.st.commit(ctx, sub, r.Slot, r.Impulse, f.now())
	if err != nil {
		return err
	}
	switch res {
	case "ok":
		if r.Impulse != "" {
			f.delivered.add(r.Impulse)
		}
		log.Debug().Msg("impulse delivered")
		f.observe(DeliveryDelivered)
	case "done":
		f.observe(DeliveryDuplicateRefused)
	case "lost":
		log.Warn().Msg("impulse reservation was taken over meanwhile")
		f.observe(DeliveryTakenOver)
	}
	return nil
}

// deliverNow schedules an immediate delivery for /impuls jetzt: a slot of its own (the
// request's time, but after the last slot), through the same durable timer, reservation and
// commit as a scheduled one.
func (f *Feature) deliverNow(ctx context.Context, sub *subscriber) error {
	now := f.now()
	slot := max(now.UnixMilli(), sub.LastSlot+1, sub.InflightSlot+1)
	d := delivery{sub: sub.ID, slot: slot, force: true, lang: sub.Lang, audience: sub.Audience}
	return f.timers.Schedule(ctx, deliveryTimer(d, now))
}
