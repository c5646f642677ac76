package main

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"
)

// rsaCost is the measured cost of one RSA-2048 PKCS#1 v1.5 signature and
// one verification on this machine (median of several runs, one core).
type rsaCost struct {
	Sign, Verify time.Duration
}

// measureRSA times signing and verifying a SHA-256 digest with key: the
// work an HTTP signature costs the sender and the receiver.
func measureRSA(key *rsa.PrivateKey) (rsaCost, error) {
	h := sha256.Sum256([]byte("(request-target): post /inbox\nhost: 127.0.0.1:8080\ndate: x\ndigest: y"))
	signs := make([]time.Duration, 0, 25)
	var sig []byte
	for range cap(signs) {
		start := time.Now()
		s, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
		if err != nil {
			return rsaCost{}, fmt.Errorf("measure RSA sign: %w", err)
		}
		signs = append(signs, time.Since(start))
		sig = s
	}
	verifies := make([]time.Duration, 0, 200)
	for range cap(verifies) {
		start := time.Now()
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, h[:], sig); err != nil {
			return rsaCost{}, fmt.Errorf("measure RSA verify: %w", err)
		}
		verifies = append(verifies, time.Since(start))
	}
	return rsaCost{Sign: percentile(signs, 50), Verify: percentile(verifies, 50)}, nil
}

// measureParallelSign times n signatures made by cores goroutines at once,
// wall clock: what the machine's cores really sign together. fanoutFloor
// assumes they sign cores times as fast as one; virtual cores that share
// a host often do not (1.4–1.9× for two, measured in the ninth session),
// and a fan-out cannot beat what they do.
func measureParallelSign(key *rsa.PrivateKey, n, cores int) (time.Duration, error) {
	if cores < 1 {
		cores = 1
	}
	h := sha256.Sum256([]byte("(request-target): post /inbox\nhost: 127.0.0.1:8080\ndate: x\ndigest: y"))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		ferr error
	)
	start := time.Now()
	for c := range cores {
		share := n / cores
		if c < n%cores {
			share++
		}
		wg.Go(func() {
			for range share {
				if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:]); err != nil {
					mu.Lock()
					ferr = fmt.Errorf("measure parallel RSA sign: %w", err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start), ferr
}

// fanoutFloor is the least time a fan-out to servers inboxes can take on
// cores cores if nothing but the RSA signatures cost anything.
func fanoutFloor(servers int, sign time.Duration, cores int) time.Duration {
	if cores < 1 {
		cores = 1
	}
	return time.Duration(int64(servers) * int64(sign) / int64(cores))
}

// verifyCeiling is the most signed activities per second cores cores can
// verify if nothing but the RSA verification costs anything.
func verifyCeiling(verify time.Duration, cores int) float64 {
	if verify <= 0 {
		return 0
	}
	return float64(cores) / verify.Seconds()
}

// floors are the two floors of a fan-out, measured together: one core's
// median signature and the wall time of the fan-out's signatures made on
// every core at once.
type floors struct {
	sign, parallel time.Duration
	err            error
}

// measureFloors measures both floors for a fan-out of n signatures.
func measureFloors(key *rsa.PrivateKey, n, cores int) floors {
	var f floors
	c, err := measureRSA(key)
	if err != nil {
		f.err = err
		return f
	}
	f.sign = c.Sign
	f.parallel, f.err = measureParallelSign(key, n, cores)
	return f
}

// faster keeps the faster of two measurements of each floor (a zero is a
// measurement that failed): the stricter floor, so that a slow moment of
// the machine does not flatter the node.
func (f floors) faster(g floors) floors {
	pick := func(a, b time.Duration) time.Duration {
		switch {
		case a <= 0:
			return b
		case b <= 0:
			return a
		}
		return min(a, b)
	}
	return floors{sign: pick(f.sign, g.sign), parallel: pick(f.parallel, g.parallel), err: errors.Join(f.err, g.err)}
}
