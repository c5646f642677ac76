package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Post states.
const (
	PostPublished = "published" // accepted and announced
	PostPending   = "pending"   // waiting in the review queue
	PostRejected  = "rejected"  // refused by a moderator
	PostRemoved   = "removed"   // taken out of the group by a moderator
)

// Post visibilities, from the addressing of the original object.
const (
	VisibilityPublic    = "public"    // Public in to
	VisibilityUnlisted  = "unlisted"  // Public in cc
	VisibilityFollowers = "followers" // members only
	VisibilityDirect    = "direct"    // addressed to named actors only
	// VisibilityRegulars is a post the group addressed to exactly its
	// regulars' (and leaders') actors: not Public, not the followers
	// collection. Only regulars, or their servers, may read it.
	VisibilityRegulars = "regulars"
)

// Post is a piece of group content: a member's post or reply that reached
// the group, or a post the group published itself (AuthorID empty).
type Post struct {
	bun.BaseModel `bun:"table:posts,alias:p"`

	ID          string    `bun:"id,pk"`
	GroupID     string    `bun:"group_id,notnull"`
	IRI         string    `bun:"iri,notnull"` // the object's id (ours for the group's own posts)
	AuthorID    string    `bun:"author_id,nullzero"`
	Kind        string    `bun:"kind,notnull"`         // Note, Article, Page, Question, Event
	URL         string    `bun:"url,notnull"`          // the human-readable page on the author's server
	Name        string    `bun:"name,notnull"`         // title (Lemmy Page, Article, Event)
	Summary     string    `bun:"summary,notnull"`      // content warning
	ContentHTML string    `bun:"content_html,notnull"` // sanitised
	Sensitive   bool      `bun:"sensitive,notnull"`
	InReplyTo   string    `bun:"in_reply_to,notnull"` // the parent's IRI; empty for a thread's first post
	ParentID    string    `bun:"parent_id,nullzero"`  // the parent post in the group, when we have it
	RootID      string    `bun:"root_id,notnull"`     // the thread's first post (itself for a root)
	Visibility  string    `bun:"visibility,notnull"`
	State       string    `bun:"state,notnull"`
	ActivityRaw string    `bun:"activity_raw,notnull"` // the Create as received: FEP-1b12 announces it unchanged
	ObjectRaw   string    `bun:"object_raw,notnull"`
	Likes       int       `bun:"likes,notnull"`
	Dislikes    int       `bun:"dislikes,notnull"`
	Pinned      bool      `bun:"pinned,notnull"`
	PublishedAt time.Time `bun:"published_at,notnull"` // as the author's server says
	UpdatedAt   time.Time `bun:"updated_at,nullzero"`
	CreatedAt   time.Time `bun:"created_at,notnull"` // when it reached the group
	// SourceIRI is, for a group post that republishes a member's
	// members-only post, the original; CreditActorID is its author.
	SourceIRI     string `bun:"source_iri,notnull"`
	CreditActorID string `bun:"credit_actor_id,nullzero"`
	Anonymous     bool   `bun:"anonymous,notnull"` // published by the group for a member who asked not to be named
	// HeldReason says why the post went to the review queue, in the words
	// of the author's feedback message; "" when it was never held.
	HeldReason string `bun:"held_reason,notnull"`
	// SourceMarkdown is what staff wrote for a group post; "" otherwise.
	SourceMarkdown string `bun:"source_markdown,notnull"`

	Author *RemoteActor `bun:"rel:belongs-to,join:author_id=id"`
}

// IsPublicish tells whether Mastodon-family servers will show a boost of it.
func (p *Post) IsPublicish() bool {
	return p.Visibility == VisibilityPublic || p.Visibility == VisibilityUnlisted
}

// CreatePost stores a new post. A post already in the group (same IRI) is
// ErrConflict: the caller treats that as a repeated delivery.
func CreatePost(ctx context.Context, db bun.IDB, now time.Time, p *Post) error {
	if p.ID == "" {
		p.ID = NewID()
	}
	if p.RootID == "" {
		p.RootID = p.ID
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now.UTC()
	}
	if p.PublishedAt.IsZero() {
		p.PublishedAt = p.CreatedAt
	}
	if _, err := db.NewInsert().Model(p).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("post %s: %w", p.IRI, ErrConflict)
		}
		return fmt.Errorf("store post %s: %w", p.IRI, err)
	}
	return nil
}

