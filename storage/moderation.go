package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Ban keeps an actor out of a group: their follows and posts are refused.
type Ban struct {
	bun.BaseModel `bun:"table:bans,alias:b"`

	ID        string    `bun:"id,pk"`
	GroupID   string    `bun:"group_id,notnull"`
	ActorID   string    `bun:"actor_id,notnull"`
	Reason    string    `bun:"reason,notnull"`
	BlockIRI  string    `bun:"block_iri,notnull"` // the Block the group sent, undone on unban
	CreatedBy string    `bun:"created_by,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`

	Actor *RemoteActor `bun:"rel:belongs-to,join:actor_id=id"`
}

// CreateBan stores a ban; banning twice is ErrConflict.
func CreateBan(ctx context.Context, db bun.IDB, now time.Time, b *Ban) error {
	if b.ID == "" {
		b.ID = NewID()
	}
	b.CreatedAt = now.UTC()
	if _, err := db.NewInsert().Model(b).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("ban: %w", ErrConflict)
		}
		return fmt.Errorf("store ban: %w", err)
	}
	return nil
}

// BanOf loads the ban of an actor in a group.
func BanOf(ctx context.Context, db bun.IDB, groupID, actorID string) (*Ban, error) {
	b := new(Ban)
	err := db.NewSelect().Model(b).Relation("Actor").Where("b.group_id = ? AND b.actor_id = ?", groupID, actorID).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "ban")
	}
	return b, nil
}

// DeleteBan lifts a ban.
func DeleteBan(ctx context.Context, db bun.IDB, id string) error {
	res, err := db.NewDelete().Model((*Ban)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete ban: %w", err)
	}
	return mustAffect(res, "ban "+id)
}

// ListBans lists a group's bans, newest first.
func ListBans(ctx context.Context, db bun.IDB, groupID string) ([]Ban, error) {
	var bs []Ban
	if err := db.NewSelect().Model(&bs).Relation("Actor").Where("b.group_id = ?", groupID).Order("b.id DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list bans: %w", err)
	}
	return bs, nil
}

// DomainBlock drops all traffic from a server, node-wide.
type DomainBlock struct {
	bun.BaseModel `bun:"table:domain_blocks,alias:db"`

	Domain    string    `bun:"domain,pk"`
	Reason    string    `bun:"reason,notnull"`
	CreatedBy string    `bun:"created_by,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// NormalizeDomain lowercases a domain and strips a scheme, path or port
// someone pasted.
func NormalizeDomain(d string) string {
	d = strings.ToLower(strings.TrimSpace(d))
	if i := strings.Index(d, "://"); i >= 0 {
		d = d[i+3:]
	}
	if i := strings.IndexAny(d, "/?#"); i >= 0 {
		d = d[:i]
	}
	return strings.TrimSuffix(d, ".")
}

// CreateDomainBlock blocks a domain; blocking twice is ErrConflict.
func CreateDomainBlock(ctx context.Context, db bun.IDB, now time.Time, b *DomainBlock) error {
	b.Domain = NormalizeDomain(b.Domain)
	if b.Domain == "" || strings.ContainsAny(b.Domain, " @") {
		return fmt.Errorf("domain %q is not a host name", b.Domain)
	}
	b.CreatedAt = now.UTC()
	if _, err := db.NewInsert().Model(b).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("domain block %s: %w", b.Domain, ErrConflict)
		}
		return fmt.Errorf("store domain block: %w", err)
	}
	return nil
}

// DeleteDomainBlock lifts a domain block.
func DeleteDomainBlock(ctx context.Context, db bun.IDB, domain string) error {
	res, err := db.NewDelete().Model((*DomainBlock)(nil)).Where("domain = ?", NormalizeDomain(domain)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete domain block: %w", err)
	}
	return mustAffect(res, "domain block "+domain)
}

// ListDomainBlocks lists blocked domains.
func ListDomainBlocks(ctx context.Context, db bun.IDB) ([]DomainBlock, error) {
	var bs []DomainBlock
	if err := db.NewSelect().Model(&bs).Order("domain").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list domain blocks: %w", err)
	}
	return bs, nil
}

// IsDomainBlocked tells whether host (host[:port]) or a parent domain of
// it is blocked: blocking example.com also blocks social.example.com.
func IsDomainBlocked(ctx context.Context, db bun.IDB, host string) (bool, error) {
	n, err := db.NewSelect().Model((*DomainBlock)(nil)).Where("domain IN (?)", bun.List(domainCandidates(host))).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("check domain block: %w", err)
	}
	return n > 0, nil
}

// Report states.
const (
	ReportOpen     = "open"
	ReportResolved = "resolved"
)

// Report is a complaint about an account or posts: a Flag received, a
// member's "report" DM, or a visitor's report form (ReporterIRI then holds
// the contact they gave, and ActivityIRI is empty).
type Report struct {
	bun.BaseModel `bun:"table:reports,alias:rp"`

	ID          string    `bun:"id,pk"`
	GroupID     string    `bun:"group_id,nullzero"`
	ActivityIRI string    `bun:"activity_iri,notnull"`
	ReporterIRI string    `bun:"reporter_iri,notnull"` // the reporting actor (often a server's instance actor)
	TargetIRI   string    `bun:"target_iri,notnull"`   // the reported account
	ObjectIRIs  string    `bun:"object_iris,notnull"`  // JSON array of reported posts
	Reason      string    `bun:"reason,notnull"`
	State       string    `bun:"state,notnull"`
	ResolvedBy  string    `bun:"resolved_by,notnull"`
	Resolution  string    `bun:"resolution,notnull"`
	ForwardedAt time.Time `bun:"forwarded_at,nullzero"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
	ResolvedAt  time.Time `bun:"resolved_at,nullzero"`
	Upheld      bool      `bun:"upheld,notnull"` // staff acted on it: it counts against the target's trust level
}

