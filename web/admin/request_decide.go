package admin

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
)

// requestDecide approves or rejects a request to join; the engine sends
// the Accept or Reject.
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
		err = a.moderation.DecideFollow(ctx, g.Name, f.Actor.IRI, approve)
		switch {
		case errors.Is(err, community.ErrNotPending):
			return redirect(w, r, back+"?done=decided")
		case err != nil:
			return fmt.Errorf("decide request of %s: %w", f.Actor.IRI, err)
		}
		// DecideFollow takes no staff member and writes no log entry: the
		// admin UI writes it, just after (not in the same transaction).
		by, action := staffOf(r), "reject_follow"
		if approve {
			action = "approve_follow"
		}
		entry := &storage.LogEntry{GroupID: g.ID, StaffID: by.ID, StaffName: by.Name, Action: action, Target: f.Actor.IRI}
		if err := storage.AddLogEntry(ctx, a.db, a.now(), entry); err != nil {
			a.log.ErrorContext(ctx, "log join decision", "err", err)
		}
		a.log.InfoContext(ctx, "join request decided", "group", g.Name, "actor", f.Actor.IRI, "approved", approve, "by", staffOf(r).Name)
		if approve {
			return redirect(w, r, back+"?done=approved")
		}
		return redirect(w, r, back+"?done=rejected")
	}
}
