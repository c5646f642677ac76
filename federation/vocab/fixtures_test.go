package vocab

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kith-social/kith/federation/fedtest/fixtures"
)

// fixtureFiles returns the fixture files under dir matching a path segment.
func fixtureFiles(t *testing.T, segment string) []string {
	t.Helper()
	var files []string
	dir := fixtures.Dir(t)
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".json") && strings.Contains(filepath.ToSlash(path), "/"+segment+"/") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("fixtures: %v", err)
	}
	if len(files) == 0 {
		t.Fatalf("no %s fixtures under %s", segment, dir)
	}
	return files
}

func rel(path string) string {
	_, r, ok := strings.Cut(filepath.ToSlash(path), "/fixtures/fediverse/")
	if !ok {
		return path
	}
	return r
}

// refusedActivities are the fixtures under activities/ that ParseActivity
// refuses, and why.
var refusedActivities = map[string]string{
	// A bare Note, not an activity: Mastodon wraps it in a Create when it
	// delivers. ParseObject accepts it (see TestFixtureObjects).
	"mastodon/activities/private_message.json": "Note is an object, not an activity",
}

func TestFixtureActivities(t *testing.T) {
	ctx := context.Background()
	for _, f := range fixtureFiles(t, "activities") {
		t.Run(rel(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			a, err := ParseActivity(ctx, raw)
			if reason, refused := refusedActivities[rel(f)]; refused {
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), reason) {
					t.Fatalf("ParseActivity error = %v, want ErrInvalid with %q", err, reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseActivity: %v", err)
			}
			if a.Type == "" || a.Actor == "" {
				t.Errorf("activity without type or actor: %+v", a)
			}
			if string(a.Raw) != string(raw) {
				t.Errorf("Raw differs from the bytes received")
			}
		})
	}
}

// objectsThatAreActors lists fixture objects by the types that are actors.
var actorTypes = []string{"Person", "Group", "Service", "Application", "Organization"}

func TestFixtureObjects(t *testing.T) {
	ctx := context.Background()
	files := fixtureFiles(t, "objects")
	files = append(files, filepath.Join(fixtures.Dir(t), "mastodon/activities/private_message.json"))
	files = append(files, fixtureFiles(t, "collections")...)
	for _, f := range files {
		t.Run(rel(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			o, err := ParseObject(ctx, raw)
			if err != nil {
				t.Fatalf("ParseObject: %v", err)
			}
			if !slices.Contains(actorTypes, o.Type) {
				return
			}
			a, err := ParseActor(ctx, raw)
			if err != nil {
				t.Fatalf("ParseActor: %v", err)
			}
			if a.Inbox == "" || a.ID == "" {
				t.Errorf("actor without id or inbox: %+v", a)
			}
			if a.PublicKeyPEM == "" {
				t.Logf("%s has no public key", rel(f))
			}
		})
	}
}
