package leancoffee

import "sync"

// coalescer serialises updates per board and drops those overtaken by a newer version. It is
// a cache in the DESIGN sense: losing it (a restart) only costs an extra update.
type coalescer struct {
	mu     sync.Mutex
	boards map[string]*boardSlot
}

type boardSlot struct {
	sending    bool
	sent       int64 // newest version sent
	pendingVer int64
	pending    func() error
}

func newCoalescer() *coalescer { return &coalescer{boards: make(map[string]*boardSlot)} }

// submit sends version ver of a board unless a newer one was sent or is waiting. If another
// goroutine is sending, the update waits in the slot and that goroutine sends it; the caller
// returns at once. The returned error is that of the caller's own sends.
func (c *coalescer) submit(board string, ver int64, send func() error) error {
	c.mu.Lock()
	s := c.boards[board]
	if s == nil {
		s = &boardSlot{}
		c.boards[board] = s
	}
	if ver <= s.sent || ver <= s.pendingVer {
		c.mu.Unlock()
		return nil
	}
	if s.sending {
		s.pending, s.pendingVer = send, ver
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
		s.sent = max(s.sent, ver)
		if s.pending == nil {
			s.sending = false
			c.mu.Unlock()
			return firstErr
		}
		send, ver = s.pending, s.pendingVer
		s.pending, s.pendingVer = nil, 0
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
