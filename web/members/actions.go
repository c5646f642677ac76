package members

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
)

// formData is what the members' forms show: the group, the form token,
// what was typed and why it was not accepted.
type formData struct {
	Group       *storage.Group
	CSRF        string
	Text        string
	MembersOnly bool
	Error       string
	Messages    []messageView // the modmail conversation
	Post        *postView     // the post being reported
	Member      *memberView   // or the member being reported
	Action      string        // where the report form goes
	Reasons     []string
	Reason      string
	Applicant   bool
}

type messageView struct {
	Incoming bool
	From     string
	Content  string // sanitised HTML
	When     string
}

// doneData is a page that says something was done.
type doneData struct {
	Group   *storage.Group
	Heading string
	Message string
	Back    string // where to go next
}

// inputError is the message of a refused input, or "" for another error.
func inputError(err error) string {
	var bad *community.InputError
	if errors.As(err, &bad) {
		return bad.Msg
	}
	return ""
}

// writePage is the form to write to the moderators, with the
// conversation so far.
func (m *Members) writePage(w http.ResponseWriter, r *http.Request) error {
	return m.renderWrite(w, r, http.StatusOK, &formData{})
}

func (m *Members) renderWrite(w http.ResponseWriter, r *http.Request, status int, d *formData) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	ms, err := m.community.ConversationWith(ctx, cur.Group.ID, cur.Actor.ID)
	if err != nil {
		return err
	}
	d.Group, d.CSRF, d.Applicant = cur.Group, cur.CSRF, cur.Standing == community.Applicant
	for _, msg := range ms {
		from := "You"
		if !msg.Incoming {
			from = "The moderators"
		}
		d.Messages = append(d.Messages, messageView{Incoming: msg.Incoming, From: from, Content: msg.ContentHTML, When: when(msg.CreatedAt)})
	}
	return m.render(w, status, "write", cur.Group.Title, d)
}

// write sends a message to the moderators.
func (m *Members) write(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	text := r.PostForm.Get("text")
	err := m.community.WriteToModerators(ctx, cur.Group.ID, cur.Actor.ID, text)
	if msg := inputError(err); msg != "" {
		return m.renderWrite(w, r, http.StatusUnprocessableEntity, &formData{Text: text, Error: msg})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, cookiePath(cur.Group.Name)+"/write#sent", http.StatusSeeOther)
	return nil
}

// anonPage is the form to post anonymously.
func (m *Members) anonPage(w http.ResponseWriter, r *http.Request) error {
	cur := currentMember(r.Context())
	return m.render(w, http.StatusOK, "anonymous", cur.Group.Title, &formData{Group: cur.Group, CSRF: cur.CSRF})
}

// anon puts an anonymous post in the review queue.
func (m *Members) anon(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	text, membersOnly := r.PostForm.Get("text"), r.PostForm.Get("members_only") == "on"
	err := m.community.PostAnonymously(ctx, cur.Group.ID, cur.Actor.ID, text, membersOnly)
	if msg := inputError(err); msg != "" {
		return m.render(w, http.StatusUnprocessableEntity, "anonymous", cur.Group.Title, &formData{Group: cur.Group, CSRF: cur.CSRF, Text: text, MembersOnly: membersOnly, Error: msg})
	}
	if err != nil {
		return err
	}
	return m.render(w, http.StatusOK, "done", cur.Group.Title, &doneData{Group: cur.Group, Heading: "Sent for review",
		Message: "The moderators will review your anonymous post. If they approve it, the group publishes it without your name. Nothing about it was sent to your own server.",
		Back:    cookiePath(cur.Group.Name)})
}

// reportedPost loads a post of the member's group they may report.
func (m *Members) reportedPost(r *http.Request) (*postView, error) {
	ctx := r.Context()
	cur := currentMember(ctx)
	p, err := storage.PostByID(ctx, m.db, chi.URLParam(r, "id"))
	if err != nil {
		return nil, err
	}
	ok, err := m.mayRead(ctx, cur, p)
	if err != nil {
		return nil, err
	}
	if p.GroupID != cur.Group.ID || p.State != storage.PostPublished || !ok {
		return nil, fmt.Errorf("post %s: %w", p.ID, storage.ErrNotFound)
	}
	v := m.postView(cur.Group, p)
	return &v, nil
}

// reportPage is the form to report a post.
func (m *Members) reportPage(w http.ResponseWriter, r *http.Request) error {
	cur := currentMember(r.Context())
	pv, err := m.reportedPost(r)
	if err != nil {
		return err
	}
	return m.render(w, http.StatusOK, "report", cur.Group.Title, &formData{Group: cur.Group, CSRF: cur.CSRF, Post: pv, Action: pv.Report, Reasons: community.ReportReasons()})
}

