package admin

import (
	"context"
	"net/http"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
)

// conversationPage is one modmail conversation with its forms.
type conversationPage struct {
	Nav          groupNav
	Conversation *storage.Conversation
	Messages     []storage.Message
	Staff        []string // who it can be assigned to
}

func (a *Admin) modmailShow(w http.ResponseWriter, r *http.Request) error {
	c, err := a.groupConversation(r)
	if err != nil {
		return err
	}
	return a.renderConversation(w, r, http.StatusOK, newForm(nil), c)
}

func (a *Admin) renderConversation(w http.ResponseWriter, r *http.Request, status int, f *form, c *storage.Conversation) error {
	ctx := r.Context()
	nav, err := a.nav(ctx, "modmail")
	if err != nil {
		return err
	}
	msgs, err := storage.Messages(ctx, a.db, c.ID)
	if err != nil {
		return err
	}
	staff, err := a.assignable(ctx, currentGroup(ctx), c.AssignedTo)
	if err != nil {
		return err
	}
	if f.Get("assign") == "" {
		f.values.Set("assign", c.AssignedTo)
	}
	return a.render(w, r, status, "conversation", &page{Title: "Conversation with " + actorLabel(c.Actor), Nav: "groups", Form: f,
		Data: conversationPage{Nav: nav, Conversation: c, Messages: msgs, Staff: staff}})
}

// assignable lists the usernames a conversation of g can be assigned to:
// the group's moderators, the owner looking at it, and whoever has it now.
// (Storage has no list of owners; an owner assigns to themselves.)
func (a *Admin) assignable(ctx context.Context, g *storage.Group, current string) ([]string, error) {
	mods, err := storage.ListModerators(ctx, a.db, g.ID)
	if err != nil {
		return nil, err
	}
	var names []string
	seen := map[string]bool{}
	add := func(n string) {
		if n != "" && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	if me := currentSession(ctx).Staff; auth.IsOwner(me) {
		add(me.Username)
	}
	for _, m := range mods {
		add(m.Username)
	}
	add(current)
	return names, nil
}

// actorLabel is how a page title names a remote account.
func actorLabel(ra *storage.RemoteActor) string {
	if ra == nil {
		return "someone"
	}
	if ra.Username != "" {
		return "@" + ra.Username + "@" + ra.Host
	}
	return ra.IRI
}
