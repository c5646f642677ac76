package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// dm has a remote account send the group a direct message.
func (n *node) dm(a *fedtest.Actor, group, text string) map[string]any {
	n.t.Helper()
	groupIRI := n.fed.GroupIRI(group)
	note := a.CreateNote(fedtest.Note{Content: "<p>@" + group + " " + text + "</p>", Visibility: fedtest.VisibilityDirect,
		Mentions: []fedtest.Mention{{Href: groupIRI, Name: "@" + group + "@" + webtest.Host}}})
	n.send(a, groupIRI, note)
	return note
}

// isDMTo tells whether a delivery is a direct Create{Note} from the group
// to actor (not public, not to the followers).
func isDMTo(actor string, contains string) func(fedtest.Delivery) bool {
	return func(d fedtest.Delivery) bool {
		body := string(d.Body)
		return d.Type() == "Create" && d.ObjectType() == "Note" && strings.Contains(body, contains) &&
			strings.Contains(body, actor) && !strings.Contains(body, fedtest.Public) && !strings.Contains(body, "/followers")
	}
}

func TestSafetySettings(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()

		res := owner.get("/admin/groups/gardeners/edit")
		wantBody(t, "settings form", res, `id="f-join_questions"`, `name="max_group_mentions" type="number" value="0"`, `href="/admin/groups/gardeners/trust"`,
			`id="f-review_keywords"`, `name="feedback_dms"`)

		valid := func() url.Values {
			return url.Values{
				"csrf": {csrf}, "title": {"Gardeners"}, "join": {"closed"}, "posting": {"members"},
				"join_questions": {"Which plot is yours?"}, "feedback_dms": {"on"},
				"max_group_mentions": {"2"}, "min_account_age_days": {"7"}, "review_keywords": {"watches\r\n  crypto  \r\n\r\n"},
			}
		}
		for _, tc := range []struct {
			name, field, value, msg string
		}{
			{"mentions negative", "max_group_mentions", "-1", "from 0 (no limit) to 20"},
			{"mentions not a number", "max_group_mentions", "two", "from 0 (no limit) to 20"},
			{"mentions too high", "max_group_mentions", "21", "from 0 (no limit) to 20"},
			{"account age too high", "min_account_age_days", "366", "from 0 (off) to 365"},
			{"too many keywords", "review_keywords", strings.Repeat("spam\n", 201), "Keep the list to 200 keywords"},
			{"keyword too long", "review_keywords", strings.Repeat("x", 101), "Keep each keyword to 100 characters"},
			{"questions too long", "join_questions", strings.Repeat("?", 5001), "Keep the questions to 5000 characters"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := valid()
				f.Set(tc.field, tc.value)
				res := owner.post("/admin/groups/gardeners/edit", f)
				wantStatus(t, "invalid safety settings", res, http.StatusUnprocessableEntity)
				wantBody(t, "invalid safety settings", res, `id="f-`+tc.field+`-error"`, tc.msg)
				// What was typed stays, in the wrong field too.
				for field, kept := range map[string]string{
					"max_group_mentions": `name="max_group_mentions" type="number" value="2"`, "min_account_age_days": `value="7"`,
					"join_questions": "Which plot is yours?</textarea>",
				} {
					if field != tc.field {
						wantBody(t, "typed values kept", res, kept)
					}
				}
				if strings.HasSuffix(tc.field, "_posts") || strings.HasSuffix(tc.field, "_days") || strings.HasSuffix(tc.field, "_mentions") {
					wantBody(t, "typed value kept", res, `value="`+tc.value+`"`)
				}
			})
		}
		if g := mustGroup(t, db, "gardeners"); g.MaxGroupMentions != 0 || g.JoinQuestions != "" {
			t.Fatalf("refused settings were saved: %+v", g)
		}
		wantStatus(t, "save", owner.post("/admin/groups/gardeners/edit", valid()), http.StatusSeeOther)
		g := mustGroup(t, db, "gardeners")
		if g.JoinQuestions != "Which plot is yours?" || !g.FeedbackDMs || g.MaxGroupMentions != 2 ||
			g.MinAccountAgeDays != 7 || g.ReviewKeywords != "watches\ncrypto" {
			t.Errorf("saved %+v", g)
		}
		// Unchecked is off; empty numbers are 0.
		f := valid()
		f.Del("feedback_dms")
		f.Set("max_group_mentions", "")
		wantStatus(t, "save again", owner.post("/admin/groups/gardeners/edit", f), http.StatusSeeOther)
		if g := mustGroup(t, db, "gardeners"); g.FeedbackDMs || g.MaxGroupMentions != 0 {
			t.Errorf("saved %+v", g)
		}
	})
}

