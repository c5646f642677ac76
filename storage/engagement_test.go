package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

func newPost(t *testing.T, db bun.IDB, g *storage.Group, author *storage.RemoteActor, parent *storage.Post, at time.Time) *storage.Post {
	t.Helper()
	p := &storage.Post{ID: storage.NewID(), GroupID: g.ID, Kind: "Note", Visibility: storage.VisibilityPublic,
		State: storage.PostPublished, CreatedAt: at, PublishedAt: at}
	p.IRI = "https://mastodon.test/statuses/" + p.ID
	if author != nil {
		p.AuthorID = author.ID
	}
	if parent != nil {
		p.ParentID, p.RootID, p.InReplyTo = parent.ID, parent.RootID, parent.IRI
	}
	if err := storage.CreatePost(context.Background(), db, time.Now(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPollVotes(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		g := newGroup(t, db, "g")
		alice, bob := newActor(t, db, "https://mastodon.test/users/alice"), newActor(t, db, "https://mastodon.test/users/bob")
		for _, tc := range []struct {
			multiple bool
			votes    []struct{ actor, option int }
			counted  []bool
			want     []int // per option
			voters   int
		}{
			{multiple: false, votes: []struct{ actor, option int }{{0, 0}, {0, 0}, {0, 1}, {1, 1}},
				counted: []bool{true, false, false, true}, want: []int{1, 1, 0}, voters: 2},
			{multiple: true, votes: []struct{ actor, option int }{{0, 0}, {0, 1}, {0, 1}, {1, 1}},
				counted: []bool{true, true, false, true}, want: []int{1, 2, 0}, voters: 2},
		} {
			post := newPost(t, db, g, nil, nil, time.Now())
			poll := &storage.Poll{PostID: post.ID, GroupID: g.ID, Multiple: tc.multiple, ClosesAt: time.Now().Add(time.Hour)}
			if err := storage.CreatePoll(ctx, db, time.Now(), poll, []string{"A", "B", "C"}); err != nil {
				t.Fatal(err)
			}
			actors := []*storage.RemoteActor{alice, bob}
			for i, v := range tc.votes {
				ok, err := storage.AddPollVote(ctx, db, time.Now(), poll, poll.Options[v.option].ID, actors[v.actor].ID, "vote")
				if err != nil || ok != tc.counted[i] {
					t.Errorf("multiple=%v vote %d: counted=%v, %v; want %v", tc.multiple, i, ok, err, tc.counted[i])
				}
			}
			got, err := storage.PollByPost(ctx, db, post.ID)
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range got.Options {
				if o.Position != i || o.VotesCount != tc.want[i] {
					t.Errorf("multiple=%v option %d = %+v, want %d votes", tc.multiple, i, o, tc.want[i])
				}
			}
			if got.VotersCount != tc.voters {
				t.Errorf("multiple=%v voters = %d, want %d", tc.multiple, got.VotersCount, tc.voters)
			}
			if inboxes, _ := storage.PollVoterInboxes(ctx, db, poll.ID); len(inboxes) != 1 {
				t.Errorf("voter inboxes = %v, want the one shared inbox", inboxes)
			}
			if closed, _ := storage.ClosePoll(ctx, db, poll.ID, time.Now()); !closed {
				t.Error("ClosePoll did not close")
			}
			if closed, _ := storage.ClosePoll(ctx, db, poll.ID, time.Now()); closed {
				t.Error("ClosePoll closed twice")
			}
		}
		dup := &storage.Poll{PostID: newPost(t, db, g, nil, nil, time.Now()).ID, GroupID: g.ID, ClosesAt: time.Now()}
		if err := storage.CreatePoll(ctx, db, time.Now(), dup, []string{"x", "x"}); !errors.Is(err, storage.ErrConflict) {
			t.Errorf("duplicate options: %v", err)
		}
	})
}

func TestScheduledPosts(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		g := newGroup(t, db, "g")
		now := time.Now()
		late := &storage.ScheduledPost{GroupID: g.ID, Kind: storage.ScheduledKindPost, InputJSON: "{}", RunAt: now.Add(2 * time.Hour)}
		soon := &storage.ScheduledPost{GroupID: g.ID, Kind: storage.ScheduledKindPoll, InputJSON: "{}", RunAt: now.Add(time.Hour)}
		for _, s := range []*storage.ScheduledPost{late, soon} {
			if err := storage.CreateScheduledPost(ctx, db, time.Now(), s); err != nil {
				t.Fatal(err)
			}
		}
		list, err := storage.ListScheduledPosts(ctx, db, g.ID, "", 10)
		if err != nil || len(list) != 2 || list[0].ID != soon.ID {
			t.Fatalf("list = %+v, %v", list, err)
		}
		if ok, err := storage.ClaimScheduledPost(ctx, db, soon.ID, storage.ScheduledPublished, "", "", now); !ok || err != nil {
			t.Fatalf("claim = %v, %v", ok, err)
		}
		if ok, _ := storage.ClaimScheduledPost(ctx, db, soon.ID, storage.ScheduledPublished, "", "", now); ok {
			t.Error("claimed twice")
		}
		if err := storage.CancelScheduledPost(ctx, db, g.ID, soon.ID, now); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("cancel published: %v", err)
		}
		if err := storage.CancelScheduledPost(ctx, db, g.ID, late.ID, now); err != nil {
			t.Fatal(err)
		}
		if list, _ := storage.ListScheduledPosts(ctx, db, g.ID, "", 10); len(list) != 0 {
			t.Errorf("still waiting: %+v", list)
		}
		got, _ := storage.ScheduledPostByID(ctx, db, late.ID)
		if got.State != storage.ScheduledCancelled {
			t.Errorf("state = %s", got.State)
		}
	})
}

