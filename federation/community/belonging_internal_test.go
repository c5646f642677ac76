package community

import (
	"strings"
	"testing"
)

func TestRSVPWord(t *testing.T) {
	tests := []struct {
		text    string
		yes, ok bool
	}{
		{"going", true, true},
		{"Going!", true, true},
		{"GOING, see you", true, true},
		{"going: bringing cake", true, true},
		{"not going", false, true},
		{"Not going, sorry", false, true},
		{"not-going", false, true},
		{"goings-on in the garden", false, false},
		{"goingforth", false, false},
		{"I'm going", false, false}, // only a reply that starts with the word counts
		{"", false, false},
		{"not goingly", false, false},
	}
	for _, tc := range tests {
		yes, ok := rsvpWord(tc.text)
		if yes != tc.yes || ok != tc.ok {
			t.Errorf("rsvpWord(%q) = %v, %v; want %v, %v", tc.text, yes, ok, tc.yes, tc.ok)
		}
	}
}

func TestBelongingCommand(t *testing.T) {
	for text, want := range map[string]bool{
		"directory on": true, "directory off.": true, "intro": true, "intro!": true,
		"directory": false, "introduction": false, "directory on please": false, "anon: hi": false,
	} {
		if got := belongingCommand(strings.ToLower(text)); got != want {
			t.Errorf("belongingCommand(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestTextParagraphs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hi <3", "<p>Hi &lt;3</p>"},
		{"one\ntwo\n\nthree", "<p>one<br>two</p><p>three</p>"},
		{"  \r\n\r\n ", ""},
	}
	for _, tc := range tests {
		if got := textParagraphs(tc.in); got != tc.want {
			t.Errorf("textParagraphs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