// PostByIRI loads the group's copy of the object iri.
func PostByIRI(ctx context.Context, db bun.IDB, groupID, iri string) (*Post, error) {
	p := new(Post)
	err := db.NewSelect().Model(p).Relation("Author").
		Where("p.group_id = ? AND p.iri = ?", groupID, iri).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "post "+iri)
	}
	return p, nil
}

// PostRefByIRI is PostByIRI with only the columns of PostRefsByIRI.
func PostRefByIRI(ctx context.Context, db bun.IDB, groupID, iri string) (*Post, error) {
	p := new(Post)
	err := db.NewSelect().Model(p).Column(postRefColumns...).
		Where("p.group_id = ? AND p.iri = ?", groupID, iri).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "post "+iri)
	}
	return p, nil
}

// PostsByIRI loads every group's copy of the object iri (an object can be
// posted to several groups of the node).
func PostsByIRI(ctx context.Context, db bun.IDB, iri string) ([]Post, error) {
	var ps []Post
	if err := db.NewSelect().Model(&ps).Relation("Author").Where("p.iri = ?", iri).Scan(ctx); err != nil {
		return nil, fmt.Errorf("posts %s: %w", iri, err)
	}
	return ps, nil
}

// postRefColumns are the columns of a post reference (PostRefsByIRI).
var postRefColumns = []string{"id", "group_id", "iri", "root_id", "author_id", "state", "visibility"}

// PostRefsByIRI is PostsByIRI for callers that need only where each copy
// is, its thread, who wrote it and whether it is public: id, group, IRI,
// root, author id, state and visibility, not the author's row and no
// stored document. Every Like of a group
// post asks it.
func PostRefsByIRI(ctx context.Context, db bun.IDB, iri string) ([]Post, error) {
	var ps []Post
	err := db.NewSelect().Model(&ps).Column(postRefColumns...).
		Where("p.iri = ?", iri).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("posts %s: %w", iri, err)
	}
	return ps, nil
}

// PostByID loads a post by row id.
func PostByID(ctx context.Context, db bun.IDB, id string) (*Post, error) {
	p := new(Post)
	if err := db.NewSelect().Model(p).Relation("Author").Where("p.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "post "+id)
	}
	return p, nil
}

// UpdatePostContent saves an edit: name, summary, content, sensitive flag,
// stored object and time of the edit; the Create that brought the post is
// kept as it came. p needs its id and those fields only.
func UpdatePostContent(ctx context.Context, db bun.IDB, p *Post) error {
	res, err := db.NewUpdate().Model(p).
		Column("name", "summary", "content_html", "source_markdown", "sensitive", "object_raw", "updated_at").
		WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("update post %s: %w", p.IRI, err)
	}
	return mustAffect(res, "post "+p.IRI)
}

// SetPostState moves a post through review and moderation.
func SetPostState(ctx context.Context, db bun.IDB, id, state string) error {
	res, err := db.NewUpdate().Model((*Post)(nil)).Set("state = ?", state).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("set post %s %s: %w", id, state, err)
	}
	return mustAffect(res, "post "+id)
}

// DeletePost removes a post from the group.
func DeletePost(ctx context.Context, db bun.IDB, id string) error {
	res, err := db.NewDelete().Model((*Post)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete post %s: %w", id, err)
	}
	return mustAffect(res, "post "+id)
}

