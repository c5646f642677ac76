package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/kith-social/kith/federation/httpsig"
)

// keyPool is a small set of real RSA-2048 keys shared round-robin by many
// actors. Generating thousands of keys would take minutes; sharing is
// harmless because every verifier looks keys up by keyId, and each actor
// has its own keyId.
type keyPool struct {
	keys []*rsa.PrivateKey
	pems []string // PKIX PEM of each public key, as publicKeyPem
	took time.Duration
	// loaded is how many keys came from the key file.
	loaded int
}

// loadKeyPool reads up to n keys from file (PEM, PKCS#1), generates the
// rest and writes the file back with all n, so that later runs skip the
// minutes that generating keys takes on a small machine. An empty file
// name only generates.
func loadKeyPool(ctx context.Context, file string, n int) (*keyPool, error) {
	if file == "" {
		return newKeyPool(ctx, n)
	}
	start := time.Now()
	var have []*rsa.PrivateKey
	data, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("key file: %w", err)
	}
	for len(have) < n {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			break
		}
		k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("key file %s: %w", file, err)
		}
		have = append(have, k)
	}
	p := &keyPool{loaded: len(have)}
	if len(have) < n {
		gen, err := newKeyPool(ctx, n-len(have))
		if err != nil {
			return nil, err
		}
		have = append(have, gen.keys...)
		var out []byte
		for _, k := range have {
			out = append(out, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})...)
		}
		if err := os.WriteFile(file, out, 0o600); err != nil {
			return nil, fmt.Errorf("key file: %w", err)
		}
	}
	p.keys = have
	for _, k := range have {
		pub, err := httpsig.PublicKeyPEM(&k.PublicKey)
		if err != nil {
			return nil, err
		}
		p.pems = append(p.pems, pub)
	}
	p.took = time.Since(start)
	return p, nil
}

// newKeyPool generates n keys on all cores.
func newKeyPool(ctx context.Context, n int) (*keyPool, error) {
	if n < 1 {
		return nil, fmt.Errorf("key pool: need at least one key, got %d", n)
	}
	start := time.Now()
	p := &keyPool{keys: make([]*rsa.PrivateKey, n), pems: make([]string, n)}
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range min(n, runtime.NumCPU()) {
		wg.Go(func() {
			for i := range next {
				if ctx.Err() != nil {
					errs <- ctx.Err()
					return
				}
				k, err := rsa.GenerateKey(rand.Reader, 2048)
				if err != nil {
					errs <- err
					return
				}
				pem, err := httpsig.PublicKeyPEM(&k.PublicKey)
				if err != nil {
					errs <- err
					return
				}
				p.keys[i], p.pems[i] = k, pem
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("key pool: generate RSA-2048 key: %w", err)
	}
	p.took = time.Since(start)
	return p, nil
}

// len is the number of distinct keys.
func (p *keyPool) len() int { return len(p.keys) }

// key returns the i-th key, round-robin.
func (p *keyPool) key(i int) (*rsa.PrivateKey, string) {
	j := i % len(p.keys)
	return p.keys[j], p.pems[j]
}
