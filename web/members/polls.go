package members

import (
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/storage"
)

// pollView is a poll on the members' pages.
type pollView struct {
	ID, Question string // the question is sanitised HTML
	Multiple     bool
	Closed       bool
	Voted        bool
	FromServer   bool // voted from their own account: cannot change it here
	Options      []optionView
}

type optionView struct {
	ID, Name string
	Votes    int
	Chosen   bool
}

type pollsData struct {
	Group   *storage.Group
	CSRF    string
	Polls   []pollView
	Message string
	Error   string
}

// polls lists the group's recent polls, with the member's votes.
func (m *Members) polls(w http.ResponseWriter, r *http.Request) error {
	return m.renderPolls(w, r, http.StatusOK, "", "")
}

func (m *Members) renderPolls(w http.ResponseWriter, r *http.Request, status int, msg, errMsg string) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	ps, err := m.community.PollsFor(ctx, cur.Group.ID, cur.Actor.ID)
	if err != nil {
		return err
	}
	d := &pollsData{Group: cur.Group, CSRF: cur.CSRF, Message: msg, Error: errMsg}
	for _, p := range ps {
		v := pollView{ID: p.Poll.ID, Question: p.Question, Multiple: p.Poll.Multiple, Closed: p.Closed, Voted: len(p.Voted) > 0, FromServer: p.FromServer}
		for _, o := range p.Poll.Options {
			v.Options = append(v.Options, optionView{ID: o.ID, Name: o.Name, Votes: o.VotesCount, Chosen: slices.Contains(p.Voted, o.ID)})
		}
		d.Polls = append(d.Polls, v)
	}
	return m.render(w, status, "polls", cur.Group.Title, d)
}

// vote records the member's vote, or changes it.
func (m *Members) vote(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	changed, err := m.community.VoteAsMember(ctx, cur.Group.ID, cur.Actor.ID, chi.URLParam(r, "id"), r.PostForm["option"])
	if bad := inputError(err); bad != "" {
		return m.renderPolls(w, r, http.StatusUnprocessableEntity, "", bad)
	}
	if err != nil {
		return err
	}
	msg := "Your vote is counted."
	if changed {
		msg = "Your vote is changed."
	}
	return m.renderPolls(w, r, http.StatusOK, msg, "")
}
