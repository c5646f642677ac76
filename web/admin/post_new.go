package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/vocab"
)

// Composer limits.
const (
	maxImages        = 4
	maxAltRunes      = 1500
	maxWarningRunes  = 500
	composerBodyRows = 10
)

// postFormPage is the composer, new or editing.
type postFormPage struct {
	Nav     groupNav
	Editing *postRow // nil for a new post
	Slots   []int    // indexes of the image rows
	Zones   []zoneOption
	Preview string // the body rendered as members will see it (sanitised HTML); "" when not previewing
}

func (a *Admin) renderPostForm(w http.ResponseWriter, r *http.Request, status int, f *form, editing *postRow) error {
	ctx := r.Context()
	nav, err := a.nav(ctx, "posts")
	if err != nil {
		return err
	}
	data := postFormPage{Nav: nav, Editing: editing, Zones: zoneOptions(a.now())}
	n := maxImages
	if editing != nil {
		n = len(editing.Images)
	}
	for i := range n {
		data.Slots = append(data.Slots, i)
	}
	title := "New post"
	if editing != nil {
		title = "Edit post"
	}
	return a.render(w, r, status, "post_form", &page{Title: title, Nav: "groups", Form: f, Data: data})
}

func (a *Admin) postNewForm(w http.ResponseWriter, r *http.Request) error {
	f := newForm(nil)
	f.values.Set("audience", "public")
	f.values.Set("tz", "UTC")
	return a.renderPostForm(w, r, http.StatusOK, f, nil)
}

// checkPostText checks the body, content warning and audience.
func checkPostText(f *form, hasImages bool) {
	body := f.Raw("body")
	switch {
	case strings.TrimSpace(body) == "" && !hasImages:
		f.Fail("body", "Write something or attach an image.")
	case utf8.RuneCountInString(body) > community.MaxPostLength:
		f.Fail("body", fmt.Sprintf("Keep the post to %d characters.", community.MaxPostLength))
	}
	if utf8.RuneCountInString(f.Get("cw")) > maxWarningRunes {
		f.Fail("cw", "Keep the content warning to 500 characters.")
	}
}

// postCreate publishes a post as the group.
func (a *Admin) postCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	if f.Get("preview") != "" {
		return a.previewPost(w, r, f, nil)
	}
	// Which slots have an image, and their descriptions.
	files := make([]bool, maxImages)
	hasImages := false
	for i := range maxImages {
		files[i] = uploadedFile(r, "image-"+strconv.Itoa(i)) != nil
		hasImages = hasImages || files[i]
		alt := f.Get("alt-" + strconv.Itoa(i))
		switch {
		case files[i] && alt == "":
			f.Fail("alt-"+strconv.Itoa(i), "Describe this image for people who cannot see it (alt text).")
		case !files[i] && alt != "":
			f.Fail("image-"+strconv.Itoa(i), "Choose the image this description is for, or empty the description.")
		case utf8.RuneCountInString(alt) > maxAltRunes:
			f.Fail("alt-"+strconv.Itoa(i), "Keep the description to 1500 characters.")
		}
	}
	checkPostText(f, hasImages)
	aud := f.Get("audience")
	if aud != "public" && aud != "members" && aud != "regulars" {
		f.Fail("audience", "Choose who sees the post: everyone, members only or regulars only.")
	}
	at, scheduled := formTime(f, "publish_at", "")
	if scheduled && !at.After(a.now()) {
		f.Fail("publish_at", "Choose a time in the future, or leave this empty to publish now.")
	}
	var (
		saved []string
		atts  []vocab.Attachment
	)
	if f.Valid() {
		for i := range maxImages {
			if !files[i] {
				continue
			}
			si, err := a.saveImage(r.Context(), uploadedFile(r, "image-"+strconv.Itoa(i)), g.ID, "posts", postMaxW, postMaxH)
			var ue *uploadError
			switch {
			case errors.As(err, &ue):
				f.Fail("image-"+strconv.Itoa(i), ue.msg)
				continue
			case err != nil:
				a.discardMedia(r, saved)
				return err
			}
			saved = append(saved, si.Rel)
			atts = append(atts, vocab.Attachment{Type: "Image", MediaType: si.MediaType, URL: a.posting.MediaURL(si.Rel),
				Name: f.Get("alt-" + strconv.Itoa(i)), Width: si.Width, Height: si.Height})
		}
	}
	if f.Valid() {
		in := community.PostInput{Markdown: f.Raw("body"), ContentWarning: f.Get("cw"), MembersOnly: aud == "members", RegularsOnly: aud == "regulars", Attachments: atts}
		if scheduled {
			_, err = a.posting.SchedulePost(ctx, g.Name, in, at, staffOf(r))
		} else {
			_, err = a.posting.PublishPost(ctx, g.Name, in, staffOf(r))
		}
		switch {
		case errors.Is(err, community.ErrInvalidPost):
			f.Fail("", invalidPostText(err))
		case err != nil:
			a.discardMedia(r, saved)
			return fmt.Errorf("publish post in %s: %w", g.Name, err)
		}
	}
	if !f.Valid() {
		a.discardMedia(r, saved)
		if hasImages {
			f.Fail("", "Please correct the fields marked below, and choose the images again: browsers do not keep them.")
		}
		return a.renderPostForm(w, r, http.StatusUnprocessableEntity, f, nil)
	}
	a.log.InfoContext(ctx, "post published", "group", g.Name, "by", staffOf(r).Name, "images", len(atts), "scheduled", scheduled)
	if scheduled {
		return redirect(w, r, "/admin/groups/"+g.Name+"/scheduled?done=scheduled")
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/posts?done=published")
}

// previewPost shows the composer again with the post rendered as members
// will see it; nothing is published.
func (a *Admin) previewPost(w http.ResponseWriter, r *http.Request, f *form, editing *postRow) error {
	html, err := a.markdown.Markdown(f.Raw("body"))
	if err != nil {
		f.Fail("body", "This text cannot be shown: "+err.Error())
	}
	if editing == nil && hasUploads(r) {
		f.Fail("", "Choose the images again before you publish: browsers do not keep them across a preview.")
	}
	ctx := r.Context()
	nav, err := a.nav(ctx, "posts")
	if err != nil {
		return err
	}
	data := postFormPage{Nav: nav, Editing: editing, Zones: zoneOptions(a.now()), Preview: html}
	n := maxImages
	if editing != nil {
		n = len(editing.Images)
	}
	for i := range n {
		data.Slots = append(data.Slots, i)
	}
	return a.render(w, r, http.StatusOK, "post_form", &page{Title: "Preview", Nav: "groups", Form: f, Data: data})
}

// hasUploads tells whether any image slot of the composer carries a file.
func hasUploads(r *http.Request) bool {
	for i := range maxImages {
		if uploadedFile(r, "image-"+strconv.Itoa(i)) != nil {
			return true
		}
	}
	return false
}

// invalidPostText is the engine's reason, without the sentinel's prefix.
func invalidPostText(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, community.ErrInvalidPost.Error()+": "); i >= 0 {
		msg = msg[i+len(community.ErrInvalidPost.Error())+2:]
	}
	if msg == "" {
		return "This post cannot be published."
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}