func TestNotifications(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		g1, g2 := newGroup(t, db, "g1"), newGroup(t, db, "g2")
		owner := &storage.Staff{Username: "owner", PasswordHash: "h", Role: storage.RoleOwner}
		mod := &storage.Staff{Username: "mod", PasswordHash: "h", Role: storage.RoleModerator}
		for _, s := range []*storage.Staff{owner, mod} {
			if err := storage.CreateStaff(ctx, db, time.Now(), s); err != nil {
				t.Fatal(err)
			}
		}
		if err := storage.AddModerator(ctx, db, time.Now(), g1.ID, mod.ID); err != nil {
			t.Fatal(err)
		}
		for _, n := range []*storage.Notification{
			{GroupID: g1.ID, Kind: storage.NotifyNewMember, SubjectIRI: "a", Text: "a joined"},
			{GroupID: g2.ID, Kind: storage.NotifyReport, SubjectIRI: "r", Text: "report"},
			{GroupID: g1.ID, Kind: storage.NotifyReply, SubjectIRI: "p", Text: "reply", StaffID: owner.ID},
			{GroupID: g1.ID, Kind: storage.NotifyMention, SubjectIRI: "m", Text: "mention"},
		} {
			if err := storage.CreateNotification(ctx, db, time.Now(), n); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			staff *storage.Staff
			want  int
		}{{owner, 4}, {mod, 2}} {
			if n, err := storage.CountUnreadNotifications(ctx, db, tc.staff); n != tc.want || err != nil {
				t.Errorf("%s unread = %d, %v; want %d", tc.staff.Username, n, err, tc.want)
			}
		}
		list, err := storage.ListNotifications(ctx, db, mod, storage.NotificationFilter{})
		if err != nil || len(list) != 2 || list[0].Kind != storage.NotifyMention {
			t.Fatalf("mod's list = %+v, %v", list, err)
		}
		if err := storage.MarkNotificationsRead(ctx, db, mod, []string{list[1].ID}, time.Now()); err != nil {
			t.Fatal(err)
		}
		if n, _ := storage.CountUnreadNotifications(ctx, db, mod); n != 1 {
			t.Errorf("mod unread after reading one = %d", n)
		}
		if n, _ := storage.CountUnreadNotifications(ctx, db, owner); n != 4 {
			t.Errorf("a moderator's read changed the owner's count: %d", n)
		}
		read, _ := storage.ListNotifications(ctx, db, mod, storage.NotificationFilter{})
		if read[1].ReadAt.IsZero() || !read[0].ReadAt.IsZero() {
			t.Errorf("read times: %+v", read)
		}
		// Turning a kind off in the app hides it.
		if err := storage.SetNotificationPref(ctx, db, time.Now(), &storage.NotificationPref{StaffID: owner.ID, Kind: storage.NotifyReport, InApp: false}); err != nil {
			t.Fatal(err)
		}
		if n, _ := storage.CountUnreadNotifications(ctx, db, owner); n != 3 {
			t.Errorf("owner unread without reports = %d", n)
		}
		if err := storage.MarkAllNotificationsRead(ctx, db, owner, time.Now()); err != nil {
			t.Fatal(err)
		}
		if n, _ := storage.CountUnreadNotifications(ctx, db, owner); n != 0 {
			t.Errorf("owner unread after marking all = %d", n)
		}
		if unread, _ := storage.ListNotifications(ctx, db, mod, storage.NotificationFilter{UnreadOnly: true}); len(unread) != 1 {
			t.Errorf("mod unread list = %+v", unread)
		}
		// Only what asks staff to act counts for the menu; resolving it
		// reads it for everyone, and a new one about the same subject is
		// news again.
		if n, _ := storage.CountNotificationsToAct(ctx, db, mod); n != 0 {
			t.Errorf("mod has %d to act on, want 0 (news only)", n)
		}
		req := &storage.Notification{GroupID: g1.ID, Kind: storage.NotifyFollowRequest, SubjectIRI: "https://x.test/u/ann", Text: "ann asks"}
		if err := storage.CreateNotification(ctx, db, time.Now(), req); err != nil {
			t.Fatal(err)
		}
		if n, _ := storage.CountNotificationsToAct(ctx, db, mod); n != 1 {
			t.Errorf("mod has %d to act on, want 1", n)
		}
		if err := storage.ResolveNotifications(ctx, db, time.Now(), g1.ID, storage.NotifyFollowRequest, "https://x.test/u/ann"); err != nil {
			t.Fatal(err)
		}
		for _, s := range []*storage.Staff{owner, mod} {
			if n, _ := storage.CountNotificationsToAct(ctx, db, s); n != 0 {
				t.Errorf("%s has %d to act on after it was resolved", s.Username, n)
			}
		}
		if unread, _ := storage.ListNotifications(ctx, db, mod, storage.NotificationFilter{UnreadOnly: true}); len(unread) != 1 {
			t.Errorf("resolved notification still unread: %+v", unread)
		}
		if ok, _ := storage.NotificationExists(ctx, db, g1.ID, storage.NotifyFollowRequest, "https://x.test/u/ann", time.Now().Add(-time.Hour)); ok {
			t.Error("a resolved notification blocks a new one about the same subject")
		}
		if err := storage.SetNotificationPref(ctx, db, time.Now(), &storage.NotificationPref{StaffID: owner.ID, Kind: "nope"}); err == nil {
			t.Error("unknown kind accepted")
		}
		prefs, _ := storage.NotificationPrefs(ctx, db, owner.ID)
		if len(prefs) != len(storage.NotificationKinds()) {
			t.Errorf("prefs = %+v", prefs)
		}
		if ok, _ := storage.NotificationExists(ctx, db, g1.ID, storage.NotifyNewMember, "a", time.Now().Add(-time.Hour)); !ok {
			t.Error("NotificationExists missed one")
		}
	})
}

