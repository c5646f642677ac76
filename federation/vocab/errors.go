package vocab

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every error that reports a document Kith refuses:
// not JSON, not an object, a missing type or id, an id or actor that is not an
// absolute http(s) IRI, a value of the wrong JSON type.
var ErrInvalid = errors.New("invalid ActivityStreams document")

// invalidf returns an error wrapping ErrInvalid with a reason.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
