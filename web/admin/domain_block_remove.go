package admin

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/kith-social/kith/storage"
)

// domainBlockRemove lifts a domain block.
func (a *Admin) domainBlockRemove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	domain := f.Get("domain")
	err = a.moderation.UnblockDomain(ctx, domain, staffOf(r))
	if err != nil && !errors.Is(err, storage.ErrNotFound) { // lifted already: done
		return fmt.Errorf("unblock %s: %w", domain, err)
	}
	return redirect(w, r, "/admin/domain-blocks?done=unblocked")
}
