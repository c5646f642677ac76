package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/kith-social/kith/federation/content"
	"github.com/kith-social/kith/federation/keys"
	"github.com/kith-social/kith/storage"
)

func cmdGroup(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		return usagef("group: want a subcommand: create or list")
	}
	switch args[0] {
	case "create":
		return cmdGroupCreate(ctx, args[1:], e)
	case "list":
		return cmdGroupList(ctx, args[1:], e)
	default:
		return usagef("group: unknown subcommand %q: want create or list", args[0])
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
	summaryHTML, err := content.New().Markdown(*summary)
	if err != nil {
		return usagef("group create: summary: %v", err)
	}
	log := newLogger(cfg, e.stderr)
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	priv, pub, err := keys.Generate()
	if err != nil {
		return err
	}
	g := &storage.Group{
		Name: name, Title: strings.TrimSpace(*title), Summary: *summary, SummaryHTML: summaryHTML,
		Closed: *closed, Discoverable: true, PrivateKeyPEM: priv, PublicKeyPEM: pub,
	}
	if g.Title == "" {
		g.Title = name
	}
	if err := storage.CreateGroup(ctx, db, g); err != nil {
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
	db, err := openDB(ctx, cfg, newLogger(cfg, e.stderr))
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
