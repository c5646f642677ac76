package storage_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

// The migration that makes key ids unique keeps each #fragment key with
// the actor its id names, drops the claims of others (one of them the
// duplicate an attacker made), and drops key ids without a fragment, to
// be fetched and checked again.
func TestKeyOwnerMigration(t *testing.T) {
	sqlText, err := os.ReadFile("../migrations/20261207000050_key_owner.tx.up.sql")
	if err != nil {
		t.Fatal(err)
	}
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		// The schema as it was: a plain index, duplicates allowed.
		for _, q := range []string{"DROP INDEX remote_actors_key_idx", "CREATE INDEX remote_actors_key_idx ON remote_actors (public_key_id)"} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		dave := "https://masto.test/users/dave"
		rows := []struct{ iri, key string }{
			{dave, dave + "#main-key"},
			{"https://evil.test/users/eve", dave + "#main-key"},      // the takeover
			{"https://masto.test/users/mallory", dave + "#main-key"}, // on dave's own server
			{"https://gts.test/users/carol", "https://gts.test/users/carol/main-key"},
			{"https://masto.test/users/alice", "https://masto.test/users/alice#main-key"},
			{"https://masto.test/users/nokey", ""},
		}
		for _, r := range rows {
			pem := ""
			if r.key != "" {
				pem = "pem of " + r.iri
			}
			_, err := db.NewInsert().Model(&storage.RemoteActor{ID: storage.NewID(), IRI: r.iri, Host: "x", Inbox: r.iri + "/inbox",
				PublicKeyID: r.key, PublicKeyPEM: pem, FieldsJSON: "[]"}).Exec(ctx)
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range strings.Split(string(sqlText), "--bun:split") {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("migration: %v\n%s", err, q)
			}
		}
		want := map[string]string{
			dave: dave + "#main-key", "https://evil.test/users/eve": "", "https://masto.test/users/mallory": "",
			"https://gts.test/users/carol": "", "https://masto.test/users/alice": "https://masto.test/users/alice#main-key",
			"https://masto.test/users/nokey": "",
		}
		for iri, key := range want {
			a, err := storage.RemoteActorByIRI(ctx, db, iri)
			if err != nil {
				t.Fatal(err)
			}
			if a.PublicKeyID != key || (key == "") != (a.PublicKeyPEM == "") {
				t.Errorf("%s: key %q (pem %q), want %q", iri, a.PublicKeyID, a.PublicKeyPEM, key)
			}
		}
		if a, err := storage.RemoteActorByKeyID(ctx, db, dave+"#main-key"); err != nil || a.IRI != dave {
			t.Errorf("dave's key belongs to %+v, %v", a, err)
		}
		// From now on a second claim is refused by the database itself…
		_, err := db.NewInsert().Model(&storage.RemoteActor{ID: storage.NewID(), IRI: "https://evil.test/users/eve2", Inbox: "x",
			PublicKeyID: dave + "#main-key", FieldsJSON: "[]"}).Exec(ctx)
		if err == nil {
			t.Error("a second row with dave's key id was stored")
		}
		// …and a checked claim takes the key from whoever held it.
		if err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return storage.UpsertRemoteActor(ctx, tx, time.Now(), &storage.RemoteActor{IRI: "https://gts.test/users/carol2", Inbox: "x", PublicKeyID: "https://masto.test/users/alice#main-key"})
		}); err != nil {
			t.Fatal(err)
		}
		if a, _ := storage.RemoteActorByIRI(ctx, db, "https://masto.test/users/alice"); a.PublicKeyID != "" {
			t.Errorf("alice kept the key: %q", a.PublicKeyID)
		}
	})
}
