package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/queue"
	"github.com/kith-social/kith/web/webtest"
)

// shapesOn is a scenario whose node reads servers' NodeInfo and sends each
// only the shapes its software uses, as kith serve does.
var shapesOn = webtest.ScenarioOptions{Options: webtest.Options{Shapes: true}}

// knowSoftware waits until the node has checked the NodeInfo of every
// instance (a member's server is checked when its actor is first stored).
func knowSoftware(t *testing.T, n *webtest.Node, insts ...*fedtest.Instance) {
	t.Helper()
	webtest.Eventually(t, "every member's server checked", func() bool {
		rows, err := storage.ListServerSoftware(context.Background(), n.DB)
		if err != nil {
			return false
		}
		checked := map[string]bool{}
		for _, r := range rows {
			checked[r.Host] = true
		}
		for _, i := range insts {
			if !checked[i.Host()] {
				return false
			}
		}
		return true
	})
}

// deliveriesDone waits until no delivery or fan-out job is left to run.
func deliveriesDone(t *testing.T, n *webtest.Node) {
	t.Helper()
	webtest.Eventually(t, "every delivery made", func() bool {
		counts, err := queue.Counts(context.Background(), n.DB)
		if err != nil {
			return false
		}
		for _, c := range counts {
			if c.Kind == "fanout" || c.Kind == "deliver" {
				return false
			}
		}
		return true
	})
}

// count counts what inst received that matches.
func count(inst *fedtest.Instance, match func(fedtest.Delivery) bool) int {
	n := 0
	for _, d := range inst.Received() {
		if match(d) {
			n++
		}
	}
	return n
}

// plainBoost tells whether d is the group's plain boost of objectID.
func plainBoost(objectID string) func(fedtest.Delivery) bool {
	return func(d fedtest.Delivery) bool {
		_, embedded := d.Activity["object"].(map[string]any)
		return d.Type() == "Announce" && !embedded && d.ObjectID() == objectID
	}
}

// undoneBoost tells whether d is the group's Undo of its plain boost of objectID.
func undoneBoost(objectID string) func(fedtest.Delivery) bool {
	return func(d fedtest.Delivery) bool {
		inner, _ := d.Activity["object"].(map[string]any)
		return d.Type() == "Undo" && inner != nil && inner["type"] == "Announce" && fedtest.ObjectID(inner) == objectID
	}
}

// TestShapesPerFamily follows a member's post through its life in a group
// whose members are on one server of each family: microblogs get the
// plain boost and its Undo only, FEP-1b12 software the announced Create,
// Like, Update and Delete only, a server without NodeInfo both — each
// exactly once.
func TestShapesPerFamily(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, shapesOn, func(t *testing.T, s *webtest.Scenario) {
		n, group := s.Node, s.GroupIRI
		gts := n.Net.NewInstance("gts.test", fedtest.GoToSocial)
		shark := n.Net.NewInstance("shark.test", fedtest.Misskey)
		shark.SetSoftware("sharkey", false)
		lemmy := n.Net.NewInstance("lemmy.test", fedtest.Lemmy)
		mbin := n.Net.NewInstance("mbin.test", fedtest.Lemmy)
		mbin.SetSoftware("mbin", false)
		mystery := n.Net.NewInstance("mystery.test", fedtest.Mastodon)
		mystery.SetSoftware("", true) // no NodeInfo: unknown
		microblogs := []*fedtest.Instance{s.Masto, gts, shark}
		groupAware := []*fedtest.Instance{lemmy, mbin}
		all := append(append(append([]*fedtest.Instance{}, microblogs...), groupAware...), mystery)
		var members []*fedtest.Actor
		for _, inst := range all {
			a := inst.NewActor("m")
			join(t, a, group)
			members = append(members, a)
		}
		knowSoftware(t, n, all...)
		author, liker := members[0], members[1] // on Mastodon and on GoToSocial

		create := author.CreateNote(fedtest.Note{Content: "<p>Frost tonight.</p>", Mentions: []fedtest.Mention{mention(n, s.Group.Name)}})
		if dropped := processed(t, n, author, group, create); dropped != "" {
			t.Fatalf("post dropped: %s", dropped)
		}
		note := fedtest.ObjectID(create)
		processed(t, n, liker, group, liker.Like(note))
		if dropped := processed(t, n, author, group, author.Update(create, "<p>Hard frost tonight.</p>")); dropped != "" {
			t.Fatalf("Update dropped: %s", dropped)
		}
		if dropped := processed(t, n, author, group, author.Delete(note)); dropped != "" {
			t.Fatalf("Delete dropped: %s", dropped)
		}
		deliveriesDone(t, n)

		shapes := []struct {
			name  string
			match func(fedtest.Delivery) bool
			want  map[string]int // by family: microblog, group-aware, unknown
		}{
			{"plain boost", plainBoost(note), map[string]int{"microblog": 1, "group-aware": 0, "unknown": 1}},
			{"Undo of the boost", undoneBoost(note), map[string]int{"microblog": 1, "group-aware": 0, "unknown": 1}},
			{"Announce{Create}", announced("Create", note), map[string]int{"microblog": 0, "group-aware": 1, "unknown": 1}},
			{"Announce{Like}", announced("Like", note), map[string]int{"microblog": 0, "group-aware": 1, "unknown": 1}},
			{"Announce{Update}", announced("Update", note), map[string]int{"microblog": 0, "group-aware": 1, "unknown": 1}},
			{"Announce{Delete}", announced("Delete", note), map[string]int{"microblog": 0, "group-aware": 1, "unknown": 1}},
		}
		family := func(inst *fedtest.Instance) string {
			switch inst {
			case lemmy, mbin:
				return "group-aware"
			case mystery:
				return "unknown"
			}
			return "microblog"
		}
		for _, sh := range shapes {
			for _, inst := range all {
				if got, want := count(inst, sh.match), sh.want[family(inst)]; got != want {
					t.Errorf("%s (%s) received %s %d times, want %d", inst.Host(), inst.Software(), sh.name, got, want)
				}
			}
		}
	})
}

