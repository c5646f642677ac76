package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/kith-social/kith/storage"
)

func cmdGroup(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		return usagef("group: want a subcommand: create, list, requests, approve, reject, export or import")
	}
	switch args[0] {
	case "create":
		return cmdGroupCreate(ctx, args[1:], e)
	case "list":
		return cmdGroupList(ctx, args[1:], e)
	case "requests":
		return cmdGroupRequests(ctx, args[1:], e)
	case "approve", "reject":
		return cmdGroupDecide(ctx, args[0] == "approve", args[1:], e)
	case "export":
		return cmdGroupExport(ctx, args[1:], e)
	case "import":
		return cmdGroupImport(ctx, args[1:], e)
	default:
		return usagef("group: unknown subcommand %q: want create, list, requests, approve, reject, export or import", args[0])
	}
}

func cmdGroupCreate(ctx context.Context, args []string, e env) error {
	fs, cf := newFlagSet("group create", e)
	title := fs.String("title", "", "display name (default: the group name)")
	summary := fs.String("summary", "", "description, in Markdown")
	closed := fs.Bool("closed", false, "members need a moderator's approval to join")
	cfg, pos, err := parseInterleaved(fs, cf, args, e)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("group create: want exactly one NAME, got %d", len(pos))
	}
	name := pos[0]
	if err := storage.ValidateGroupName(name); err != nil {
		return usageError{err}
	}
	log := newLogger(cfg, e.stderr)
	db, err := openNodeDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	fed, err := newEngine(ctx, cfg, db, nil, nil, nil, log, false)
	if err != nil {
		return err
	}
	g, err := fed.Community.Moderation.CreateGroup(ctx, name, *title, *summary, *closed)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created group @%s@%s\n", g.Name, cfg.Domain)
	return nil
}

func cmdGroupList(ctx context.Context, args []string, e env) error {
	fs, cf := newFlagSet("group list", e)
	cfg, err := parse(fs, cf, args, e)
	if err != nil {
		return err
	}
	db, err := openNodeDB(ctx, cfg, newLogger(cfg, e.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	groups, err := storage.ListGroups(ctx, db)
	if err != nil {
		return err
	}
	if len(groups) == 0 {
		fmt.Fprintln(e.stdout, "no groups yet: create one with `kith group create NAME`")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HANDLE\tTITLE\tJOIN\tMEMBERS\tPENDING")
	for _, g := range groups {
		members, err := storage.CountFollows(ctx, db, g.ID, storage.FollowAccepted)
		if err != nil {
			return err
		}
		pending, err := storage.CountFollows(ctx, db, g.ID, storage.FollowPending)
		if err != nil {
			return err
		}
		join := "open"
		if g.Closed {
			join = "closed"
		}
		fmt.Fprintf(tw, "@%s@%s\t%s\t%s\t%d\t%d\n", g.Name, cfg.Domain, g.Title, join, members, pending)
	}
	return tw.Flush()
}

// cmdGroupRequests lists the pending follow requests of a closed group.
func cmdGroupRequests(ctx context.Context, args []string, e env) error {
	fs, cf := newFlagSet("group requests", e)
	cfg, pos, err := parseInterleaved(fs, cf, args, e)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("group requests: want exactly one group NAME")
	}
	db, err := openNodeDB(ctx, cfg, newLogger(cfg, e.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	g, err := storage.GroupByName(ctx, db, pos[0])
	if err != nil {
		return err
	}
	reqs, err := storage.ListFollows(ctx, db, g.ID, storage.FollowPending, 1000, 0)
	if err != nil {
		return err
	}
	if len(reqs) == 0 {
		fmt.Fprintf(e.stdout, "no pending requests for @%s\n", g.Name)
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTOR\tNAME\tREQUESTED")
	for _, f := range reqs {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Actor.IRI, f.Actor.Name, f.CreatedAt.Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}

// cmdGroupDecide approves or rejects a pending request; the Accept or
// Reject is queued and sent by `kith serve`.
func cmdGroupDecide(ctx context.Context, approve bool, args []string, e env) error {
	verb := "reject"
	if approve {
		verb = "approve"
	}
	fs, cf := newFlagSet("group "+verb, e)
	cfg, pos, err := parseInterleaved(fs, cf, args, e)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("group %s: want a group NAME and the requesting ACTOR's IRI (see kith group requests NAME)", verb)
	}
	log := newLogger(cfg, e.stderr)
	db, err := openNodeDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	fed, err := newEngine(ctx, cfg, db, nil, nil, nil, log, false)
	if err != nil {
		return err
	}
	if err := fed.Community.Membership.DecideFollow(ctx, pos[0], pos[1], approve); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%sd %s for @%s; the answer is sent by kith serve\n", verb, pos[1], pos[0])
	return nil
}
