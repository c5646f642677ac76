package fedtest

import (
	"sync"
	"time"
)

// Await waits until find finds something, or timeout passes (false). find
// runs under mu, and again each time the channel changed returns (read
// under mu with it, so no change in between is missed) is closed: the
// pattern of a list that tests wait on, whose writer closes and replaces
// its channel on every append. No polling, no sleeps.
func Await[T any](mu sync.Locker, changed func() chan struct{}, find func() (T, bool), timeout time.Duration) (T, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		mu.Lock()
		v, ok := find()
		ch := changed()
		mu.Unlock()
		if ok {
			return v, true
		}
		select {
		case <-ch:
		case <-deadline.C:
			var zero T
			return zero, false
		}
	}
}
