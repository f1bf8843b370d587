package leancoffee

import "sync"

// coalescer serialises updates per board and drops those overtaken by a newer version. It is
// a cache in the DESIGN sense: losing it (a restart) only costs an extra update.
type coalescer struct {
	mu     sync.Mutex
	boards map[string]*boardSlot
}

type boardSlot struct {
	sending bool
	// latest is the highest version accepted so far: sent, being sent, or waiting. Versions
	// at or below it are stale; comparing against the sent version alone would let an older
	// render queue up behind a newer one already in flight.
	latest  int64
	pending func() error
}

func newCoalescer() *coalescer { return &coalescer{boards: make(map[string]*boardSlot)} }

// submit sends version ver of a board unless a newer one was accepted already. If another
// goroutine is sending, the update waits in the slot (replacing any older waiting one) and
// that goroutine sends it; the caller returns at once. Versions are sent in increasing
// order. The returned error is that of the caller's own sends.
func (c *coalescer) submit(board string, ver int64, send func() error) error {
	c.mu.Lock()
	s := c.boards[board]
	if s == nil {
		s = &boardSlot{}
		c.boards[board] = s
	}
	if ver <= s.latest {
		c.mu.Unlock()
		return nil
	}
	s.latest = ver
	if s.sending {
		s.pending = send
		c.mu.Unlock()
		return nil
	}
	s.sending = true
	c.mu.Unlock()

	var firstErr error
	// Drain: send ours, then whatever newer version arrived meanwhile, until none is waiting.
	for {
		if err := send(); err != nil && firstErr == nil {
			firstErr = err
		}
		c.mu.Lock()
		if s.pending == nil {
			s.sending = false
			c.mu.Unlock()
			return firstErr
		}
		send, s.pending = s.pending, nil
		c.mu.Unlock()
	}
}

// forget drops a finished board's slot.
func (c *coalescer) forget(board string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.boards[board]; s != nil && !s.sending {
		delete(c.boards, board)
	}
}
