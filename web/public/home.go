package public

import (
	"net/http"

	"github.com/kith-social/kith/storage"
)

// home lists the node's groups. Groups that are not discoverable stay off
// the list (their pages still answer at their addresses), as they stay out
// of other servers' directories.
func (p *Public) home(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	groups, err := storage.ListGroups(ctx, p.db)
	if err != nil {
		return err
	}
	var views []*groupView
	for i := range groups {
		if !groups[i].Discoverable {
			continue
		}
		v, err := p.groupView(ctx, p.db, &groups[i])
		if err != nil {
			return err
		}
		views = append(views, v)
	}
	owners, err := storage.CountOwners(ctx, p.db)
	if err != nil {
		return err
	}
	return p.render(w, http.StatusOK, "home", &page{
		Title:     "Groups on " + p.domain,
		Desc:      "Communities hosted on " + p.domain + ": follow them from Mastodon, Lemmy, Misskey or any fediverse account.",
		Canonical: p.iri.Home(),
		Data:      map[string]any{"Groups": views, "NotSetUp": owners == 0},
	})
}
