package adapters

import (
	"strings"
	"time"
)

// Defaults of [NewQueue]'s bounds, shared by the adapters.
const (
	DefaultWorkers  = 64               // events handled at once
	DefaultWaiting  = 256              // events waiting for a worker
	DefaultMaxEvent = 90 * time.Second // an event that waited longer is dropped
)

// Reasons of [DropObserver].EventDropped.
const (
	DropQueueFull = "queue_full" // refused on arrival: the queue was full
	DropTooOld    = "too_old"    // dropped when its turn came: it had waited too long
)

// DropObserver is told about every event an adapter drops instead of handling, for metrics.
// An adapter's Observer that implements it is used.
type DropObserver interface {
	EventDropped(platform, reason string)
}

// Queue bounds an adapter's work: at most workers events are handled at once and at most
// waiting more wait for their turn; beyond that [Queue.Admit] refuses, so that a hanging
// platform API cannot pile up goroutines and answers that arrive an hour late. An event that
// waited longer than maxAge is dropped when its turn comes. Safe for concurrent use.
type Queue struct {
	platform string
	slots    chan struct{} // one per running event
	places   chan struct{} // one per admitted event, running or waiting
	maxAge   time.Duration
	obs      DropObserver // nil: none
}

// NewQueue returns a queue; obs may be anything (an APIObserver, nil): it is used if it is a
// [DropObserver].
func NewQueue(platform string, workers, waiting int, maxAge time.Duration, obs any) *Queue {
	d, _ := obs.(DropObserver)
	return &Queue{
		platform: platform,
		slots:    make(chan struct{}, workers),
		places:   make(chan struct{}, workers+waiting),
		maxAge:   maxAge,
		obs:      d,
	}
}

// Admit reserves a place for one event and reports whether there was one. An admitted event
// must be passed to [Queue.Run] exactly once.
func (q *Queue) Admit() bool {
	select {
	case q.places <- struct{}{}:
		return true
	default:
		q.dropped(DropQueueFull)
		return false
	}
}

// Run waits for a worker, then runs fn unless the event, admitted at received, has waited
// longer than the queue's maximum age; it frees the event's place either way and reports
// whether fn ran.
func (q *Queue) Run(received time.Time, fn func()) bool {
	defer func() { <-q.places }()
	q.slots <- struct{}{}
	defer func() { <-q.slots }()
	if q.maxAge > 0 && time.Since(received) > q.maxAge {
		q.dropped(DropTooOld)
		return false
	}
	fn()
	return true
}

func (q *Queue) dropped(reason string) {
	if q.obs != nil {
		q.obs.EventDropped(q.platform, reason)
	}
}

// busyTexts is what a user reads when the queue is full.
var busyTexts = map[string]string{
	"de": "Gerade kommen sehr viele Anfragen gleichzeitig bei mir an, deshalb konnte ich Ihre nicht annehmen. Bitte versuchen Sie es in einer Minute noch einmal.",
	"en": "Lots of requests are reaching me at the same time right now, so I couldn't take yours. Please try again in a minute.",
}

// BusyText is the friendly "busy, try again" answer in the user's locale ("de", "en-US", "";
// German unless English).
func BusyText(locale string) string {
	if strings.HasPrefix(strings.ToLower(locale), "en") {
		return busyTexts["en"]
	}
	return busyTexts["de"]
}
