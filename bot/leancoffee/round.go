package leancoffee

import (
	"slices"
	"time"
)

// Phase is where a round stands.
type Phase string

const (
	PhaseCollecting Phase = "collecting" // people add topics
	PhaseVoting     Phase = "voting"     // people put their dots on topics
	PhaseDiscussing Phase = "discussing" // topics are discussed in vote order, in timeboxes
	PhaseEnded      Phase = "ended"      // the summary is out; clicks get a friendly "finished"
)

// Stage is where the topic under discussion stands.
type Stage string

const (
	StageTalk   Stage = "talk"   // the timebox runs
	StageThumbs Stage = "thumbs" // the timebox is over; the thumbs vote is open
)

// Thumbs votes.
const (
	ThumbUp   = "up"
	ThumbSide = "side"
	ThumbDown = "down"
)

// Round is the state of one Lean Coffee round, as loaded from Redis. Its methods are the state
// machine: pure functions of the state and the clock, so they are tested without Redis and
// every replica takes the same decisions.
type Round struct {
	ID      string // random; carried by buttons so that clicks on an older round are recognised
	Channel string // platform channel id, where the board and announcements go
	// ChannelName is the channel's name as the platform sent it with the start command, for
	// texts and file names people read; empty where the platform sent none.
	ChannelName string
	Phase       Phase
	Mod         string // moderator's user id
	ModName     string // moderator's handle
	PrevMod     string // user id of who handed moderation over last: they may take it back
	Lang        string // language of the channel posts: the starter's
	Settings

	Board  string // post id of the board, updated in place
	Prompt string // post id of the current thumbs prompt

	Topics     int   // number of topics; topics are numbered 1..Topics in order of arrival
	Order      []int // discussion order (topic numbers), fixed when discussion starts
	Cur        int   // index into Order of the topic under discussion
	Topic      int   // topic number under discussion, 0 when none
	ExtUsed    int   // extensions granted to the topic under discussion
	Stage      Stage
	Seq        int64     // bumped on every timed transition; timers carry it to detect staleness
	Due        time.Time // end of the running timebox or thumbs window
	TopicStart time.Time
	Started    time.Time
	Ended      time.Time
	Ver        int64     // bumped on every change; orders board renders
	MVer       int64     // bumped on every change but votes, thumbs and notes (see store.go)
	Announced  int64     // the Seq whose announcement has been posted (see Feature.onTimer)
	Warned     int64     // the Seq whose timebox warning has been posted (see Feature.onWarning)
	Anon       int64     // bumped when a person's data is anonymised (privacy.go); keys the topic cache
	Merged     []int     // topics merged into another (merge.go): they keep their number, off the board
	Begin      time.Time // planned start (schedule.go); zero for a round that started right away
	Open       bool      // topics are still accepted while voting (a planned round voting ahead)

	Votes    map[int]int           // topic → dots
	Spent    map[int]time.Duration // topic → time discussed
	ExtCount map[int]int           // topic → extensions granted
	Thumbs   map[string]string     // user → up|side|down, for the open thumbs vote
}

// Outcome says what a transition did, so the feature knows what to announce.
type Outcome int

const (
	OutVoting       Outcome = iota + 1 // collecting → voting
	OutTopicStarted                    // a (first or next) topic's timebox started
	OutExtended                        // the topic got another timebox
	OutThumbsOpened                    // the timebox ended; the thumbs vote is open
	OutEnded                           // the round is over
)

// Result describes a transition.
type Result struct {
	Outcome
	Prev      int           // the topic that was left, 0 if none
	Extension time.Duration // the granted extension (OutExtended)
	// Up, Side, Down count the thumbs when a thumbs vote closed; Closed says one did.
	Up, Side, Down int
	Closed         bool
	NoMoreExt      bool // the majority wanted more time, but the extensions were used up
}

// userError is a refusal caused by what a person asked for; Key names the catalogue text.
type userError struct{ Key string }

func (e *userError) Error() string { return "leancoffee: " + e.Key }

var (
	errNoRound   = &userError{"err_no_round"}
	errEnded     = &userError{"err_ended"}
	errNoTopics  = &userError{"err_no_topics"}
	errNotTalk   = &userError{"err_not_discussing"}
	errNoThumbs  = &userError{"err_no_thumbs_open"}
	errMoved     = &userError{"err_moved_on"}
	errNotActive = &userError{"err_not_active"}
)

// Next moves the round one step on: collecting → voting → first topic → next topic → end.
func (r *Round) Next(now time.Time) (Result, error) {
	switch r.Phase {
	case PhaseCollecting:
		if r.Topics == 0 {
			return Result{}, errNoTopics
		}
		r.Phase = PhaseVoting
		return Result{Outcome: OutVoting}, nil
	case PhaseVoting:
		if r.Topics == 0 {
			return Result{}, errNoTopics
		}
		r.Order = discussionOrder(r.Topics, r.Votes, r.Merged)
		r.Phase = PhaseDiscussing
		r.startTopic(0, now)
		return Result{Outcome: OutTopicStarted}, nil
	case PhaseDiscussing:
		return r.nextTopic(now, Result{}), nil
	default:
		return Result{}, errEnded
	}
}

