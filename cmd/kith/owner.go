package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
)

func cmdOwner(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "create" {
		return usagef("owner: want the subcommand create")
	}
	fs, cf := newFlagSet("owner create", e)
	username := fs.String("username", "", "the owner's login name")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	cfg, err := parse(fs, cf, args[1:], e)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("owner create: unexpected argument %q", fs.Arg(0))
	}
	if *username == "" {
		return usagef("owner create: --username is required")
	}
	if err := storage.ValidateUsername(*username); err != nil {
		return usageError{err}
	}
	password, err := readPassword(e, *fromStdin)
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return usageError{err}
	}
	db, err := openDB(ctx, cfg, newLogger(cfg, e.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := storage.CreateStaff(ctx, db, time.Now(), &storage.Staff{Username: *username, PasswordHash: hash, Role: storage.RoleOwner}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created owner %s\n", *username)
	return nil
}

// readPassword reads from stdin when asked to (scripts), or prompts twice
// on a terminal without echo.
func readPassword(e env, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password from standard input: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	f, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usagef("owner create: no terminal to prompt for a password; use --password-stdin")
	}
	fmt.Fprint(e.stderr, "Password: ")
	p1, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	fmt.Fprint(e.stderr, "Repeat password: ")
	p2, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if string(p1) != string(p2) {
		return "", usagef("owner create: the passwords differ")
	}
	return string(p1), nil
}
