package storage_test

import (
	"context"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

// The node's statements reach SQLite with their values as parameters
// (storage's statement cache binds them), so an index must serve a lookup
// by a value SQLite does not know when it plans. A partial index does not:
// "col = ?" does not prove the index's WHERE. These lookups run inside
// write transactions, where a scan holds SQLite's one writer; each
// statement below is planned as the node runs it and must search an
// index. (PostgreSQL receives the values in the text and plans with them.)
func TestLookupsUseIndexesWithBoundValues(t *testing.T) {
	t.Parallel()
	db, _ := storagetest.OpenSQLite(t)
	cases := []struct {
		name, query string
		args        []any
	}{
		{"actor by key id", `SELECT id FROM remote_actors WHERE public_key_id = ?`, []any{"https://a.example/u#main-key"}},
		{"release a claimed key", `UPDATE remote_actors SET public_key_id = '' WHERE public_key_id = ? AND iri <> ?`, []any{"https://a.example/u#main-key", "https://a.example/u"}},
		{"actor by IRI", `SELECT id FROM remote_actors WHERE iri = ?`, []any{"https://a.example/u"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// db.DB: database/sql passes the parameter on, as the statement
			// cache does; bun would write the value into the text.
			got := queryPlan(t, db, c.query, c.args...)
			if !strings.Contains(got, "USING") || strings.Contains(got, "SCAN remote_actors") {
				t.Errorf("plan %q: want a search of an index, not a scan", got)
			}
		})
	}
}

// A group's member list is read before the first delivery of every
// fan-out, mostly cold: on SQLite it must come from index entries alone,
// without visiting the wide rows of follows and actors (each holds the
// document as received).
func TestMemberListReadsIndexesOnly(t *testing.T) {
	t.Parallel()
	db, _ := storagetest.OpenSQLite(t)
	got := queryPlan(t, db, storage.MemberInboxesSQL(db, "g1"))
	for _, want := range []string{"SEARCH f USING COVERING INDEX", "SEARCH ra USING COVERING INDEX"} {
		if !strings.Contains(got, want) {
			t.Errorf("plan %q: want %q", got, want)
		}
	}
}

// queryPlan is SQLite's plan for query, its steps joined by "; ".
func queryPlan(t *testing.T, db *bun.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.DB.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}
