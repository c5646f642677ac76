package admin_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// levelRow is the pulse's table row for a day's members per level.
func levelRow(day time.Time, newcomers, members, regulars, leaders string) string {
	return `<tr><th scope="row">` + day.Format("Mon 2 Jan") + `</th><td class="num" data-label="newcomers">` + newcomers +
		`</td><td class="num" data-label="members">` + members + `</td><td class="num" data-label="regulars">` + regulars +
		`</td><td class="num" data-label="leaders">` + leaders + `</td></tr>`
}

// The pulse charts members per level over the last 30 days: past days
// from the counts the periodic promotion recorded, today counted live,
// days without a record left out of the table and bare in the chart.
func TestPulseLevelsOverTime(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		g := mustGroup(t, db, "gardeners")
		alice := n.member(sc.Masto, "alice", "gardeners")
		bob := n.member(sc.Masto, "bob", "gardeners")
		n.clock.CatchUp()
		now := n.clock.Now()
		threeAgo := now.AddDate(0, 0, -3)
		// Three days ago both were newcomers (as the job would have recorded).
		if err := storage.RecordLevelCounts(ctx, db, g.ID, threeAgo); err != nil {
			t.Fatal(err)
		}

		// The periodic job records today's counts after promoting.
		ids := map[string]string{}
		for name, a := range map[string]interface{ ID() string }{"alice": alice, "bob": bob} {
			ra, err := storage.RemoteActorByIRI(ctx, db, a.ID())
			if err != nil {
				t.Fatal(err)
			}
			ids[name] = ra.ID
		}
		if err := storage.SetLevel(ctx, db, now, g.ID, ids["bob"], storage.LevelRegular, true); err != nil {
			t.Fatal(err)
		}
		if err := sc.Node.Fed.Community.Belonging.PromoteMembers(ctx); err != nil {
			t.Fatal(err)
		}
		days, err := storage.LevelCountsPerDay(ctx, db, g.ID, time.Now().AddDate(0, 0, -1), time.Now().AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		var recorded []storage.LevelDay
		for _, d := range days {
			if d.Recorded {
				recorded = append(recorded, d)
			}
		}
		if len(recorded) != 1 || recorded[0].Counts[0].Count != 1 || recorded[0].Counts[2].Count != 1 {
			t.Errorf("the job recorded %+v, want today's 1 newcomer and 1 regular", recorded)
		}

		// After the job alice is made a leader: today's row is counted now.
		if err := storage.SetLevel(ctx, db, now, g.ID, ids["alice"], storage.LevelLeader, true); err != nil {
			t.Fatal(err)
		}
		res := owner.get("/admin/groups/gardeners/pulse")
		wantStatus(t, "pulse", res, http.StatusOK)
		wantBody(t, "pulse", res, `<title id="levels-title">Members per level in`, `<desc id="levels-desc">`,
			`class="bar-newcomer"`, `class="bar-regular"`, `class="bar-leader"`,
			"<title>"+threeAgo.Format("2 Jan")+": 2 newcomers, 0 members, 0 regulars, 0 leaders</title>",
			"<title>"+now.AddDate(0, 0, -1).Format("2 Jan")+": not recorded</title>",
			"<title>"+now.Format("2 Jan")+": 0 newcomers, 0 members, 1 regular, 1 leader</title>",
			levelRow(now, "0", "0", "1", "1"), levelRow(threeAgo, "2", "0", "0", "0"),
			"Counted once a day since "+threeAgo.Format("2 Jan 2006"))
		table := res.body[strings.Index(res.body, `id="levels-table"`):]
		table = table[:strings.Index(table, "</table>")]
		if c := strings.Count(table, `<tr><th scope="row">`); c != 2 {
			t.Errorf("the levels table has %d days, want the 2 with a count", c)
		}
		if strings.Index(table, now.Format("Mon 2 Jan")) > strings.Index(table, threeAgo.Format("Mon 2 Jan")) {
			t.Error("the levels table is not newest first")
		}
	})
}
