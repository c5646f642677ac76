package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

// The regulars are the accepted members at level regular or leader: not a
// member, not a pending follower at level regular, not a gone account.
func TestRegulars(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
		g, other := newGroup(t, db, "gardeners"), newGroup(t, db, "bakers")
		actor := func(name, host string) *storage.RemoteActor {
			iri := "https://" + host + "/users/" + name
			a := &storage.RemoteActor{IRI: iri, Type: "Person", Host: host, Inbox: iri + "/inbox", PublicKeyID: iri + "#main-key"}
			if err := storage.UpsertRemoteActor(ctx, db, now, a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		reg, lead, mem, pend, gone, elsewhere := actor("reg", "a.test"), actor("lead", "b.test"), actor("mem", "c.test"),
			actor("pend", "d.test"), actor("gone", "e.test"), actor("elsewhere", "f.test")
		for _, a := range []*storage.RemoteActor{reg, lead, mem, gone} {
			accept(t, db, g, a, now)
		}
		accept(t, db, other, elsewhere, now)
		pf := &storage.Follow{GroupID: g.ID, ActorID: pend.ID, ActivityIRI: pend.IRI + "#follow", ActivityRaw: "{}", State: storage.FollowPending}
		if err := storage.UpsertFollow(ctx, db, now, pf); err != nil {
			t.Fatal(err)
		}
		for _, l := range []struct {
			g     *storage.Group
			a     *storage.RemoteActor
			level string
		}{{g, reg, storage.LevelRegular}, {g, lead, storage.LevelLeader}, {g, mem, storage.LevelMember}, {g, pend, storage.LevelRegular}, {g, gone, storage.LevelRegular}, {other, elsewhere, storage.LevelRegular}} {
			if err := storage.SetLevel(ctx, db, now, l.g.ID, l.a.ID, l.level, true); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.NewUpdate().Model((*storage.RemoteActor)(nil)).Set("gone_at = ?", now).Where("id = ?", gone.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		rs, err := storage.Regulars(ctx, db, g.ID)
		if err != nil || len(rs) != 2 || rs[0].ID != lead.ID && rs[1].ID != lead.ID {
			t.Fatalf("regulars = %+v %v, want reg and lead", rs, err)
		}
		for _, c := range []struct {
			a    *storage.RemoteActor
			want bool
		}{{reg, true}, {lead, true}, {mem, false}, {pend, false}, {elsewhere, false}} {
			if ok, err := storage.IsRegular(ctx, db, g.ID, c.a.ID); err != nil || ok != c.want {
				t.Errorf("IsRegular(%s) = %v %v, want %v", c.a.IRI, ok, err, c.want)
			}
			if ok, err := storage.HasRegularOnHost(ctx, db, g.ID, c.a.Host); err != nil || ok != c.want {
				t.Errorf("HasRegularOnHost(%s) = %v %v, want %v", c.a.Host, ok, err, c.want)
			}
		}
		// Demoted: no longer a regular.
		if err := storage.SetLevel(ctx, db, now, g.ID, reg.ID, storage.LevelMember, true); err != nil {
			t.Fatal(err)
		}
		if ok, _ := storage.IsRegular(ctx, db, g.ID, reg.ID); ok {
			t.Error("a demoted regular is still a regular")
		}

		// Threads: a member sees members-only ones, a regular both kinds.
		post := func(vis string) *storage.Post {
			p := &storage.Post{ID: storage.NewID(), GroupID: g.ID, Kind: "Note", Visibility: vis, State: storage.PostPublished, CreatedAt: now, PublishedAt: now}
			p.IRI = "https://kith.test/p/" + p.ID
			if err := storage.CreatePost(ctx, db, now, p); err != nil {
				t.Fatal(err)
			}
			return p
		}
		fo, re := post(storage.VisibilityFollowers), post(storage.VisibilityRegulars)
		post(storage.VisibilityPublic)
		if ps, err := storage.MembersOnlyThreads(ctx, db, g.ID, "", 10); err != nil || len(ps) != 1 || ps[0].ID != fo.ID {
			t.Errorf("members-only threads = %+v %v", ps, err)
		}
		ps, err := storage.PrivateThreads(ctx, db, g.ID, []string{storage.VisibilityFollowers, storage.VisibilityRegulars}, "", 10)
		if err != nil || len(ps) != 2 || ps[0].ID != re.ID {
			t.Errorf("private threads = %+v %v", ps, err)
		}
	})
}
