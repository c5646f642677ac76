package admin

import (
	"context"
	"net/http"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
)

// groupRow is a group with the counts its pages show: members, pending
// requests, posts held for review and open reports.
type groupRow struct {
	Group   storage.Group
	Members int
	Pending int
	Held    int
	Reports int
	Modmail int // open conversations (at most maxBadge)
	Anon    int // anonymous posts waiting for a decision
}

// maxBadge bounds the open conversations a badge counts: storage has no
// count of them, and "99+" says enough.
const maxBadge = 100

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
	held, err := storage.CountPosts(ctx, a.db, g.ID, storage.PostPending)
	if err != nil {
		return groupRow{}, err
	}
	reports, err := storage.CountOpenReports(ctx, a.db, g.ID)
	if err != nil {
		return groupRow{}, err
	}
	open, err := storage.ListConversations(ctx, a.db, g.ID, storage.ConversationOpen, maxBadge)
	if err != nil {
		return groupRow{}, err
	}
	anon, err := storage.ListAnonRequests(ctx, a.db, g.ID, storage.AnonPending)
	if err != nil {
		return groupRow{}, err
	}
	return groupRow{Group: g, Members: members, Pending: pending, Held: held, Reports: reports,
		Modmail: len(open), Anon: len(anon)}, nil
}

// groupNav is the head of every group page: the group, its counts and
// the sub-page being shown.
type groupNav struct {
	groupRow
	Tab    string
	Handle string // @name@domain, for the copy-handle field
}

// nav loads the head of a group page.
func (a *Admin) nav(ctx context.Context, tab string) (groupNav, error) {
	row, err := a.groupCounts(ctx, *currentGroup(ctx))
	if err != nil {
		return groupNav{}, err
	}
	return groupNav{groupRow: row, Tab: tab, Handle: "@" + row.Group.Name + "@" + a.domain}, nil
}

func (a *Admin) dashboard(w http.ResponseWriter, r *http.Request) error {
	rows, err := a.managedGroupRows(r.Context())
	if err != nil {
		return err
	}
	return a.render(w, r, http.StatusOK, "dashboard", &page{Title: "Dashboard", Nav: "dashboard", Data: rows})
}
