package admin

import (
	"net/http"
	"strconv"

	"github.com/kith-social/kith/storage"
)

// membersPerPage is how many members a page of the list shows.
const membersPerPage = 100

// memberRow is a member with what the group knows of them.
type memberRow struct {
	storage.Follow
	Posts int
	Flag  string // why their posts are held for review; "" when not flagged
}

// membersPage lists a group's members with their fediverse profiles.
type membersPage struct {
	Nav      groupNav
	Members  []memberRow
	Page     int
	NextPage int    // 0: no more
	Query    string // what the list is searched for; "" for everyone
}

func (a *Admin) memberList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "members")
	if err != nil {
		return err
	}
	pg, _ := strconv.Atoi(r.URL.Query().Get("page"))
	pg = max(pg, 1)
	query := r.URL.Query().Get("q")
	var follows []storage.Follow
	if query != "" {
		follows, err = storage.SearchMembers(ctx, a.db, g.ID, query, membersPerPage)
	} else {
		follows, err = storage.ListFollows(ctx, a.db, g.ID, storage.FollowAccepted, membersPerPage+1, (pg-1)*membersPerPage)
	}
	if err != nil {
		return err
	}
	data := membersPage{Nav: nav, Page: pg, Query: query}
	if len(follows) > membersPerPage {
		follows, data.NextPage = follows[:membersPerPage], pg+1
	}
	ids := make([]string, 0, len(follows))
	for _, f := range follows {
		ids = append(ids, f.ActorID)
	}
	counts, err := storage.PostCountsByAuthor(ctx, a.db, g.ID, ids)
	if err != nil {
		return err
	}
	flags, err := storage.ReviewFlags(ctx, a.db, g.ID)
	if err != nil {
		return err
	}
	for _, f := range follows {
		if f.Actor == nil {
			continue
		}
		data.Members = append(data.Members, memberRow{Follow: f, Posts: counts[f.ActorID], Flag: flags[f.ActorID]})
	}
	return a.render(w, r, http.StatusOK, "members", &page{Title: "Members of " + g.Title, Nav: "groups", Data: data})
}
