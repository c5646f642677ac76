package admin_test

import (
	"net/http"
	"testing"

	"github.com/kith-social/kith/web/webtest"
)

// Before staff write a welcome message the form suggests one that tells
// new members how to post, anon:, intro, directory on, report: and modmail.
func TestWelcomeMessageStartsWithADefault(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		n := newNode(t, sc)
		owner := n.setup("gardeners")
		res := owner.get("/admin/groups/gardeners/belonging")
		wantStatus(t, "belonging", res, http.StatusOK)
		wantBody(t, "belonging", res, "Welcome to {group}, {name}!", "mentions {handle}", "anon: your text",
			"intro", "directory on", "report: the reason", "reaches the moderators")
	})
}