func TestPendingEmails(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		g := newGroup(t, db, "g")
		mod := &storage.Staff{Username: "mod", PasswordHash: "h", Role: storage.RoleModerator}
		if err := storage.CreateStaff(ctx, db, time.Now(), mod); err != nil {
			t.Fatal(err)
		}
		_ = storage.AddModerator(ctx, db, time.Now(), g.ID, mod.ID)
		old := &storage.Notification{GroupID: g.ID, Kind: storage.NotifyReport, SubjectIRI: "old", CreatedAt: time.Now().Add(-time.Hour)}
		if err := storage.CreateNotification(ctx, db, time.Now(), old); err != nil {
			t.Fatal(err)
		}
		_ = storage.SetNotificationPref(ctx, db, time.Now(), &storage.NotificationPref{StaffID: mod.ID, Kind: storage.NotifyReport, InApp: true, Email: storage.EmailImmediate})
		_ = storage.SetNotificationPref(ctx, db, time.Now(), &storage.NotificationPref{StaffID: mod.ID, Kind: storage.NotifyNewMember, InApp: true, Email: storage.EmailDaily})
		for _, n := range []*storage.Notification{
			{GroupID: g.ID, Kind: storage.NotifyReport, SubjectIRI: "r1", Text: "report"},
			{GroupID: g.ID, Kind: storage.NotifyNewMember, SubjectIRI: "a", Text: "joined"},
			{GroupID: g.ID, Kind: storage.NotifyMention, SubjectIRI: "m", Text: "mention"},
		} {
			if err := storage.CreateNotification(ctx, db, time.Now(), n); err != nil {
				t.Fatal(err)
			}
		}
		if p, _ := storage.PendingEmails(ctx, db, storage.EmailImmediate, time.Now(), 0); len(p) != 0 {
			t.Errorf("mailed without an address: %+v", p)
		}
		if err := storage.SetNotificationEmail(ctx, db, mod.ID, "mod@example.test"); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		for _, tc := range []struct {
			mode string
			want string // the subject of the only pending one
		}{{storage.EmailImmediate, "r1"}, {storage.EmailDaily, "a"}} {
			p, err := storage.PendingEmails(ctx, db, tc.mode, now.Add(-24*time.Hour), 0)
			if err != nil || len(p) != 1 || p[0].SubjectIRI != tc.want || p[0].Address != "mod@example.test" || p[0].GroupName != "g" {
				t.Fatalf("%s pending = %+v, %v", tc.mode, p, err)
			}
			if err := storage.MarkNotificationsEmailed(ctx, db, mod.ID, []string{p[0].NotificationID}, tc.mode == storage.EmailDaily, now); err != nil {
				t.Fatal(err)
			}
			if p, _ := storage.PendingEmails(ctx, db, tc.mode, now.Add(-24*time.Hour), 0); len(p) != 0 {
				t.Errorf("%s: mailed twice: %+v", tc.mode, p)
			}
		}
		// A new daily one waits for the next summary, 24 hours after the last.
		_ = storage.CreateNotification(ctx, db, time.Now(), &storage.Notification{GroupID: g.ID, Kind: storage.NotifyNewMember, SubjectIRI: "b"})
		if p, _ := storage.PendingEmails(ctx, db, storage.EmailDaily, now.Add(-24*time.Hour), 0); len(p) != 0 {
			t.Errorf("summary sent twice in a day: %+v", p)
		}
		if p, _ := storage.PendingEmails(ctx, db, storage.EmailDaily, now.Add(time.Second), 0); len(p) != 1 {
			t.Errorf("next day's summary: %+v", p)
		}
	})
}

