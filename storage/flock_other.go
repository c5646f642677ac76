//go:build !unix

package storage

import (
	"errors"
	"os"
)

var errNoFlock = errors.New("the SQLite migration lock needs flock(2), which this system lacks: run Kith on Linux or another Unix")

func tryFlock(*os.File) (bool, error) { return false, errNoFlock }

func unFlock(*os.File) error { return errNoFlock }