// TimeboxOver ends the running timebox and opens the thumbs vote.
func (r *Round) TimeboxOver(now time.Time) (Result, error) {
	if r.Phase != PhaseDiscussing || r.Stage != StageTalk {
		return Result{}, errNotTalk
	}
	r.Stage = StageThumbs
	r.Seq++
	r.Due = now.Add(r.ThumbsWindow)
	r.Thumbs = map[string]string{}
	r.Prompt = ""
	return Result{Outcome: OutThumbsOpened}, nil
}

// CloseThumbs counts the thumbs vote: more 👍 than 👎 extends the topic by the next timebox
// from the list; anything else moves on to the next topic.
func (r *Round) CloseThumbs(now time.Time) (Result, error) {
	if r.Phase != PhaseDiscussing || r.Stage != StageThumbs {
		return Result{}, errNoThumbs
	}
	res := Result{Closed: true}
	for _, v := range r.Thumbs {
		switch v {
		case ThumbUp:
			res.Up++
		case ThumbSide:
			res.Side++
		case ThumbDown:
			res.Down++
		}
	}
	if res.Up > res.Down {
		if r.ExtUsed < len(r.Extensions) {
			d := r.Extensions[r.ExtUsed]
			r.extend(now, d)
			res.Outcome, res.Extension = OutExtended, d
			return res, nil
		}
		res.NoMoreExt = true
	}
	return r.nextTopic(now, res), nil
}

// Extend gives the topic under discussion another timebox at the moderator's wish: the next
// one from the list, or the last one again when the list is used up. While a timebox runs,
// the extension is added to it.
func (r *Round) Extend(now time.Time) (Result, error) {
	if r.Phase != PhaseDiscussing {
		return Result{}, errNotTalk
	}
	d := r.Timebox
	switch {
	case r.ExtUsed < len(r.Extensions):
		d = r.Extensions[r.ExtUsed]
	case len(r.Extensions) > 0:
		d = r.Extensions[len(r.Extensions)-1]
	}
	from := now
	if r.Stage == StageTalk && r.Due.After(now) {
		from = r.Due
	}
	r.extend(from, d)
	return Result{Outcome: OutExtended, Extension: d}, nil
}

// End finishes the round; the topic under discussion is booked with the time it had.
func (r *Round) End(now time.Time) (Result, error) {
	if r.Phase == PhaseEnded {
		return Result{}, errEnded
	}
	res := Result{Outcome: OutEnded}
	if r.Phase == PhaseDiscussing {
		res.Prev = r.Topic
		r.leaveTopic(now)
	}
	r.finish(now)
	return res, nil
}

func (r *Round) extend(from time.Time, d time.Duration) {
	r.ExtUsed++
	r.ExtCount[r.Topic]++
	r.Stage = StageTalk
	r.Seq++
	r.Due = from.Add(d)
	r.Thumbs = nil
}

func (r *Round) nextTopic(now time.Time, res Result) Result {
	res.Prev = r.Topic
	r.leaveTopic(now)
	if r.Cur+1 < len(r.Order) {
		r.startTopic(r.Cur+1, now)
		res.Outcome = OutTopicStarted
		return res
	}
	r.finish(now)
	res.Outcome = OutEnded
	return res
}

func (r *Round) startTopic(i int, now time.Time) {
	r.Cur = i
	r.Topic = r.Order[i]
	r.ExtUsed = 0
	r.Stage = StageTalk
	r.Seq++
	r.TopicStart = now
	r.Due = now.Add(r.Timebox)
	r.Thumbs = nil
}

func (r *Round) leaveTopic(now time.Time) {
	if r.Topic == 0 {
		return
	}
	if d := now.Sub(r.TopicStart); d > 0 {
		r.Spent[r.Topic] += d
	}
}

func (r *Round) finish(now time.Time) {
	r.Phase = PhaseEnded
	r.Ended = now
	r.Topic = 0
	r.Stage = ""
	r.Seq++
	r.Thumbs = nil
}

// discussionOrder sorts topics by dots, most first; ties keep the earlier topic first. Merged
// topics are left out: their dots went to the topic they were merged into.
func discussionOrder(topics int, votes map[int]int, merged []int) []int {
	order := make([]int, 0, topics)
	for n := 1; n <= topics; n++ {
		if !slices.Contains(merged, n) {
			order = append(order, n)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return votes[b] - votes[a] })
	return order
}

// MeetingStart is when the round met: its planned start for a round planned ahead (unless it
// ended before), else when it was opened. Summaries date and time the meeting by it, not by
// the day the round was planned.
func (r *Round) MeetingStart() time.Time {
	if !r.Begin.IsZero() && (r.Ended.IsZero() || r.Begin.Before(r.Ended)) {
		return r.Begin
	}
	return r.Started
}

// Discussed reports whether topic n has been discussed or is under discussion.
func (r *Round) Discussed(n int) bool {
	if r.Phase == PhaseCollecting || r.Phase == PhaseVoting {
		return false
	}
	for i, t := range r.Order {
		if t == n {
			return i < r.Cur || (i == r.Cur && (r.Phase == PhaseDiscussing || r.Spent[n] > 0))
		}
	}
	return false
}

// ChannelLabel names the round's channel for people: its name where known, else its id.
func (r *Round) ChannelLabel() string {
	if r.ChannelName != "" {
		return r.ChannelName
	}
	return r.Channel
}
