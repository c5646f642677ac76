package admin

import (
	"net/http"

	"github.com/kith-social/kith/storage"
)

// modmailPage lists a group's conversations, open or closed.
type modmailPage struct {
	Nav           groupNav
	Closed        bool // listing the closed ones
	Conversations []storage.Conversation
}

// modmailList shows the open conversations (?state=closed: the closed
// ones), latest message first.
func (a *Admin) modmailList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "modmail")
	if err != nil {
		return err
	}
	data := modmailPage{Nav: nav, Closed: r.URL.Query().Get("state") == storage.ConversationClosed}
	state := storage.ConversationOpen
	if data.Closed {
		state = storage.ConversationClosed
	}
	data.Conversations, err = storage.ListConversations(ctx, a.db, g.ID, state, maxListed)
	if err != nil {
		return err
	}
	return a.render(w, r, http.StatusOK, "modmail", &page{Title: "Modmail of " + g.Title, Nav: "groups", Data: data})
}

// groupConversation loads the {conversation} of a route; one of another
// group is not found.
func (a *Admin) groupConversation(r *http.Request) (*storage.Conversation, error) {
	ctx := r.Context()
	c, err := storage.ConversationByID(ctx, a.db, chiParam(r, "conversation"))
	if err != nil {
		return nil, err
	}
	if c.GroupID != currentGroup(ctx).ID || c.Actor == nil {
		return nil, errNotFound("There is no such conversation in this group.")
	}
	return c, nil
}
