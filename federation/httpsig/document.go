package httpsig

import "fmt"

// KeyFromDocument reads the public key keyID from a decoded JSON document:
// an actor, whose publicKey is an object or a list of them (the one with
// the key's id is taken when there are several), or a key document
// itself. The key's owner is its "owner", else the document's id. The
// fake servers of the tests and of the load tool use it to check the
// node's signatures.
func KeyFromDocument(doc map[string]any, keyID string) (PublicKey, error) {
	var cands []map[string]any
	if _, ok := doc["publicKeyPem"]; ok {
		cands = append(cands, doc)
	}
	switch pk := doc["publicKey"].(type) {
	case map[string]any:
		cands = append(cands, pk)
	case []any:
		for _, e := range pk {
			if m, ok := e.(map[string]any); ok {
				cands = append(cands, m)
			}
		}
	}
	for _, c := range cands {
		if id := str(c["id"]); id != "" && id != keyID && len(cands) > 1 {
			continue
		}
		k, err := ParsePublicKeyPEM(str(c["publicKeyPem"]))
		if err != nil {
			return PublicKey{}, fmt.Errorf("key %s: %w", keyID, err)
		}
		owner := str(c["owner"])
		if owner == "" {
			owner = str(doc["id"])
		}
		return PublicKey{ID: keyID, Owner: owner, Key: k}, nil
	}
	return PublicKey{}, fmt.Errorf("no key %s in document %s", keyID, str(doc["id"]))
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
