package community

import (
	"context"
	"fmt"
	"net/http"

	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// PostActivityDocument is the Create that published a group post, for GETs
// of its IRI (iri.Builder.PostActivity), under the post's own read rules
// (PostDocument): members-only posts only to an authorized member fetch.
func (e *Documents) PostActivityDocument(ctx context.Context, r *http.Request, groupName, postID string) ([]byte, error) {
	if _, err := e.PostDocument(ctx, r, groupName, postID); err != nil {
		return nil, err
	}
	p, err := storage.PostByID(ctx, e.Reads, postID)
	if err != nil {
		return nil, err
	}
	if p.ActivityRaw == "" {
		return nil, fmt.Errorf("the Create of post %s: %w", postID, storage.ErrNotFound)
	}
	return []byte(p.ActivityRaw), nil
}

// InstanceOutboxDocument is the instance actor's outbox: always empty, the
// instance actor only signs the node's fetches, but its actor document
// names an outbox, which must resolve.
func (e *Documents) InstanceOutboxDocument() ([]byte, error) {
	return vocab.OrderedCollectionItems(e.IRI.InstanceOutbox(), nil)
}
