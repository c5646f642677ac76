package admin

import (
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/kith-social/kith/federation/community"
)

// maxReasonRunes bounds the reasons written to the moderation log.
const maxReasonRunes = 1000

// queueApprove publishes a held post: the group announces it.
func (a *Admin) queueApprove(w http.ResponseWriter, r *http.Request) error {
	return a.queueDecide(w, r, true)
}

// queueReject keeps a held post out of the group, with a reason for the log.
func (a *Admin) queueReject(w http.ResponseWriter, r *http.Request) error {
	return a.queueDecide(w, r, false)
}

func (a *Admin) queueDecide(w http.ResponseWriter, r *http.Request, approve bool) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	p, err := a.groupPost(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	reason := f.Get("reason")
	if utf8.RuneCountInString(reason) > maxReasonRunes {
		return &httpError{http.StatusUnprocessableEntity, "Keep the reason to 1000 characters."}
	}
	done := "published2"
	if approve {
		err = a.posting.ApprovePost(ctx, p.ID, staffOf(r))
	} else {
		done = "refused"
		err = a.posting.RejectPost(ctx, p.ID, reason, staffOf(r))
	}
	switch {
	case errors.Is(err, community.ErrNotPendingPost):
		done = "decided"
	case err != nil:
		return fmt.Errorf("review post %s: %w", p.ID, err)
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/queue?done="+done)
}
