package storage_test

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

func newGroup(t *testing.T, db bun.IDB, name string) *storage.Group {
	t.Helper()
	g := &storage.Group{Name: name, Title: "T " + name, PrivateKeyPEM: "priv", PublicKeyPEM: "pub"}
	if err := storage.CreateGroup(context.Background(), db, time.Now(), g); err != nil {
		t.Fatalf("create group: %v", err)
	}
	return g
}

func newActor(t *testing.T, db bun.IDB, iri string) *storage.RemoteActor {
	t.Helper()
	a := &storage.RemoteActor{IRI: iri, Type: "Person", Host: "mastodon.test", Inbox: iri + "/inbox", SharedInbox: "https://mastodon.test/inbox", PublicKeyID: iri + "#main-key"}
	if err := storage.UpsertRemoteActor(context.Background(), db, time.Now(), a); err != nil {
		t.Fatalf("upsert actor: %v", err)
	}
	return a
}

func TestGroups(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		g := newGroup(t, db, "gardeners")
		if g.PostingPolicy != storage.PostingMembers {
			t.Errorf("default posting policy = %q", g.PostingPolicy)
		}
		err := storage.CreateGroup(ctx, db, time.Now(), &storage.Group{Name: "gardeners", PrivateKeyPEM: "x", PublicKeyPEM: "y"})
		if !errors.Is(err, storage.ErrConflict) {
			t.Errorf("duplicate name: err = %v, want ErrConflict", err)
		}
		got, err := storage.GroupByName(ctx, db, "gardeners")
		if err != nil || got.ID != g.ID || got.Title != "T gardeners" {
			t.Fatalf("GroupByName = %+v, %v", got, err)
		}
		if !got.CreatedAt.Equal(g.CreatedAt.Truncate(time.Microsecond)) && got.CreatedAt.Sub(g.CreatedAt).Abs() > time.Millisecond {
			t.Errorf("created_at round trip: %v vs %v", got.CreatedAt, g.CreatedAt)
		}
		if _, err := storage.GroupByName(ctx, db, "nope"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("missing group: err = %v", err)
		}
		got.Closed, got.Summary = true, "hello"
		if err := storage.UpdateGroup(ctx, db, time.Now(), got); err != nil {
			t.Fatal(err)
		}
		again, _ := storage.GroupByID(ctx, db, g.ID)
		if !again.Closed || again.Summary != "hello" {
			t.Errorf("update not saved: %+v", again)
		}
		newGroup(t, db, "apiary")
		list, err := storage.ListGroups(ctx, db)
		if err != nil || len(list) != 2 || list[0].Name != "apiary" {
			t.Errorf("ListGroups = %v, %v", list, err)
		}
	})
}

func TestValidateGroupName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"gardeners", true}, {"a_1", true}, {"", false}, {"Gardeners", false},
		{"with space", false}, {"toolongtoolongtoolongtoolongtoolong", false}, {"admin", false}, {"ü", false},
	} {
		if err := storage.ValidateGroupName(tc.name); (err == nil) != tc.ok {
			t.Errorf("ValidateGroupName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestSettings(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if _, err := storage.GetSetting(ctx, db, "k"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		stored, err := storage.SetSettingIfAbsent(ctx, db, time.Now(), "k", "first")
		if err != nil || !stored {
			t.Fatalf("SetSettingIfAbsent = %v, %v", stored, err)
		}
		stored, err = storage.SetSettingIfAbsent(ctx, db, time.Now(), "k", "second")
		if err != nil || stored {
			t.Fatalf("second SetSettingIfAbsent = %v, %v", stored, err)
		}
		if err := storage.SetSetting(ctx, db, time.Now(), "k", "third"); err != nil {
			t.Fatal(err)
		}
		if v, _ := storage.GetSetting(ctx, db, "k"); v != "third" {
			t.Errorf("value = %q", v)
		}
		if err := storage.DeleteSetting(ctx, db, "k"); err != nil {
			t.Fatal(err)
		}
		if _, err := storage.GetSetting(ctx, db, "k"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("after delete: %v", err)
		}
	})
}

