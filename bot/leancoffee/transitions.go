package leancoffee

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wolbot/wolbot/adapters"
	"github.com/wolbot/wolbot/storage"
)

// timerPayload is what a timebox or thumbs-vote timer carries: enough to find the round and
// to tell whether the round is still at the step the timer was set for.
type timerPayload struct {
	Chan  string `json:"c"`
	Round string `json:"r"`
	Seq   int64  `json:"s"`
}

func timerID(p timerPayload) string {
	return fmt.Sprintf("lc:%s:%s:%d", p.Chan, p.Round, p.Seq)
}

// WarningKind is the durable-timer kind of the warning shortly before a timebox ends.
const WarningKind = "lc.warn"

// warningID names the warning timer of a timebox; it carries the same payload as the
// timebox's own timer.
func warningID(p timerPayload) string {
	return fmt.Sprintf("lc:warn:%s:%s:%d", p.Chan, p.Round, p.Seq)
}

var errStaleTimer = errors.New("leancoffee: stale timer")

// transition applies a step of the state machine to the stored round, schedules the timer of
// the new step before committing, and announces the result in the channel.
//
// fromTimer marks transitions made by a timer. Their announcement is recorded only after it
// was posted (Round.Announced), so that a process killed in between announces on redelivery.
// Every step a person makes (a moderator's next, extend or end, the last thumbs vote that
// closes the vote early) passes false: it is recorded as announced in the same transaction and
// cancels the timer it supersedes, so that timer, should it fire all the same, finds the step
// announced and posts nothing.
func (f *Feature) transition(ctx context.Context, k keys, fromTimer bool, step func(r *Round, now time.Time) (Result, error)) (*Round, error) {
	var (
		res        Result
		prevSeq    int64
		prevStage  Stage
		prevPhase  Phase
		prevPrompt string
	)
	r, err := f.st.update(ctx, k, func(r *Round) error {
		prevSeq, prevStage, prevPhase, prevPrompt = r.Seq, r.Stage, r.Phase, r.Prompt
		var err error
		if res, err = step(r, f.now()); err != nil {
			return err
		}
		if !fromTimer {
			r.Announced = r.Seq
		}
		return nil
	}, func(ctx context.Context, r *Round) error {
		if r.Phase == PhaseEnded && prevPhase != PhaseEnded {
			return f.scheduleActionDMs(ctx, k, r)
		}
		if r.Phase != PhaseDiscussing || r.Seq == prevSeq {
			return nil
		}
		p := timerPayload{Chan: k.chanKey, Round: r.ID, Seq: r.Seq}
		js, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("leancoffee: encode timer: %w", err)
		}
		timers := []storage.Timer{{ID: timerID(p), Kind: TimerKind, Due: r.Due, Payload: js}}
		if r.Stage == StageTalk && r.Warning > 0 && r.Due.Sub(f.now()) > r.Warning {
			timers = append(timers, storage.Timer{ID: warningID(p), Kind: WarningKind, Due: r.Due.Add(-r.Warning), Payload: js})
		}
		return f.timers.ScheduleMany(ctx, timers)
	})
	if err != nil {
		return nil, err
	}
	if r.Seq != prevSeq && prevSeq > 0 && !fromTimer {
		// The old step's timer would find a stale Seq and do nothing; removing it just keeps
		// the timer set small. A timer's own step leaves it alone: the timer loop acks it, or
		// retries it should the announcement below fail.
		p := timerPayload{Chan: k.chanKey, Round: r.ID, Seq: prevSeq}
		for _, old := range []string{timerID(p), warningID(p)} {
			if err := f.timers.Cancel(ctx, old); err != nil {
				f.log.Warn().Err(err).Str("timer", old).Msg("could not cancel superseded timer")
			}
		}
	}
	if prevStage != StageThumbs || res.Outcome == OutThumbsOpened {
		prevPrompt = ""
	}
	err = f.announce(ctx, k, r, res, prevPrompt)
	if fromTimer {
		return r, err
	}
	if err != nil {
		// The step itself is saved; the board catches up with the next change.
		f.log.Error().Err(err).Str("round", r.ID).Msg("announcement failed")
	}
	return r, nil
}

