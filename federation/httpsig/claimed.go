package httpsig

import "net/http"

// ClaimedKeyID is the keyId a request's signature names, not verified:
// only for cheap decisions that may be wrong without harm (which budget a
// request may try), never for trust. "" when there is none.
func ClaimedKeyID(h http.Header) string {
	v, err := signatureValue(h)
	if err != nil {
		return ""
	}
	p, err := parseSignatureHeader(v)
	if err != nil {
		return ""
	}
	return p.KeyID
}
