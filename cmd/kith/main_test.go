package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

// syncBuffer is a bytes.Buffer safe for a server goroutine's logs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type result struct {
	code           int
	stdout, stderr string
}

func kith(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb syncBuffer
	code := run(context.Background(), args, env{
		stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb,
		getenv: func(string) string { return "" },
	})
	return result{code, out.String(), errb.String()}
}

// databases gives the --database values to test the CLI with: SQLite in a
// data directory, and PostgreSQL when configured.
func databases(t *testing.T) map[string][]string {
	dbs := map[string][]string{"sqlite": {"--data", t.TempDir()}}
	for _, b := range storagetest.Backends() {
		if b.Name == "postgres" {
			_, dsn := b.Open(t)
			dbs["postgres"] = []string{"--database", dsn}
		}
	}
	return dbs
}

func TestGroupCommands(t *testing.T) {
	t.Parallel()
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			r := kith(t, "", append([]string{"group", "list"}, db...)...)
			if r.code != exitOK || !strings.Contains(r.stdout, "no groups yet") {
				t.Fatalf("empty list: %+v", r)
			}
			r = kith(t, "", append([]string{"group", "create", "gardeners", "--title", "Gardeners", "--summary", "We *grow* things", "--domain", "kith.test"}, db...)...)
			if r.code != exitOK || !strings.Contains(r.stdout, "@gardeners@kith.test") {
				t.Fatalf("create: %+v", r)
			}
			r = kith(t, "", append([]string{"group", "create", "--closed", "apiary"}, db...)...)
			if r.code != exitOK {
				t.Fatalf("create closed: %+v", r)
			}
			for _, tc := range []struct {
				args []string
				code int
				want string
			}{
				{[]string{"group", "create", "gardeners"}, exitConflict, `group "gardeners": already exists`},
				{[]string{"group", "create", "Bad Name"}, exitUsage, "use 1 to 30 lowercase letters"},
				{[]string{"group", "create", "admin"}, exitUsage, "reserved"},
				{[]string{"group", "create"}, exitUsage, "want exactly one NAME"},
				{[]string{"group", "create", "a", "b"}, exitUsage, "want exactly one NAME"},
				{[]string{"group", "create", "x", "--nope"}, exitUsage, "flag provided but not defined"},
				{[]string{"group", "frob"}, exitUsage, "unknown subcommand"},
			} {
				r := kith(t, "", append(tc.args, db...)...)
				if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
					t.Errorf("%v: code %d, stderr %q; want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
				}
			}
			r = kith(t, "", append([]string{"group", "list", "--domain", "kith.test"}, db...)...)
			if r.code != exitOK || !strings.Contains(r.stdout, "@apiary@kith.test") || !strings.Contains(r.stdout, "closed") ||
				!strings.Contains(r.stdout, "Gardeners") {
				t.Errorf("list: %+v", r)
			}
		})
	}
}

func TestOwnerCreate(t *testing.T) {
	t.Parallel()
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			r := kith(t, "a long password\n", append([]string{"owner", "create", "--username", "ada", "--password-stdin"}, db...)...)
			if r.code != exitOK || !strings.Contains(r.stdout, "created owner ada") {
				t.Fatalf("create: %+v", r)
			}
			for _, tc := range []struct {
				stdin string
				args  []string
				code  int
				want  string
			}{
				{"a long password\n", []string{"--username", "ada", "--password-stdin"}, exitConflict, "already exists"},
				{"short\n", []string{"--username", "bob", "--password-stdin"}, exitUsage, "password too short"},
				{"a long password\n", []string{"--password-stdin"}, exitUsage, "--username is required"},
				{"a long password\n", []string{"--username", "b b", "--password-stdin"}, exitUsage, "username"},
				{"", []string{"--username", "bob"}, exitUsage, "use --password-stdin"},
			} {
				r := kith(t, tc.stdin, append(append([]string{"owner", "create"}, tc.args...), db...)...)
				if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
					t.Errorf("%v: code %d, stderr %q; want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
				}
			}
		})
	}
}

func TestUnreachableDatabase(t *testing.T) {
	t.Parallel()
	r := kith(t, "", "group", "list", "--database", "postgres://kith@127.0.0.1:1/kith?connect_timeout=2")
	if r.code != exitFailure || !strings.Contains(r.stderr, "connect to PostgreSQL") {
		t.Errorf("unreachable database: %+v", r)
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	if r := kith(t, ""); r.code != exitUsage || !strings.Contains(r.stderr, "Usage:") {
		t.Errorf("no args: %+v", r)
	}
	if r := kith(t, "", "frobnicate"); r.code != exitUsage || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown: %+v", r)
	}
	if r := kith(t, "", "serve", "--listen", "nope"); r.code != exitUsage || !strings.Contains(r.stderr, "--listen") {
		t.Errorf("bad config: %+v", r)
	}
	if r := kith(t, "", "serve", "-h"); r.code != exitOK || !strings.Contains(r.stderr, "KITH_DATABASE_URL") {
		t.Errorf("help: %+v", r)
	}
	if r := kith(t, "", "version"); r.code != exitOK || !strings.HasPrefix(r.stdout, "kith ") {
		t.Errorf("version: %+v", r)
	}
	if r := kith(t, "", "migrate", "--data", t.TempDir()); r.code != exitOK || !strings.Contains(r.stdout, "database up to date") {
		t.Errorf("migrate: %+v", r)
	}
}

