// Package keys makes and reads the RSA key pairs that groups and the
// instance actor sign with. RSA-2048 is what every fediverse server verifies.
package keys

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// Bits is the RSA key size.
const Bits = 2048

// Generate returns a new key pair as PEM: PKCS#8 private key and PKIX public
// key (the "PUBLIC KEY" block Mastodon publishes in publicKeyPem).
func Generate() (privatePEM, publicPEM string, err error) {
	k, err := rsa.GenerateKey(rand.Reader, Bits)
	if err != nil {
		return "", "", fmt.Errorf("generate RSA key: %w", err)
	}
	return Encode(k)
}

// Encode turns a private key into the PEM pair.
func Encode(k *rsa.PrivateKey) (privatePEM, publicPEM string, err error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", "", fmt.Errorf("encode private key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return "", "", fmt.Errorf("encode public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})), nil
}

// ParsePrivate reads a PKCS#8 or PKCS#1 RSA private key.
func ParsePrivate(s string) (*rsa.PrivateKey, error) {
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		return nil, errors.New("private key: no PEM block")
	}
	if k, err := x509.ParsePKCS1PrivateKey(b.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key: %T is not RSA", k)
	}
	return rk, nil
}

// ParsePublic reads a PKIX ("PUBLIC KEY") or PKCS#1 ("RSA PUBLIC KEY")
// public key, as servers publish them. Ed25519 keys are accepted too.
func ParsePublic(s string) (any, error) {
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		return nil, errors.New("public key: no PEM block")
	}
	if k, err := x509.ParsePKIXPublicKey(b.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS1PublicKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	return k, nil
}
