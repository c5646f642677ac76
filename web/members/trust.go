package members

import (
	"net/http"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
)

// levelView is a member's trust level on their page: the level, whether
// it shows in the directory, and how the group's levels are earned.
type levelView struct {
	Level     string
	Shown     bool
	HowEarned []string
}

// levelOf loads the signed-in member's level for their page.
func (m *Members) levelOf(r *http.Request) (*levelView, error) {
	ctx := r.Context()
	cur := currentMember(ctx)
	ml, err := storage.MemberLevelOf(ctx, m.db, cur.Group.ID, cur.Actor.ID)
	if err != nil {
		return nil, err
	}
	ts, err := storage.TrustSettingsOf(ctx, m.db, cur.Group.ID)
	if err != nil {
		return nil, err
	}
	return &levelView{Level: ml.Level, Shown: ml.ShowInDirectory, HowEarned: community.DescribeLevels(ts)}, nil
}

// saveLevelShown shows or hides the member's level in the directory (the
// same as the DM commands "level on" and "level off"). Nothing federates.
func (m *Members) saveLevelShown(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	if err := storage.SetLevelInDirectory(ctx, m.db, cur.Group.ID, cur.Actor.ID, r.PostForm.Get("show") == "on"); err != nil {
		return err
	}
	http.Redirect(w, r, cookiePath(cur.Group.Name)+"?saved=1#level", http.StatusSeeOther)
	return nil
}
