package admin

import (
	"context"
	"net/http"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
)

// groupRow is a group with its member and pending-request counts.
type groupRow struct {
	Group   storage.Group
	Members int
	Pending int
}

// managedGroupRows lists the groups the current staff member may manage, with counts.
func (a *Admin) managedGroupRows(ctx context.Context) ([]groupRow, error) {
	groups, err := auth.ManagedGroups(ctx, a.db, currentSession(ctx).Staff)
	if err != nil {
		return nil, err
	}
	rows := make([]groupRow, 0, len(groups))
	for _, g := range groups {
		row, err := a.groupCounts(ctx, g)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func (a *Admin) groupCounts(ctx context.Context, g storage.Group) (groupRow, error) {
	members, err := storage.CountFollows(ctx, a.db, g.ID, storage.FollowAccepted)
	if err != nil {
		return groupRow{}, err
	}
	pending, err := storage.CountFollows(ctx, a.db, g.ID, storage.FollowPending)
	if err != nil {
		return groupRow{}, err
	}
	return groupRow{Group: g, Members: members, Pending: pending}, nil
}

func (a *Admin) dashboard(w http.ResponseWriter, r *http.Request) error {
	rows, err := a.managedGroupRows(r.Context())
	if err != nil {
		return err
	}
	return a.render(w, r, http.StatusOK, "dashboard", &page{Title: "Dashboard", Nav: "dashboard", Data: rows})
}
