package web

import (
	"html/template"
	"net/http"

	"github.com/kith-social/kith/storage"
)

// groupPageTmpl is the plain public page of a group until the full public
// pages (posts, threads, feeds) replace it.
var groupPageTmpl = template.Must(template.New("group").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Group.Title}} ({{.Handle}})</title>
<link rel="alternate" type="application/activity+json" href="{{.ActorIRI}}">
</head><body>
<main>
<h1>{{.Group.Title}}</h1>
<p><strong>{{.Handle}}</strong> · {{.Members}} members{{if .Group.Closed}} · membership by approval{{end}}</p>
<div>{{.Summary}}</div>
<h2>How to join</h2>
<p>Search for <code>{{.Handle}}</code> on your fediverse server (Mastodon, Lemmy, Misskey, …) and follow it.
Mention it in a post to share with every member.</p>
</main>
</body></html>
`))

func (s *Server) groupPage(w http.ResponseWriter, r *http.Request, name string) error {
	g, err := storage.GroupByName(r.Context(), s.db, name)
	if err != nil {
		return err
	}
	members, err := storage.CountFollows(r.Context(), s.db, g.ID, storage.FollowAccepted)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Vary", "Accept")
	return groupPageTmpl.Execute(w, map[string]any{
		"Group":    g,
		"Handle":   "@" + g.Name + "@" + s.fed.IRI().Domain(),
		"ActorIRI": s.fed.IRI().Group(g.Name),
		"Members":  members,
		// SummaryHTML was rendered from Markdown and sanitised when saved.
		"Summary": template.HTML(g.SummaryHTML), //nolint:gosec // sanitised on write
	})
}
