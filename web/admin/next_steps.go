package admin

import (
	"context"
	"strings"

	"github.com/kith-social/kith/storage"
)

// nextStep is one thing a new group's owner should do; Done ticks itself
// once the group shows it done.
type nextStep struct {
	Text string // what to do
	Link string // where to do it
	Done bool
}

// nextSteps is the checklist on a group's overview, worked out from the
// group as it is: nothing to tick by hand.
func (a *Admin) nextSteps(ctx context.Context, g *storage.Group, members, moderators int) ([]nextStep, error) {
	own, err := storage.ListGroupPosts(ctx, a.db, g.ID, storage.PostPublished, true, 1)
	if err != nil {
		return nil, err
	}
	invites, err := storage.ListOpenInvites(ctx, a.db, g.ID, a.now())
	if err != nil {
		return nil, err
	}
	base := "/admin/groups/" + g.Name
	steps := []nextStep{
		{"Add an avatar and a description", base + "/edit", g.IconPath != "" && strings.TrimSpace(g.Summary) != ""},
		{"Write the group's rules", base + "/edit", len(g.RuleList()) > 0},
	}
	if g.Closed {
		steps = append(steps, nextStep{"Write the join questions applicants get", base + "/edit", strings.TrimSpace(g.JoinQuestions) != ""})
	}
	steps = append(steps,
		nextStep{"Publish the first post as the group", base + "/posts/new", len(own) > 0},
		nextStep{"Invite a moderator", base + "/moderators", moderators > 0 || len(invites) > 0},
		nextStep{"Share the handle @" + g.Name + "@" + a.domain + " or the group's page; your first member ticks this", "/groups/" + g.Name, members > 0},
	)
	return steps, nil
}

// allDone tells whether every step is done (the checklist then hides).
func allDone(steps []nextStep) bool {
	for _, s := range steps {
		if !s.Done {
			return false
		}
	}
	return true
}
