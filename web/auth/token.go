package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// TokenBytes is the entropy of every secret token the admin UI hands out
// (session cookies, setup and invitation links).
const TokenBytes = 32

// NewToken returns a random URL-safe token of TokenBytes bytes.
func NewToken() (string, error) {
	b := make([]byte, TokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken is what the database stores for a token: hex SHA-256. The
// tokens are random and long, so a plain hash (no salt, no stretching) is
// enough to make a leaked database useless for logging in.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CSRFToken derives a session's form token from its secret cookie token:
// HMAC-SHA256(token, "kith csrf"). It needs no storage, differs per
// session, and cannot be computed from the database (which holds only the
// hash of the cookie token).
func CSRFToken(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("kith csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// TokensEqual compares two tokens in constant time.
func TokensEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
