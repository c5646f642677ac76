package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/content"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// ownPost loads a post the group itself published, in this group.
func (a *Admin) ownPost(r *http.Request) (*postRow, error) {
	p, err := a.groupPost(r)
	if err != nil {
		return nil, err
	}
	if p.AuthorID != "" || p.State != storage.PostPublished {
		return nil, errNotFound("There is no such group post.")
	}
	return &postRow{Post: *p, Images: a.attachments(p.ObjectRaw)}, nil
}

// postEditForm shows the composer with the Markdown the post was written
// in; posts from before the node kept it come back as plain text.
func (a *Admin) postEditForm(w http.ResponseWriter, r *http.Request) error {
	p, err := a.ownPost(r)
	if err != nil {
		return err
	}
	v := url.Values{}
	v.Set("body", p.SourceMarkdown)
	if p.SourceMarkdown == "" {
		v.Set("body", content.PlainText(p.ContentHTML))
	}
	v.Set("cw", p.Summary)
	for i, img := range p.Images {
		v.Set("alt-"+strconv.Itoa(i), img.Name)
	}
	return a.renderPostForm(w, r, http.StatusOK, newForm(v), p)
}

// postEdit saves the new text (and image descriptions) and federates an
// Update. Who sees the post cannot change after it was sent.
func (a *Admin) postEdit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	p, err := a.ownPost(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	if f.Get("preview") != "" {
		return a.previewPost(w, r, f, p)
	}
	checkPostText(f, len(p.Images) > 0)
	atts := make([]vocab.Attachment, 0, len(p.Images))
	for i, img := range p.Images {
		alt := f.Get("alt-" + strconv.Itoa(i))
		switch {
		case alt == "":
			f.Fail("alt-"+strconv.Itoa(i), "Describe this image for people who cannot see it (alt text).")
		case utf8.RuneCountInString(alt) > maxAltRunes:
			f.Fail("alt-"+strconv.Itoa(i), "Keep the description to 1500 characters.")
		}
		img.Attachment.Name = alt
		atts = append(atts, img.Attachment)
	}
	if f.Valid() {
		in := community.PostInput{Markdown: f.Raw("body"), ContentWarning: f.Get("cw"),
			MembersOnly: p.Visibility == storage.VisibilityFollowers, Attachments: atts}
		err := a.posting.EditPost(ctx, p.ID, in, staffOf(r))
		switch {
		case errors.Is(err, community.ErrInvalidPost):
			f.Fail("", invalidPostText(err))
		case err != nil:
			return fmt.Errorf("edit post %s: %w", p.ID, err)
		}
	}
	if !f.Valid() {
		return a.renderPostForm(w, r, http.StatusUnprocessableEntity, f, p)
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/posts?done=edited")
}
