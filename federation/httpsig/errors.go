package httpsig

import "errors"

// Errors returned (wrapped) by Verify. Match them with errors.Is.
var (
	ErrMissingSignature     = errors.New("httpsig: no signature")
	ErrMalformedSignature   = errors.New("httpsig: malformed signature")
	ErrUnsignedHeader       = errors.New("httpsig: required header not signed")
	ErrDigestMismatch       = errors.New("httpsig: digest mismatch")
	ErrDateOutOfRange       = errors.New("httpsig: date out of range")
	ErrBadSignature         = errors.New("httpsig: bad signature")
	ErrUnsupportedAlgorithm = errors.New("httpsig: unsupported algorithm")
)
