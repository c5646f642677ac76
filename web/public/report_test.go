package public_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

func TestReportForm(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g := s.Node, s.Group
		f := fixtures{t: t, db: n.DB}
		rude := f.actor("rude", "mastodon.test", nil)
		post := f.post(g, rude, nil, "<p>Something rude</p>", nil)
		hidden := f.post(g, rude, nil, "<p>members only</p>", func(p *storage.Post) { p.Visibility = storage.VisibilityFollowers })
		c := n.Net.HTTPClient()
		do := func(method, path string, form url.Values) (int, string) {
			t.Helper()
			var body io.Reader
			if form != nil {
				body = strings.NewReader(form.Encode())
			}
			req, _ := http.NewRequest(method, n.URL(path), body)
			req.Header.Set("Accept", "text/html")
			if form != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		if status, body := do(http.MethodGet, "/groups/gardeners/threads/"+post.ID, nil); status != 200 || !strings.Contains(body, "/groups/gardeners/report/"+post.ID) {
			t.Errorf("thread page lacks the report link: %d", status)
		}
		if status, body := do(http.MethodGet, "/groups/gardeners/report/"+post.ID, nil); status != 200 || !strings.Contains(body, `name="reason"`) {
			t.Errorf("report form: %d", status)
		}
		if status, _ := do(http.MethodGet, "/groups/gardeners/report/"+hidden.ID, nil); status != 404 {
			t.Errorf("report form of a members-only post: %d, want 404", status)
		}
		status, body := do(http.MethodPost, "/groups/gardeners/report/"+post.ID, url.Values{"reason": {"  "}, "contact": {"me@example.org"}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Say what is wrong") || !strings.Contains(body, "me@example.org") {
			t.Errorf("empty reason: %d", status)
		}
		status, body = do(http.MethodPost, "/groups/gardeners/report/"+post.ID, url.Values{"reason": {"Insults a newcomer"}, "contact": {"me@example.org"}})
		if status != 200 || !strings.Contains(body, "have your report") {
			t.Fatalf("report: %d %s", status, body)
		}
		reports, _ := storage.ListReports(ctx, n.DB, storage.ReportOpen, []string{g.ID}, 10)
		if len(reports) != 1 || reports[0].Reason != "Insults a newcomer" || reports[0].TargetIRI != rude.IRI || reports[0].ReporterIRI != "me@example.org" {
			t.Errorf("reports: %+v", reports)
		}
	})
}

func TestPublicModerationLog(t *testing.T) {
	t.Parallel()
	db, _ := storagetest.Backends()[0].Open(t)
	s := newSite(t, db, nil)
	f := fixtures{t: t, db: db}
	ctx := context.Background()
	open := f.group("open", func(g *storage.Group) { g.PublicModlog = true })
	private := f.group("private", nil)
	closed := f.group("closed", func(g *storage.Group) { g.PublicModlog, g.Closed = true, true })
	for _, g := range []*storage.Group{open, private, closed} {
		for _, e := range []storage.LogEntry{
			{GroupID: g.ID, StaffName: "ada", Action: "ban", Target: "https://m.test/users/troll", Reason: "harassment"},
			{GroupID: g.ID, StaffName: "ada", Action: "approve_anonymous", Target: "secret-request"},
		} {
			if err := storage.AddLogEntry(ctx, db, time.Now(), &e); err != nil {
				t.Fatal(err)
			}
		}
	}
	r := s.get("/groups/open/log")
	if r.Status != 200 {
		t.Fatalf("public log: %d", r.Status)
	}
	mustContain(t, "public log", r.Body, "ban", "harassment", "https://m.test/users/troll")
	mustNotContain(t, "public log", r.Body, "ada", "secret-request")
	mustContain(t, "group page", s.get("/groups/open").Body, "/groups/open/log")
	for _, path := range []string{"/groups/private/log", "/groups/closed/log"} {
		if r := s.get(path); r.Status != 404 {
			t.Errorf("%s: %d, want 404", path, r.Status)
		}
	}
}
