package members_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// TestMyLevel: a member sees their level and how levels are earned; their
// level shows in the directory only once they choose so, on the page or by
// the DM command "level on".
func TestMyLevel(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, alice := s.Node, s.Alice()
		s.Join(t, alice)
		a, err := storage.RemoteActorByIRI(ctx, n.DB, alice.ID())
		if err != nil {
			t.Fatal(err)
		}
		if err := storage.SetLevel(ctx, n.DB, time.Now(), s.Group.ID, a.ID, storage.LevelRegular, false); err != nil {
			t.Fatal(err)
		}
		if err := storage.SetInDirectory(ctx, n.DB, time.Now(), s.Group.ID, a.ID, true); err != nil {
			t.Fatal(err)
		}
		c := newClient(t, n)
		signIn(t, c, alice, "@alice@"+webtest.MastodonHost)
		me := "/groups/" + webtest.ScenarioGroup + "/me"
		_, _, page := c.get(t, me)
		for _, want := range []string{"Your level: regular", "You become a member with 1 approved post", `id="show-level"`} {
			if !strings.Contains(page, want) {
				t.Errorf("my page lacks %q", want)
			}
		}
		if _, _, dir := c.get(t, me+"/directory"); strings.Contains(dir, `class="tag level"`) {
			t.Error("the level shows in the directory before alice chose so")
		}
		if status, _, body := c.post(t, me+"/level", url.Values{"csrf": {csrfOf(t, page)}, "show": {"on"}}); status != http.StatusSeeOther {
			t.Fatalf("show level: %d\n%s", status, body)
		}
		if _, _, dir := c.get(t, me+"/directory"); !strings.Contains(dir, `<span class="tag level">regular</span>`) {
			t.Errorf("the level is not in the directory:\n%s", dir)
		}
		// "level off" by DM hides it again.
		sendNote(t, s, alice, fedtest.Note{Content: "@" + webtest.ScenarioGroup + " level off", Visibility: fedtest.VisibilityDirect})
		if ml, _ := storage.MemberLevelOf(ctx, n.DB, s.Group.ID, a.ID); ml.ShowInDirectory || ml.Level != storage.LevelRegular {
			t.Errorf("after level off: %+v", ml)
		}
	})
}
