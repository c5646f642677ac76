package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
)

// reportAct does what a report calls for — remove the reported post, ban
// its author, block the author's server — or dismisses it; the report is
// then resolved with what was done. Each action writes its own log entry,
// and the resolution one more.
func (a *Admin) reportAct(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	rp, err := a.groupReport(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	reason := f.Get("reason")
	if utf8.RuneCountInString(reason) > maxReasonRunes {
		return &httpError{http.StatusUnprocessableEntity, "Keep the reason to 1000 characters."}
	}
	row, err := a.reportRow(ctx, *rp, g)
	if err != nil {
		return err
	}
	back := reportsURL(r, g.Name)
	by := staffOf(r)
	var done, resolution string
	switch f.Get("do") {
	case "dismiss":
		done, resolution = "dismissed", "Dismissed"
	case "remove":
		i := slices.IndexFunc(row.Posts, func(p postRow) bool { return p.ID == f.Get("post") })
		if i < 0 {
			return errNotFound("That post is not part of this report.")
		}
		ok, err := a.confirmed(w, r, f, confirmation{
			Title:   "Remove the reported post from " + g.Title + "?",
			Effects: []string{"The group's boost is undone and group-aware servers are told; the post stays on its author's server.", "The report is resolved as done."},
			Button:  "Remove the post", Cancel: back,
		})
		if !ok || err != nil {
			return err
		}
		err = a.moderation.RemovePost(ctx, row.Posts[i].ID, reason, by)
		if err != nil && !errors.Is(err, community.ErrInvalidPost) { // removed already: resolve anyway
			return fmt.Errorf("remove reported post %s: %w", row.Posts[i].ID, err)
		}
		done, resolution = "report-removed", "Removed the post"
	case "ban":
		if row.Target == nil {
			return errNotFound("The reported account is not known here.")
		}
		option, err := a.reviewInviteesOption(ctx, g.ID, row.Target.ID)
		if err != nil {
			return err
		}
		ok, err := a.confirmed(w, r, f, confirmation{
			Title:   "Ban " + actorHandle(row.Target) + " from " + g.Title + "?",
			Effects: []string{"Their membership ends and their server is told (a Block).", "Their follows and posts to the group are refused from now on.", "The report is resolved as done."},
			Button:  "Ban them", Cancel: back, Option: option,
		})
		if !ok || err != nil {
			return err
		}
		if err := a.ban(ctx, f, g, row.Target.IRI, reason, by); err != nil && !errors.Is(err, storage.ErrConflict) {
			return fmt.Errorf("ban reported %s: %w", row.Target.IRI, err)
		}
		done, resolution = "report-banned", "Banned "+actorHandle(row.Target)
	case "block":
		if !auth.IsOwner(currentSession(ctx).Staff) {
			return errForbidden("Only the owner blocks servers.")
		}
		if row.Target == nil || row.Target.Host == "" {
			return errNotFound("The reported account's server is not known here.")
		}
		domain := storage.NormalizeDomain(row.Target.Host)
		members, err := storage.CountMembersOfDomain(ctx, a.db, domain)
		if err != nil {
			return err
		}
		ok, err := a.confirmed(w, r, f, confirmation{
			Title:   "Block " + domain + "?",
			Effects: []string{blockRemovesText(members, domain), "Everything it sends is refused from now on, in every group.", "The report is resolved as done."},
			Button:  "Block " + domain, Cancel: back,
		})
		if !ok || err != nil {
			return err
		}
		if err := a.moderation.BlockDomain(ctx, domain, reason, by); err != nil && !errors.Is(err, storage.ErrConflict) {
			return fmt.Errorf("block %s: %w", domain, err)
		}
		done, resolution = "report-blocked", "Blocked "+domain
	default:
		return &httpError{http.StatusBadRequest, "Choose what to do about the report."}
	}
	if reason != "" {
		resolution += ": " + reason
	}
	err = a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.ResolveReport(ctx, tx, a.now(), rp.ID, by.Name, resolution); err != nil {
			return err
		}
		action := "resolve_report"
		if done == "dismissed" {
			action = "dismiss_report"
		} else if err := storage.UpholdReport(ctx, tx, a.now(), rp); err != nil { // acted on: the target is a newcomer again (trust levels)
			return err
		}
		return storage.AddLogEntry(ctx, tx, a.now(), &storage.LogEntry{GroupID: g.ID, StaffID: by.ID, StaffName: by.Name,
			Action: action, Target: rp.TargetIRI, Reason: resolution})
	})
	if err != nil && !errors.Is(err, storage.ErrNotFound) { // resolved meanwhile: done
		return err
	}
	a.log.InfoContext(ctx, "report acted on", "group", g.Name, "report", rp.ID, "do", f.Get("do"), "by", by.Name)
	return redirect(w, r, reportBack(r, g.Name, done))
}
