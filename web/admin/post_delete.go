package admin

import (
	"fmt"
	"net/http"
	"strings"
)

// postDelete deletes a group post everywhere, and its images here.
func (a *Admin) postDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	p, err := a.ownPost(r)
	if err != nil {
		return err
	}
	if err := a.posting.DeleteOwnPost(ctx, p.ID, staffOf(r)); err != nil {
		return fmt.Errorf("delete post %s: %w", p.ID, err)
	}
	var rels []string
	for _, img := range p.Images {
		if rel, ok := strings.CutPrefix(img.Src, "/media/"); ok {
			rels = append(rels, rel)
		}
	}
	a.discardMedia(r, rels)
	return redirect(w, r, "/admin/groups/"+g.Name+"/posts?done=deleted")
}
