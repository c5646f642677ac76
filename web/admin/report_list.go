package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
)

// reportRow is a report with what it is about.
type reportRow struct {
	storage.Report
	Group  *storage.Group
	Target *storage.RemoteActor // nil when the account is not cached here
	// Reporter is who filed it; nil when unknown here (then ReporterHost
	// names their server: often a server's own actor reports).
	Reporter     *storage.RemoteActor
	ReporterHost string
	Posts        []postRow // the reported posts the group has
	Others       []string  // reported objects the group does not have
}

// reportsPage lists open and resolved reports, for one group (Nav set)
// or every group the staff member manages.
type reportsPage struct {
	Nav      *groupNav
	Query    string // ?q=: only reports whose reason, resolution, reported account or reporter contains it
	Open     []reportRow
	Resolved []reportRow
}

// reportList shows one group's reports.
func (a *Admin) reportList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "reports")
	if err != nil {
		return err
	}
	data, err := a.reports(ctx, []storage.Group{*g}, r.URL.Query().Get("q"))
	if err != nil {
		return err
	}
	data.Nav = &nav
	return a.render(w, r, http.StatusOK, "reports", &page{Title: "Reports in " + g.Title, Nav: "groups", Data: data})
}

// reportListAll shows the reports of every group the staff member manages.
func (a *Admin) reportListAll(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	groups, err := auth.ManagedGroups(ctx, a.db, currentSession(ctx).Staff)
	if err != nil {
		return err
	}
	data, err := a.reports(ctx, groups, r.URL.Query().Get("q"))
	if err != nil {
		return err
	}
	return a.render(w, r, http.StatusOK, "reports", &page{Title: "Reports", Nav: "reports", Data: data})
}

func (a *Admin) reports(ctx context.Context, groups []storage.Group, query string) (reportsPage, error) {
	data := reportsPage{Query: strings.TrimSpace(query)}
	if len(groups) == 0 {
		return data, nil // no groups: nothing (an empty list would mean every group)
	}
	byID := make(map[string]*storage.Group, len(groups))
	ids := make([]string, 0, len(groups))
	for i := range groups {
		byID[groups[i].ID] = &groups[i]
		ids = append(ids, groups[i].ID)
	}
	for _, list := range []struct {
		state string
		limit int
		dst   *[]reportRow
	}{{storage.ReportOpen, maxListed, &data.Open}, {storage.ReportResolved, 50, &data.Resolved}} {
		var rs []storage.Report
		var err error
		if data.Query != "" {
			rs, err = storage.SearchReports(ctx, a.db, list.state, ids, data.Query, list.limit)
		} else {
			rs, err = storage.ListReports(ctx, a.db, list.state, ids, list.limit)
		}
		if err != nil {
			return reportsPage{}, err
		}
		for _, rp := range rs {
			row, err := a.reportRow(ctx, rp, byID[rp.GroupID])
			if err != nil {
				return reportsPage{}, err
			}
			*list.dst = append(*list.dst, row)
		}
	}
	return data, nil
}

func (a *Admin) reportRow(ctx context.Context, rp storage.Report, g *storage.Group) (reportRow, error) {
	row := reportRow{Report: rp, Group: g}
	if rp.TargetIRI != "" {
		t, err := storage.RemoteActorByIRI(ctx, a.db, rp.TargetIRI)
		switch {
		case err == nil:
			row.Target = t
		case !errors.Is(err, storage.ErrNotFound):
			return reportRow{}, err
		}
	}
	if rp.ReporterIRI != "" {
		rep, err := storage.RemoteActorByIRI(ctx, a.db, rp.ReporterIRI)
		switch {
		case err == nil && rep.Username != "" && rep.Type != "Application" && rep.Type != "Service":
			row.Reporter = rep
		case err == nil || errors.Is(err, storage.ErrNotFound):
			if u, perr := url.Parse(rp.ReporterIRI); perr == nil {
				row.ReporterHost = u.Host
			}
		default:
			return reportRow{}, err
		}
	}
	var objects []string
	_ = json.Unmarshal([]byte(rp.ObjectIRIs), &objects) // stored by the engine; none on error
	for _, iri := range objects {
		p, err := storage.PostByIRI(ctx, a.db, rp.GroupID, iri)
		switch {
		case err == nil:
			row.Posts = append(row.Posts, postRow{Post: *p, Images: a.attachments(p.ObjectRaw)})
		case errors.Is(err, storage.ErrNotFound):
			row.Others = append(row.Others, iri)
		default:
			return reportRow{}, err
		}
	}
	return row, nil
}
