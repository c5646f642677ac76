package httpsig

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// ParsePublicKeyPEM parses a publicKeyPem value: PKIX ("PUBLIC KEY", what
// Mastodon publishes) or PKCS#1 ("RSA PUBLIC KEY", some older servers).
func ParsePublicKeyPEM(s string) (crypto.PublicKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("httpsig: no PEM block in public key")
	}
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("httpsig: parse PKIX public key: %w", err)
		}
		return k, nil
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("httpsig: parse PKCS#1 public key: %w", err)
		}
		return k, nil
	default:
		return nil, fmt.Errorf("httpsig: unexpected PEM block %q", block.Type)
	}
}

// PublicKeyPEM encodes a public key as a PKIX PEM block, as publicKeyPem.
func PublicKeyPEM(k crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return "", fmt.Errorf("httpsig: marshal public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}
