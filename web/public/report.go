package public

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/storage"
)

// Reporter files a report from the public form (the engine's
// SubmitWebReport). Mastodon's report button sends reports to the
// author's server, not to the group: this form is how visitors and
// members reach the group's moderators.
type Reporter interface {
	SubmitWebReport(ctx context.Context, groupName, postID, reason, contact string) error
}

// maxReportForm bounds the report form's body.
const maxReportForm = 8 << 10

type reportForm struct {
	Reason, Contact string
	Error           string
	Sent            bool
}

type reportPageData struct {
	Group *groupView
	Post  postView
	Form  *reportForm
}

// reportPost loads a post that may be reported: published, public.
func (p *Public) reportPost(ctx context.Context, r *http.Request) (*storage.Group, *storage.Post, error) {
	g, err := storage.GroupByName(ctx, p.db, chi.URLParam(r, "name"))
	if err != nil {
		return nil, nil, err
	}
	post, err := storage.PostByID(ctx, p.db, chi.URLParam(r, "id"))
	if err != nil {
		return nil, nil, err
	}
	if post.GroupID != g.ID || !visible(post) {
		return nil, nil, fmt.Errorf("post %s: %w", post.ID, storage.ErrNotFound)
	}
	return g, post, nil
}

func (p *Public) reportPage(w http.ResponseWriter, r *http.Request) error {
	return p.renderReport(w, r, http.StatusOK, &reportForm{})
}

func (p *Public) reportSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxReportForm)
	if err := r.ParseForm(); err != nil {
		return &httpError{http.StatusBadRequest, "The form could not be read."}
	}
	form := &reportForm{Reason: strings.TrimSpace(r.PostForm.Get("reason")), Contact: strings.TrimSpace(r.PostForm.Get("contact"))}
	switch {
	case form.Reason == "":
		form.Error = "Say what is wrong with this post."
	case utf8.RuneCountInString(form.Reason) > 2000:
		form.Error = "Please keep it under 2000 characters."
	case utf8.RuneCountInString(form.Contact) > 200:
		form.Error = "The contact address is too long."
	}
	if form.Error != "" {
		return p.renderReport(w, r, http.StatusUnprocessableEntity, form)
	}
	if p.reporter == nil {
		return &httpError{http.StatusServiceUnavailable, "Reports cannot be received right now."}
	}
	err := p.reporter.SubmitWebReport(r.Context(), chi.URLParam(r, "name"), chi.URLParam(r, "id"), form.Reason, form.Contact)
	if errors.Is(err, storage.ErrNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("file report: %w", err)
	}
	form.Sent = true
	return p.renderReport(w, r, http.StatusOK, form)
}

func (p *Public) renderReport(w http.ResponseWriter, r *http.Request, status int, form *reportForm) error {
	ctx := r.Context()
	g, post, err := p.reportPost(ctx, r)
	if err != nil {
		return err
	}
	gv, err := p.groupView(ctx, p.db, g)
	if err != nil {
		return err
	}
	return p.render(w, status, "report", &page{
		Title: "Report a post · " + gv.Title, NoIndex: true,
		Data: &reportPageData{Group: gv, Post: p.postView(gv, post), Form: form},
	})
}

// modlogEntry is one line of a public moderation log.
type modlogEntry struct {
	When   string
	Action string
	Target string
	Reason string
}

// modlogPage shows an open group's moderation log when its owner made it
// public: what was done and why, never by whom (moderators of a small
// community should not become targets).
func (p *Public) modlogPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g, err := storage.GroupByName(ctx, p.db, chi.URLParam(r, "name"))
	if err != nil {
		return err
	}
	if !g.PublicModlog || g.Closed {
		return fmt.Errorf("moderation log of %s: %w", g.Name, storage.ErrNotFound)
	}
	entries, err := storage.ListLog(ctx, p.db, g.ID, 100)
	if err != nil {
		return err
	}
	gv, err := p.groupView(ctx, p.db, g)
	if err != nil {
		return err
	}
	var view []modlogEntry
	for _, e := range entries {
		if !isPublicAction(e.Action) {
			continue
		}
		view = append(view, modlogEntry{When: e.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), Action: publicActionName(e.Action), Target: e.Target, Reason: e.Reason})
	}
	return p.render(w, http.StatusOK, "modlog", &page{
		Title: "Moderation log · " + gv.Title,
		Data:  map[string]any{"Group": gv, "Entries": view},
	})
}

// isPublicAction tells which moderation actions a public log shows; the
// rest (anonymous requests, private messages, reports) stay private.
func isPublicAction(a string) bool {
	switch a {
	case "ban", "unban", "remove_post", "reject_post", "block_domain", "unblock_domain", "edit_group", "pin", "unpin", "delete_post":
		return true
	}
	return false
}

func publicActionName(a string) string {
	return strings.ReplaceAll(a, "_", " ")
}
