//go:build unix

package storage

import (
	"errors"
	"os"
	"syscall"
)

// tryFlock takes an exclusive flock(2) on f without waiting: false when
// another open file (another process) holds it.
func tryFlock(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

func unFlock(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
