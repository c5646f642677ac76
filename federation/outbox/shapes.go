package outbox

import (
	"context"
	"strings"

	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/federation/software"
)

// forShape keeps the inboxes whose server uses activities of shape s, as
// the servers' software families say (federation/software): a
// Mastodon-family server gets no Announce{activity}, a Lemmy-family one no
// plain boost, a server not known yet both. The slice given (the member
// cache's) is not changed.
func (e *Outbox) forShape(ctx context.Context, inboxes []string, s software.Shape) ([]string, error) {
	if s == software.Any || e.servers == nil || len(inboxes) == 0 {
		return inboxes, nil
	}
	fams, err := e.servers.Families(ctx)
	if err != nil || len(fams) == 0 {
		return inboxes, err
	}
	out := make([]string, 0, len(inboxes))
	for _, inbox := range inboxes {
		if fams[inboxHost(inbox)].Wants(s) {
			out = append(out, inbox)
		}
	}
	return out, nil
}

// inboxHost is the host[:port] of an inbox URL, without parsing the whole
// URL for the common shape scheme://host/path (a fan-out asks it of every
// member's inbox).
func inboxHost(inbox string) string {
	_, rest, ok := strings.Cut(inbox, "://")
	if !ok {
		return node.HostOf(inbox)
	}
	host, _, _ := strings.Cut(rest, "/")
	if strings.ContainsAny(host, "@?#\\") {
		return node.HostOf(inbox)
	}
	return host
}
