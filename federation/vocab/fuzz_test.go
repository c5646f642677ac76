package vocab

import (
	"context"
	"errors"
	"testing"
)

// FuzzParseActivity checks that no input crashes the parsers, that every
// refusal wraps ErrInvalid, and that accepted activities have what the inbox
// relies on. The seed corpus in testdata/fuzz holds real fixtures.
func FuzzParseActivity(f *testing.F) {
	for _, s := range []string{
		`{"type":"Follow","id":"https://x.example/f","actor":"https://x.example/u","object":"https://k.example/g"}`,
		`{"type":"Create","id":"https://x.example/c","actor":["https://x.example/u"],"object":{"type":"Note","id":"https://x.example/n","tag":{"type":"Hashtag"},"attachment":{"type":"PropertyValue"},"contentMap":{"en":"x"}}}`,
		`{"type":"Undo","id":"https://x.example/u#1","actor":{"id":"https://x.example/u"},"object":{"type":"Announce","object":{"type":"Create","object":[1]}}}`,
		`{"type":"Person","id":"https://x.example/u","inbox":"https://x.example/i","publicKey":[{"id":5},"https://x.example/k"]}`,
		`[]`, `null`, `{"type":null}`, `{"type":[]}`, `{"type":"Note","id":{}}`,
	} {
		f.Add([]byte(s))
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, raw []byte) {
		a, err := ParseActivity(ctx, raw)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseActivity error does not wrap ErrInvalid: %v", err)
			}
		} else if !isHTTPIRI(a.Actor) || (a.ID != "" && !isHTTPIRI(a.ID)) || a.Type == "" {
			t.Fatalf("accepted activity without a usable type, id or actor: %+v", a)
		}
		if o, err := ParseObject(ctx, raw); err == nil && !isHTTPIRI(o.ID) {
			t.Fatalf("accepted object without an http(s) id: %+v", o)
		} else if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("ParseObject error does not wrap ErrInvalid: %v", err)
		}
		if ac, err := ParseActor(ctx, raw); err == nil && !isHTTPIRI(ac.Inbox) {
			t.Fatalf("accepted actor without an http(s) inbox: %+v", ac)
		} else if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("ParseActor error does not wrap ErrInvalid: %v", err)
		}
	})
}
