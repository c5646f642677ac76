package grouparchive_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kith-social/kith/federation/grouparchive"
)

func zipWith(t *testing.T, files map[string]string) *bytes.Reader {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(buf.Bytes())
}

func TestReadRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
		newer bool
	}{
		{"newer schema", map[string]string{"archive.json": `{"kind":"kith-group-export","schema":99}`}, "schema 99, this Kith reads schemas up to 1: upgrade Kith", true},
		{"no manifest", map[string]string{"other.json": `{}`}, "no archive.json", false},
		{"another kind", map[string]string{"archive.json": `{"kind":"mastodon-archive","schema":1}`}, `kind "mastodon-archive"`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := zipWith(t, tc.files)
			_, _, err := grouparchive.Read(r, r.Size())
			if err == nil || !strings.Contains(err.Error(), tc.want) || errors.Is(err, grouparchive.ErrNewerSchema) != tc.newer {
				t.Fatalf("Read: %v, want an error with %q", err, tc.want)
			}
		})
	}
	if _, _, err := grouparchive.Read(strings.NewReader("not a zip"), 9); err == nil || !strings.Contains(err.Error(), "not a Kith group export") {
		t.Fatalf("Read of a non-zip: %v", err)
	}
}

func TestReadCurrentSchema(t *testing.T) {
	r := zipWith(t, map[string]string{"archive.json": `{"kind":"kith-group-export","schema":1,"group":{"Name":"gardeners"}}`})
	a, _, err := grouparchive.Read(r, r.Size())
	if err != nil || a.Group.Name != "gardeners" || a.Rows == nil {
		t.Fatalf("Read: %+v %v", a, err)
	}
}
