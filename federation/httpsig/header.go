package httpsig

import (
	"fmt"
	"strings"
)

// params is a parsed Signature header.
type params struct {
	KeyID     string
	Algorithm string
	Headers   []string // lower-cased, in signing order
	Signature string   // base64, not yet decoded
	Created   string
	Expires   string
}

// maxHeaderLen bounds the work done on hostile input; real headers are
// well under 2 KiB.
const maxHeaderLen = 8 << 10

// parseSignatureHeader parses the value of a Signature header (without the
// "Signature " prefix used in Authorization). Values may be quoted; quoted
// values may contain commas and backslash-escaped characters.
func parseSignatureHeader(s string) (params, error) {
	var p params
	if len(s) > maxHeaderLen {
		return p, fmt.Errorf("%w: header too long", ErrMalformedSignature)
	}
	seen := make(map[string]bool)
	headers := ""
	hasHeaders := false
	i := 0
	for {
		// Skip separators and whitespace between parameters.
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
			i++
		}
		if i >= len(s) {
			break
		}
		start := i
		for i < len(s) && s[i] != '=' && s[i] != ',' {
			i++
		}
		if i >= len(s) || s[i] != '=' {
			return p, fmt.Errorf("%w: parameter %q has no value", ErrMalformedSignature, strings.TrimSpace(s[start:i]))
		}
		name := strings.ToLower(strings.TrimSpace(s[start:i]))
		i++ // '='
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		var val string
		if i < len(s) && s[i] == '"' {
			i++
			var b strings.Builder
			closed := false
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if c == '"' {
					closed = true
					i++
					break
				}
				b.WriteByte(c)
				i++
			}
			if !closed {
				return p, fmt.Errorf("%w: unterminated quoted value for %q", ErrMalformedSignature, name)
			}
			val = b.String()
		} else {
			vs := i
			for i < len(s) && s[i] != ',' {
				i++
			}
			val = strings.TrimSpace(s[vs:i])
		}
		// Only a separator may follow a value.
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i < len(s) && s[i] != ',' {
			return p, fmt.Errorf("%w: unexpected %q after %q", ErrMalformedSignature, s[i], name)
		}
		if name == "" {
			return p, fmt.Errorf("%w: empty parameter name", ErrMalformedSignature)
		}
		if seen[name] {
			return p, fmt.Errorf("%w: duplicate parameter %q", ErrMalformedSignature, name)
		}
		seen[name] = true
		switch name {
		case "keyid":
			p.KeyID = val
		case "algorithm":
			p.Algorithm = val
		case "headers":
			headers, hasHeaders = val, true
		case "signature":
			p.Signature = val
		case "created":
			p.Created = val
		case "expires":
			p.Expires = val
		default:
			// Unknown parameters are ignored, as the draft requires.
		}
	}
	if p.KeyID == "" {
		return p, fmt.Errorf("%w: missing keyId", ErrMalformedSignature)
	}
	if p.Signature == "" {
		return p, fmt.Errorf("%w: missing signature", ErrMalformedSignature)
	}
	if !hasHeaders {
		// The draft's default when headers is absent.
		p.Headers = []string{"date"}
	} else {
		p.Headers = strings.Fields(strings.ToLower(headers))
		if len(p.Headers) == 0 {
			return p, fmt.Errorf("%w: empty headers list", ErrMalformedSignature)
		}
	}
	return p, nil
}

// formatSignatureHeader renders params as Mastodon writes them.
func formatSignatureHeader(p params) string {
	return fmt.Sprintf(`keyId="%s",algorithm="%s",headers="%s",signature="%s"`,
		quoteEscape(p.KeyID), quoteEscape(p.Algorithm), quoteEscape(strings.Join(p.Headers, " ")), quoteEscape(p.Signature))
}

func quoteEscape(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return s
	}
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}
