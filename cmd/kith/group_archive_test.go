package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kith-social/kith/storage/storagetest"
)

// A group exported from a SQLite node imports into a fresh node on each
// database (SQLite, and PostgreSQL when configured); importing again
// merges and adds nothing; --as renames.
func TestGroupExportImport(t *testing.T) {
	t.Parallel()
	src := []string{"--data", t.TempDir(), "--domain", "old.test"}
	if r := kith(t, "", append([]string{"group", "create", "gardeners", "--title", "Gardeners", "--closed"}, src...)...); r.code != exitOK {
		t.Fatalf("create: %+v", r)
	}
	file := filepath.Join(t.TempDir(), "gardeners.zip")
	r := kith(t, "", append([]string{"group", "export", "gardeners", file}, src...)...)
	if r.code != exitOK || !strings.Contains(r.stdout, "exported @gardeners@old.test to "+file) {
		t.Fatalf("export: %+v", r)
	}
	if r := kith(t, "", append([]string{"group", "export", "nobody", file}, src...)...); r.code == exitOK {
		t.Errorf("export of a missing group: %+v", r)
	}
	targets := map[string][]string{"sqlite": {"--data", t.TempDir()}}
	for _, b := range storagetest.Backends() {
		if b.Name == "postgres" {
			_, dsn := b.Open(t)
			targets["postgres"] = []string{"--database", dsn, "--data", t.TempDir()}
		}
	}
	for name, db := range targets {
		t.Run(name, func(t *testing.T) {
			db := append(db, "--domain", "new.test")
			r := kith(t, "", append([]string{"group", "import", file}, db...)...)
			if r.code != exitOK || !strings.Contains(r.stdout, "created @gardeners@new.test") ||
				!strings.Contains(r.stdout, "http://old.test/groups/gardeners") && !strings.Contains(r.stdout, "https://old.test/groups/gardeners") {
				t.Fatalf("import: %+v", r)
			}
			r = kith(t, "", append([]string{"group", "import", file}, db...)...)
			if r.code != exitOK || !strings.Contains(r.stdout, "merged into @gardeners@new.test") {
				t.Fatalf("second import: %+v", r)
			}
			r = kith(t, "", append([]string{"group", "import", file, "--as", "garden"}, db...)...)
			if r.code != exitOK || !strings.Contains(r.stdout, "created @garden@new.test") {
				t.Fatalf("import --as: %+v", r)
			}
			r = kith(t, "", append([]string{"group", "list"}, db...)...)
			if r.code != exitOK || strings.Count(r.stdout, "Gardeners") != 2 || !strings.Contains(r.stdout, "closed") {
				t.Errorf("list after import: %+v", r)
			}
			if r := kith(t, "", append([]string{"group", "import"}, db...)...); r.code != exitUsage {
				t.Errorf("import without a file: %+v", r)
			}
		})
	}
}
