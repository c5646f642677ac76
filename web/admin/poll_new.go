package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kith-social/kith/federation/community"
)

// pollFormPage is the poll form.
type pollFormPage struct {
	Nav     groupNav
	Options []int // indexes of the option inputs
	Zones   []zoneOption
}

func (a *Admin) renderPollForm(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	ctx := r.Context()
	nav, err := a.nav(ctx, "posts")
	if err != nil {
		return err
	}
	data := pollFormPage{Nav: nav, Zones: zoneOptions(a.now())}
	for i := range community.MaxPollOptions {
		data.Options = append(data.Options, i)
	}
	return a.render(w, r, status, "poll_form", &page{Title: "New poll", Nav: "groups", Form: f, Data: data})
}

func (a *Admin) pollNewForm(w http.ResponseWriter, r *http.Request) error {
	f := newForm(nil)
	f.values.Set("choice", "single")
	f.values.Set("audience", "public")
	f.values.Set("tz", "UTC")
	f.values.Set("closes", a.now().UTC().Add(72*time.Hour).Format(localLayout))
	return a.renderPollForm(w, r, http.StatusOK, f)
}

// pollCreate publishes a poll as the group (a Question), now or at the
// time chosen.
func (a *Admin) pollCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	in := community.PollInput{Question: f.Raw("question"), Multiple: f.Get("choice") == "multiple", MembersOnly: f.Get("audience") == "members",
		LiveCounts: f.Get("live_counts") == "on"}
	switch {
	case strings.TrimSpace(in.Question) == "":
		f.Fail("question", "Write the question.")
	case utf8.RuneCountInString(in.Question) > community.MaxPostLength:
		f.Fail("question", fmt.Sprintf("Keep the question to %d characters.", community.MaxPostLength))
	}
	seen := map[string]bool{}
	for i := range community.MaxPollOptions {
		name := f.Get("option-" + strconv.Itoa(i))
		switch key := strings.ToLower(name); {
		case name == "":
			continue
		case utf8.RuneCountInString(name) > community.MaxPollOptionLength:
			f.Fail("option-"+strconv.Itoa(i), fmt.Sprintf("Keep options to %d characters.", community.MaxPollOptionLength))
		case seen[key]:
			f.Fail("option-"+strconv.Itoa(i), "This option appears twice.")
		default:
			seen[key] = true
		}
		in.Options = append(in.Options, name)
	}
	if len(in.Options) < community.MinPollOptions {
		f.Fail("option-"+strconv.Itoa(len(in.Options)), fmt.Sprintf("Give at least %d options.", community.MinPollOptions))
	}
	if c := f.Get("choice"); c != "single" && c != "multiple" {
		f.Fail("choice", "Choose whether people pick one answer or several.")
	}
	if aud := f.Get("audience"); aud != "public" && aud != "members" {
		f.Fail("audience", "Choose who sees the poll: everyone or members only.")
	}
	at, scheduled := formTime(f, "publish_at", "")
	start := a.now()
	if scheduled {
		start = at
		if !at.After(a.now()) {
			f.Fail("publish_at", "Choose a time in the future, or leave this empty to publish now.")
		}
	}
	if closes, ok := formTime(f, "closes", "Choose when voting ends."); ok {
		in.Closes = closes
		switch {
		case !closes.After(start):
			f.Fail("closes", "Voting must end after the poll is published.")
		case closes.Sub(start) > community.MaxPollDuration:
			f.Fail("closes", fmt.Sprintf("A poll runs for at most %d days.", int(community.MaxPollDuration.Hours()/24)))
		}
	}
	if f.Valid() {
		if scheduled {
			_, err = a.posting.SchedulePoll(ctx, g.Name, in, at, staffOf(r))
		} else {
			_, err = a.posting.PublishPoll(ctx, g.Name, in, staffOf(r))
		}
		switch {
		case errors.Is(err, community.ErrInvalidPost):
			f.Fail("", invalidPostText(err))
		case err != nil:
			return fmt.Errorf("publish poll in %s: %w", g.Name, err)
		}
	}
	if !f.Valid() {
		return a.renderPollForm(w, r, http.StatusUnprocessableEntity, f)
	}
	a.log.InfoContext(ctx, "poll published", "group", g.Name, "scheduled", scheduled, "by", staffOf(r).Name)
	if scheduled {
		return redirect(w, r, "/admin/groups/"+g.Name+"/scheduled?done=scheduled")
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/posts?done=poll")
}
