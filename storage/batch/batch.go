// Package batch runs what concurrent callers submit in batches (group
// commit): while a batch runs, new items wait, and the next batch takes
// them all, up to a bound. It has no goroutine of its own: the caller that
// finds no batch running runs one, and if more items arrived meanwhile it
// hands them to a new goroutine, so that no caller works through batches
// after its own.
package batch

import "sync"

// Runner collects items of type T and passes them to run in batches of at
// most max. run is called from one goroutine at a time.
type Runner[T any] struct {
	max     int
	run     func([]T)
	mu      sync.Mutex
	pending []T
	busy    bool // a goroutine is running a batch
}

// New returns a Runner that passes at most size (at least 1) items to each
// call of run.
func New[T any](size int, run func([]T)) *Runner[T] {
	return &Runner[T]{max: max(1, size), run: run}
}

// Add queues item for the next batch and, when no batch is running, runs
// it in the caller's goroutine before returning. The caller learns the
// item's outcome from the item itself (a channel in it, say).
func (r *Runner[T]) Add(item T) {
	r.mu.Lock()
	r.pending = append(r.pending, item)
	lead := !r.busy
	r.busy = true
	r.mu.Unlock()
	if lead {
		r.flush()
	}
}

// Pending is how many items wait for the next batch.
func (r *Runner[T]) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending)
}

// flush runs one batch, and goes on in another goroutine if more items
// arrived meanwhile.
func (r *Runner[T]) flush() {
	r.mu.Lock()
	n := min(len(r.pending), r.max)
	b := r.pending[:n:n]
	r.pending = r.pending[n:]
	r.mu.Unlock()

	r.run(b)

	r.mu.Lock()
	more := len(r.pending) > 0
	if !more {
		r.busy = false
		r.pending = nil
	}
	r.mu.Unlock()
	if more {
		go r.flush()
	}
}
