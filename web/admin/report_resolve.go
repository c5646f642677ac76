package admin

import (
	"context"
	"errors"
	"net/http"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
)

// groupReport loads the {report} of a route and checks it is the group's.
func (a *Admin) groupReport(r *http.Request) (*storage.Report, error) {
	ctx := r.Context()
	rp, err := storage.ReportByID(ctx, a.db, chiParam(r, "report"))
	if err != nil {
		return nil, err
	}
	if rp.GroupID != currentGroup(ctx).ID {
		return nil, errNotFound("There is no such report in this group.")
	}
	return rp, nil
}

// reportBack is where a report action returns: the page it came from.
func reportBack(r *http.Request, groupName, done string) string {
	return reportsURL(r, groupName) + "?done=" + done
}

// reportsURL is the reports page a report action came from.
func reportsURL(r *http.Request, groupName string) string {
	if r.PostFormValue("from") == "all" {
		return "/admin/reports"
	}
	return "/admin/groups/" + groupName + "/reports"
}

// reportResolve closes a report with a note of what was done.
func (a *Admin) reportResolve(w http.ResponseWriter, r *http.Request) error {
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
	note := f.Get("note")
	if utf8.RuneCountInString(note) > maxReasonRunes {
		return &httpError{http.StatusUnprocessableEntity, "Keep the note to 1000 characters."}
	}
	// Nothing federates: storage directly, with the log entry in the same
	// transaction as the engine's actions write theirs.
	by := staffOf(r)
	err = a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.ResolveReport(ctx, tx, a.now(), rp.ID, by.Name, note); err != nil {
			return err
		}
		return storage.AddLogEntry(ctx, tx, a.now(), &storage.LogEntry{GroupID: g.ID, StaffID: by.ID, StaffName: by.Name,
			Action: "resolve_report", Target: rp.TargetIRI, Reason: note})
	})
	if err != nil && !errors.Is(err, storage.ErrNotFound) { // resolved already: done
		return err
	}
	return redirect(w, r, reportBack(r, g.Name, "resolved"))
}
