package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/kith-social/kith/storage"
)

// domainBlockAdd blocks a server node-wide: its traffic is refused and
// its accounts leave every group.
func (a *Admin) domainBlockAdd(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	domain := a.checkDomain(f, "domain")
	reason := f.Get("reason")
	if utf8.RuneCountInString(reason) > maxReasonRunes {
		f.Fail("reason", "Keep the reason to 1000 characters.")
	}
	if f.Valid() {
		if blocked, err := storage.IsDomainBlocked(ctx, a.db, domain); err != nil {
			return err
		} else if blocked {
			f.Fail("domain", "This domain is blocked already.")
		}
	}
	if f.Valid() {
		members, err := storage.CountMembersOfDomain(ctx, a.db, domain)
		if err != nil {
			return err
		}
		ok, err := a.confirmed(w, r, f, confirmation{
			Title: "Block " + domain + "?",
			Effects: []string{
				blockRemovesText(members, domain),
				"Everything it sends is refused from now on, in every group.",
				"You can lift the block later on this page.",
			},
			Button: "Block " + domain, Cancel: "/admin/domain-blocks",
		})
		if !ok || err != nil {
			return err
		}
		err = a.moderation.BlockDomain(ctx, domain, reason, staffOf(r))
		switch {
		case errors.Is(err, storage.ErrConflict):
			f.Fail("domain", "This domain is blocked already.")
		case err != nil:
			return fmt.Errorf("block %s: %w", domain, err)
		}
	}
	if !f.Valid() {
		return a.renderDomainBlocks(w, r, http.StatusUnprocessableEntity, f)
	}
	a.log.InfoContext(ctx, "domain blocked", "domain", domain, "by", staffOf(r).Name)
	return redirect(w, r, "/admin/domain-blocks?done=blocked")
}

// checkDomain reads a server's domain from a form field (a URL or a
// handle's host are accepted and reduced to the domain).
func (a *Admin) checkDomain(f *form, field string) string {
	domain := storage.NormalizeDomain(f.Get(field))
	switch {
	case domain == "":
		f.Fail(field, "Type the server's domain, for example spam.example.")
	case strings.ContainsAny(domain, " @*") || !strings.Contains(domain, ".") && !strings.Contains(domain, ":"):
		f.Fail(field, "This is not a domain: type it like spam.example, without @ or *.")
	case strings.EqualFold(domain, a.domain):
		f.Fail(field, "This is this node's own domain.")
	}
	return domain
}

// blockRemovesText says how many memberships blocking domain ends.
func blockRemovesText(members int, domain string) string {
	switch members {
	case 0:
		return "No member of your groups is on " + domain + "."
	case 1:
		return "1 membership in your groups is on " + domain + ": it ends."
	}
	return fmt.Sprintf("%d memberships in your groups are on %s: they end.", members, domain)
}