func TestJoinAnswers(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		n := newNode(t, sc)
		owner := n.setup("gardeners")
		n.setGroup("gardeners", func(g *storage.Group) { g.Closed, g.JoinQuestions = true, "Which plot is *yours*?" })
		masto := sc.Masto
		dora := n.member(masto, "dora", "gardeners")
		n.member(masto, "eve", "gardeners")
		masto.WaitFor(t, isDMTo(dora.ID(), "Which plot is"), wait)
		n.dm(dora, "gardeners", "Plot 12 <b>by the gate</b>")

		res := owner.get("/admin/groups/gardeners/requests")
		wantStatus(t, "requests", res, http.StatusOK)
		wantBody(t, "requests", res, "Their answer to the join questions", "Plot 12 by the gate", "No answer to the join questions yet")
		if strings.Contains(res.body, "<b>by the gate") {
			t.Error("the answer's markup reached the page")
		}
	})
}

func TestModmail(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		g := mustGroup(t, db, "gardeners")
		n.group("knitters")
		n.staff("gus", storage.RoleModerator, "gardeners")
		masto := sc.Masto
		alice := sc.Alice()
		alice.SetProfile(fedtest.Profile{Name: "Alice Allotment"})
		n.send(alice, n.fed.GroupIRI("gardeners"), alice.Follow(n.fed.GroupIRI("gardeners")))
		n.dm(alice, "gardeners", "Hi mods, can I host the next meet-up?")

		cs, err := storage.ListConversations(ctx, db, g.ID, storage.ConversationOpen, 10)
		if err != nil || len(cs) != 1 {
			t.Fatalf("conversations = %d, %v", len(cs), err)
		}
		c := cs[0]
		base := "/admin/groups/gardeners/modmail/" + c.ID

		res := owner.get("/admin/groups/gardeners/modmail")
		wantStatus(t, "modmail", res, http.StatusOK)
		wantBody(t, "modmail", res, "Alice Allotment", "@alice@mastodon.test", "Last message", `href="`+base+`"`,
			`/modmail"`, `aria-current="page">Modmail <span class="badge">1<`)
		res = owner.get(base)
		wantStatus(t, "conversation", res, http.StatusOK)
		wantBody(t, "conversation", res, "can I host the next meet-up?", `class="message incoming"`, `<option value="gus">gus</option>`)

		// Bad input keeps what was typed, beside the form it came from.
		res = owner.post(base+"/reply", url.Values{"csrf": {csrf}, "body": {"   "}})
		wantStatus(t, "empty reply", res, http.StatusUnprocessableEntity)
		wantBody(t, "empty reply", res, `id="f-body-error"`, "Write a message first")
		res = owner.post(base+"/note", url.Values{"csrf": {csrf}, "note": {strings.Repeat("n", 5001)}})
		wantStatus(t, "long note", res, http.StatusUnprocessableEntity)
		wantBody(t, "long note", res, `id="f-note-error"`, "Keep the message to 5000 characters", strings.Repeat("n", 5001)+"</textarea>")
		res = owner.post(base+"/assign", url.Values{"csrf": {csrf}, "assign": {"mallory"}})
		wantStatus(t, "assign to a stranger", res, http.StatusUnprocessableEntity)
		wantBody(t, "assign to a stranger", res, `id="f-assign-error"`, "Choose the owner or one of the group")

		// The answer reaches Alice's server as a DM from the group.
		res = owner.post(base+"/reply", url.Values{"csrf": {csrf}, "body": {"Yes please, **Saturday** works."}})
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.location, base+"?done=replied") {
			t.Fatalf("reply: %d %q\n%s", res.status, res.location, res.body)
		}
		masto.WaitFor(t, isDMTo(alice.ID(), "<strong>Saturday</strong>"), wait)
		wantStatus(t, "note", owner.post(base+"/note", url.Values{"csrf": {csrf}, "note": {"She hosted in *May* too"}}), http.StatusSeeOther)
		wantStatus(t, "assign", owner.post(base+"/assign", url.Values{"csrf": {csrf}, "assign": {"gus"}}), http.StatusSeeOther)
		res = owner.get(base)
		wantBody(t, "conversation", res, `class="message outgoing"`, "(sent by olive)", `class="message internal"`, "Internal note",
			"She hosted in <em>May</em> too", `<option value="gus" selected>gus</option>`)
		if strings.Index(res.body, "meet-up?") > strings.Index(res.body, "Saturday") || strings.Index(res.body, "Saturday") > strings.Index(res.body, "hosted in") {
			t.Error("messages are not in order")
		}
		for _, d := range masto.Received() {
			if strings.Contains(string(d.Body), "hosted in") {
				t.Error("an internal note left the node")
			}
		}
		wantBody(t, "list", owner.get("/admin/groups/gardeners/modmail"), "assigned to gus")

		// Close, then reopen; a conversation of another group is not found.
		res = owner.post(base+"/close", url.Values{"csrf": {csrf}})
		if res.location != "/admin/groups/gardeners/modmail?done=closed" {
			t.Fatalf("close: %d %q", res.status, res.location)
		}
		wantBody(t, "open list", owner.get("/admin/groups/gardeners/modmail"), "No open conversations")
		wantBody(t, "closed list", owner.get("/admin/groups/gardeners/modmail?state=closed"), "Alice Allotment")
		wantStatus(t, "reopen", owner.post(base+"/reopen", url.Values{"csrf": {csrf}}), http.StatusSeeOther)
		wantBody(t, "reopened", owner.get(base), `state-open`)
		wantStatus(t, "through another group", owner.get("/admin/groups/knitters/modmail/"+c.ID), http.StatusNotFound)
		wantStatus(t, "unknown", owner.get("/admin/groups/gardeners/modmail/"+storage.NewID()), http.StatusNotFound)
	})
}

