package members

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
)

// signInData is what the sign-in pages show.
type signInData struct {
	Group   *storage.Group
	Address string // what the visitor typed
	Error   string
	Token   string // the link's token, on the page that spends it
	Expired bool   // a link that no longer works
}

// signInPage is the form that asks for a link or, opened from the link
// (?token=), the button that spends it.
func (m *Members) signInPage(w http.ResponseWriter, r *http.Request) error {
	g, err := storage.GroupByName(r.Context(), m.db, chi.URLParam(r, "name"))
	if err != nil {
		return err
	}
	if token := r.URL.Query().Get("token"); token != "" {
		return m.render(w, http.StatusOK, "link", g.Title, &signInData{Group: g, Token: token})
	}
	if currentMember(r.Context()) != nil {
		http.Redirect(w, r, cookiePath(g.Name), http.StatusSeeOther)
		return nil
	}
	return m.render(w, http.StatusOK, "signin", g.Title, &signInData{Group: g})
}

// requestLink asks the group to send a sign-in link to the handle typed.
// Members, applicants and strangers get the same page, after the same
// work (the limits, one queued job): whether the handle belongs to
// anyone is looked up by the job, after the answer, so that not even the
// time the answer takes tells them apart. Only a stranger gets no
// message.
func (m *Members) requestLink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g, err := storage.GroupByName(ctx, m.db, chi.URLParam(r, "name"))
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &httpError{http.StatusBadRequest, "The form could not be read."}
	}
	typed := r.PostForm.Get("handle")
	addr, err := community.ParseMemberAddress(typed)
	if err != nil {
		return m.render(w, http.StatusUnprocessableEntity, "signin", g.Title, &signInData{Group: g, Address: typed, Error: capitalize(err.Error()) + "."})
	}
	ok, err := storage.TakeSignInRequest(ctx, m.db, m.now(), []storage.SignInBudget{
		{Scope: storage.SignInByClient, Subject: auth.ClientKey(r), Limit: m.limits.PerClient, Window: m.limits.Window},
		{Scope: storage.SignInByHandle, Subject: addr.Key(), Limit: m.limits.PerHandle, Window: m.limits.Window},
		{Scope: storage.SignInByServer, Subject: addr.Host, Limit: m.limits.PerServer, Window: m.limits.Window},
	})
	if err != nil {
		return err
	}
	if !ok {
		w.Header().Set("Retry-After", "3600")
		return m.render(w, http.StatusTooManyRequests, "signin", g.Title, &signInData{Group: g, Address: typed,
			Error: "Too many sign-in links were asked for this account, its server or from your connection. Try again in an hour."})
	}
	// The same for everyone: the link, if any, is sent after the answer.
	if err := m.community.RequestSignInLink(ctx, g.ID, addr); err != nil {
		return err
	}
	return m.render(w, http.StatusOK, "sent", g.Title, &signInData{Group: g, Address: typed})
}

// redeem spends a sign-in link and starts the member's session.
func (m *Members) redeem(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		return &httpError{http.StatusBadRequest, "The form could not be read."}
	}
	g, actor, err := m.community.RedeemSignIn(ctx, chi.URLParam(r, "name"), r.PostForm.Get("token"))
	if errors.Is(err, storage.ErrNotFound) {
		g, gerr := storage.GroupByName(ctx, m.db, chi.URLParam(r, "name"))
		if gerr != nil {
			return gerr
		}
		return m.render(w, http.StatusGone, "signin", g.Title, &signInData{Group: g, Expired: true})
	}
	if err != nil {
		return err
	}
	if err := m.startSession(ctx, w, r, g, actor); err != nil {
		return err
	}
	m.log.InfoContext(ctx, "member signed in", "group", g.Name, "actor", actor.IRI)
	http.Redirect(w, r, cookiePath(g.Name), http.StatusSeeOther)
	return nil
}