// CreateReport stores a report.
func CreateReport(ctx context.Context, db bun.IDB, now time.Time, r *Report) error {
	if r.ID == "" {
		r.ID = NewID()
	}
	if r.State == "" {
		r.State = ReportOpen
	}
	if r.ObjectIRIs == "" {
		r.ObjectIRIs = "[]"
	}
	r.CreatedAt = now.UTC()
	if _, err := db.NewInsert().Model(r).Exec(ctx); err != nil {
		return fmt.Errorf("store report: %w", err)
	}
	return nil
}

// ReportByID loads a report.
func ReportByID(ctx context.Context, db bun.IDB, id string) (*Report, error) {
	r := new(Report)
	if err := db.NewSelect().Model(r).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "report "+id)
	}
	return r, nil
}

// ListReports lists reports in a state for the given groups (empty
// groupIDs: node-wide reports too), newest first.
func ListReports(ctx context.Context, db bun.IDB, state string, groupIDs []string, limit int) ([]Report, error) {
	var rs []Report
	q := db.NewSelect().Model(&rs).Where("state = ?", state)
	if len(groupIDs) > 0 {
		q = q.Where("group_id IN (?)", bun.List(groupIDs))
	}
	if err := q.Order("id DESC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("list reports: %w", err)
	}
	return rs, nil
}

// ResolveReport closes a report with what was done.
func ResolveReport(ctx context.Context, db bun.IDB, now time.Time, id, by, resolution string) error {
	res, err := db.NewUpdate().Model((*Report)(nil)).
		Set("state = ?", ReportResolved).Set("resolved_by = ?", by).Set("resolution = ?", resolution).
		Set("resolved_at = ?", now.UTC()).
		Where("id = ? AND state = ?", id, ReportOpen).Exec(ctx)
	if err != nil {
		return fmt.Errorf("resolve report: %w", err)
	}
	if err := mustAffect(res, "open report "+id); err != nil {
		return err
	}
	// Its notification is dealt with too. The notice names the report by
	// id (members' reports), by its Flag's id, or, for a Flag without one,
	// by what it reports (community/notify.go, storeReport).
	var r Report
	if err := db.NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
		return fmt.Errorf("resolved report %s: %w", id, err)
	}
	subjects := []string{r.ID}
	if r.ActivityIRI != "" {
		subjects = append(subjects, r.ActivityIRI)
	} else if r.TargetIRI != "" {
		subjects = append(subjects, r.TargetIRI)
	}
	return ResolveNotifications(ctx, db, now, r.GroupID, NotifyReport, subjects...)
}

// MarkReportForwarded records that the report was sent to the author's server.
func MarkReportForwarded(ctx context.Context, db bun.IDB, now time.Time, id string) error {
	res, err := db.NewUpdate().Model((*Report)(nil)).Set("forwarded_at = ?", now.UTC()).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("mark report forwarded: %w", err)
	}
	return mustAffect(res, "report "+id)
}

// LogEntry is one moderator action: who, what, when, why.
type LogEntry struct {
	bun.BaseModel `bun:"table:moderation_log,alias:ml"`

	ID        string    `bun:"id,pk"`
	GroupID   string    `bun:"group_id,nullzero"`
	StaffID   string    `bun:"staff_id,notnull"`
	StaffName string    `bun:"staff_name,notnull"`
	Action    string    `bun:"action,notnull"` // e.g. "ban", "remove_post", "approve_follow"
	Target    string    `bun:"target,notnull"` // what it was done to (an actor or post IRI, a domain)
	Reason    string    `bun:"reason,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// AddLogEntry records a moderator action.
func AddLogEntry(ctx context.Context, db bun.IDB, now time.Time, e *LogEntry) error {
	if e.ID == "" {
		e.ID = NewID()
	}
	e.CreatedAt = now.UTC()
	if _, err := db.NewInsert().Model(e).Exec(ctx); err != nil {
		return fmt.Errorf("write moderation log: %w", err)
	}
	return nil
}

// ListLog lists a group's moderation log (or the node's, groupID empty),
// newest first.
func ListLog(ctx context.Context, db bun.IDB, groupID string, limit int) ([]LogEntry, error) {
	var es []LogEntry
	q := db.NewSelect().Model(&es)
	if groupID != "" {
		q = q.Where("group_id = ?", groupID)
	}
	if err := q.Order("id DESC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("list moderation log: %w", err)
	}
	return es, nil
}

// domainCandidates lists a host (without port) and its parent domains:
// social.example.com, example.com.
func domainCandidates(host string) []string {
	host = NormalizeDomain(host)
	if h, _, ok := strings.Cut(host, ":"); ok && !strings.Contains(h, "[") {
		host = h
	}
	var candidates []string
	for d := host; d != ""; {
		candidates = append(candidates, d)
		_, rest, ok := strings.Cut(d, ".")
		if !ok || !strings.Contains(rest, ".") {
			break
		}
		d = rest
	}
	return candidates
}
