// Package auth holds staff authentication: argon2id password hashes,
// database-backed sessions, CSRF form tokens, login rate limits and the
// owner/moderator roles. The pages that use them live in web/admin.
package auth

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// hashParams follow the argon2id RFC 9106 "second recommended" profile
// scaled for small servers: 64 MiB, 1 pass, parallelism 2.
func hashParams() *argon2id.Params {
	return &argon2id.Params{Memory: 64 * 1024, Iterations: 1, Parallelism: 2, SaltLength: 16, KeyLength: 32}
}

// HashPassword checks the password's length and returns its argon2id hash.
func HashPassword(password string) (string, error) {
	if n := utf8.RuneCountInString(password); n < MinPasswordLength {
		return "", fmt.Errorf("password too short: %d characters, at least %d needed", n, MinPasswordLength)
	}
	if len(password) > 1024 {
		return "", errors.New("password too long: at most 1024 bytes")
	}
	h, err := argon2id.CreateHash(password, hashParams())
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// CheckPassword tells whether password matches hash.
func CheckPassword(password, hash string) (bool, error) {
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	if err != nil {
		return false, fmt.Errorf("check password: %w", err)
	}
	return ok, nil
}
