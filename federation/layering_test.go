package federation_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The federation packages depend on each other along the pipeline only
// (docs/architecture.md): inbox → community → outbox, actors beside them,
// node under all of them; nothing below imports what is above it, and
// only vocab imports go-fed's streams package.
func TestPipelineDependencies(t *testing.T) {
	const mod = "github.com/kith-social/kith/"
	forbidden := map[string][]string{
		"federation/node":      {"federation", "federation/inbox", "federation/community", "federation/outbox", "federation/actors"},
		"federation/actors":    {"federation", "federation/inbox", "federation/community", "federation/outbox"},
		"federation/outbox":    {"federation", "federation/inbox", "federation/community", "federation/actors"},
		"federation/community": {"federation", "federation/inbox"},
		"federation/inbox":     {"federation"},
		"federation/software":  {"federation", "federation/inbox", "federation/community", "federation/outbox", "federation/actors"},
		"federation/metrics":   {"federation", "federation/node", "federation/inbox", "federation/community", "federation/outbox", "federation/actors"},
	}
	root := ".."
	err := filepath.WalkDir(filepath.Join(root, "federation"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.Contains(p, "go-fed/activity/streams") && pkg != "federation/vocab" {
				t.Errorf("%s imports %s: only federation/vocab may", path, p)
			}
			for _, bad := range forbidden[pkg] {
				if p == mod+bad {
					t.Errorf("%s imports %s: %s may not depend on it", path, p, pkg)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
