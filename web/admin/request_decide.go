package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
)

// requestDecide approves or rejects a request to join; the engine sends
// the Accept or Reject. A rejection asks first.
func (a *Admin) requestDecide(approve bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		g := currentGroup(ctx)
		back := "/admin/groups/" + g.Name + "/requests"
		f, err := storage.FollowByID(ctx, a.db, chiParam(r, "follow"))
		if errors.Is(err, storage.ErrNotFound) {
			return redirect(w, r, back+"?done=decided") // decided (and gone) meanwhile
		}
		if err != nil {
			return err
		}
		if f.GroupID != g.ID || f.Actor == nil {
			return errNotFound("There is no such request in this group.")
		}
		if !approve {
			fv, err := parseForm(r)
			if err != nil {
				return err
			}
			ok, err := a.confirmed(w, r, fv, confirmation{
				Title:   "Reject the request of " + actorHandle(f.Actor) + "?",
				Effects: []string{"Their server is told; they can ask again later.", "Their answer to the join questions is deleted with the request."},
				Button:  "Reject the request", Cancel: back,
			})
			if !ok || err != nil {
				return err
			}
		}
		switch err := a.decideRequest(ctx, g, f, approve, staffOf(r)); {
		case errors.Is(err, community.ErrNotPending):
			return redirect(w, r, back+"?done=decided")
		case err != nil:
			return err
		}
		if approve {
			return redirect(w, r, back+"?done=approved")
		}
		return redirect(w, r, back+"?done=rejected")
	}
}

// decideRequest approves or rejects one pending request and logs it.
func (a *Admin) decideRequest(ctx context.Context, g *storage.Group, f *storage.Follow, approve bool, by community.Staff) error {
	if err := a.membership.DecideFollow(ctx, g.Name, f.Actor.IRI, approve); err != nil {
		if errors.Is(err, community.ErrNotPending) {
			return err
		}
		return fmt.Errorf("decide request of %s: %w", f.Actor.IRI, err)
	}
	// DecideFollow takes no staff member and writes no log entry: the
	// admin UI writes it, just after (not in the same transaction).
	action := "reject_follow"
	if approve {
		action = "approve_follow"
	}
	entry := &storage.LogEntry{GroupID: g.ID, StaffID: by.ID, StaffName: by.Name, Action: action, Target: f.Actor.IRI}
	if err := storage.AddLogEntry(ctx, a.db, a.now(), entry); err != nil {
		a.log.ErrorContext(ctx, "log join decision", "err", err)
	}
	a.log.InfoContext(ctx, "join request decided", "group", g.Name, "actor", f.Actor.IRI, "approved", approve, "by", by.Name)
	return nil
}

// requestBulk approves or rejects the selected requests at once; a
// rejection asks first.
func (a *Admin) requestBulk(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	back := "/admin/groups/" + g.Name + "/requests"
	fv, err := parseForm(r)
	if err != nil {
		return err
	}
	ids, approve := fv.values["follow"], fv.Get("do") == "approve"
	if len(ids) == 0 {
		return &httpError{http.StatusUnprocessableEntity, "Select at least one request."}
	}
	if !approve {
		ok, err := a.confirmed(w, r, fv, confirmation{
			Title:   fmt.Sprintf("Reject %d %s?", len(ids), plural(len(ids), "request", "requests")),
			Effects: []string{"Their servers are told; they can ask again later.", "Their answers to the join questions are deleted with the requests."},
			Button:  "Reject them", Cancel: back,
		})
		if !ok || err != nil {
			return err
		}
	}
	for _, id := range ids {
		f, err := storage.FollowByID(ctx, a.db, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue // decided meanwhile
		}
		if err != nil {
			return err
		}
		if f.GroupID != g.ID || f.Actor == nil {
			return errNotFound("There is no such request in this group.")
		}
		if err := a.decideRequest(ctx, g, f, approve, staffOf(r)); err != nil && !errors.Is(err, community.ErrNotPending) {
			return err
		}
	}
	if approve {
		return redirect(w, r, back+"?done=approved-all")
	}
	return redirect(w, r, back+"?done=rejected-all")
}
