package inbox

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/federation/metrics"
	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/storage"
)

// Every refusal the inbox makes maps to a reason of its own.
func TestRefusalReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{node.Refuse(http.StatusUnauthorized, "request is not signed", httpsig.ErrMissingSignature), metrics.RefusedUnsigned},
		{node.Refuse(http.StatusUnauthorized, "HTTP signature not valid", errors.New("bad")), metrics.RefusedBadSignature},
		{node.Refuse(http.StatusUnauthorized, "signed by a, but the actor is b", nil), metrics.RefusedBadSignature},
		{node.Refuse(http.StatusRequestEntityTooLarge, "activity larger than 1 MiB", nil), metrics.RefusedTooLarge},
		{node.Refuse(http.StatusBadRequest, "not a valid activity", errors.New("json")), metrics.RefusedBadJSON},
		{node.Refuse(http.StatusBadRequest, "could not read the body", errors.New("eof")), metrics.RefusedUnreadable},
		{node.Refuse(http.StatusBadRequest, "the actor is local", nil), metrics.RefusedLocalActor},
		{node.Refuse(http.StatusForbidden, "this server is blocked here", nil), metrics.RefusedBlockedDomain},
		{node.Refuse(http.StatusNotFound, "no such group", nil), metrics.RefusedNoSuchGroup},
		{node.Refuse(http.StatusBadRequest, "something new", nil), metrics.RefusedOther},
		{fmt.Errorf("group: %w", storage.ErrNotFound), metrics.RefusedOther},
		{errors.New("database is locked"), metrics.RefusedUnavailable},
	} {
		if got := refusalReason(tc.err); got != tc.want {
			t.Errorf("refusalReason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