func TestServeHealthzAndShutdown(t *testing.T) {
	t.Parallel()
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			addrc := make(chan string, 1)
			var logs syncBuffer
			done := make(chan int, 1)
			go func() {
				done <- run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0"}, db...), env{
					stdin: strings.NewReader(""), stdout: io.Discard, stderr: &logs,
					getenv: func(string) string { return "" },
					ready:  func(a string) { addrc <- a },
				})
			}()
			var addr string
			select {
			case addr = <-addrc:
			case code := <-done:
				t.Fatalf("serve exited early with %d: %s", code, logs.String())
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not start")
			}
			resp, err := http.Get(fmt.Sprintf("http://%s/healthz", addr))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
				t.Errorf("healthz = %d %q", resp.StatusCode, body)
			}
			cancel() // what SIGINT/SIGTERM does
			select {
			case code := <-done:
				if code != exitOK {
					t.Errorf("exit code %d; logs:\n%s", code, logs.String())
				}
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not shut down")
			}
			if !strings.Contains(logs.String(), "msg=stopped") {
				t.Errorf("no clean stop in logs:\n%s", logs.String())
			}
		})
	}
}

func TestGroupRequestsCommands(t *testing.T) {
	t.Parallel()
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			if r := kith(t, "", append([]string{"group", "create", "quiet", "--closed"}, db...)...); r.code != exitOK {
				t.Fatalf("create: %+v", r)
			}
			r := kith(t, "", append([]string{"group", "requests", "quiet"}, db...)...)
			if r.code != exitOK || !strings.Contains(r.stdout, "no pending requests") {
				t.Errorf("requests: %+v", r)
			}
			for _, tc := range []struct {
				args []string
				code int
				want string
			}{
				{[]string{"group", "requests", "nope"}, exitFailure, "not found"},
				{[]string{"group", "approve", "quiet"}, exitUsage, "want a group NAME and the requesting ACTOR"},
				{[]string{"group", "approve", "quiet", "https://mastodon.test/users/nobody"}, exitFailure, "not found"},
				{[]string{"group", "reject", "nope", "https://mastodon.test/users/nobody"}, exitFailure, "not found"},
			} {
				r := kith(t, "", append(tc.args, db...)...)
				if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
					t.Errorf("%v: code %d, stderr %q; want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
				}
			}
		})
	}
}

func TestGroupApproveQueuesAccept(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if r := kith(t, "", "group", "create", "quiet", "--closed", "--data", dir); r.code != exitOK {
		t.Fatalf("create: %+v", r)
	}
	ctx := context.Background()
	db, err := storage.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	g, err := storage.GroupByName(ctx, db, "quiet")
	if err != nil {
		t.Fatal(err)
	}
	if !g.FeedbackDMs || !g.Discoverable || g.PostingPolicy != storage.PostingMembers {
		t.Errorf("group create: feedback_dms %v, discoverable %v, posting %q; want the documented defaults true, true, members",
			g.FeedbackDMs, g.Discoverable, g.PostingPolicy)
	}
	actor := &storage.RemoteActor{IRI: "https://mastodon.test/users/alice", Inbox: "https://mastodon.test/users/alice/inbox", Host: "mastodon.test"}
	if err := storage.UpsertRemoteActor(ctx, db, time.Now(), actor); err != nil {
		t.Fatal(err)
	}
	follow := `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://mastodon.test/f/1","type":"Follow","actor":"https://mastodon.test/users/alice","object":"http://127.0.0.1:8080/groups/quiet"}`
	if err := storage.UpsertFollow(ctx, db, time.Now(), &storage.Follow{GroupID: g.ID, ActorID: actor.ID, ActivityIRI: "https://mastodon.test/f/1", ActivityRaw: follow, State: storage.FollowPending}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	r := kith(t, "", "group", "requests", "quiet", "--data", dir)
	if r.code != exitOK || !strings.Contains(r.stdout, actor.IRI) {
		t.Fatalf("requests: %+v", r)
	}
	r = kith(t, "", "group", "approve", "quiet", actor.IRI, "--data", dir)
	if r.code != exitOK || !strings.Contains(r.stdout, "approved") {
		t.Fatalf("approve: %+v", r)
	}
	if r := kith(t, "", "group", "approve", "quiet", actor.IRI, "--data", dir); r.code != exitFailure || !strings.Contains(r.stderr, "already a member") {
		t.Errorf("second approve: %+v", r)
	}
	db, err = storage.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, _ := storage.CountFollows(ctx, db, g.ID, storage.FollowAccepted); n != 1 {
		t.Errorf("members = %d", n)
	}
	jobs, err := db.NewSelect().TableExpr("river_job").Where("kind = 'deliver'").Count(ctx)
	if err != nil || jobs != 1 {
		t.Errorf("queued deliveries = %d, %v; want the Accept", jobs, err)
	}
}
