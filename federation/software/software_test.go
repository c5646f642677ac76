package software

import (
	"errors"
	"testing"
)

func TestFamilyWants(t *testing.T) {
	tests := []struct {
		software       string
		family         Family
		wrapped, boost bool
	}{
		{"lemmy", GroupAware, true, false},
		{"mbin", GroupAware, true, false},
		{"PieFed", GroupAware, true, false},
		{"friendica", GroupAware, true, false},
		{"nodebb", GroupAware, true, false},
		{"discourse", GroupAware, true, false},
		{"mastodon", Microblog, false, true},
		{"hometown", Microblog, false, true},
		{"gotosocial", Microblog, false, true},
		{"misskey", Microblog, false, true},
		{" Sharkey ", Microblog, false, true},
		{"firefish", Microblog, false, true},
		{"iceshrimp", Microblog, false, true},
		{"pleroma", Microblog, false, true},
		{"akkoma", Microblog, false, true},
		{"peertube", Unknown, true, true},
		{"", Unknown, true, true},
	}
	for _, tt := range tests {
		f := FamilyOf(tt.software)
		if f != tt.family {
			t.Errorf("FamilyOf(%q) = %s, want %s", tt.software, f, tt.family)
		}
		if got := f.Wants(Wrapped); got != tt.wrapped {
			t.Errorf("%s wants Announce{activity} = %v, want %v", tt.software, got, tt.wrapped)
		}
		if got := f.Wants(Boost); got != tt.boost {
			t.Errorf("%s wants the plain boost = %v, want %v", tt.software, got, tt.boost)
		}
		if !f.Wants(Any) {
			t.Errorf("%s does not want the group's own activities", tt.software)
		}
	}
}

func TestNodeInfoLink(t *testing.T) {
	tests := []struct {
		name, links, want string
		err               error
	}{
		{"newest 2.x", `{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"https://a/2.0"},{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.1","href":"https://a/2.1"}]}`, "https://a/2.1", nil},
		{"other links ignored", `{"links":[{"rel":"https://www.w3.org/ns/activitystreams#Application","href":"https://a/actor"},{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"https://a/2.0"}]}`, "https://a/2.0", nil},
		{"1.x only", `{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/1.0","href":"https://a/1.0"}]}`, "", ErrNoNodeInfo},
		{"empty", `{}`, "", ErrNoNodeInfo},
	}
	for _, tt := range tests {
		got, err := nodeInfoLink([]byte(tt.links))
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("%s: %q, %v; want %q, %v", tt.name, got, err, tt.want, tt.err)
		}
	}
	if _, err := nodeInfoLink([]byte(`not json`)); err == nil {
		t.Error("a links document that is not JSON was read")
	}
}

func TestParseNodeInfo(t *testing.T) {
	tests := []struct {
		name, doc string
		want      Info
		ok        bool
	}{
		{"mastodon", `{"version":"2.0","software":{"name":"mastodon","version":"4.3.2"},"protocols":["activitypub"]}`, Info{"mastodon", "4.3.2"}, true},
		{"lemmy", `{"version":"2.1","software":{"name":"lemmy","version":"0.19.8","repository":"https://github.com/LemmyNet/lemmy"}}`, Info{"lemmy", "0.19.8"}, true},
		{"upper case", `{"software":{"name":"Sharkey","version":"2024.11.2"}}`, Info{"sharkey", "2024.11.2"}, true},
		{"no name", `{"software":{"version":"1"}}`, Info{}, false},
		{"not json", `<html>`, Info{}, false},
	}
	for _, tt := range tests {
		got, err := parseNodeInfo([]byte(tt.doc))
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("%s: %+v, %v; want %+v (ok %v)", tt.name, got, err, tt.want, tt.ok)
		}
	}
}
