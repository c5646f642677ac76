package storage

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Posting policies: who may post to a group.
const (
	PostingAnyone     = "anyone"
	PostingMembers    = "members"
	PostingModerators = "moderators"
)

// Group is one community hosted by the node: an ActivityPub Group actor.
type Group struct {
	bun.BaseModel `bun:"table:groups,alias:g"`

	ID            string `bun:"id,pk"`
	Name          string `bun:"name,notnull"` // preferredUsername: the handle's local part
	Title         string `bun:"title,notnull"`
	Summary       string `bun:"summary,notnull"`      // Markdown, as staff wrote it
	SummaryHTML   string `bun:"summary_html,notnull"` // sanitised HTML, as federated
	IconPath      string `bun:"icon_path,notnull"`    // relative to <data>/media, served at /media/…; empty: none
	HeaderPath    string `bun:"header_path,notnull"`
	Closed        bool   `bun:"closed,notnull"` // manuallyApprovesFollowers
	PostingPolicy string `bun:"posting_policy,notnull"`
	ReviewQueue   bool   `bun:"review_queue,notnull"`
	BoostReplies  bool   `bun:"boost_replies,notnull"`
	Discoverable  bool   `bun:"discoverable,notnull"`
	FieldsJSON    string `bun:"fields_json,notnull"` // profile fields: [{"name":…,"value":HTML}]
	PublicModlog  bool   `bun:"public_modlog,notnull"`
	Rules         string `bun:"rules,notnull"` // one per line, plain text

	// Safety settings.
	JoinQuestions     string `bun:"join_questions,notnull"`       // sent to applicants of a closed group; empty: none
	FeedbackDMs       bool   `bun:"feedback_dms,notnull"`         // tell authors by DM when a post is held, approved, rejected or removed
	MaxGroupMentions  int    `bun:"max_group_mentions,notnull"`   // refuse posts mentioning more groups; 0: no limit
	MinAccountAgeDays int    `bun:"min_account_age_days,notnull"` // review posts of younger accounts; 0: off
	ReviewKeywords    string `bun:"review_keywords,notnull"`      // one per line: posts containing one are reviewed
	// Moving (move.go): the new group's actor IRI and @name@host once this
	// one has moved; the groups this one moves here from, one IRI a line.
	MovedTo       string `bun:"moved_to,notnull"`
	MovedToHandle string `bun:"moved_to_handle,notnull"`
	AlsoKnownAs   string `bun:"also_known_as,notnull"`

	PrivateKeyPEM string    `bun:"private_key_pem,notnull"`
	PublicKeyPEM  string    `bun:"public_key_pem,notnull"`
	CreatedAt     time.Time `bun:"created_at,notnull"`
	UpdatedAt     time.Time `bun:"updated_at,notnull"`
}

var groupNameRE = regexp.MustCompile(`^[a-z0-9_]{1,30}$`)

// reservedGroupNames cannot be groups: they would shadow the instance actor
// or read as a node-wide address.
var reservedGroupNames = map[string]bool{
	"admin": true, "administrator": true, "root": true, "kith": true, "instance": true,
	"actor": true, "inbox": true, "support": true, "postmaster": true, "webmaster": true,
}

// ValidateGroupName says why a name cannot be a group handle, or nil.
func ValidateGroupName(name string) error {
	if !groupNameRE.MatchString(name) {
		return fmt.Errorf("group name %q: use 1 to 30 lowercase letters, digits or underscores", name)
	}
	if reservedGroupNames[name] {
		return fmt.Errorf("group name %q is reserved", name)
	}
	return nil
}

// ValidatePostingPolicy says whether p is a known posting policy.
func ValidatePostingPolicy(p string) error {
	switch p {
	case PostingAnyone, PostingMembers, PostingModerators:
		return nil
	}
	return fmt.Errorf("posting policy %q: want %s, %s or %s", p, PostingAnyone, PostingMembers, PostingModerators)
}

// RuleList is the group's rules, one per non-empty line, in order.
func (g *Group) RuleList() []string {
	var rules []string
	for _, line := range strings.Split(g.Rules, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			rules = append(rules, line)
		}
	}
	return rules
}

// NewGroup returns a group named name with the documented defaults of a new
// group: members may post, the group is discoverable and tells authors by
// DM what happened to their posts. The migrations declare the same defaults
// for rows, but an insert from Go writes every field, zero values included.
func NewGroup(name string) *Group {
	return &Group{
		Name: name, Title: name, PostingPolicy: PostingMembers, Discoverable: true, FeedbackDMs: true, FieldsJSON: "[]",
	}
}

// CreateGroup inserts g, filling ID and timestamps. A taken name is ErrConflict.
func CreateGroup(ctx context.Context, db bun.IDB, now time.Time, g *Group) error {
	if err := ValidateGroupName(g.Name); err != nil {
		return err
	}
	if g.PostingPolicy == "" {
		g.PostingPolicy = PostingMembers
	}
	if err := ValidatePostingPolicy(g.PostingPolicy); err != nil {
		return err
	}
	if g.ID == "" {
		g.ID = NewID()
	}
	if g.FieldsJSON == "" {
		g.FieldsJSON = "[]"
	}
	now = now.UTC()
	g.CreatedAt, g.UpdatedAt = now, now
	if _, err := db.NewInsert().Model(g).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("group %q: %w", g.Name, ErrConflict)
		}
		return fmt.Errorf("create group %q: %w", g.Name, err)
	}
	return nil
}

// GroupByName loads a group by its handle.
func GroupByName(ctx context.Context, db bun.IDB, name string) (*Group, error) {
	g := new(Group)
	if err := db.NewSelect().Model(g).Where("name = ?", name).Scan(ctx); err != nil {
		return nil, notFound(err, "group "+name)
	}
	return g, nil
}

// GroupByID loads a group by its id.
func GroupByID(ctx context.Context, db bun.IDB, id string) (*Group, error) {
	g := new(Group)
	if err := db.NewSelect().Model(g).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "group "+id)
	}
	return g, nil
}

// ListGroups returns every group, by name.
func ListGroups(ctx context.Context, db bun.IDB) ([]Group, error) {
	var gs []Group
	if err := db.NewSelect().Model(&gs).Order("name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	return gs, nil
}

// UpdateGroup saves the editable profile and settings of g.
func UpdateGroup(ctx context.Context, db bun.IDB, now time.Time, g *Group) error {
	if err := ValidatePostingPolicy(g.PostingPolicy); err != nil {
		return err
	}
	g.UpdatedAt = now.UTC()
	res, err := db.NewUpdate().Model(g).
		Column("title", "summary", "summary_html", "icon_path", "header_path", "closed",
			"posting_policy", "review_queue", "boost_replies", "discoverable", "fields_json", "public_modlog", "rules", "join_questions", "feedback_dms",
			"max_group_mentions", "min_account_age_days", "review_keywords", "updated_at").
		WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("update group %s: %w", g.Name, err)
	}
	return mustAffect(res, "group "+g.Name)
}

// CountGroups returns how many groups the node hosts.
func CountGroups(ctx context.Context, db bun.IDB) (int, error) {
	n, err := db.NewSelect().Model((*Group)(nil)).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count groups: %w", err)
	}
	return int(n), nil
}
