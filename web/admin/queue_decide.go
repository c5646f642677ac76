package admin

import (
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
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
	if !approve {
		ok, err := a.confirmed(w, r, f, confirmation{
			Title: "Reject this post?",
			Effects: []string{
				"The post stays out of the group; it stays on the author's server.",
				"The reason goes to the moderation log" + feedbackNote(g.FeedbackDMs),
			},
			Button: "Reject the post", Cancel: "/admin/groups/" + g.Name + "/queue",
		})
		if !ok || err != nil {
			return err
		}
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

// feedbackNote ends a sentence about a reason: whether the author hears it.
func feedbackNote(feedbackDMs bool) string {
	if feedbackDMs {
		return " and to the author by direct message."
	}
	return "; the author is not told (Tell authors is off)."
}

// queueBulk approves or rejects the selected held posts at once; a
// rejection asks first.
func (a *Admin) queueBulk(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	back := "/admin/groups/" + g.Name + "/queue"
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	ids, approve := f.values["post"], f.Get("do") == "approve"
	if len(ids) == 0 {
		return &httpError{http.StatusUnprocessableEntity, "Select at least one post."}
	}
	if !approve {
		ok, err := a.confirmed(w, r, f, confirmation{
			Title: fmt.Sprintf("Reject %d %s?", len(ids), plural(len(ids), "post", "posts")),
			Effects: []string{
				"The posts stay out of the group; they stay on their authors' servers.",
				"The log notes the rejection" + feedbackNote(g.FeedbackDMs),
			},
			Button: "Reject them", Cancel: back,
		})
		if !ok || err != nil {
			return err
		}
	}
	for _, id := range ids {
		p, err := storage.PostByID(ctx, a.db, id)
		if err != nil {
			return err
		}
		if p.GroupID != g.ID {
			return errNotFound("There is no such post in this group.")
		}
		if approve {
			err = a.posting.ApprovePost(ctx, p.ID, staffOf(r))
		} else {
			err = a.posting.RejectPost(ctx, p.ID, "", staffOf(r))
		}
		if err != nil && !errors.Is(err, community.ErrNotPendingPost) { // decided meanwhile: skip
			return fmt.Errorf("review post %s: %w", p.ID, err)
		}
	}
	if approve {
		return redirect(w, r, back+"?done=published-all")
	}
	return redirect(w, r, back+"?done=refused-all")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
