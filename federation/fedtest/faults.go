package fedtest

import "net/http"

// FailInbox makes the instance answer inbox POSTs with the status fn
// returns (0: handle normally) — an outage, a rate limit, a refusal. nil
// restores normal service.
func (i *Instance) FailInbox(fn func(r *http.Request) int) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.inboxFault = fn
}

// InboxAttempts counts inbox POSTs, refused by FailInbox or not.
func (i *Instance) InboxAttempts() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.inboxAttempts
}

func (i *Instance) fault(r *http.Request) int {
	i.mu.Lock()
	i.inboxAttempts++
	fn := i.inboxFault
	i.mu.Unlock()
	if fn == nil {
		return 0
	}
	return fn(r)
}
