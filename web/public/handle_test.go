package public

import "testing"

func TestParseHandle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, user, host string
		ok             bool
	}{
		{"alice@mastodon.social", "alice", "mastodon.social", true},
		{"@alice@mastodon.social", "alice", "mastodon.social", true},
		{"acct:alice@mastodon.social", "alice", "mastodon.social", true},
		{" Alice@Mastodon.Social. ", "Alice", "mastodon.social", true},
		{"bob@gts.test:8080", "bob", "gts.test:8080", true},
		{"https://mastodon.social/@alice", "alice", "mastodon.social", true},
		{"https://mastodon.social/@alice/", "alice", "mastodon.social", true},
		{"jürgen.k@social.example", "jürgen.k", "social.example", true},
		{"", "", "", false},
		{"alice", "", "", false},
		{"alice@", "", "", false},
		{"@mastodon.social", "", "", false},
		{"alice@localhost", "", "", false},
		{"alice@host..example", "", "", false},
		{"alice@-host.example", "", "", false},
		{"alice@host.example:99999", "", "", false},
		{"alice@host.example:0", "", "", false},
		{"alice@host.example/path", "", "", false},
		{"alice@user@host.example", "", "", false},
		{"al ice@host.example", "", "", false},
		{"alice@ho st.example", "", "", false},
		{"https://mastodon.social/users/alice", "", "", false},
		{"https://mastodon.social/@alice/123", "", "", false},
		{"javascript:alert(1)@x.example", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			user, host, err := parseHandle(tc.in)
			if tc.ok != (err == nil) || user != tc.user || host != tc.host {
				t.Errorf("parseHandle(%q) = %q, %q, %v", tc.in, user, host, err)
			}
		})
	}
}

func TestSafeRedirect(t *testing.T) {
	t.Parallel()
	p := &Public{}
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://mastodon.social/authorize_interaction?uri=a%40b", true},
		{"http://mastodon.social/authorize_interaction?uri=a%40b", false},
		{"javascript:alert(1)", false},
		{"//evil.example/x", false},
		{"/admin", false},
		{"https://user:pw@evil.example/", false},
		{"data:text/html,hi", false},
	} {
		if got := p.safeRedirect(tc.url); got != tc.ok {
			t.Errorf("safeRedirect(%q) = %v", tc.url, got)
		}
	}
}