func TestAnonymous(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		g := mustGroup(t, db, "gardeners")
		n.group("knitters")
		masto := sc.Masto
		alice := n.member(masto, "alice", "gardeners")
		n.dm(alice, "gardeners", "anon: I feel lonely at meet-ups")
		n.dm(alice, "gardeners", "anon: Buy my watches")
		reqs, err := storage.ListAnonRequests(ctx, db, g.ID, storage.AnonPending)
		if err != nil || len(reqs) != 2 {
			t.Fatalf("requests = %d, %v", len(reqs), err)
		}
		lonely, spam := reqs[0], reqs[1]
		base := "/admin/groups/gardeners/anonymous/"

		res := owner.get("/admin/groups/gardeners/anonymous")
		wantStatus(t, "anonymous", res, http.StatusOK)
		wantBody(t, "anonymous", res, "I feel lonely at meet-ups", "Buy my watches", "Who sent it", "@alice@mastodon.test",
			`Anonymous <span class="badge">2<`)

		wantStatus(t, "long reason", owner.post(base+spam.ID+"/reject", url.Values{"csrf": {csrf}, "reason": {strings.Repeat("r", 1001)}}), http.StatusUnprocessableEntity)
		wantStatus(t, "forget before deciding", owner.post(base+lonely.ID+"/forget", url.Values{"csrf": {csrf}}), http.StatusConflict)
		res = owner.post(base+lonely.ID+"/approve", url.Values{"csrf": {csrf}})
		if res.location != "/admin/groups/gardeners/anonymous?done=anon-ok" {
			t.Fatalf("approve: %d %q\n%s", res.status, res.location, res.body)
		}
		create := masto.WaitFor(t, func(d fedtest.Delivery) bool {
			return d.Type() == "Create" && strings.Contains(string(d.Body), "I feel lonely at meet-ups")
		}, wait)
		if strings.Contains(string(create.Body), "alice") {
			t.Errorf("the anonymous post names its author: %s", create.Body)
		}
		// Rejecting asks first, and nothing happens until confirmed.
		wantBody(t, "reject without confirming", owner.post(base+spam.ID+"/reject", url.Values{"csrf": {csrf}, "reason": {"selling"}}),
			"Reject this anonymous post?", `name="reason" value="selling"`, "Reject it")
		if r, _ := storage.AnonRequestByID(ctx, db, spam.ID); r.State != storage.AnonPending {
			t.Fatalf("an unconfirmed rejection decided the request: %s", r.State)
		}
		res = owner.post(base+spam.ID+"/reject", url.Values{"csrf": {csrf}, "reason": {"selling"}, "confirm": {"yes"}})
		if res.location != "/admin/groups/gardeners/anonymous?done=anon-no" {
			t.Fatalf("reject: %d %q", res.status, res.location)
		}
		wantBody(t, "rejected", owner.get(res.location), "Rejected: the post is not published.")
		res = owner.post(base+spam.ID+"/approve", url.Values{"csrf": {csrf}})
		if res.location != "/admin/groups/gardeners/anonymous?done=decided" {
			t.Errorf("decide twice: %d %q", res.status, res.location)
		}
		res = owner.get("/admin/groups/gardeners/anonymous")
		wantBody(t, "decided", res, "No anonymous posts are waiting", "<strong>Published</strong>", "see the post", "<strong>Rejected</strong>", "selling", "Forget who sent it")

		wantBody(t, "forget without confirming", owner.post(base+lonely.ID+"/forget", url.Values{"csrf": {csrf}}),
			"Forget who sent this anonymous post?", "This cannot be undone.")
		res = owner.post(base+lonely.ID+"/forget", url.Values{"csrf": {csrf}, "confirm": {"yes"}})
		if res.location != "/admin/groups/gardeners/anonymous?done=forgotten" {
			t.Fatalf("forget: %d %q", res.status, res.location)
		}
		if r, _ := storage.AnonRequestByID(ctx, db, lonely.ID); r.ActorID != "" || r.Actor != nil {
			t.Errorf("the sender is still known: %+v", r)
		}
		wantBody(t, "forgotten", owner.get("/admin/groups/gardeners/anonymous"), "Nobody can tell who sent it any more")
		wantBody(t, "log", owner.get("/admin/groups/gardeners/log"), "published an anonymous post", "forgot who sent the anonymous post")
		wantStatus(t, "through another group", owner.post("/admin/groups/knitters/anonymous/"+spam.ID+"/forget", url.Values{"csrf": {csrf}}), http.StatusNotFound)
	})
}

