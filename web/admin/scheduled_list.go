package admin

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
)

// scheduledRow is a waiting post or poll with its decoded input.
type scheduledRow struct {
	storage.ScheduledPost
	Post *community.PostInput // one of Post and Poll is set
	Poll *community.PollInput
	Err  string // the input could not be read
}

type scheduledPage struct {
	Nav   groupNav
	Items []scheduledRow
}

// scheduledList shows what waits to be published, soonest first.
func (a *Admin) scheduledList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "posts")
	if err != nil {
		return err
	}
	items, err := a.posting.ListScheduled(ctx, g.Name)
	if err != nil {
		return err
	}
	data := scheduledPage{Nav: nav}
	for _, s := range items {
		row := scheduledRow{ScheduledPost: s}
		in, err := community.DecodeScheduled(&s)
		switch v := in.(type) {
		case community.PostInput:
			row.Post = &v
		case community.PollInput:
			row.Poll = &v
		default:
			row.Err = fmt.Sprint(err)
		}
		data.Items = append(data.Items, row)
	}
	return a.render(w, r, http.StatusOK, "scheduled", &page{Title: "Scheduled posts of " + g.Title, Nav: "groups", Data: data})
}

// scheduledCancel cancels a waiting post or poll; one published or
// cancelled meanwhile just says so.
func (a *Admin) scheduledCancel(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	back := "/admin/groups/" + g.Name + "/scheduled"
	err := a.posting.CancelScheduled(ctx, g.Name, chiParam(r, "scheduled"), staffOf(r))
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return redirect(w, r, back+"?done=decided")
	case err != nil:
		return fmt.Errorf("cancel scheduled %s: %w", chiParam(r, "scheduled"), err)
	}
	return redirect(w, r, back+"?done=cancelled")
}