// TestShapesMastodonLikesNoFanout: among Mastodon-family members, a
// member's Like is counted and stored as the group's Announce{Like}, and
// queues no delivery at all.
func TestShapesMastodonLikesNoFanout(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, shapesOn, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g, group := s.Node, s.Group, s.GroupIRI
		gts := n.Net.NewInstance("gts.test", fedtest.GoToSocial)
		mk := n.Net.NewInstance("misskey.test", fedtest.Misskey)
		var members []*fedtest.Actor
		for _, inst := range []*fedtest.Instance{s.Masto, s.Masto, gts, mk} {
			a := inst.NewActor(fmtName(len(members)))
			join(t, a, group)
			members = append(members, a)
		}
		knowSoftware(t, n, s.Masto, gts, mk)
		create := members[0].CreateNote(fedtest.Note{Content: "<p>Seed swap on Sunday.</p>", Mentions: []fedtest.Mention{mention(n, g.Name)}})
		processed(t, n, members[0], group, create)
		note := fedtest.ObjectID(create)
		deliveriesDone(t, n)
		jobs := func() int {
			c, err := n.DB.NewSelect().TableExpr("river_job").Where("kind IN ('fanout', 'deliver')").Count(ctx)
			if err != nil {
				t.Fatalf("count jobs: %v", err)
			}
			return int(c)
		}
		before := jobs()
		for _, m := range members[1:] {
			processed(t, n, m, group, m.Like(note))
		}
		p, err := storage.PostByIRI(ctx, n.DB, g.ID, note)
		if err != nil || p.Likes != 3 {
			t.Fatalf("likes = %v, %v; want 3", p, err)
		}
		stored, err := n.DB.NewSelect().Table("outbox_activities").
			Where("type = 'Announce' AND object_iri = ? AND body LIKE ?", note, `%"type":"Like"%`).Count(ctx)
		if err != nil || stored != 3 {
			t.Errorf("Announces of Likes stored = %d, %v; want 3", stored, err)
		}
		if after := jobs(); after != before {
			t.Errorf("3 Likes among Mastodon-family members queued %d delivery jobs, want none", after-before)
		}
	})
}

func fmtName(i int) string { return string(rune('a'+i)) + "member" }

// TestShapesDailyRefresh: a server whose NodeInfo was read more than a
// day ago is read again, and what it says now replaces what it said.
func TestShapesDailyRefresh(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, shapesOn, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n := s.Node
		join(t, s.Masto.NewActor("m"), s.GroupIRI)
		knowSoftware(t, n, s.Masto)
		host := s.Masto.Host()
		stale := storage.ServerSoftware{Host: host, Name: "mastodon", Version: "0.0.0-fedtest", CheckedAt: n.Fed.Now().Add(-48 * time.Hour)}
		if err := storage.RecordServerSoftware(ctx, n.DB, stale); err != nil {
			t.Fatal(err)
		}
		s.Masto.SetSoftware("hometown", false)
		// The first check's job is finished (a host has one check at a time).
		webtest.Eventually(t, "the first check's job finished", func() bool {
			c, err := n.DB.NewSelect().TableExpr("river_job").
				Where("kind = 'check_server_software' AND state <> 'completed'").Count(ctx)
			return err == nil && c == 0
		})
		if err := n.Fed.Servers.QueueStale(ctx); err != nil {
			t.Fatal(err)
		}
		webtest.Eventually(t, "the stale server checked again", func() bool {
			rows, err := storage.ListServerSoftware(ctx, n.DB)
			return err == nil && len(rows) == 1 && rows[0].Name == "hometown" && rows[0].CheckedAt.After(stale.CheckedAt)
		})
		// Nothing else is stale: queuing again checks nothing.
		hosts, err := storage.HostsToCheck(ctx, n.DB, n.Fed.Now().Add(-24*time.Hour), 10)
		if err != nil || len(hosts) != 0 {
			t.Errorf("hosts to check after the refresh = %v, %v", hosts, err)
		}
	})
}
