package bot

// size is the number of buckets the limiter keeps, for tests of its cleanup.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