func TestServerTrust(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		for _, tc := range []struct{ name, domain, level, field, msg string }{
			{"empty", "", "trusted", "trust_domain", "Type the server"},
			{"handle", "bob@friendly.test", "trusted", "trust_domain", "This is not a domain"},
			{"unknown level", "friendly.test", "blocked", "level", "Choose trusted, normal or review"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := owner.post("/admin/domain-blocks/trust", url.Values{"csrf": {csrf}, "trust_domain": {tc.domain}, "level": {tc.level}})
				wantStatus(t, "invalid trust", res, http.StatusUnprocessableEntity)
				wantBody(t, "invalid trust", res, `id="f-`+tc.field+`-error"`, tc.msg)
			})
		}
		wantStatus(t, "trust", owner.post("/admin/domain-blocks/trust", url.Values{"csrf": {csrf}, "trust_domain": {"https://Friendly.test/"}, "level": {"trusted"}}), http.StatusSeeOther)
		wantStatus(t, "review", owner.post("/admin/domain-blocks/trust", url.Values{"csrf": {csrf}, "trust_domain": {"noisy.test"}, "level": {"review"}}), http.StatusSeeOther)
		if lvl, _ := storage.TrustOf(ctx, db, "friendly.test"); lvl != storage.TrustTrusted {
			t.Errorf("friendly.test: %s", lvl)
		}
		res := owner.get("/admin/domain-blocks")
		wantBody(t, "trust list", res, `<th scope="row">friendly.test</th>`, `<td data-label="Trust">trusted</td>`, `<th scope="row">noisy.test</th>`, `<td data-label="Trust">review</td>`, "trusts the server")
		wantStatus(t, "normal", owner.post("/admin/domain-blocks/trust", url.Values{"csrf": {csrf}, "trust_domain": {"noisy.test"}, "level": {"normal"}}), http.StatusSeeOther)
		if ts, _ := storage.ListDomainTrust(ctx, db); len(ts) != 1 {
			t.Errorf("trust entries = %v", ts)
		}
	})
}
