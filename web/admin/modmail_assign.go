package admin

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/kith-social/kith/storage"
)

// modmailAssign gives a conversation to a staff member of the group (the
// owner or one of its moderators), or to nobody.
func (a *Admin) modmailAssign(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	c, err := a.groupConversation(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	who := f.Get("assign")
	if who != "" {
		names, err := a.assignable(ctx, g, "")
		if err != nil {
			return err
		}
		if !slices.Contains(names, who) {
			// An owner other than the one asking is not listed, but may be chosen.
			s, err := storage.StaffByUsername(ctx, a.db, who)
			switch {
			case errors.Is(err, storage.ErrNotFound):
			case err != nil:
				return err
			}
			if s == nil || s.Role != storage.RoleOwner {
				f.Fail("assign", "Choose the owner or one of the group's moderators.")
				return a.renderConversation(w, r, http.StatusUnprocessableEntity, f, c)
			}
		}
	}
	if err := storage.AssignConversation(ctx, a.db, c.ID, who); err != nil {
		return fmt.Errorf("assign conversation %s: %w", c.ID, err)
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/modmail/"+c.ID+"?done=assigned")
}

// modmailState closes or reopens a conversation.
func (a *Admin) modmailState(state string) handlerFunc {
	done := "closed"
	if state == storage.ConversationOpen {
		done = "reopened"
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		g := currentGroup(ctx)
		c, err := a.groupConversation(r)
		if err != nil {
			return err
		}
		if err := storage.SetConversationState(ctx, a.db, c.ID, state); err != nil {
			return fmt.Errorf("set conversation %s %s: %w", c.ID, state, err)
		}
		if state == storage.ConversationClosed {
			// Closed: nothing left to answer.
			if err := storage.ResolveConversationNotifications(ctx, a.db, a.now(), c); err != nil {
				return err
			}
		}
		a.log.InfoContext(ctx, "conversation "+done, "group", g.Name, "conversation", c.ID, "by", staffOf(r).Name)
		if state == storage.ConversationClosed {
			return redirect(w, r, "/admin/groups/"+g.Name+"/modmail?done=closed")
		}
		return redirect(w, r, "/admin/groups/"+g.Name+"/modmail/"+c.ID+"?done=reopened")
	}
}