func TestPulse(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		g := newGroup(t, db, "g")
		alice, bob, carol := newActor(t, db, "https://mastodon.test/users/alice"), newActor(t, db, "https://mastodon.test/users/bob"), newActor(t, db, "https://mastodon.test/users/carol")
		// Joins and departures recorded by the follow functions themselves.
		fa := &storage.Follow{GroupID: g.ID, ActorID: alice.ID, State: storage.FollowAccepted}
		fb := &storage.Follow{GroupID: g.ID, ActorID: bob.ID, State: storage.FollowPending}
		for _, f := range []*storage.Follow{fa, fb} {
			if err := storage.UpsertFollow(ctx, db, time.Now(), f); err != nil {
				t.Fatal(err)
			}
		}
		again := &storage.Follow{GroupID: g.ID, ActorID: alice.ID, State: storage.FollowAccepted}
		if err := storage.UpsertFollow(ctx, db, time.Now(), again); err != nil { // a member following again
			t.Fatal(err)
		}
		if err := storage.AcceptFollow(ctx, db, time.Now(), fb.ID); err != nil {
			t.Fatal(err)
		}
		if err := storage.DeleteFollow(ctx, db, time.Now(), fa.ID); err != nil {
			t.Fatal(err)
		}
		from, to := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
		c, err := storage.CountMembershipEvents(ctx, db, g.ID, from, to)
		if err != nil || c != (storage.MemberCounts{Joined: 2, Left: 1}) {
			t.Errorf("membership counts = %+v, %v", c, err)
		}
		if evs, _ := storage.MembershipEvents(ctx, db, g.ID, storage.MemberLeft, from, to); len(evs) != 1 || evs[0].Actor.IRI != alice.IRI {
			t.Errorf("departures = %+v", evs)
		}
		if ev, _ := storage.LastMembershipEvent(ctx, db, g.ID, bob.ID); ev == nil || ev.Kind != storage.MemberJoined {
			t.Errorf("bob's last event = %+v", ev)
		}
		if _, err := storage.DeleteFollowsByActor(ctx, db, time.Now(), bob.ID); err != nil {
			t.Fatal(err)
		}
		if c, _ := storage.CountMembershipEvents(ctx, db, g.ID, from, to); c.Left != 2 {
			t.Errorf("departures after actor removal = %+v", c)
		}

		// Posts: days are counted in the location given.
		day := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
		root1 := newPost(t, db, g, alice, nil, day)
		newPost(t, db, g, bob, root1, day.Add(time.Hour))
		newPost(t, db, g, bob, root1, day.Add(25*time.Hour))
		root2 := newPost(t, db, g, carol, nil, day.Add(26*time.Hour))
		groupOwn := newPost(t, db, g, nil, nil, day.Add(27*time.Hour))
		days, err := storage.PostsPerDay(ctx, db, g.ID, day.Add(-12*time.Hour), day.Add(3*24*time.Hour-12*time.Hour), nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []storage.DayCount{{Posts: 1, Replies: 1}, {Posts: 2, Replies: 1}, {}}
		if len(days) != len(want) {
			t.Fatalf("days = %+v", days)
		}
		for i, d := range days {
			if d.Posts != want[i].Posts || d.Replies != want[i].Replies || !d.Day.Equal(time.Date(2026, 3, 10+i, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("day %d = %+v, want %+v", i, d, want[i])
			}
		}
		active, err := storage.ActiveMembers(ctx, db, g.ID, day.Add(-time.Hour), day.Add(48*time.Hour))
		if err != nil || len(active) != 3 || active[0].Actor.IRI != bob.IRI || active[0].Replies != 2 {
			t.Errorf("active = %+v, %v", active, err)
		}
		unanswered, err := storage.UnansweredThreads(ctx, db, g.ID, day.Add(-time.Hour), day.Add(48*time.Hour), 10)
		if err != nil || len(unanswered) != 2 || unanswered[0].ID != root2.ID || unanswered[1].ID != groupOwn.ID {
			t.Errorf("unanswered = %+v, %v", unanswered, err)
		}

		// Welcoming.
		fc := &storage.Follow{GroupID: g.ID, ActorID: carol.ID, State: storage.FollowAccepted}
		if err := storage.UpsertFollow(ctx, db, time.Now(), fc); err != nil {
			t.Fatal(err)
		}
		if fs, _ := storage.Unwelcomed(ctx, db, g.ID, 10); len(fs) != 1 || fs[0].Actor.IRI != carol.IRI {
			t.Errorf("unwelcomed = %+v", fs)
		}
		if err := storage.MarkWelcomed(ctx, db, g.ID, carol.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		if fs, _ := storage.Unwelcomed(ctx, db, g.ID, 10); len(fs) != 0 {
			t.Errorf("still unwelcomed: %+v", fs)
		}
		if err := storage.MarkWelcomed(ctx, db, g.ID, alice.ID, time.Now()); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("welcoming a former member: %v", err)
		}
	})
}