func TestStaff(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if n, _ := storage.CountOwners(ctx, db); n != 0 {
			t.Fatalf("owners = %d", n)
		}
		s := &storage.Staff{Username: "ada", PasswordHash: "h", Role: storage.RoleOwner}
		if err := storage.CreateStaff(ctx, db, time.Now(), s); err != nil {
			t.Fatal(err)
		}
		if err := storage.CreateStaff(ctx, db, time.Now(), &storage.Staff{Username: "ada", PasswordHash: "h", Role: storage.RoleModerator}); !errors.Is(err, storage.ErrConflict) {
			t.Errorf("duplicate: %v", err)
		}
		if err := storage.CreateStaff(ctx, db, time.Now(), &storage.Staff{Username: "bad name", PasswordHash: "h", Role: storage.RoleOwner}); err == nil {
			t.Error("bad username accepted")
		}
		if err := storage.CreateStaff(ctx, db, time.Now(), &storage.Staff{Username: "bob", PasswordHash: "h", Role: "king"}); err == nil {
			t.Error("bad role accepted")
		}
		if n, _ := storage.CountOwners(ctx, db); n != 1 {
			t.Errorf("owners = %d", n)
		}
		got, err := storage.StaffByUsername(ctx, db, "ada")
		if err != nil || got.ID != s.ID {
			t.Errorf("StaffByUsername = %+v, %v", got, err)
		}
	})
}

func TestFollowsAndActors(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		g := newGroup(t, db, "g")
		a := newActor(t, db, "https://mastodon.test/users/alice")
		b := newActor(t, db, "https://mastodon.test/users/bob")
		c := &storage.RemoteActor{IRI: "https://gts.test/users/carol", Host: "gts.test", Inbox: "https://gts.test/users/carol/inbox"}
		if err := storage.UpsertRemoteActor(ctx, db, time.Now(), c); err != nil {
			t.Fatal(err)
		}
		// Refresh keeps the id.
		a2 := &storage.RemoteActor{IRI: a.IRI, Name: "Alice", Inbox: a.Inbox, SharedInbox: a.SharedInbox, PublicKeyID: a.PublicKeyID}
		if err := storage.UpsertRemoteActor(ctx, db, time.Now(), a2); err != nil || a2.ID != a.ID {
			t.Fatalf("refresh: id %s vs %s, %v", a2.ID, a.ID, err)
		}
		if got, _ := storage.RemoteActorByKeyID(ctx, db, a.IRI+"#main-key"); got == nil || got.Name != "Alice" {
			t.Errorf("by key: %+v", got)
		}

		fa := &storage.Follow{GroupID: g.ID, ActorID: a.ID, ActivityIRI: "f1", State: storage.FollowAccepted}
		if err := storage.UpsertFollow(ctx, db, time.Now(), fa); err != nil {
			t.Fatal(err)
		}
		// A member following again stays a member, with the new activity id.
		fa2 := &storage.Follow{GroupID: g.ID, ActorID: a.ID, ActivityIRI: "f2", State: storage.FollowPending}
		if err := storage.UpsertFollow(ctx, db, time.Now(), fa2); err != nil {
			t.Fatal(err)
		}
		if fa2.ID != fa.ID || fa2.State != storage.FollowAccepted {
			t.Errorf("re-follow: %+v", fa2)
		}
		fb := &storage.Follow{GroupID: g.ID, ActorID: b.ID, ActivityIRI: "f3", State: storage.FollowPending}
		if err := storage.UpsertFollow(ctx, db, time.Now(), fb); err != nil {
			t.Fatal(err)
		}
		if err := storage.UpsertFollow(ctx, db, time.Now(), &storage.Follow{GroupID: g.ID, ActorID: c.ID, State: storage.FollowAccepted}); err != nil {
			t.Fatal(err)
		}
		pending, err := storage.ListFollows(ctx, db, g.ID, storage.FollowPending, 10, 0)
		if err != nil || len(pending) != 1 || pending[0].Actor == nil || pending[0].Actor.IRI != b.IRI {
			t.Fatalf("pending = %+v, %v", pending, err)
		}
		inboxes, err := storage.MemberInboxes(ctx, db, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"https://gts.test/users/carol/inbox", "https://mastodon.test/inbox"}
		if len(inboxes) != 2 || inboxes[0] != want[0] || inboxes[1] != want[1] {
			t.Errorf("inboxes = %v, want %v", inboxes, want)
		}
		if err := storage.AcceptFollow(ctx, db, time.Now(), fb.ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := storage.CountFollows(ctx, db, g.ID, storage.FollowAccepted); n != 3 {
			t.Errorf("members = %d", n)
		}
		// Both Mastodon members share one inbox.
		if inboxes, _ := storage.MemberInboxes(ctx, db, g.ID); len(inboxes) != 2 {
			t.Errorf("inboxes after accept = %v", inboxes)
		}
		if err := storage.DeleteFollow(ctx, db, time.Now(), fb.ID); err != nil {
			t.Fatal(err)
		}
		if err := storage.DeleteFollow(ctx, db, time.Now(), fb.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("second delete: %v", err)
		}
		if n, _ := storage.DeleteFollowsByActor(ctx, db, time.Now(), a.ID); n != 1 {
			t.Errorf("deleted by actor = %d", n)
		}
		if err := storage.MarkRemoteActorGone(ctx, db, c.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		if inboxes, _ := storage.MemberInboxes(ctx, db, g.ID); len(inboxes) != 0 {
			t.Errorf("gone actor still delivered to: %v", inboxes)
		}
	})
}

