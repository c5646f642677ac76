package tune

import (
	"database/sql/driver"
	"strconv"
	"strings"
)

// bindLiterals rewrites a statement that carries its values in its text —
// bun writes every value into the SQL it sends — into one with parameters
// and the values as arguments: "WHERE iri = 'https://a/1' LIMIT 1" becomes
// "WHERE iri = ? LIMIT ?" with the IRI and 1. Statements of the same shape
// then share one text, and SQLite's compiled form of it can be kept and
// reused (stmtCacheConn); compiling was a tenth of the node's CPU under an
// inbox burst, every INSERT and UPDATE being a text never seen before.
//
// It binds every string literal, and an integer literal only where a value
// is compared or a LIMIT or OFFSET is given: elsewhere an integer can mean
// something else (ORDER BY 1 is the first column). It leaves alone what it
// does not know to be a plain data statement: anything but SELECT, INSERT,
// UPDATE, DELETE and WITH (DDL and PRAGMAs need their literals), texts
// with comments or parameters of their own, and the job queue's tables,
// whose partial indexes SQLite matches only against literal values. ok is
// false when the text is to be run as it is.
func bindLiterals(query string) (bound string, args []driver.NamedValue, ok bool) {
	if !isDataStatement(query) || strings.Contains(query, "river_") {
		return "", nil, false
	}
	var b strings.Builder
	b.Grow(len(query))
	prev := "" // the last token that was not a space: an operator, "LIMIT" (or OFFSET), "word"…
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == '\'':
			end, val, closed := scanQuoted(query, i, '\'')
			if !closed {
				return "", nil, false
			}
			args = append(args, driver.NamedValue{Ordinal: len(args) + 1, Value: val})
			b.WriteByte('?')
			i, prev = end, "'"
		case c == '"' || c == '`' || c == '[':
			closer := c
			if c == '[' {
				closer = ']'
			}
			end, _, closed := scanQuoted(query, i, closer)
			if !closed {
				return "", nil, false
			}
			b.WriteString(query[i:end])
			i, prev = end, "name"
		case isWordStart(c):
			end := i + 1
			for end < len(query) && isWordPart(query[end]) {
				end++
			}
			word := query[i:end]
			if (word == "x" || word == "X") && end < len(query) && query[end] == '\'' {
				// A blob literal: kept as it is.
				blobEnd, _, closed := scanQuoted(query, end, '\'')
				if !closed {
					return "", nil, false
				}
				end, word = blobEnd, "blob"
			}
			b.WriteString(query[i:end])
			i, prev = end, "word"
			if strings.EqualFold(word, "LIMIT") || strings.EqualFold(word, "OFFSET") {
				prev = "LIMIT"
			}
		case isDigit(c) || (c == '.' && i+1 < len(query) && isDigit(query[i+1])):
			end := i
			for end < len(query) && (isWordPart(query[end]) || query[end] == '.' ||
				((query[end] == '+' || query[end] == '-') && (query[end-1] == 'e' || query[end-1] == 'E'))) {
				end++
			}
			// Only a plain integer (not 007, not 1.5) is bound, so the text
			// can be given back exactly.
			n, err := strconv.ParseInt(query[i:end], 10, 64)
			if err == nil && bindsInteger[prev] && strconv.FormatInt(n, 10) == query[i:end] {
				args = append(args, driver.NamedValue{Ordinal: len(args) + 1, Value: n})
				b.WriteByte('?')
			} else {
				b.WriteString(query[i:end])
			}
			i, prev = end, "number"
		case c == '?' || c == '$' || c == ':' || c == '@' ||
			(c == '-' && strings.HasPrefix(query[i:], "--")) || (c == '/' && strings.HasPrefix(query[i:], "/*")):
			return "", nil, false // parameters or comments of its own
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			b.WriteByte(c)
			i++
		default:
			end := i + 1
			if op := query[i:min(i+2, len(query))]; op == "<=" || op == ">=" || op == "!=" || op == "<>" || op == "==" {
				end = i + 2
			}
			b.WriteString(query[i:end])
			i, prev = end, query[i:end]
		}
	}
	if len(args) == 0 || len(args) > maxBound {
		return "", nil, false
	}
	return b.String(), args, true
}

// maxBound: a statement with more values than this (a large multi-row
// insert) has a shape of its own anyway, and SQLite bounds the parameters
// of a statement.
const maxBound = 1000

// bindsInteger lists the tokens after which an integer literal is a value.
var bindsInteger = map[string]bool{
	"=": true, "==": true, "!=": true, "<>": true, "<": true, ">": true, "<=": true, ">=": true,
	"LIMIT": true,
}

// isDataStatement reports whether query starts with SELECT, INSERT, UPDATE,
// DELETE or WITH.
func isDataStatement(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n")
	end := 0
	for end < len(q) && end < 7 && isWordPart(q[end]) {
		end++
	}
	switch strings.ToUpper(q[:end]) {
	case "SELECT", "INSERT", "UPDATE", "DELETE", "WITH":
		return true
	}
	return false
}

// scanQuoted reads a quoted token starting at query[start] (the opening
// quote) up to its closer, a doubled closer standing for itself. It returns
// the index after the closer and the unquoted content.
func scanQuoted(query string, start int, closer byte) (end int, content string, closed bool) {
	var b strings.Builder
	from := start + 1
	for i := from; i < len(query); i++ {
		if query[i] != closer {
			continue
		}
		if closer != ']' && i+1 < len(query) && query[i+1] == closer {
			b.WriteString(query[from : i+1])
			i++
			from = i + 1
			continue
		}
		if b.Len() == 0 {
			return i + 1, query[from:i], true
		}
		b.WriteString(query[from:i])
		return i + 1, b.String(), true
	}
	return 0, "", false
}

func isWordStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isWordPart(c byte) bool { return isWordStart(c) || isDigit(c) || c == '$' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
