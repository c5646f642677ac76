package federation_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// After "forget" on an anonymous post, nothing in the database names its
// sender: not the request, the received message's id,
// the job queue's rows (finished ones too), nor the thank-you and outcome
// notes in the group's outbox. On SQLite the file and its WAL are searched
// byte for byte; on PostgreSQL every column of every table.
//
// The sender is made a member directly in storage, and their cached
// profile (with the membership) is deleted before the search: those are
// no trace of the anonymous post, and a Follow would leave its own
// (its id, its job, the Accept), which forgetting rightly keeps.
func TestForgetErasesTheSender(t *testing.T) {
	t.Parallel()
	feedback := webtest.ScenarioOptions{Group: func(g *storage.Group) { g.FeedbackDMs = true }}
	webtest.EachWith(t, feedback, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g, group, masto := s.Node, s.Group, s.GroupIRI, s.Masto
		sender := masto.NewActor("wisteria")
		a, err := n.Fed.Actors.Actor(ctx, sender.ID(), true)
		if err != nil {
			t.Fatal(err)
		}
		if err := storage.UpsertFollow(ctx, n.DB, time.Now(), &storage.Follow{GroupID: g.ID, ActorID: a.ID, State: storage.FollowAccepted}); err != nil {
			t.Fatal(err)
		}

		dm, p := sendNote(t, n, sender, group, fedtest.Note{Content: "@" + g.Name + " anon: I feel lonely at meet-ups", Visibility: fedtest.VisibilityDirect})
		if p.Err != nil || p.Dropped != "" {
			t.Fatalf("anon DM: %+v", p)
		}
		if !strings.Contains(id(dm), "wisteria") {
			t.Fatalf("the message's id %s does not name its sender: the test would prove little", id(dm))
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool { return strings.Contains(string(d.Body), "Thank you") }, wait)
		reqs, _ := storage.ListAnonRequests(ctx, n.DB, g.ID, storage.AnonPending)
		if len(reqs) != 1 {
			t.Fatalf("anonymous requests: %+v", reqs)
		}
		if _, err := n.Fed.Community.Moderation.DecideAnonymous(ctx, reqs[0].ID, true, "", ada); err != nil {
			t.Fatal(err)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool { return strings.Contains(string(d.Body), "was published by the group") }, wait)

		// Forget; a note still being delivered makes it wait.
		webtest.Eventually(t, "forget", func() bool {
			err := n.Fed.Community.Moderation.ForgetAnonymous(ctx, reqs[0].ID, ada)
			if err != nil && !errors.Is(err, storage.ErrBusy) {
				t.Fatal(err)
			}
			return err == nil
		})
		r, err := storage.AnonRequestByID(ctx, n.DB, reqs[0].ID)
		if err != nil || r.ActorID != "" || r.IRI != "" || r.SentIRIs != "" || r.State != storage.AnonApproved {
			t.Fatalf("request after forget: %+v, %v", r, err)
		}

		// The member's own traces go (see above), then the search.
		if _, err := n.DB.NewDelete().Model((*storage.RemoteActor)(nil)).Where("id = ?", a.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := storage.TruncateWAL(ctx, n.DB); err != nil {
			t.Fatal(err)
		}
		for _, needle := range []string{sender.ID(), sender.Username()} {
			for _, where := range findText(t, n.DB, needle) {
				t.Errorf("%q is still in %s", needle, where)
			}
		}
	})
}

// findText returns where needle occurs: in the SQLite file or its WAL
// (bytes), or in PostgreSQL columns (every column of every table in the
// schema, as text).
func findText(t *testing.T, db *bun.DB, needle string) []string {
	t.Helper()
	ctx := context.Background()
	var found []string
	if !storage.IsPostgres(db) {
		var seq int
		var name, file string
		if err := db.QueryRowContext(ctx, "PRAGMA database_list").Scan(&seq, &name, &file); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{file, file + "-wal"} {
			b, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if i := bytes.Index(b, []byte(needle)); i >= 0 {
				lo, hi := max(0, i-80), min(len(b), i+len(needle)+80)
				found = append(found, fmt.Sprintf("%s at byte %d: %q", f, i, b[lo:hi]))
			}
		}
		return found
	}
	var cols []struct {
		Table  string `bun:"table_name"`
		Column string `bun:"column_name"`
	}
	err := db.NewRaw("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1, 2").Scan(ctx, &cols)
	if err != nil || len(cols) == 0 {
		t.Fatalf("columns: %v (%d)", err, len(cols))
	}
	for _, c := range cols {
		var k int
		q := fmt.Sprintf(`SELECT count(*) FROM %q WHERE strpos(%q::text, ?) > 0`, c.Table, c.Column)
		if err := db.NewRaw(q, needle).Scan(ctx, &k); err != nil {
			t.Fatalf("%s.%s: %v", c.Table, c.Column, err)
		}
		if k > 0 {
			found = append(found, fmt.Sprintf("%s.%s (%d rows)", c.Table, c.Column, k))
		}
	}
	return found
}

func id(activity map[string]any) string { return activity["id"].(string) }