func TestPostsAndThreads(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		g := newGroup(t, db, "g")
		a := newActor(t, db, "https://mastodon.test/users/alice")
		root := &storage.Post{GroupID: g.ID, IRI: "https://mastodon.test/users/alice/statuses/1", AuthorID: a.ID, Kind: "Note",
			ContentHTML: "<p>hi</p>", Visibility: storage.VisibilityPublic, State: storage.PostPublished}
		if err := storage.CreatePost(ctx, db, time.Now(), root); err != nil {
			t.Fatal(err)
		}
		if root.RootID != root.ID {
			t.Errorf("root of a thread starter = %s", root.RootID)
		}
		dup := *root
		dup.ID = ""
		if err := storage.CreatePost(ctx, db, time.Now(), &dup); !errors.Is(err, storage.ErrConflict) {
			t.Errorf("same IRI twice: %v", err)
		}
		reply := &storage.Post{GroupID: g.ID, IRI: "https://mastodon.test/users/alice/statuses/2", AuthorID: a.ID, Kind: "Note",
			InReplyTo: root.IRI, ParentID: root.ID, RootID: root.RootID, Visibility: storage.VisibilityUnlisted, State: storage.PostPublished,
			PublishedAt: root.PublishedAt.Add(time.Second)}
		if err := storage.CreatePost(ctx, db, time.Now(), reply); err != nil {
			t.Fatal(err)
		}
		private := &storage.Post{GroupID: g.ID, IRI: "https://mastodon.test/users/alice/statuses/3", AuthorID: a.ID, Kind: "Note",
			Visibility: storage.VisibilityFollowers, State: storage.PostPending}
		if err := storage.CreatePost(ctx, db, time.Now(), private); err != nil {
			t.Fatal(err)
		}
		thread, err := storage.Thread(ctx, db, root.ID, storage.PostPublished)
		if err != nil || len(thread) != 2 || thread[0].ID != root.ID || thread[1].Author.IRI != a.IRI {
			t.Fatalf("thread = %+v, %v", thread, err)
		}
		roots, _ := storage.ListPosts(ctx, db, storage.PostFilter{GroupID: g.ID, RootsOnly: true})
		if len(roots) != 1 {
			t.Errorf("roots = %d", len(roots))
		}
		pub, _ := storage.ListPosts(ctx, db, storage.PostFilter{GroupID: g.ID, Visibilities: []string{storage.VisibilityPublic, storage.VisibilityUnlisted}})
		if len(pub) != 2 || pub[0].ID != reply.ID {
			t.Errorf("public posts newest first = %+v", pub)
		}
		queue, _ := storage.ListPosts(ctx, db, storage.PostFilter{GroupID: g.ID, State: storage.PostPending})
		if len(queue) != 1 || queue[0].ID != private.ID {
			t.Errorf("review queue = %+v", queue)
		}
		like := func(actorID, kind, iri string) bool {
			t.Helper()
			isNew, err := storage.AddReactionOnce(ctx, db, time.Now(), &storage.Reaction{PostID: root.ID, ActorID: actorID, Kind: kind, ActivityIRI: iri})
			if err != nil {
				t.Fatal(err)
			}
			return isNew
		}
		b := newActor(t, db, "https://mastodon.test/users/bob")
		if !like(a.ID, storage.ReactionLike, "l1") || like(a.ID, storage.ReactionLike, "l2") || !like(b.ID, storage.ReactionLike, "l3") ||
			!like(b.ID, storage.ReactionDislike, "d1") {
			t.Error("a second like by the same actor must count once")
		}
		for _, c := range []struct {
			actorID, kind string
			want          bool
		}{{a.ID, storage.ReactionLike, true}, {a.ID, storage.ReactionDislike, false}, {b.ID, storage.ReactionDislike, true}} {
			if has, err := storage.HasReaction(ctx, db, root.ID, c.actorID, c.kind); err != nil || has != c.want {
				t.Errorf("HasReaction(%s, %s) = %v, %v; want %v", c.actorID, c.kind, has, err, c.want)
			}
		}
		if _, err := storage.RemoveReaction(ctx, db, "l3", b.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := storage.RemoveReaction(ctx, db, "l3", b.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("second undo: %v", err)
		}
		got, _ := storage.PostByID(ctx, db, root.ID)
		if got.Likes != 1 || got.Dislikes != 1 {
			t.Errorf("likes/dislikes = %d/%d", got.Likes, got.Dislikes)
		}
		created := got.ActivityRaw
		got.ContentHTML = "<p>edited</p>"
		got.UpdatedAt = time.Now()
		got.ActivityRaw = `{"type":"Update"}` // an edit keeps the Create that brought the post
		if err := storage.UpdatePostContent(ctx, db, got); err != nil {
			t.Fatal(err)
		}
		copies, _ := storage.PostsByIRI(ctx, db, root.IRI)
		if len(copies) != 1 || copies[0].ContentHTML != "<p>edited</p>" || copies[0].ActivityRaw != created {
			t.Errorf("edit: %+v", copies)
		}
		if n, _ := storage.DeletePostsByAuthor(ctx, db, a.ID); n != 3 {
			t.Errorf("deleted by author = %d", n)
		}
	})
}

