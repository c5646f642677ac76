package admin

import (
	"fmt"
	"net/http"

	"github.com/kith-social/kith/storage"
)

// domainTrustSet sets how much the node trusts a server's accounts:
// trusted servers skip probation, account age and keywords; review
// servers always go to the review queue; normal removes the entry.
func (a *Admin) domainTrustSet(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	domain := a.checkDomain(f, "trust_domain")
	level := f.Get("level")
	switch level {
	case storage.TrustTrusted, storage.TrustNormal, storage.TrustReview:
	default:
		f.Fail("level", "Choose trusted, normal or review.")
	}
	if !f.Valid() {
		return a.renderDomainBlocks(w, r, http.StatusUnprocessableEntity, f)
	}
	if err := storage.SetDomainTrust(ctx, a.db, a.now(), domain, level); err != nil {
		return fmt.Errorf("set trust of %s: %w", domain, err)
	}
	by := staffOf(r)
	entry := &storage.LogEntry{StaffID: by.ID, StaffName: by.Name, Action: "trust_" + level, Target: domain}
	if err := storage.AddLogEntry(ctx, a.db, a.now(), entry); err != nil {
		a.log.ErrorContext(ctx, "log server trust", "err", err)
	}
	a.log.InfoContext(ctx, "server trust set", "domain", domain, "level", level, "by", by.Name)
	return redirect(w, r, "/admin/domain-blocks?done=trust#trust")
}
