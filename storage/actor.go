package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// RemoteActor is the cached copy of an actor on another server: a member, a
// poster, or whoever signed a request.
type RemoteActor struct {
	bun.BaseModel `bun:"table:remote_actors,alias:ra"`

	ID           string    `bun:"id,pk"`
	IRI          string    `bun:"iri,notnull"`
	Type         string    `bun:"type,notnull"`
	Username     string    `bun:"username,notnull"` // preferredUsername
	Host         string    `bun:"host,notnull"`     // host[:port] of the IRI: the server, for delivery health and domain blocks
	Name         string    `bun:"name,notnull"`
	SummaryHTML  string    `bun:"summary_html,notnull"` // sanitised
	URL          string    `bun:"url,notnull"`
	IconURL      string    `bun:"icon_url,notnull"`
	Inbox        string    `bun:"inbox,notnull"`
	SharedInbox  string    `bun:"shared_inbox,notnull"`
	Followers    string    `bun:"followers,notnull"`
	PublicKeyID  string    `bun:"public_key_id,notnull"`
	PublicKeyPEM string    `bun:"public_key_pem,notnull"`
	FieldsJSON   string    `bun:"fields_json,notnull"` // profile fields, [{"name":…,"value":…}] with sanitised values
	Raw          string    `bun:"raw,notnull"`         // the document as fetched
	FetchedAt    time.Time `bun:"fetched_at,notnull"`
	GoneAt       time.Time `bun:"gone_at,nullzero"`      // the server answered 410 or sent Delete for it
	PublishedAt  time.Time `bun:"published_at,nullzero"` // when the account was created, if its server says
}

// DeliveryInbox is where activities for this actor go: the shared inbox
// when the server has one, so that a server gets one POST, not one per member.
func (a *RemoteActor) DeliveryInbox() string {
	if a.SharedInbox != "" {
		return a.SharedInbox
	}
	return a.Inbox
}

// UpsertRemoteActor inserts a or refreshes the cached copy with the same IRI.
// On return a.ID is the stored row's id.
//
// A key id belongs to one actor (a unique index): the caller has checked
// that a owns its key (federation/keyowner.go), so another row that named
// the same key id loses it. Run it in a transaction.
func UpsertRemoteActor(ctx context.Context, db bun.IDB, now time.Time, a *RemoteActor) error {
	if a.ID == "" {
		a.ID = NewID()
	}
	if a.PublicKeyID != "" {
		_, err := db.NewUpdate().Model((*RemoteActor)(nil)).Set("public_key_id = '', public_key_pem = ''").
			Where("public_key_id = ? AND iri <> ?", a.PublicKeyID, a.IRI).Exec(ctx)
		if err != nil {
			return fmt.Errorf("release key %s for %s: %w", a.PublicKeyID, a.IRI, err)
		}
	}
	if a.FieldsJSON == "" {
		a.FieldsJSON = "[]"
	}
	if a.FetchedAt.IsZero() {
		a.FetchedAt = now.UTC()
	}
	_, err := db.NewInsert().Model(a).
		On("CONFLICT (iri) DO UPDATE").
		Set("type = EXCLUDED.type, username = EXCLUDED.username, host = EXCLUDED.host, name = EXCLUDED.name").
		Set("summary_html = EXCLUDED.summary_html, url = EXCLUDED.url, icon_url = EXCLUDED.icon_url").
		Set("inbox = EXCLUDED.inbox, shared_inbox = EXCLUDED.shared_inbox, followers = EXCLUDED.followers").
		Set("public_key_id = EXCLUDED.public_key_id, public_key_pem = EXCLUDED.public_key_pem").
		Set("fields_json = EXCLUDED.fields_json, raw = EXCLUDED.raw, fetched_at = EXCLUDED.fetched_at, gone_at = NULL").
		Set("published_at = EXCLUDED.published_at").
		Returning("id").
		Exec(ctx, &a.ID)
	if err != nil {
		return fmt.Errorf("store remote actor %s: %w", a.IRI, err)
	}
	return nil
}

// RemoteActorByIRI loads the cached actor with this IRI.
func RemoteActorByIRI(ctx context.Context, db bun.IDB, iri string) (*RemoteActor, error) {
	a := new(RemoteActor)
	if err := db.NewSelect().Model(a).Where("iri = ?", iri).Scan(ctx); err != nil {
		return nil, notFound(err, "remote actor "+iri)
	}
	return a, nil
}

// RemoteActorByKeyID loads the cached actor that owns the key keyID (one at
// most: the key id is unique).
func RemoteActorByKeyID(ctx context.Context, db bun.IDB, keyID string) (*RemoteActor, error) {
	a := new(RemoteActor)
	if keyID == "" {
		return nil, fmt.Errorf("remote actor with an empty key id: %w", ErrNotFound)
	}
	if err := db.NewSelect().Model(a).Where("public_key_id = ?", keyID).Scan(ctx); err != nil {
		return nil, notFound(err, "remote actor with key "+keyID)
	}
	return a, nil
}

// RemoteActorByID loads a cached actor by row id.
func RemoteActorByID(ctx context.Context, db bun.IDB, id string) (*RemoteActor, error) {
	a := new(RemoteActor)
	if err := db.NewSelect().Model(a).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "remote actor "+id)
	}
	return a, nil
}

// MarkRemoteActorGone records that the actor was deleted on its server.
func MarkRemoteActorGone(ctx context.Context, db bun.IDB, id string, at time.Time) error {
	res, err := db.NewUpdate().Model((*RemoteActor)(nil)).Set("gone_at = ?", at.UTC()).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("mark actor %s gone: %w", id, err)
	}
	return mustAffect(res, "remote actor "+id)
}

// StaleMemberActors lists up to limit IRIs of actors that follow (or ask
// to follow) a group, are not gone and were fetched before before, the
// oldest first.
func StaleMemberActors(ctx context.Context, db bun.IDB, before time.Time, limit int) ([]string, error) {
	var iris []string
	err := db.NewSelect().TableExpr("remote_actors AS ra").ColumnExpr("ra.iri").
		Where("ra.gone_at IS NULL AND ra.fetched_at < ?", before.UTC()).
		Where("EXISTS (SELECT 1 FROM follows AS f WHERE f.actor_id = ra.id)").
		OrderExpr("ra.fetched_at").Limit(int64(limit)).Scan(ctx, &iris)
	if err != nil {
		return nil, fmt.Errorf("stale actors: %w", err)
	}
	return iris, nil
}

// CountRemoteGroups counts the remote actors among iris that are groups.
func CountRemoteGroups(ctx context.Context, db bun.IDB, iris []string) (int, error) {
	if len(iris) == 0 {
		return 0, nil
	}
	n, err := db.NewSelect().Model((*RemoteActor)(nil)).
		Where("iri IN (?) AND type = ?", bun.List(iris), "Group").Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count remote groups: %w", err)
	}
	return int(n), nil
}
