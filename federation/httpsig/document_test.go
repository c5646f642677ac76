package httpsig

import (
	"crypto/rsa"
	"testing"
)

func TestKeyFromDocument(t *testing.T) {
	pem1, err := PublicKeyPEM(&loadKey(t, "rsa1.pem").PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pem2, err := PublicKeyPEM(&loadKey(t, "rsa2.pem").PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	const actor = "https://a.example/users/alice"
	tests := []struct {
		name      string
		doc       map[string]any
		keyID     string
		wantOwner string
		wantPEM   string // "" when an error is expected
	}{
		{"actor with one key", map[string]any{"id": actor, "publicKey": map[string]any{"id": actor + "#main-key", "owner": actor, "publicKeyPem": pem1}}, actor + "#main-key", actor, pem1},
		{"actor with a list: the named key", map[string]any{"id": actor, "publicKey": []any{
			map[string]any{"id": actor + "#other", "publicKeyPem": pem2},
			map[string]any{"id": actor + "#main-key", "publicKeyPem": pem1},
		}}, actor + "#main-key", actor, pem1},
		{"a key document", map[string]any{"id": actor + "#main-key", "owner": actor, "publicKeyPem": pem2}, actor + "#main-key", actor, pem2},
		{"no key", map[string]any{"id": actor}, actor + "#main-key", "", ""},
		{"not a key", map[string]any{"id": actor, "publicKey": map[string]any{"publicKeyPem": "not pem"}}, actor + "#main-key", "", ""},
		{"a list without the named key", map[string]any{"id": actor, "publicKey": []any{
			map[string]any{"id": actor + "#a", "publicKeyPem": pem1}, map[string]any{"id": actor + "#b", "publicKeyPem": pem2},
		}}, actor + "#main-key", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pk, err := KeyFromDocument(tt.doc, tt.keyID)
			if tt.wantPEM == "" {
				if err == nil {
					t.Fatalf("got %+v, want an error", pk)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want, _ := ParsePublicKeyPEM(tt.wantPEM)
			if pk.ID != tt.keyID || pk.Owner != tt.wantOwner || !pk.Key.(*rsa.PublicKey).Equal(want) {
				t.Fatalf("got %+v", pk)
			}
		})
	}
}
