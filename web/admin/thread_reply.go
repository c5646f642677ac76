package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/kith-social/kith/federation/community"
)

// threadReply answers a post as the group: a reply in the thread that
// mentions its author, signed with the staff member's name if they ask.
func (a *Admin) threadReply(w http.ResponseWriter, r *http.Request) error {
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
	checkPostText(f, false)
	if f.Valid() {
		in := community.PostInput{Markdown: f.Raw("body"), ContentWarning: f.Get("cw")}
		_, err = a.posting.ReplyAsGroup(ctx, p.ID, in, staffOf(r), f.Get("signed") == "on")
		switch {
		case errors.Is(err, community.ErrInvalidPost):
			f.Fail("body", invalidPostText(err))
		case err != nil:
			return fmt.Errorf("reply to %s: %w", p.ID, err)
		}
	}
	if !f.Valid() {
		return a.renderThread(w, r, http.StatusUnprocessableEntity, f, p)
	}
	a.log.InfoContext(ctx, "replied as the group", "group", g.Name, "post", p.ID, "by", staffOf(r).Name)
	return redirect(w, r, "/admin/groups/"+g.Name+"/threads/"+p.ID+"?done=answered")
}

// threadLike likes a member's post as the group.
func (a *Admin) threadLike(w http.ResponseWriter, r *http.Request) error {
	return a.threadReact(w, r, "liked", a.posting.LikeAsGroup)
}

// threadBoost boosts a member's public post as the group.
func (a *Admin) threadBoost(w http.ResponseWriter, r *http.Request) error {
	return a.threadReact(w, r, "boosted", a.posting.BoostAsGroup)
}

func (a *Admin) threadReact(w http.ResponseWriter, r *http.Request, done string, act func(ctx context.Context, postID string, by community.Staff) error) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	p, err := a.groupPost(r)
	if err != nil {
		return err
	}
	err = act(ctx, p.ID, staffOf(r))
	switch {
	case errors.Is(err, community.ErrInvalidPost):
		return &httpError{http.StatusUnprocessableEntity, invalidPostText(err)}
	case err != nil:
		return fmt.Errorf("%s post %s: %w", done, p.ID, err)
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/threads/"+p.ID+"?done="+done)
}
