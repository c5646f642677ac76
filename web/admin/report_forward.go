package admin

import (
	"fmt"
	"net/http"
)

// reportForward sends the report to the reported account's server as a
// Flag from the group.
func (a *Admin) reportForward(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	rp, err := a.groupReport(r)
	if err != nil {
		return err
	}
	if rp.TargetIRI == "" {
		return &httpError{http.StatusUnprocessableEntity, "This report names no account, so there is no server to send it to."}
	}
	if err := a.moderation.ForwardReport(ctx, rp.ID, staffOf(r)); err != nil {
		return fmt.Errorf("forward report %s: %w", rp.ID, err)
	}
	return redirect(w, r, reportBack(r, g.Name, "forwarded"))
}
