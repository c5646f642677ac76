package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

// A node with groups and a post is backed up while a writer is busy; the
// backup, put in a fresh data directory, runs a node that serves the same
// groups: the same actor documents (same keys), WebFinger and outbox.
func TestBackupAndRestore(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	for _, args := range [][]string{{"gardeners", "--title", "Gardeners"}, {"apiary", "--closed"}} {
		if r := kith(t, "", append(append([]string{"group", "create"}, args...), "--data", src, "--domain", "kith.test")...); r.code != exitOK {
			t.Fatalf("create group: %+v", r)
		}
	}
	db, err := storage.Open(ctx, "", src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g, err := storage.GroupByName(ctx, db, "gardeners")
	if err != nil {
		t.Fatal(err)
	}
	if err := storage.CreatePost(ctx, db, time.Now(), &storage.Post{GroupID: g.ID, IRI: "https://kith.test/groups/gardeners/posts/first", Kind: "Note",
		ContentHTML: "<p>Tomatoes are in</p>", Visibility: storage.VisibilityPublic, State: "published", ActivityRaw: "{}", ObjectRaw: "{}"}); err != nil {
		t.Fatal(err)
	}
	node := startServe(t, "--data", src, "--domain", "kith.test")

	// A writer busy on the same file meanwhile, as a node under load is.
	var writes atomic.Int64
	stop := make(chan struct{})
	writerDone := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				writerDone <- nil
				return
			default:
			}
			a := &storage.RemoteActor{IRI: fmt.Sprintf("https://masto.test/users/u%d", i), Inbox: fmt.Sprintf("https://masto.test/users/u%d/inbox", i), Host: "masto.test"}
			if err := storage.UpsertRemoteActor(ctx, db, time.Now(), a); err != nil {
				writerDone <- err
				return
			}
			writes.Add(1)
		}
	}()
	storagetest.Eventually(t, "the writer under way", func() bool { return writes.Load() >= 20 })
	backup := filepath.Join(t.TempDir(), "kith-backup.db")
	r := kith(t, "", "backup", backup, "--data", src)
	during := writes.Load()
	storagetest.Eventually(t, "the writer still writing after the backup", func() bool { return writes.Load() > during+20 })
	close(stop)
	if err := <-writerDone; err != nil {
		t.Fatalf("writer: %v", err)
	}
	if r.code != exitOK || !strings.Contains(r.stdout, "backed up") {
		t.Fatalf("backup: %+v", r)
	}
	st, err := os.Stat(backup)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600 (it holds private keys)", st.Mode().Perm())
	}
	if r := kith(t, "", "backup", backup, "--data", src); r.code != exitConflict || !strings.Contains(r.stderr, "exists") {
		t.Errorf("backup over an existing file: %+v, want exit %d", r, exitConflict)
	}
	if r := kith(t, "", "backup", "--data", src); r.code != exitUsage {
		t.Errorf("backup without FILE: %+v", r)
	}
	if r := kith(t, "", "backup", filepath.Join(t.TempDir(), "x.db"), "--data", t.TempDir()); r.code != exitFailure || !strings.Contains(r.stderr, "no database at") {
		t.Errorf("backup of a missing database: %+v", r)
	}

	// Restore: the file becomes kith.db of a fresh data directory.
	dst := t.TempDir()
	b, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, "kith.db"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	restored := startServe(t, "--data", dst, "--domain", "kith.test")
	rdb, err := storage.Open(ctx, "", dst)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	var check string
	if err := rdb.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check of the restored database: %q, %v", check, err)
	}
	var posts, actors int
	if err := rdb.QueryRowContext(ctx, "SELECT count(*) FROM posts").Scan(&posts); err != nil || posts != 1 {
		t.Errorf("posts in the backup: %d, %v; want 1", posts, err)
	}
	if err := rdb.QueryRowContext(ctx, "SELECT count(*) FROM remote_actors").Scan(&actors); err != nil || actors < 20 || int64(actors) > writes.Load() {
		t.Errorf("the writer's rows in the backup: %d, %v; want a consistent prefix of the %d written", actors, err, writes.Load())
	}

	for _, tc := range []struct{ path, accept string }{
		{"/.well-known/webfinger?resource=acct:gardeners@kith.test", ""},
		{"/.well-known/webfinger?resource=acct:apiary@kith.test", ""},
		{"/groups/gardeners", "application/activity+json"},
		{"/groups/apiary", "application/activity+json"},
		{"/groups/gardeners/outbox", "application/activity+json"},
		{"/actor", "application/activity+json"},
	} {
		want := fetch(t, node.addr, tc.path, tc.accept)
		got := fetch(t, restored.addr, tc.path, tc.accept)
		if got != want {
			t.Errorf("%s differs after restore:\nbefore %s\nafter  %s", tc.path, want, got)
		}
	}
	if !strings.Contains(fetch(t, restored.addr, "/groups/gardeners", "application/activity+json"), "BEGIN PUBLIC KEY") {
		t.Error("the restored group has no public key")
	}
}

func fetch(t *testing.T, addr, path, accept string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

// On PostgreSQL kith backup says to use pg_dump, and how.
func TestBackupPostgresSaysPgDump(t *testing.T) {
	r := kith(t, "", "backup", "x.dump", "--database", "postgres://kith@127.0.0.1/kith")
	if r.code != exitUsage || !strings.Contains(r.stderr, "pg_dump --format=custom --file=x.dump") || !strings.Contains(r.stderr, "pg_restore") {
		t.Errorf("%+v", r)
	}
	if strings.Contains(r.stderr, "kith@127.0.0.1") {
		t.Error("the message repeats the database URL")
	}
}
