package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/kith-social/kith/federation/community"
)

// maxMessageRunes bounds a modmail answer or note (Markdown).
const maxMessageRunes = 5000

// modmailReply answers a conversation as the group (a DM the person sees
// in their own app) or, with internal, keeps a note only moderators see.
// The two forms have their own fields, so an error shows beside the one
// that was sent and keeps what was typed.
func (a *Admin) modmailReply(internal bool) handlerFunc {
	field, done := "body", "replied"
	if internal {
		field, done = "note", "noted"
	}
	return func(w http.ResponseWriter, r *http.Request) error {
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
		text := f.Raw(field)
		switch {
		case strings.TrimSpace(text) == "":
			f.Fail(field, "Write a message first.")
		case utf8.RuneCountInString(text) > maxMessageRunes:
			f.Fail(field, fmt.Sprintf("Keep the message to %d characters.", maxMessageRunes))
		}
		if f.Valid() {
			err = a.modmail.ReplyModmail(ctx, c.ID, text, internal, staffOf(r))
			switch {
			case errors.Is(err, community.ErrInvalidPost):
				f.Fail(field, invalidPostText(err))
			case err != nil:
				return fmt.Errorf("answer conversation %s: %w", c.ID, err)
			}
		}
		if !f.Valid() {
			return a.renderConversation(w, r, http.StatusUnprocessableEntity, f, c)
		}
		a.log.InfoContext(ctx, "modmail answered", "group", g.Name, "conversation", c.ID, "internal", internal, "by", staffOf(r).Name)
		return redirect(w, r, "/admin/groups/"+g.Name+"/modmail/"+c.ID+"?done="+done+"#last")
	}
}
