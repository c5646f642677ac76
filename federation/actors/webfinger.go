package actors

import "context"

// RemoteWebFinger asks host about resource (unsigned, through the node's
// guarded transport): the public pages' remote-follow form uses it.
func (e *Actors) RemoteWebFinger(ctx context.Context, resource, host string) ([]byte, error) {
	return e.Client.GetWebFinger(ctx, resource, host)
}
