package web_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/web/webtest"
)

// TestInboxBudgets: junk from an IP is refused by the IP's budget before
// any signature work, while a real server on the same IP, whose signatures
// verify, is held to its own budget only; a server that floods with valid
// signatures is refused by its own.
func TestInboxBudgets(t *testing.T) {
	t.Parallel()
	clock := webtest.NewClock(time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC))
	opts := webtest.ScenarioOptions{Options: webtest.Options{InboxPerMinute: 3, InboxPerServerPerMinute: 4, InboxClock: clock.Now}}
	webtest.EachWith(t, opts, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n := s.Node
		const shared, other = "192.0.2.7", "192.0.2.8"
		bob := n.Net.NewInstance("good.test", fedtest.Mastodon).NewActor("bob")
		flooder := n.Net.NewInstance("flood.test", fedtest.Mastodon).NewActor("spam")
		post := func(a *fedtest.Actor, ip string, opts ...fedtest.PostOption) *http.Response {
			t.Helper()
			resp, err := a.Post(ctx, n.URL("/inbox"), a.Like("https://elsewhere.test/notes/1"), append(opts, fedtest.FromIP(ip))...)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}
		want := func(what string, resp *http.Response, status int) {
			t.Helper()
			if resp.StatusCode != status {
				t.Fatalf("%s: %d, want %d", what, resp.StatusCode, status)
			}
			if status == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
				t.Errorf("%s: 429 without Retry-After", what)
			}
		}

		// Junk spends the IP's budget, then is refused before any work.
		for i := range 3 {
			want("junk "+string(rune('1'+i)), post(flooder, shared, fedtest.Unsigned()), http.StatusUnauthorized)
		}
		want("junk over the IP's budget", post(flooder, shared, fedtest.Unsigned()), http.StatusTooManyRequests)
		want("junk with a bad signature over the IP's budget", post(flooder, shared, fedtest.BadSignature()), http.StatusUnauthorized)
		// The real server on that IP is held to its own budget only.
		for i := range 4 {
			want("good.test "+string(rune('1'+i)), post(bob, shared), http.StatusAccepted)
		}
		want("good.test over its own budget", post(bob, shared), http.StatusTooManyRequests)
		// A server flooding with valid signatures is refused by its own
		// budget (the bad signature above did not count against it).
		for i := range 4 {
			want("flood.test signed "+string(rune('1'+i)), post(flooder, shared), http.StatusAccepted)
		}
		want("flood.test over its budget", post(flooder, shared), http.StatusTooManyRequests)
		// Another address is not affected.
		want("junk from another address", post(flooder, other, fedtest.Unsigned()), http.StatusUnauthorized)
		// Two minutes later every budget has room again.
		clock.Advance(2 * time.Minute)
		want("good.test later", post(bob, shared), http.StatusAccepted)
		want("junk later", post(flooder, shared, fedtest.Unsigned()), http.StatusUnauthorized)
	})
}