// DeletePostsByAuthor removes everything an actor posted to any group.
func DeletePostsByAuthor(ctx context.Context, db bun.IDB, authorID string) (int, error) {
	res, err := db.NewDelete().Model((*Post)(nil)).Where("author_id = ?", authorID).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("delete posts of %s: %w", authorID, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// PostFilter selects posts for listings.
type PostFilter struct {
	GroupID      string
	State        string   // empty: published
	Visibilities []string // empty: any
	RootsOnly    bool     // thread starters only
	Before       string   // posts with id < Before (paging by time-ordered id)
	Limit        int
}

// ListPosts lists posts, newest first.
func ListPosts(ctx context.Context, db bun.IDB, f PostFilter) ([]Post, error) {
	if f.State == "" {
		f.State = PostPublished
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 20
	}
	var ps []Post
	q := db.NewSelect().Model(&ps).Relation("Author").
		Where("p.group_id = ? AND p.state = ?", f.GroupID, f.State)
	if len(f.Visibilities) > 0 {
		q = q.Where("p.visibility IN (?)", bun.List(f.Visibilities))
	}
	if f.RootsOnly {
		q = q.Where("p.root_id = p.id")
	}
	if f.Before != "" {
		q = q.Where("p.id < ?", f.Before)
	}
	if err := q.Order("p.id DESC").Limit(int64(f.Limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("list posts of group %s: %w", f.GroupID, err)
	}
	return ps, nil
}

// CountPosts counts a group's posts in a state and visibilities.
func CountPosts(ctx context.Context, db bun.IDB, groupID, state string, visibilities ...string) (int, error) {
	q := db.NewSelect().Model((*Post)(nil)).Where("group_id = ? AND state = ?", groupID, state)
	if len(visibilities) > 0 {
		q = q.Where("visibility IN (?)", bun.List(visibilities))
	}
	n, err := q.Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count posts of group %s: %w", groupID, err)
	}
	return int(n), nil
}

// Thread returns a thread's posts in a state, oldest first.
func Thread(ctx context.Context, db bun.IDB, rootID, state string) ([]Post, error) {
	var ps []Post
	err := db.NewSelect().Model(&ps).Relation("Author").
		Where("p.root_id = ? AND p.state = ?", rootID, state).Order("p.published_at", "p.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("thread %s: %w", rootID, err)
	}
	return ps, nil
}

// ListPinned returns a group's pinned posts, newest first.
func ListPinned(ctx context.Context, db bun.IDB, groupID string) ([]Post, error) {
	var ps []Post
	err := db.NewSelect().Model(&ps).Relation("Author").
		Where("p.group_id = ? AND p.pinned AND p.state = ?", groupID, PostPublished).Order("p.id DESC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("pinned posts of group %s: %w", groupID, err)
	}
	return ps, nil
}

// PublishedPostsByAuthor lists an actor's published posts in every group.
func PublishedPostsByAuthor(ctx context.Context, db bun.IDB, authorID string) ([]Post, error) {
	var posts []Post
	err := db.NewSelect().Model(&posts).Where("author_id = ? AND state = ?", authorID, PostPublished).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("posts of %s: %w", authorID, err)
	}
	return posts, nil
}

// SetPostPinned pins or unpins a post.
func SetPostPinned(ctx context.Context, db bun.IDB, postID string, pinned bool) error {
	res, err := db.NewUpdate().Model((*Post)(nil)).Set("pinned = ?", pinned).Where("id = ?", postID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("pin post %s: %w", postID, err)
	}
	return mustAffect(res, "post "+postID)
}

// UpdatePostObject writes a post's object document and content again
// (an event whose attendance changed).
func UpdatePostObject(ctx context.Context, db bun.IDB, p *Post) error {
	res, err := db.NewUpdate().Model(p).Column("object_raw", "content_html").WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("update object of post %s: %w", p.ID, err)
	}
	return mustAffect(res, "post "+p.ID)
}

// CountPublishedPosts counts the published posts of every group.
func CountPublishedPosts(ctx context.Context, db bun.IDB) (int, error) {
	n, err := db.NewSelect().Model((*Post)(nil)).Where("state = ?", PostPublished).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count posts: %w", err)
	}
	return int(n), nil
}

// PublishedReplyCounts counts, per thread root, the published replies
// whose visibility is one of visibilities (the public pages pass public
// and unlisted). Roots without such replies are absent from the map.
func PublishedReplyCounts(ctx context.Context, db bun.IDB, rootIDs, visibilities []string) (map[string]int, error) {
	counts := make(map[string]int, len(rootIDs))
	if len(rootIDs) == 0 {
		return counts, nil
	}
	var rows []struct {
		RootID string `bun:"root_id"`
		N      int    `bun:"n"`
	}
	err := db.NewSelect().Model((*Post)(nil)).
		Column("root_id").ColumnExpr("COUNT(*) AS n").
		Where("root_id IN (?)", bun.List(rootIDs)).
		Where("id <> root_id").
		Where("state = ?", PostPublished).
		Where("visibility IN (?)", bun.List(visibilities)).
		Group("root_id").
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("count replies: %w", err)
	}
	for _, r := range rows {
		counts[r.RootID] = r.N
	}
	return counts, nil
}
