package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A data directory other users can read is reported at start, with the
// command that fixes it; a private one, or one Kith creates, is not.
func TestWarnOpenDataDir(t *testing.T) {
	base := t.TempDir()
	open := filepath.Join(base, "open dir")
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o755); err != nil { // whatever the umask
		t.Fatal(err)
	}
	res := kith(t, "", "migrate", "--data", open)
	if res.code != 0 {
		t.Fatalf("migrate: exit %d\n%s", res.code, res.stderr)
	}
	for _, want := range []string{"level=WARN", "can be read by other users", "mode=0755", `fix="chmod 700 '` + open + `'"`} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr lacks %s:\n%s", want, res.stderr)
		}
	}

	fresh := filepath.Join(base, "fresh")
	res = kith(t, "", "migrate", "--data", fresh)
	if res.code != 0 || strings.Contains(res.stderr, "level=WARN") {
		t.Errorf("a data directory Kith created: exit %d\n%s", res.code, res.stderr)
	}
	if st, err := os.Stat(fresh); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("created data directory: %v, %v; want mode 0700", st, err)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/var/lib/kith":    "/var/lib/kith",
		"./data":           "./data",
		"/srv/my data":     "'/srv/my data'",
		"/srv/it's":        `'/srv/it'\''s'`,
		"/srv/$(rm -rf /)": "'/srv/$(rm -rf /)'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
