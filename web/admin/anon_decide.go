package admin

import (
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/kith-social/kith/storage"
)

// anonDecide approves an anonymous post (the group publishes it without
// naming anyone) or rejects it with a reason, which the sender is told
// when the group sends feedback.
func (a *Admin) anonDecide(approve bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		g := currentGroup(ctx)
		back := "/admin/groups/" + g.Name + "/anonymous"
		req, err := a.groupAnonRequest(r)
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
		// The engine reports a decided request with an error of no
		// particular kind: look first, so that a second click just says so.
		if req.State != storage.AnonPending {
			return redirect(w, r, back+"?done=decided")
		}
		if !approve {
			ok, err := a.confirmed(w, r, f, confirmation{
				Title: "Reject this anonymous post?",
				Effects: []string{
					"The group does not publish it; this cannot be undone (the sender may send it again).",
					"The log notes the rejection" + feedbackNote(g.FeedbackDMs),
				},
				Button: "Reject it", Cancel: back,
			})
			if !ok || err != nil {
				return err
			}
		}
		if _, err := a.moderation.DecideAnonymous(ctx, req.ID, approve, reason, staffOf(r)); err != nil {
			return fmt.Errorf("decide anonymous request %s: %w", req.ID, err)
		}
		a.log.InfoContext(ctx, "anonymous post decided", "group", g.Name, "request", req.ID, "approved", approve, "by", staffOf(r).Name)
		if approve {
			return redirect(w, r, back+"?done=anon-ok")
		}
		return redirect(w, r, back+"?done=anon-no")
	}
}

// anonForget erases the link between a decided request and its sender,
// everywhere it reached (federation/anonymous.go): afterwards not even the
// moderators can tell who sent it.
func (a *Admin) anonForget(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	req, err := a.groupAnonRequest(r)
	if err != nil {
		return err
	}
	if req.State == storage.AnonPending {
		return &httpError{http.StatusConflict, "Decide the request first: the sender must be told the outcome."}
	}
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	ok, err := a.confirmed(w, r, f, confirmation{
		Title: "Forget who sent this anonymous post?",
		Effects: []string{
			"The link between the post and its sender is erased from the node's database, with the messages the group sent them about it.",
			"Nobody, moderators included, can tell who sent it afterwards. This cannot be undone.",
		},
		Button: "Forget the sender", Cancel: "/admin/groups/" + g.Name + "/anonymous",
	})
	if !ok || err != nil {
		return err
	}
	err = a.moderation.ForgetAnonymous(ctx, req.ID, staffOf(r))
	if errors.Is(err, storage.ErrBusy) {
		return &httpError{http.StatusConflict, "A message to the sender is being delivered right now. Try again in a minute."}
	}
	if err != nil {
		return fmt.Errorf("forget sender of %s: %w", req.ID, err)
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/anonymous?done=forgotten")
}
