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

func TestDomainBlocks(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if err := storage.CreateDomainBlock(ctx, db, time.Now(), &storage.DomainBlock{Domain: "https://Spam.Example/about", Reason: "spam"}); err != nil {
			t.Fatal(err)
		}
		if err := storage.CreateDomainBlock(ctx, db, time.Now(), &storage.DomainBlock{Domain: "spam.example"}); !errors.Is(err, storage.ErrConflict) {
			t.Errorf("twice: %v", err)
		}
		if err := storage.CreateDomainBlock(ctx, db, time.Now(), &storage.DomainBlock{Domain: " "}); err == nil {
			t.Error("empty domain accepted")
		}
		for _, tc := range []struct {
			host string
			want bool
		}{
			{"spam.example", true}, {"SPAM.example", true}, {"social.spam.example", true}, {"spam.example:8443", true},
			{"notspam.example", false}, {"example", false}, {"mastodon.test", false},
		} {
			got, err := storage.IsDomainBlocked(ctx, db, tc.host)
			if err != nil || got != tc.want {
				t.Errorf("IsDomainBlocked(%s) = %v, %v; want %v", tc.host, got, err, tc.want)
			}
		}
		if err := storage.DeleteDomainBlock(ctx, db, "spam.example"); err != nil {
			t.Fatal(err)
		}
		if got, _ := storage.IsDomainBlocked(ctx, db, "spam.example"); got {
			t.Error("still blocked after unblock")
		}
	})
}

func TestBansReportsLog(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		g := newGroup(t, db, "g")
		a := newActor(t, db, "https://mastodon.test/users/troll")
		b := &storage.Ban{GroupID: g.ID, ActorID: a.ID, Reason: "spam", BlockIRI: "https://kith.test/groups/g/activities/b1"}
		if err := storage.CreateBan(ctx, db, time.Now(), b); err != nil {
			t.Fatal(err)
		}
		if err := storage.CreateBan(ctx, db, time.Now(), &storage.Ban{GroupID: g.ID, ActorID: a.ID, BlockIRI: "x"}); !errors.Is(err, storage.ErrConflict) {
			t.Errorf("twice: %v", err)
		}
		got, err := storage.BanOf(ctx, db, g.ID, a.ID)
		if err != nil || got.Actor == nil || got.Reason != "spam" {
			t.Fatalf("BanOf = %+v, %v", got, err)
		}
		if bans, _ := storage.ListBans(ctx, db, g.ID); len(bans) != 1 {
			t.Errorf("bans = %d", len(bans))
		}
		if err := storage.DeleteBan(ctx, db, b.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := storage.BanOf(ctx, db, g.ID, a.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("after unban: %v", err)
		}

		r := &storage.Report{GroupID: g.ID, ReporterIRI: "https://mastodon.test/actor", TargetIRI: a.IRI, Reason: "rude"}
		if err := storage.CreateReport(ctx, db, time.Now(), r); err != nil {
			t.Fatal(err)
		}
		open, _ := storage.ListReports(ctx, db, storage.ReportOpen, []string{g.ID}, 10)
		if len(open) != 1 || open[0].ObjectIRIs != "[]" {
			t.Fatalf("open reports = %+v", open)
		}
		if err := storage.ResolveReport(ctx, db, time.Now(), r.ID, "ada", "warned"); err != nil {
			t.Fatal(err)
		}
		if err := storage.ResolveReport(ctx, db, time.Now(), r.ID, "ada", "again"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("resolving twice: %v", err)
		}
		if err := storage.MarkReportForwarded(ctx, db, time.Now(), r.ID); err != nil {
			t.Fatal(err)
		}
		got2, _ := storage.ReportByID(ctx, db, r.ID)
		if got2.State != storage.ReportResolved || got2.ForwardedAt.IsZero() || got2.Resolution != "warned" {
			t.Errorf("report = %+v", got2)
		}

		for _, action := range []string{"ban", "unban"} {
			if err := storage.AddLogEntry(ctx, db, time.Now(), &storage.LogEntry{GroupID: g.ID, StaffName: "ada", Action: action, Target: a.IRI}); err != nil {
				t.Fatal(err)
			}
		}
		log, err := storage.ListLog(ctx, db, g.ID, 10)
		if err != nil || len(log) != 2 || log[0].Action != "unban" {
			t.Errorf("log = %+v, %v", log, err)
		}
	})
}