// announce tells the channel what a transition did: a result on the closed thumbs prompt, a
// post for the new step, and the board updated in place.
func (f *Feature) announce(ctx context.Context, k keys, r *Round, res Result, prevPrompt string) error {
	v := f.view(ctx, k, r, r.Lang)
	if prevPrompt != "" {
		topic := res.Prev
		if topic == 0 {
			topic = r.Topic
		}
		if err := f.chat.Update(ctx, adapters.PostRef{Channel: r.Channel, ID: prevPrompt}, v.thumbsResult(topic, res)); err != nil {
			return fmt.Errorf("leancoffee: close thumbs prompt: %w", err)
		}
	}
	var post *adapters.Message
	switch res.Outcome {
	case OutVoting:
		post = &adapters.Message{Text: msgs.N(v.lang, "ann_voting", r.Dots)}
	case OutTopicStarted:
		post = &adapters.Message{Text: v.t("ann_topic", "pos", r.Cur+1, "count", len(r.Order),
			"text", v.topicText(r.Topic), "dur", v.dur(r.Timebox), "clock", v.clock(r.Due))}
	case OutExtended:
		post = &adapters.Message{Text: v.t("ann_extended", "text", v.topicText(r.Topic),
			"dur", v.dur(res.Extension), "clock", v.clock(r.Due))}
	case OutThumbsOpened:
		ref, err := f.chat.Post(ctx, r.Channel, v.thumbsPrompt())
		if err != nil {
			return fmt.Errorf("leancoffee: post thumbs prompt: %w", err)
		}
		if err := f.st.setField(ctx, k, "prompt", ref.ID); err != nil {
			return err
		}
		r.Prompt = ref.ID
	}
	if post != nil {
		if _, err := f.chat.Post(ctx, r.Channel, *post); err != nil {
			return fmt.Errorf("leancoffee: announce: %w", err)
		}
	}
	if err := f.showBoard(ctx, k, r); err != nil {
		return err
	}
	if res.Outcome == OutEnded {
		return f.postSummary(ctx, k, r)
	}
	return nil
}

func (f *Feature) postSummary(ctx context.Context, k keys, r *Round) error {
	notes, err := f.st.notes(ctx, k)
	if err != nil {
		return err
	}
	actions, err := f.st.actions(ctx, k)
	if err != nil {
		return err
	}
	people, err := f.st.s.Client.SCard(ctx, k.people).Result()
	if err != nil {
		return fmt.Errorf("leancoffee: count people: %w", err)
	}
	f.st.reindexEnded(ctx, k, r, actionPeople(actions), f.log)
	v := f.view(ctx, k, r, r.Lang)
	msg := v.summary(notes, actions, int(people))
	msg.Key = "lc-summary:" + r.ID
	msg.Files = []adapters.File{v.minutesFile(notes, actions, int(people))}
	if _, err := f.chat.Post(ctx, r.Channel, msg); err != nil {
		return fmt.Errorf("leancoffee: post summary: %w", err)
	}
	f.boards.forget(k.chanKey + ":" + r.ID)
	f.log.Info().Str("round", r.ID).Int("topics", r.Topics).Msg("lean coffee round ended")
	return f.sendActionDMs(ctx, k, r, actions)
}

// timerRound decodes a timer's payload and loads the channel's round. The round is nil, with
// no error, when there is nothing to do: the payload is undecodable (logged and dropped) or
// the channel has no round any more.
func (f *Feature) timerRound(ctx context.Context, t storage.Timer) (timerPayload, keys, *Round, error) {
	var p timerPayload
	if err := json.Unmarshal(t.Payload, &p); err != nil {
		f.log.Error().Err(err).Str("timer", t.ID).Msg("undecodable timer dropped")
		return p, keys{}, nil, nil
	}
	k := f.st.keys(p.Chan)
	r, err := f.st.load(ctx, f.st.s.Client, k)
	if errors.Is(err, errNoRound) {
		return p, k, nil, nil
	}
	if err != nil {
		return p, k, nil, err
	}
	return p, k, r, nil
}

