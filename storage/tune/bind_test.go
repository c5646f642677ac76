package tune

import (
	"database/sql/driver"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestBindLiterals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		query string
		bound string // "" when the text is to be run as it is
		args  []any
	}{
		{"select by string", `SELECT "p"."id" FROM "posts" AS "p" WHERE ("p"."iri" = 'https://a.example/1') LIMIT 1`,
			`SELECT "p"."id" FROM "posts" AS "p" WHERE ("p"."iri" = ?) LIMIT ?`, []any{"https://a.example/1", int64(1)}},
		{"doubled quote", `SELECT 1 FROM t WHERE name = 'it''s' AND x = ''`,
			`SELECT 1 FROM t WHERE name = ? AND x = ?`, []any{"it's", ""}},
		{"only a doubled quote", `DELETE FROM t WHERE a = ''''`, `DELETE FROM t WHERE a = ?`, []any{"'"}},
		{"insert values", `INSERT INTO "reactions" ("id", "n", "at") VALUES ('r1', 0, '2026-11-29 00:00:00+00:00')`,
			`INSERT INTO "reactions" ("id", "n", "at") VALUES (?, 0, ?)`, []any{"r1", "2026-11-29 00:00:00+00:00"}},
		{"comparisons bind integers", `UPDATE t SET n = 5, m = n + 1 WHERE a >= 2 AND b <> 3 AND c != -4 OFFSET 7`,
			`UPDATE t SET n = ?, m = n + 1 WHERE a >= ? AND b <> ? AND c != -4 OFFSET ?`, []any{int64(5), int64(2), int64(3), int64(7)}},
		{"order by position stays", `SELECT a, b FROM t WHERE c = 'x' ORDER BY 1, 2`,
			`SELECT a, b FROM t WHERE c = ? ORDER BY 1, 2`, []any{"x"}},
		{"floats and hex stay", `SELECT * FROM t WHERE a = 1.5 AND b = 0x1F AND c = 1e3 AND d = 'k'`,
			`SELECT * FROM t WHERE a = 1.5 AND b = 0x1F AND c = 1e3 AND d = ?`, []any{"k"}},
		{"quoted names stay", `SELECT "it's", [a'b], ` + "`c'd`" + ` FROM t WHERE e = 'f'`,
			`SELECT "it's", [a'b], ` + "`c'd`" + ` FROM t WHERE e = ?`, []any{"f"}},
		{"blob stays", `SELECT * FROM t WHERE a = X'00ff' AND b = 'c'`, `SELECT * FROM t WHERE a = X'00ff' AND b = ?`, []any{"c"}},
		{"words with digits", `WITH t1 AS (SELECT 'a' AS c2) SELECT c2 FROM t1`, `WITH t1 AS (SELECT ? AS c2) SELECT c2 FROM t1`, []any{"a"}},
		{"question mark in a literal", `SELECT * FROM t WHERE a = 'why?'`, `SELECT * FROM t WHERE a = ?`, []any{"why?"}},
		{"lower case", `select * from t where a = 'b'`, `select * from t where a = ?`, []any{"b"}},
		{"nothing to bind", `SELECT count(*) FROM t`, "", nil},
		{"own parameters", `SELECT * FROM t WHERE a = ? AND b = 'c'`, "", nil},
		{"named parameters", `SELECT * FROM t WHERE a = :a AND b = 'c'`, "", nil},
		{"comment", `SELECT * FROM t -- 'x'`, "", nil},
		{"block comment", `SELECT * FROM t /* 'x' */ WHERE a = 'b'`, "", nil},
		{"unterminated literal", `SELECT * FROM t WHERE a = 'b`, "", nil},
		{"ddl", `CREATE TABLE t (a TEXT DEFAULT 'x')`, "", nil},
		{"pragma", `PRAGMA journal_mode = 'wal'`, "", nil},
		{"the job queue's tables", `SELECT * FROM river_job WHERE state = 'available'`, "", nil},
		{"too many values", "INSERT INTO t VALUES " + strings.Repeat("('a'), ", maxBound) + "('b')", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bound, args, ok := bindLiterals(tt.query)
			if ok != (tt.bound != "") {
				t.Fatalf("bindLiterals(%q) ok = %v, want %v (bound %q)", tt.query, ok, tt.bound != "", bound)
			}
			if !ok {
				return
			}
			if bound != tt.bound {
				t.Errorf("bound\n got %s\nwant %s", bound, tt.bound)
			}
			var got []any
			for i, a := range args {
				if a.Ordinal != i+1 {
					t.Errorf("argument %d has ordinal %d", i, a.Ordinal)
				}
				got = append(got, a.Value)
			}
			if !reflect.DeepEqual(got, tt.args) {
				t.Errorf("args = %#v, want %#v", got, tt.args)
			}
		})
	}
}

// unbind puts the arguments back into the text, as SQL literals.
func unbind(bound string, args []driver.NamedValue) string {
	var b strings.Builder
	next := 0
	for i := 0; i < len(bound); i++ {
		c := bound[i]
		switch {
		case c == '\'' || c == '"' || c == '`' || c == '[':
			closer := c
			if c == '[' {
				closer = ']'
			}
			end, _, _ := scanQuoted(bound, i, closer)
			b.WriteString(bound[i:end])
			i = end - 1
		case c == '?':
			switch v := args[next].Value.(type) {
			case string:
				b.WriteString("'" + strings.ReplaceAll(v, "'", "''") + "'")
			default:
				fmt.Fprint(&b, v)
			}
			next++
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// FuzzBindLiterals checks that binding loses nothing: putting the values
// back gives the text that came in.
func FuzzBindLiterals(f *testing.F) {
	for _, s := range []string{
		`SELECT "p"."id" FROM "posts" AS "p" WHERE ("p"."iri" = 'https://a.example/1') LIMIT 1`,
		`UPDATE t SET n = 5 WHERE a = 'it''s' AND b = X'00'`,
		`INSERT INTO t ("a") VALUES ('x'), ('y') RETURNING "a"`,
		`DELETE FROM t WHERE a >= 10 AND [b] = 'c'`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		bound, args, ok := bindLiterals(query)
		if !ok {
			return
		}
		if back := unbind(bound, args); back != query {
			t.Fatalf("bindLiterals(%q) = %q %v; put back: %q", query, bound, args, back)
		}
	})
}

func BenchmarkBindLiterals(b *testing.B) {
	const q = `INSERT INTO "posts" ("id", "group_id", "iri", "author_id", "in_reply_to", "root_id", "name", "summary", "content_html", "sensitive", "state", "object_raw", "created_at", "updated_at", "like_count") VALUES ('01JX0000000000000000000000', '01JX0000000000000000000001', 'https://a.example/users/u1/statuses/123456', '01JX0000000000000000000002', 'https://a.example/users/u0/statuses/1', '01JX0000000000000000000003', '', '', '<p>a reply from kith-load</p>', FALSE, 'published', '{"id":"https://a.example/users/u1/statuses/123456","type":"Note","content":"a reply from kith-load","to":["https://www.w3.org/ns/activitystreams#Public"]}', '2026-11-29 00:50:20.123456+00:00', '2026-11-29 00:50:20.123456+00:00', 0) RETURNING "id"`
	b.ReportAllocs()
	for b.Loop() {
		if _, _, ok := bindLiterals(q); !ok {
			b.Fatal("not bound")
		}
	}
}
