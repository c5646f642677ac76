package storage

import (
	"database/sql"
	"fmt"
)

// mustAffect reports ErrNotFound when an UPDATE or DELETE touched no row.
func mustAffect(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}
