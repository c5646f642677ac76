// Command kith runs a Kith node and administers it: `kith serve`,
// `kith migrate`, `kith backup`, `kith group …`, `kith owner create`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes, documented in the README.
const (
	exitOK       = 0
	exitFailure  = 1 // the command could not do its work (database unreachable, I/O error)
	exitUsage    = 2 // bad flags, configuration or arguments
	exitConflict = 3 // the thing to create exists already
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// env is what a command gets from its surroundings; tests fill it in.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// ready, when set, is told the address `serve` listens on.
	ready func(addr string)
	// readyMetrics, when set, is told the address metrics are served on.
	readyMetrics func(addr string)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

const usage = `kith — a home for micro-communities on the fediverse

Usage:
  kith serve                    run the node
  kith migrate [--unlock]       bring the database schema up to date (--unlock: clear a stale lock)
  kith backup FILE              copy the SQLite database to FILE while serving (PostgreSQL: use pg_dump)
  kith group create NAME [--title T] [--summary S] [--closed]
  kith group list
  kith group requests NAME      pending follow requests of a closed group
  kith group approve NAME ACTOR approve a request (ACTOR is the actor IRI)
  kith group reject NAME ACTOR  reject a request
  kith group export NAME FILE   write the group to FILE (a zip), to import on another node
  kith group import FILE [--as NAME]  recreate an exported group here
  kith owner create --username U [--password-stdin]
  kith media migrate [-v]       copy DATA/media and DATA/media-cache into the --media-store bucket (resumable, verified)
  kith version

Every command takes the same configuration flags (see kith serve -h);
each flag also reads from its KITH_* environment variable.
`

// usageError marks errors that should exit with exitUsage.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(ctx, args[1:], e)
	case "migrate":
		err = cmdMigrate(ctx, args[1:], e)
	case "backup":
		err = cmdBackup(ctx, args[1:], e)
	case "group":
		err = cmdGroup(ctx, args[1:], e)
	case "owner":
		err = cmdOwner(ctx, args[1:], e)
	case "media":
		err = cmdMedia(ctx, args[1:], e)
	case "version", "--version", "-version":
		fmt.Fprintln(e.stdout, "kith", version)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
	default:
		fmt.Fprintf(e.stderr, "kith: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	return exitCode(err, e.stderr)
}

// exitCode reports err and maps it to the process exit code.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errHelpShown) {
		return exitOK
	}
	fmt.Fprintln(stderr, "kith:", err)
	var ue usageError
	switch {
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, errConflict):
		return exitConflict
	default:
		return exitFailure
	}
}
