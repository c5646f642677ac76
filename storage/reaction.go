package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Reaction kinds.
const (
	ReactionLike    = "like"
	ReactionDislike = "dislike"
)

// Reaction is one actor's Like or Dislike of a group post.
type Reaction struct {
	bun.BaseModel `bun:"table:reactions,alias:re"`

	ID          string    `bun:"id,pk"`
	PostID      string    `bun:"post_id,notnull"`
	ActorID     string    `bun:"actor_id,notnull"`
	Kind        string    `bun:"kind,notnull"`
	ActivityIRI string    `bun:"activity_iri,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
}

// AddReactionOnce records a reaction and recounts the post; an actor's
// second Like of the same post counts once. It reports whether it was new.
func AddReactionOnce(ctx context.Context, db bun.IDB, now time.Time, r *Reaction) (bool, error) {
	if r.ID == "" {
		r.ID = NewID()
	}
	r.CreatedAt = now.UTC()
	res, err := db.NewInsert().Model(r).On("CONFLICT (post_id, actor_id, kind) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("store reaction: %w", err)
	}
	n, _ := res.RowsAffected()
	if n == 0 {
		return false, nil
	}
	return true, recount(ctx, db, r.PostID)
}

// HasReaction reports whether the actor's reaction of this kind to the post
// is recorded. The inbox asks it on a read connection first, so that a
// repeated Like takes no write transaction at all.
func HasReaction(ctx context.Context, db bun.IDB, postID, actorID, kind string) (bool, error) {
	ok, err := db.NewSelect().Model((*Reaction)(nil)).
		Where("post_id = ? AND actor_id = ? AND kind = ?", postID, actorID, kind).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("reaction of %s to %s: %w", actorID, postID, err)
	}
	return ok, nil
}

// RemoveReaction deletes the reaction an activity made (Undo{Like}) and
// recounts; it returns the removed reaction or ErrNotFound.
func RemoveReaction(ctx context.Context, db bun.IDB, activityIRI, actorID string) (*Reaction, error) {
	r := new(Reaction)
	err := db.NewSelect().Model(r).Where("activity_iri = ? AND actor_id = ?", activityIRI, actorID).Limit(1).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "reaction "+activityIRI)
	}
	if _, err := db.NewDelete().Model(r).WherePK().Exec(ctx); err != nil {
		return nil, fmt.Errorf("delete reaction: %w", err)
	}
	return r, recount(ctx, db, r.PostID)
}

// recount sets a post's like and dislike counts from its reactions.
func recount(ctx context.Context, db bun.IDB, postID string) error {
	_, err := db.NewUpdate().Model((*Post)(nil)).
		Set("likes = (SELECT COUNT(*) FROM reactions WHERE post_id = ? AND kind = ?)", postID, ReactionLike).
		Set("dislikes = (SELECT COUNT(*) FROM reactions WHERE post_id = ? AND kind = ?)", postID, ReactionDislike).
		Where("id = ?", postID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("recount reactions of %s: %w", postID, err)
	}
	return nil
}

// ReactionActivityOf returns the activity IRI of the actor's reaction to
// the post with IRI postIRI, preferring one of kind; ErrNotFound if the
// actor has none.
func ReactionActivityOf(ctx context.Context, db bun.IDB, actorID, postIRI, kind string) (string, error) {
	var iris []string
	err := db.NewSelect().Model((*Reaction)(nil)).Column("re.activity_iri").
		Join("JOIN posts AS p ON p.id = re.post_id").
		Where("re.actor_id = ? AND p.iri = ?", actorID, postIRI).
		OrderExpr("CASE WHEN re.kind = ? THEN 0 ELSE 1 END", kind).
		Limit(1).Scan(ctx, &iris)
	if err != nil && !isNoRows(err) {
		return "", fmt.Errorf("reaction of %s to %s: %w", actorID, postIRI, err)
	}
	if len(iris) == 0 {
		return "", fmt.Errorf("reaction of %s to %s: %w", actorID, postIRI, ErrNotFound)
	}
	return iris[0], nil
}