// onTimer ends a timebox or a thumbs vote. It is idempotent: a timer whose step has passed
// does nothing, except to finish an announcement that a killed process left undone.
func (f *Feature) onTimer(ctx context.Context, t storage.Timer) error {
	var p timerPayload
	if err := json.Unmarshal(t.Payload, &p); err != nil {
		f.log.Error().Err(err).Str("timer", t.ID).Msg("undecodable timer dropped")
		return nil
	}
	k := f.st.keys(p.Chan)
	r, err := f.transition(ctx, k, true, func(r *Round, now time.Time) (Result, error) {
		if r.ID != p.Round || r.Seq != p.Seq || r.Phase != PhaseDiscussing {
			return Result{}, errStaleTimer
		}
		if r.Stage == StageTalk {
			return r.TimeboxOver(now)
		}
		return r.CloseThumbs(now)
	})
	switch {
	case errors.Is(err, errNoRound):
		return nil
	case errors.Is(err, errStaleTimer):
		return f.finishAnnouncement(ctx, k, p)
	case err != nil:
		return err
	}
	return f.st.markAnnounced(ctx, k, r)
}

// onWarning tells the channel that the running timebox ends soon. It posts at most once per
// timebox: a warning whose timebox has been ended or extended meanwhile, or that was posted
// already (Round.Warned), does nothing. The post carries an idempotency key for the case that
// a process dies between posting and recording it.
func (f *Feature) onWarning(ctx context.Context, t storage.Timer) error {
	p, k, r, err := f.timerRound(ctx, t)
	if r == nil || err != nil {
		return err
	}
	now := f.now()
	left := r.Due.Sub(now)
	if r.ID != p.Round || r.Seq != p.Seq || r.Phase != PhaseDiscussing || r.Stage != StageTalk ||
		r.Warned >= r.Seq || left <= 0 {
		return nil
	}
	// Timers fire a little late; say the time people chose unless it is noticeably off.
	if r.Warning-left < 2*time.Second {
		left = r.Warning
	}
	v := f.view(ctx, k, r, r.Lang)
	msg := adapters.Message{
		Text: v.t("ann_warning", "dur", v.dur(left), "text", v.topicText(r.Topic), "clock", v.clock(r.Due)),
		Key:  "lc-warn:" + r.ID + ":" + r.seqString(),
	}
	if _, err := f.chat.Post(ctx, r.Channel, msg); err != nil {
		return fmt.Errorf("leancoffee: post warning: %w", err)
	}
	return f.st.markWarned(ctx, k, r)
}

// finishAnnouncement re-announces the step a timer made when the process that made it was
// killed before it could post (Announced lags Seq by exactly that step).
func (f *Feature) finishAnnouncement(ctx context.Context, k keys, p timerPayload) error {
	r, err := f.st.load(ctx, f.st.s.Client, k)
	if errors.Is(err, errNoRound) {
		return nil
	}
	if err != nil {
		return err
	}
	if r.ID != p.Round || r.Seq != p.Seq+1 || r.Announced >= r.Seq {
		return nil
	}
	res := Result{}
	switch {
	case r.Phase == PhaseEnded:
		res.Outcome = OutEnded
	case r.Stage == StageThumbs:
		res.Outcome = OutThumbsOpened
	case r.ExtUsed > 0:
		res.Outcome = OutExtended
		res.Extension = r.Extensions[min(r.ExtUsed, len(r.Extensions))-1]
	default:
		res.Outcome = OutTopicStarted
	}
	f.log.Info().Str("round", r.ID).Int64("seq", r.Seq).Msg("finishing an interrupted announcement")
	if err := f.announce(ctx, k, r, res, ""); err != nil {
		return err
	}
	return f.st.markAnnounced(ctx, k, r)
}

// showBoard posts the board the first time and updates it in place afterwards. Concurrent
// updates of one board are coalesced: the newest version wins and no older one is sent after
// it, so a burst of votes costs a few chat calls, not one each.
func (f *Feature) showBoard(ctx context.Context, k keys, r *Round) error {
	render := func() adapters.Message { return f.view(ctx, k, r, r.Lang).board() }
	if r.Board == "" {
		ref, err := f.chat.Post(ctx, r.Channel, render())
		if err != nil {
			return fmt.Errorf("leancoffee: post board: %w", err)
		}
		r.Board = ref.ID
		return f.st.setField(ctx, k, "board", ref.ID)
	}
	ref := adapters.PostRef{Channel: r.Channel, ID: r.Board}
	return f.boards.submit(k.chanKey+":"+r.ID, r.Ver, func() error {
		if err := f.chat.Update(ctx, ref, render()); err != nil {
			return fmt.Errorf("leancoffee: update board: %w", err)
		}
		return nil
	})
}