func TestReceivedActivities(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		old := time.Now().Add(-30 * 24 * time.Hour)
		for i, tc := range []struct {
			iri  string
			at   time.Time
			want bool
		}{
			{"https://a.test/1", old, true},
			{"https://a.test/1", time.Now(), false},
			{"https://a.test/2#frag", time.Now(), true},
		} {
			got, err := storage.RecordActivity(ctx, db, tc.iri, tc.at)
			if err != nil || got != tc.want {
				t.Errorf("%d: RecordActivity(%s) = %v, %v; want %v", i, tc.iri, got, err, tc.want)
			}
		}
		n, err := storage.PruneActivities(ctx, db, time.Now().Add(-14*24*time.Hour))
		if err != nil || n != 1 {
			t.Errorf("pruned %d, %v", n, err)
		}
		if isNew, _ := storage.RecordActivity(ctx, db, "https://a.test/1", time.Now()); !isNew {
			t.Error("pruned id should be new again")
		}

		// A batch (the inbox's group commit): ids already known, ids
		// repeated within the batch, and one with a quote in it.
		fresh, err := storage.RecordActivities(ctx, db, []string{"https://a.test/1", "https://a.test/3", "https://a.test/3", "https://a.test/it's", "https://a.test/2#frag"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]bool{"https://a.test/3": true, "https://a.test/it's": true}; !maps.Equal(fresh, want) {
			t.Errorf("RecordActivities = %v, want %v", fresh, want)
		}
		if fresh, err := storage.RecordActivities(ctx, db, nil, time.Now()); err != nil || len(fresh) != 0 {
			t.Errorf("empty batch: %v, %v", fresh, err)
		}
	})
}

