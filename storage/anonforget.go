package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// ErrBusy means an operation must wait for work in progress (a job that is
// running); trying again in a moment succeeds.
var ErrBusy = errors.New("busy, try again in a moment")

// AddAnonSent records a note the group sent to the sender of an anonymous
// request about it (its IRI, the outbox activity's object), so that
// forgetting the sender can erase it too.
func AddAnonSent(ctx context.Context, db bun.IDB, requestID, noteIRI string) error {
	res, err := db.NewUpdate().Model((*AnonRequest)(nil)).
		Set("sent_iris = sent_iris || ?", noteIRI+"\n").Where("id = ?", requestID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("record note to the sender of %s: %w", requestID, err)
	}
	return mustAffect(res, "anonymous request "+requestID)
}

// ForgetAnonSender erases everything that links a decided anonymous
// request to its sender: the received direct message's id, the inbox
// job(s) that carried it, the notes the group sent the sender about it
// (outbox rows and their delivery jobs, finished or not), the rate-limit
// row of feedback to the sender, a server error naming the sender's
// inbox, and finally the request's own link (actor_id, iri, sent_iris).
// Run it in a transaction. ErrBusy: one of those jobs is running.
//
// The job queue's rows are deleted directly: finished ones are only a
// record, and an unfinished delivery of a note that no longer exists would
// fail anyway. On SQLite the database must run with secure_delete, so that
// deleted bytes are zeroed, and the WAL be checkpointed afterwards
// (TruncateWAL).
func ForgetAnonSender(ctx context.Context, tx bun.IDB, requestID string) error {
	r := new(AnonRequest)
	if err := tx.NewSelect().Model(r).Relation("Actor").Where("ar.id = ?", requestID).Scan(ctx); err != nil {
		return notFound(err, "anonymous request "+requestID)
	}
	if r.State == AnonPending {
		return fmt.Errorf("anonymous request %s is not decided yet", requestID)
	}
	pg := IsPostgres(tx)
	// contains is a portable "column holds this text" (LIKE would treat
	// '_' and '%' in IRIs as patterns).
	contains := func(col string) string {
		if pg {
			return "strpos(" + col + "::text, ?) > 0"
		}
		return "instr(" + col + ", ?) > 0"
	}
	jobArgs := "json(args)"
	if pg {
		jobArgs = "args"
	}
	var notes []string
	for _, n := range strings.Split(r.SentIRIs, "\n") {
		if n != "" {
			notes = append(notes, n)
		}
	}
	if len(notes) > 0 {
		var ids []string
		if err := tx.NewSelect().Model((*OutboxActivity)(nil)).Column("id").Where("object_iri IN (?)", bun.List(notes)).Scan(ctx, &ids); err != nil {
			return fmt.Errorf("notes to the sender of %s: %w", requestID, err)
		}
		for _, id := range ids {
			if err := deleteJobs(ctx, tx, "deliver", contains(jobArgs), id, false); err != nil {
				return err
			}
		}
		if _, err := tx.NewDelete().Model((*OutboxActivity)(nil)).Where("object_iri IN (?)", bun.List(notes)).Exec(ctx); err != nil {
			return fmt.Errorf("delete notes to the sender of %s: %w", requestID, err)
		}
	}
	if r.IRI != "" {
		if _, err := tx.NewDelete().Model((*ReceivedActivity)(nil)).Where("iri = ?", r.IRI).Exec(ctx); err != nil {
			return fmt.Errorf("forget the message of %s: %w", requestID, err)
		}
		for _, kind := range []string{"inbox", "inbox_batch"} {
			if err := deleteJobs(ctx, tx, kind, contains(jobArgs), r.IRI, true); err != nil {
				return err
			}
		}
	}
	if a := r.Actor; a != nil {
		if _, err := tx.NewDelete().Model((*feedbackSent)(nil)).Where("group_id = ? AND actor_id = ?", r.GroupID, a.ID).Exec(ctx); err != nil {
			return fmt.Errorf("forget feedback to the sender of %s: %w", requestID, err)
		}
		for _, s := range []string{a.IRI, a.Inbox} {
			if s == "" {
				continue
			}
			if _, err := tx.NewUpdate().TableExpr("servers").Set("last_error = ''").Where(contains("last_error"), s).Exec(ctx); err != nil {
				return fmt.Errorf("forget errors naming the sender of %s: %w", requestID, err)
			}
		}
	}
	_, err := tx.NewUpdate().Model((*AnonRequest)(nil)).Set("actor_id = NULL, iri = '', sent_iris = ''").Where("id = ?", requestID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("forget the sender of %s: %w", requestID, err)
	}
	return nil
}

// deleteJobs deletes the job queue's rows of a kind whose arguments hold
// needle (where is the condition, with one placeholder): any that is not
// running, or (finishedOnly) only finished ones. ErrBusy if others remain.
func deleteJobs(ctx context.Context, tx bun.IDB, kind, where, needle string, finishedOnly bool) error {
	q := tx.NewDelete().TableExpr("river_job").Where("kind = ?", kind).Where(where, needle)
	if finishedOnly {
		q = q.Where("state IN ('completed', 'cancelled', 'discarded')")
	} else {
		q = q.Where("state <> 'running'")
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("delete %s jobs: %w", kind, err)
	}
	left, err := tx.NewSelect().TableExpr("river_job").Where("kind = ?", kind).Where(where, needle).Count(ctx)
	if err != nil {
		return fmt.Errorf("count %s jobs: %w", kind, err)
	}
	if left > 0 {
		return fmt.Errorf("%d %s job(s) still at work: %w", left, kind, ErrBusy)
	}
	return nil
}

// TruncateWAL copies the SQLite WAL into the database file and empties it
// (a TRUNCATE checkpoint, which waits for readers), so that pages the
// last transactions replaced are gone from the WAL too. On PostgreSQL it
// does nothing.
func TruncateWAL(ctx context.Context, db *bun.DB) error {
	if IsPostgres(db) {
		return nil
	}
	var busy, frames, copied int
	if err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &copied); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if busy != 0 {
		return fmt.Errorf("checkpoint: readers kept the WAL in use: %w", ErrBusy)
	}
	return nil
}
