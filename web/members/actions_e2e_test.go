package members_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

// TestMemberActions: writing to the moderators, posting anonymously,
// reporting and leaving from the members' pages have the effects of their
// federated counterparts.
func TestMemberActions(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, alice, bob := s.Node, s.Alice(), s.Masto.NewActor("bob")
		s.Join(t, alice)
		s.Join(t, bob)
		c := newClient(t, n)
		signIn(t, c, alice, "@alice@"+webtest.MastodonHost)
		me := "/groups/" + webtest.ScenarioGroup + "/me"
		aliceRow, err := storage.RemoteActorByIRI(ctx, n.DB, alice.ID())
		if err != nil {
			t.Fatal(err)
		}

		// Modmail: opens a conversation; the answer comes by DM and shows.
		_, _, page := c.get(t, me+"/write")
		csrf := csrfOf(t, page)
		if status, _, body := c.post(t, me+"/write", url.Values{"csrf": {csrf}, "text": {"   "}}); status != http.StatusUnprocessableEntity || !strings.Contains(body, "Write your message first") {
			t.Errorf("empty modmail: %d", status)
		}
		if status, _, body := c.post(t, me+"/write", url.Values{"csrf": {csrf}, "text": {"Can I bring my <b>dog</b> to the seed swap?"}}); status != http.StatusSeeOther {
			t.Fatalf("modmail: %d\n%s", status, body)
		}
		conv, err := storage.ConversationOf(ctx, n.DB, s.Group.ID, aliceRow.ID)
		if err != nil {
			t.Fatalf("no conversation: %v", err)
		}
		if err := n.Fed.Community.Modmail.ReplyModmail(ctx, conv.ID, "Of course!", false, community.Staff{Name: "ada"}); err != nil {
			t.Fatal(err)
		}
		if err := n.Fed.Community.Modmail.ReplyModmail(ctx, conv.ID, "internal: she asked before", true, community.Staff{Name: "ada"}); err != nil {
			t.Fatal(err)
		}
		s.Masto.WaitFor(t, func(d fedtest.Delivery) bool {
			obj, _ := d.Activity["object"].(map[string]any)
			content, _ := obj["content"].(string)
			return strings.Contains(content, "Of course!")
		}, webtest.Wait)
		_, _, page = c.get(t, me+"/write")
		if !strings.Contains(page, "Can I bring my &lt;b&gt;dog&lt;/b&gt;") || !strings.Contains(page, "Of course!") || strings.Contains(page, "she asked before") {
			t.Errorf("conversation page:\n%s", page)
		}

		// Anonymous: to the queue, nothing sent to her server; forgotten
		// like one by DM.
		sent := outboxCount(t, n)
		_, _, page = c.get(t, me+"/anonymous")
		if !strings.Contains(page, "Your own server never sees this post") {
			t.Errorf("the anonymous form does not say her server never sees it")
		}
		if status, _, body := c.post(t, me+"/anonymous", url.Values{"csrf": {csrfOf(t, page)}, "text": {"I am struggling with my plot"}, "members_only": {"on"}}); status != http.StatusOK || !strings.Contains(body, "Nothing about it was sent to your own server") {
			t.Fatalf("anonymous: %d\n%s", status, body)
		}
		if after := outboxCount(t, n); after != sent {
			t.Errorf("posting anonymously sent %d activities", after-sent)
		}
		reqs, err := storage.ListAnonRequests(ctx, n.DB, s.Group.ID, storage.AnonPending)
		if err != nil || len(reqs) != 1 || reqs[0].ActorID != aliceRow.ID || !reqs[0].MembersOnly || reqs[0].IRI != "" {
			t.Fatalf("anonymous requests: %+v %v", reqs, err)
		}
		staff := community.Staff{Name: "ada"}
		if _, err := n.Fed.Community.Moderation.DecideAnonymous(ctx, reqs[0].ID, true, "", staff); err != nil {
			t.Fatal(err)
		}
		if err := n.Fed.Community.Moderation.ForgetAnonymous(ctx, reqs[0].ID, staff); err != nil {
			t.Fatal(err)
		}
		if r, err := storage.AnonRequestByID(ctx, n.DB, reqs[0].ID); err != nil || r.ActorID != "" {
			t.Errorf("after forgetting: %+v %v", r, err)
		}

		// Report bob's post, members-only or not.
		post := sendNote(t, s, bob, fedtest.Note{Content: "buy cheap seeds at spam.example"})
		ps, _ := storage.PostsByIRI(ctx, n.DB, post)
		_, _, page = c.get(t, me+"/report/"+ps[0].ID)
		if status, _, _ := c.post(t, me+"/report/"+ps[0].ID, url.Values{"csrf": {csrfOf(t, page)}, "reason": {"made up"}}); status != http.StatusUnprocessableEntity {
			t.Errorf("report with an unknown reason: %d", status)
		}
		if status, _, body := c.post(t, me+"/report/"+ps[0].ID, url.Values{"csrf": {csrfOf(t, page)}, "reason": {"Spam"}, "note": {"again"}}); status != http.StatusOK {
			t.Fatalf("report: %d\n%s", status, body)
		}
		reports, err := storage.ListReports(ctx, n.DB, storage.ReportOpen, []string{s.Group.ID}, 10)
		if err != nil || len(reports) != 1 || reports[0].ReporterIRI != alice.ID() || reports[0].TargetIRI != bob.ID() || reports[0].Reason != "Spam: again" {
			t.Errorf("reports: %+v %v", reports, err)
		}

		// RSVP to a members-only event: on the list, confirmed by DM, and
		// off again.
		start := time.Now().Add(48 * time.Hour)
		ev, err := n.Fed.Community.Events.PublishEvent(ctx, webtest.ScenarioGroup, community.EventInput{
			Title: "Shed meeting", Start: start, End: start.Add(time.Hour), Timezone: "UTC", PlaceName: "The shed", MembersOnly: true,
		}, staff)
		if err != nil {
			t.Fatal(err)
		}
		_, _, page = c.get(t, me+"/events")
		if !strings.Contains(page, "Shed meeting") {
			t.Fatalf("events page:\n%s", page)
		}
		if status, _, body := c.post(t, me+"/events/"+ev.ID+"/rsvp", url.Values{"csrf": {csrfOf(t, page)}, "answer": {"going"}}); status != http.StatusOK || !strings.Contains(body, "You are going") {
			t.Fatalf("going: %d\n%s", status, body)
		}
		if a, err := storage.AttendeeOf(ctx, n.DB, ev.ID, aliceRow.ID); err != nil || a.Via != storage.AttendViaMembersPages {
			t.Errorf("attendee: %+v %v", a, err)
		}
		s.Masto.WaitFor(t, func(d fedtest.Delivery) bool {
			obj, _ := d.Activity["object"].(map[string]any)
			content, _ := obj["content"].(string)
			return strings.Contains(content, "on the list for Shed meeting")
		}, webtest.Wait)
		if status, _, body := c.post(t, me+"/events/"+ev.ID+"/rsvp", url.Values{"csrf": {csrfOf(t, page)}, "answer": {"maybe"}}); status != http.StatusOK || !strings.Contains(body, "You said maybe.") {
			t.Errorf("maybe: %d\n%s", status, body)
		}
		if _, err := storage.AttendeeOf(ctx, n.DB, ev.ID, aliceRow.ID); err == nil {
			t.Errorf("on the list after maybe")
		}
		if maybe, err := storage.IsEventMaybe(ctx, n.DB, ev.ID, aliceRow.ID); err != nil || !maybe {
			t.Errorf("maybe not recorded: %v %v", maybe, err)
		}
		if status, _, _ := c.post(t, me+"/events/"+ev.ID+"/rsvp", url.Values{"csrf": {csrfOf(t, page)}, "answer": {"not going"}}); status != http.StatusOK {
			t.Errorf("not going: %d", status)
		}
		if maybe, _ := storage.IsEventMaybe(ctx, n.DB, ev.ID, aliceRow.ID); maybe {
			t.Errorf("still maybe after not going")
		}
		if status, _, _ := c.post(t, me+"/events/"+ev.ID+"/rsvp", url.Values{"csrf": {csrfOf(t, page)}, "answer": {"perhaps"}}); status != http.StatusUnprocessableEntity {
			t.Errorf("an unknown answer: %d, want 422", status)
		}

		// Her private calendar: the members-only event, at a secret
		// address that a new link replaces and "off" ends.
		calURL := regexp.MustCompile(`<code id="calendar-url">([^<]+)</code>`)
		makeLink := func() string {
			t.Helper()
			_, _, page := c.get(t, me+"/events")
			status, _, body := c.post(t, me+"/calendar", url.Values{"csrf": {csrfOf(t, page)}, "action": {"new"}})
			m := calURL.FindStringSubmatch(body)
			if status != http.StatusOK || m == nil {
				t.Fatalf("calendar link: %d\n%s", status, body)
			}
			return html.UnescapeString(m[1])
		}
		first := makeLink()
		resp, cal := newClient(t, n).getResp(t, strings.TrimPrefix(first, "http://"+webtest.Host))
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") ||
			!strings.Contains(cal, "SUMMARY:Shed meeting") || !strings.Contains(cal, "For members only.") {
			t.Errorf("calendar: %d\n%s", resp.StatusCode, cal)
		}
		if _, _, page := c.get(t, me+"/events"); strings.Contains(page, first) {
			t.Errorf("the calendar address is shown again")
		}
		second := makeLink()
		if status, _, _ := newClient(t, n).get(t, strings.TrimPrefix(first, "http://"+webtest.Host)); status != http.StatusNotFound {
			t.Errorf("the replaced calendar link: %d, want 404", status)
		}
		if status, _, _ := newClient(t, n).get(t, strings.TrimPrefix(second, "http://"+webtest.Host)); status != http.StatusOK {
			t.Errorf("the new calendar link: %d", status)
		}
		_, _, page = c.get(t, me+"/events")
		if status, _, _ := c.post(t, me+"/calendar", url.Values{"csrf": {csrfOf(t, page)}, "action": {"off"}}); status != http.StatusOK {
			t.Errorf("calendar off: %d", status)
		}
		if status, _, _ := newClient(t, n).get(t, strings.TrimPrefix(second, "http://"+webtest.Host)); status != http.StatusNotFound {
			t.Errorf("the calendar link after turning it off: %d, want 404", status)
		}

		// A members-only poll: her vote, once, federated like a vote from
		// her server.
		pollPost, err := n.Fed.Community.Posting.PublishPoll(ctx, webtest.ScenarioGroup, community.PollInput{
			Question: "Which day for the work party?", Options: []string{"Saturday", "Sunday"}, Closes: time.Now().Add(time.Hour), MembersOnly: true,
		}, staff)
		if err != nil {
			t.Fatal(err)
		}
		poll, err := storage.PollByPost(ctx, n.DB, pollPost.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, _, page = c.get(t, me+"/polls")
		if !strings.Contains(page, "Which day for the work party?") {
			t.Fatalf("polls page:\n%s", page)
		}
		sunday := poll.Options[1].ID
		if status, _, body := c.post(t, me+"/polls/"+poll.ID+"/vote", url.Values{"csrf": {csrfOf(t, page)}, "option": {sunday}}); status != http.StatusOK || !strings.Contains(body, "(your vote)") {
			t.Fatalf("vote: %d\n%s", status, body)
		}
		if p, err := storage.PollByID(ctx, n.DB, poll.ID); err != nil || p.VotersCount != 1 || p.Options[1].VotesCount != 1 || p.Options[0].VotesCount != 0 {
			t.Errorf("counts after her vote: %+v %v", p, err)
		}
		s.Masto.WaitFor(t, func(d fedtest.Delivery) bool {
			obj, _ := d.Activity["object"].(map[string]any)
			return d.Type() == "Update" && obj != nil && obj["type"] == "Question" && obj["votersCount"] == float64(1)
		}, webtest.Wait)
		// While the poll is open she may change her vote: it replaces the
		// first (still one voter), and the new counts go out.
		_, _, page = c.get(t, me+"/polls")
		if !strings.Contains(page, `id="vote-`+poll.ID+`">Change your vote`) || !strings.Contains(page, `value="`+sunday+`" checked`) {
			t.Errorf("no form to change her vote, with her choice ticked:\n%s", page)
		}
		saturday := poll.Options[0].ID
		if status, _, body := c.post(t, me+"/polls/"+poll.ID+"/vote", url.Values{"csrf": {csrfOf(t, page)}, "option": {saturday}}); status != http.StatusOK || !strings.Contains(body, "Your vote is changed.") {
			t.Errorf("change her vote: %d\n%s", status, body)
		}
		if p, err := storage.PollByID(ctx, n.DB, poll.ID); err != nil || p.VotersCount != 1 || p.Options[0].VotesCount != 1 || p.Options[1].VotesCount != 0 {
			t.Errorf("counts after changing her vote: %+v %v", p, err)
		}
		s.Masto.WaitFor(t, func(d fedtest.Delivery) bool {
			obj, _ := d.Activity["object"].(map[string]any)
			if d.Type() != "Update" || obj == nil || obj["type"] != "Question" {
				return false
			}
			opts, _ := obj["oneOf"].([]any)
			for _, o := range opts {
				o, _ := o.(map[string]any)
				replies, _ := o["replies"].(map[string]any)
				if o["name"] == "Saturday" && replies["totalItems"] == float64(1) {
					return true
				}
			}
			return false
		}, webtest.Wait)
		if status, _, _ := c.post(t, me+"/polls/"+poll.ID+"/vote", url.Values{"csrf": {csrfOf(t, page)}, "option": {saturday, sunday}}); status != http.StatusUnprocessableEntity {
			t.Errorf("two answers in a single-choice poll: %d, want 422", status)
		}
		// A vote her server sent stays as sent (servers never change a
		// vote, and hers would go on showing the first): bob, who voted
		// from his account, cannot change it here, and a second vote from
		// his server is still ignored.
		vote := bob.Vote(pollPost.IRI, s.GroupIRI, "Sunday")
		s.Send(t, bob, vote)
		if p := n.WaitProcessed(t, vote["id"].(string)); p.Err != nil || p.Dropped != "" {
			t.Fatalf("bob's vote: %v %s", p.Err, p.Dropped)
		}
		bc := newClient(t, n)
		signIn(t, bc, bob, "@bob@"+webtest.MastodonHost)
		_, _, bpage := bc.get(t, me+"/polls")
		if !strings.Contains(bpage, "You voted from your own account") || strings.Contains(bpage, `id="vote-`+poll.ID+`"`) {
			t.Errorf("bob's polls page:\n%s", bpage)
		}
		_, _, writePage := bc.get(t, me+"/write") // his form token
		if status, _, body := bc.post(t, me+"/polls/"+poll.ID+"/vote", url.Values{"csrf": {csrfOf(t, writePage)}, "option": {saturday}}); status != http.StatusUnprocessableEntity || !strings.Contains(body, "You voted from your own account") {
			t.Errorf("bob changing his server's vote: %d\n%s", status, body)
		}
		again := bob.Vote(pollPost.IRI, s.GroupIRI, "Saturday")
		s.Send(t, bob, again)
		if p := n.WaitProcessed(t, again["id"].(string)); p.Err != nil || p.Dropped == "" {
			t.Errorf("bob's second vote from his server: %v %q, want it dropped", p.Err, p.Dropped)
		}
		if p, err := storage.PollByID(ctx, n.DB, poll.ID); err != nil || p.VotersCount != 2 || p.Options[0].VotesCount != 1 || p.Options[1].VotesCount != 1 {
			t.Errorf("counts after bob's votes: %+v %v", p, err)
		}

		// Leave: the membership ends, her server gets a Reject of her
		// Follow, her sessions end.
		_, _, page = c.get(t, me+"/leave")
		if status, _, body := c.post(t, me+"/leave", url.Values{"csrf": {csrfOf(t, page)}}); status != http.StatusOK || !strings.Contains(body, "You have left") {
			t.Fatalf("leave: %d\n%s", status, body)
		}
		if st, err := n.Fed.Community.Members.StandingOf(ctx, s.Group.ID, aliceRow.ID); err != nil || st != community.NotAMember {
			t.Errorf("standing after leaving: %v %v", st, err)
		}
		s.Masto.WaitFor(t, func(d fedtest.Delivery) bool {
			inner, _ := d.Activity["object"].(map[string]any)
			return d.Type() == "Reject" && inner != nil && inner["type"] == "Follow" && inner["actor"] == alice.ID()
		}, webtest.Wait)
		if status, _, _ := c.get(t, me); status != http.StatusSeeOther {
			t.Errorf("signed in after leaving: %d", status)
		}
	})
}