func TestRecordDeliverySuccesses(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
		if _, err := storage.RecordDeliveryFailure(ctx, db, "down.test", "503", t0, 1, 0); err != nil {
			t.Fatal(err)
		}
		if err := storage.RecordDeliverySuccesses(ctx, db, []string{"a.test", "down.test", "a.test"}, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := storage.RecordDeliverySuccesses(ctx, db, []string{"a.test"}, t0.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			host       string
			deliveries int
			last       time.Time
		}{
			{"a.test", 3, t0.Add(2 * time.Minute)},
			{"down.test", 1, t0.Add(time.Minute)},
		} {
			s, err := storage.ServerByHost(ctx, db, tc.host)
			if err != nil {
				t.Fatal(err)
			}
			if s.Deliveries != tc.deliveries || !s.LastSuccessAt.Equal(tc.last) || s.Failures != 0 || s.Unreachable() || !s.FirstFailureAt.IsZero() {
				t.Errorf("%s: %+v, want %d deliveries, last at %s, no failures", tc.host, s, tc.deliveries, tc.last)
			}
		}
		if err := storage.RecordDeliverySuccesses(ctx, db, nil, t0); err != nil {
			t.Errorf("empty batch: %v", err)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := storage.Open(ctx, "mysql://x", t.TempDir()); err == nil {
		t.Error("unknown scheme accepted")
	}
	_, err := storage.Open(ctx, "postgres://nobody:secret@127.0.0.1:1/none?connect_timeout=2", "")
	if err == nil {
		t.Fatal("unreachable PostgreSQL accepted")
	}
	if got := err.Error(); strings.Contains(got, "secret") {
		t.Errorf("password leaked in error: %s", got)
	}
}

func TestServerHealth(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := 0; i < 5; i++ {
			s, err := storage.RecordDeliveryFailure(ctx, db, "down.test", "HTTP 500", t0.Add(time.Duration(i)*time.Hour), 3, 3*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			// Unreachable only after 3 failures spanning 3 hours: the 4th (i=3).
			if want := i >= 3; s.Unreachable() != want {
				t.Errorf("after failure %d: unreachable = %v", i+1, s.Unreachable())
			}
		}
		if err := storage.RecordDeliverySuccess(ctx, db, "down.test", t0.Add(10*time.Hour)); err != nil {
			t.Fatal(err)
		}
		s, _ := storage.ServerByHost(ctx, db, "down.test")
		if s.Unreachable() || s.Failures != 0 || s.Deliveries != 1 || s.LastError != "HTTP 500" {
			t.Errorf("after success: %+v", s)
		}
	})
}

func TestFanoutsDone(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		now := time.Now()
		for _, m := range []struct {
			id int64
			at time.Time
		}{{1, now.Add(-48 * time.Hour)}, {2, now}, {2, now}} { // marking twice is harmless
			if err := storage.MarkFanoutDone(ctx, db, m.id, m.at); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := storage.PruneFanoutsDone(ctx, db, now.Add(-24*time.Hour)); err != nil || n != 1 {
			t.Errorf("pruned %d, %v; want 1", n, err)
		}
		for id, want := range map[int64]bool{1: false, 2: true, 3: false} {
			if done, err := storage.IsFanoutDone(ctx, db, id); err != nil || done != want {
				t.Errorf("IsFanoutDone(%d) = %v, %v; want %v", id, done, err, want)
			}
		}
	})
}
