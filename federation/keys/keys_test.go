package keys_test

import (
	"crypto/rsa"
	"testing"

	"github.com/kith-social/kith/federation/keys"
)

func TestRoundTrip(t *testing.T) {
	priv, pub, err := keys.Generate()
	if err != nil {
		t.Fatal(err)
	}
	k, err := keys.ParsePrivate(priv)
	if err != nil {
		t.Fatal(err)
	}
	p, err := keys.ParsePublic(pub)
	if err != nil {
		t.Fatal(err)
	}
	if !k.PublicKey.Equal(p.(*rsa.PublicKey)) {
		t.Error("public key does not match the private key")
	}
	for _, bad := range []string{"", "not pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"} {
		if _, err := keys.ParsePublic(bad); err == nil {
			t.Errorf("ParsePublic(%q) accepted", bad)
		}
		if _, err := keys.ParsePrivate(bad); err == nil {
			t.Errorf("ParsePrivate(%q) accepted", bad)
		}
	}
}
