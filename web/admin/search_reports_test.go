package admin_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// Reports (of one group and of all) and the moderation log can be searched
// by text: a reason, the reported person's name or handle, a domain.
func TestSearchReportsAndLog(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := t.Context()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		g := mustGroup(t, db, "gardeners")
		troll, bot := n.member(sc.Masto, "troll_9", "gardeners"), n.member(sc.Masto, "bot", "gardeners")
		for _, rp := range []*storage.Report{
			{GroupID: g.ID, ActivityIRI: sc.Masto.URL("/flags/1"), ReporterIRI: sc.Masto.URL("/actor"), TargetIRI: troll.ID(), ObjectIRIs: "[]", Reason: "Rude about slugs"},
			{GroupID: g.ID, ActivityIRI: sc.Masto.URL("/flags/2"), ReporterIRI: sc.Masto.URL("/actor"), TargetIRI: bot.ID(), ObjectIRIs: "[]", Reason: "Selling watches"},
		} {
			if err := storage.CreateReport(ctx, db, time.Now(), rp); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			path      string
			want, not []string
		}{
			{"/admin/groups/gardeners/reports?q=SLUGS", []string{"Rude about slugs", `value="SLUGS"`, "All reports"}, []string{"Selling watches"}},
			{"/admin/groups/gardeners/reports?q=%40bot%40mastodon.test", []string{"Selling watches"}, []string{"Rude about slugs"}},
			{"/admin/groups/gardeners/reports?q=l_9", []string{"Rude about slugs"}, []string{"Selling watches"}},
			{"/admin/reports?q=watches", []string{"Selling watches"}, []string{"Rude about slugs"}},
			{"/admin/groups/gardeners/reports?q=%25", []string{"No open report matches."}, []string{"Rude about slugs", "Selling watches"}},
			{"/admin/groups/gardeners/reports", []string{"Rude about slugs", "Selling watches"}, []string{"All reports"}},
		} {
			res := owner.get(tc.path)
			wantStatus(t, tc.path, res, http.StatusOK)
			wantBody(t, tc.path, res, tc.want...)
			wantNoBody(t, tc.path, res, tc.not...)
		}

		trollRow, err := storage.RemoteActorByIRI(ctx, db, troll.ID())
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, "ban", owner.post("/admin/groups/gardeners/members/"+trollRow.ID+"/ban", url.Values{"csrf": {csrf}, "reason": {"slug abuse"}, "confirm": {"yes"}}), http.StatusSeeOther)
		botRow, err := storage.RemoteActorByIRI(ctx, db, bot.ID())
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, "ban bot", owner.post("/admin/groups/gardeners/members/"+botRow.ID+"/ban", url.Values{"csrf": {csrf}, "reason": {"watches"}, "confirm": {"yes"}}), http.StatusSeeOther)
		for _, tc := range []struct {
			path      string
			want, not []string
		}{
			{"/admin/groups/gardeners/log?q=ABUSE", []string{"Why: slug abuse", `value="ABUSE"`}, []string{"Why: watches"}},
			{"/admin/groups/gardeners/log?q=troll_9%40mastodon", []string{"Why: slug abuse"}, []string{"Why: watches"}},
			{"/admin/groups/gardeners/log?q=%40bot%40mastodon.test", []string{"Why: watches"}, []string{"Why: slug abuse"}},
			{"/admin/groups/gardeners/log?q=nothing+like+it", []string{"Nothing logged matches."}, []string{"Why: slug abuse"}},
		} {
			res := owner.get(tc.path)
			wantStatus(t, tc.path, res, http.StatusOK)
			wantBody(t, tc.path, res, tc.want...)
			wantNoBody(t, tc.path, res, tc.not...)
		}
	})
}