// report files a report.
func (m *Members) report(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	pv, err := m.reportedPost(r)
	if err != nil {
		return err
	}
	reason, note := r.PostForm.Get("reason"), r.PostForm.Get("note")
	err = m.community.ReportAsMember(ctx, cur.Group.ID, cur.Actor.ID, pv.ID, reason, note)
	if msg := inputError(err); msg != "" {
		return m.render(w, http.StatusUnprocessableEntity, "report", cur.Group.Title, &formData{Group: cur.Group, CSRF: cur.CSRF, Post: pv, Action: pv.Report,
			Reasons: community.ReportReasons(), Reason: reason, Text: note, Error: msg})
	}
	if err != nil {
		return err
	}
	return m.render(w, http.StatusOK, "done", cur.Group.Title, &doneData{Group: cur.Group, Heading: "Thank you",
		Message: "The moderators have your report.", Back: cookiePath(cur.Group.Name) + "/archive"})
}

// memberView is the member a report is about.
type memberView struct {
	Name, Handle, ProfileURL, IconURL string
}

// reportMemberPath is the form to report the member actorID.
func reportMemberPath(groupName, actorID string) string {
	return cookiePath(groupName) + "/members/" + actorID + "/report"
}

// reportedMember loads the member of the URL, if the signed-in member may
// report them (community: ReportableMember).
func (m *Members) reportedMember(r *http.Request) (*memberView, error) {
	ctx := r.Context()
	cur := currentMember(ctx)
	a, err := m.community.ReportableMember(ctx, cur.Group.ID, cur.Actor.ID, chi.URLParam(r, "id"))
	if err != nil {
		return nil, err
	}
	v := &memberView{Name: strings.TrimSpace(a.Name), Handle: "@" + a.Username + "@" + a.Host, ProfileURL: webURL(a.URL, a.IRI), IconURL: m.imageURL(a.IconURL)}
	if v.Name == "" {
		v.Name = a.Username
	}
	return v, nil
}

// reportMemberPage is the form to report a member.
func (m *Members) reportMemberPage(w http.ResponseWriter, r *http.Request) error {
	cur := currentMember(r.Context())
	mv, err := m.reportedMember(r)
	if err != nil {
		return err
	}
	return m.render(w, http.StatusOK, "report", cur.Group.Title, &formData{Group: cur.Group, CSRF: cur.CSRF, Member: mv,
		Action: reportMemberPath(cur.Group.Name, chi.URLParam(r, "id")), Reasons: community.ReportReasons()})
}

// reportMember files a report of a member.
func (m *Members) reportMember(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	mv, err := m.reportedMember(r)
	if err != nil {
		return err
	}
	reason, note := r.PostForm.Get("reason"), r.PostForm.Get("note")
	err = m.community.ReportMember(ctx, cur.Group.ID, cur.Actor.ID, chi.URLParam(r, "id"), reason, note)
	if msg := inputError(err); msg != "" {
		return m.render(w, http.StatusUnprocessableEntity, "report", cur.Group.Title, &formData{Group: cur.Group, CSRF: cur.CSRF, Member: mv,
			Action: reportMemberPath(cur.Group.Name, chi.URLParam(r, "id")), Reasons: community.ReportReasons(), Reason: reason, Text: note, Error: msg})
	}
	if err != nil {
		return err
	}
	return m.render(w, http.StatusOK, "done", cur.Group.Title, &doneData{Group: cur.Group, Heading: "Thank you",
		Message: "The moderators have your report.", Back: cookiePath(cur.Group.Name) + "/directory"})
}

// leavePage explains how to leave and offers the button.
func (m *Members) leavePage(w http.ResponseWriter, r *http.Request) error {
	cur := currentMember(r.Context())
	return m.render(w, http.StatusOK, "leave", cur.Group.Title, &formData{Group: cur.Group, CSRF: cur.CSRF, Applicant: cur.Standing == community.Applicant})
}

// leave removes the member from the group, tells their server and signs
// them out everywhere.
func (m *Members) leave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	if err := m.community.LeaveGroup(ctx, cur.Group.ID, cur.Actor.ID); err != nil {
		return err
	}
	if _, err := storage.DeleteMemberSessions(ctx, m.db, cur.Group.ID, cur.Actor.ID); err != nil {
		return err
	}
	m.clearCookie(w, cur.Group.Name)
	m.log.InfoContext(ctx, "member left from the members' pages", "group", cur.Group.Name, "actor", cur.Actor.IRI)
	return m.render(w, http.StatusOK, "done", cur.Group.Title, &doneData{Group: cur.Group, Heading: "You have left " + cur.Group.Title,
		Message: "Your server has been told, so it no longer shows you as following the group. To come back, follow the group again.",
		Back:    "/groups/" + cur.Group.Name})
}
