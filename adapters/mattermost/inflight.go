package mattermost

import "sync"

// inflight counts the events being handled in the background. Unlike a sync.WaitGroup it may
// start new work while someone waits: the HTTP callbacks keep dispatching events while Run
// shuts down, and a WaitGroup would forbid an Add from zero concurrent with Wait.
type inflight struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed while n == 0
}

func newInflight() *inflight {
	idle := make(chan struct{})
	close(idle)
	return &inflight{idle: idle}
}

// Go runs f in a new goroutine and counts it until it returns.
func (t *inflight) Go(f func()) {
	t.add()
	go func() {
		defer t.done()
		f()
	}()
}

func (t *inflight) add() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == 0 {
		t.idle = make(chan struct{})
	}
	t.n++
}

func (t *inflight) done() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n--
	if t.n == 0 {
		close(t.idle)
	}
}

// Wait returns once nothing is in flight: at once if nothing is, else when the count next
// drops to zero.
func (t *inflight) Wait() {
	<-t.idleChan()
}

func (t *inflight) idleChan() chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.idle
}