// TestReportMember: a member reports another member — from the directory,
// or by the link beside a post's author — with a reason and an optional
// note; the report lands in the reports staff see, naming the reported
// account. Nobody outside the group, and not oneself, can be reported.
func TestReportMember(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, alice, bob, carol, eve := s.Node, s.Alice(), s.Masto.NewActor("bob"), s.Masto.NewActor("carol"), s.Masto.NewActor("eve")
		for _, a := range []*fedtest.Actor{alice, bob, carol, eve} {
			s.Join(t, a)
		}
		row := func(a *fedtest.Actor) *storage.RemoteActor {
			t.Helper()
			r, err := storage.RemoteActorByIRI(ctx, n.DB, a.ID())
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		aliceRow, bobRow, carolRow, eveRow := row(alice), row(bob), row(carol), row(eve)
		for _, r := range []*storage.RemoteActor{aliceRow, bobRow} {
			if err := n.Fed.Community.Members.SaveMemberSettings(ctx, s.Group.ID, r.ID, community.MemberSettingsInput{InDirectory: true}); err != nil {
				t.Fatal(err)
			}
		}
		if err := n.Fed.Community.Members.LeaveGroup(ctx, s.Group.ID, eveRow.ID); err != nil {
			t.Fatal(err)
		}
		c := newClient(t, n)
		signIn(t, c, alice, "@alice@"+webtest.MastodonHost)
		me := "/groups/" + webtest.ScenarioGroup + "/me"
		reportOf := func(id string) string { return me + "/members/" + id + "/report" }

		// From the directory: a link for bob, none for herself.
		_, _, dir := c.get(t, me+"/directory")
		if !strings.Contains(dir, `href="`+reportOf(bobRow.ID)+`"`) || strings.Contains(dir, reportOf(aliceRow.ID)) {
			t.Errorf("directory's report links:\n%s", dir)
		}
		status, _, page := c.get(t, reportOf(bobRow.ID))
		if status != http.StatusOK || !strings.Contains(page, "@bob@"+webtest.MastodonHost) || !strings.Contains(page, "Report a member") {
			t.Fatalf("report form: %d\n%s", status, page)
		}
		csrf := csrfOf(t, page)
		if status, _, body := c.post(t, reportOf(bobRow.ID), url.Values{"csrf": {csrf}, "reason": {"made up"}, "note": {"keeps it"}}); status != http.StatusUnprocessableEntity ||
			!strings.Contains(body, "Choose a reason") || !strings.Contains(body, "keeps it") {
			t.Errorf("report with an unknown reason: %d\n%s", status, body)
		}
		if status, _, body := c.post(t, reportOf(bobRow.ID), url.Values{"csrf": {csrf}, "reason": {"Harassment or hate"}, "note": {"  sends me rude DMs  "}}); status != http.StatusOK ||
			!strings.Contains(body, "The moderators have your report") {
			t.Fatalf("report bob: %d\n%s", status, body)
		}
		// A member not listed in the directory can be reported too (from
		// the link beside their posts).
		if status, _, body := c.post(t, reportOf(carolRow.ID), url.Values{"csrf": {csrf}, "reason": {"Spam"}}); status != http.StatusOK {
			t.Fatalf("report carol: %d\n%s", status, body)
		}
		reports, err := storage.ListReports(ctx, n.DB, storage.ReportOpen, []string{s.Group.ID}, 10)
		if err != nil || len(reports) != 2 {
			t.Fatalf("reports: %+v %v", reports, err)
		}
		got := map[string]storage.Report{}
		for _, r := range reports {
			got[r.TargetIRI] = r
		}
		if r := got[bob.ID()]; r.ReporterIRI != alice.ID() || r.Reason != "Harassment or hate: sends me rude DMs" || r.ObjectIRIs != "[]" {
			t.Errorf("report of bob: %+v", r)
		}
		if r := got[carol.ID()]; r.ReporterIRI != alice.ID() || r.Reason != "Spam" {
			t.Errorf("report of carol: %+v", r)
		}

		// Not herself, not someone who is no member (eve left without
		// posting), not an unknown id.
		if status, _, _ := c.post(t, reportOf(aliceRow.ID), url.Values{"csrf": {csrf}, "reason": {"Spam"}}); status != http.StatusUnprocessableEntity {
			t.Errorf("report herself: %d, want 422", status)
		}
		for _, id := range []string{eveRow.ID, "nobody"} {
			if status, _, _ := c.get(t, reportOf(id)); status != http.StatusNotFound {
				t.Errorf("report form for %s: %d, want 404", id, status)
			}
			if status, _, _ := c.post(t, reportOf(id), url.Values{"csrf": {csrf}, "reason": {"Spam"}}); status != http.StatusNotFound {
				t.Errorf("report %s: %d, want 404", id, status)
			}
		}
		if reports, _ := storage.ListReports(ctx, n.DB, storage.ReportOpen, []string{s.Group.ID}, 10); len(reports) != 2 {
			t.Errorf("%d reports after the refused ones, want 2", len(reports))
		}

		// Beside a post's author: a link to report them.
		post := sendNote(t, s, bob, fedtest.Note{Content: "a public note from bob"})
		ps, err := storage.PostsByIRI(ctx, n.DB, post)
		if err != nil || len(ps) == 0 {
			t.Fatalf("bob's post: %v", err)
		}
		if _, _, page := c.get(t, me+"/report/"+ps[0].ID); !strings.Contains(page, `href="`+reportOf(bobRow.ID)+`"`) {
			t.Errorf("no link to report the post's author:\n%s", page)
		}
	})
}
