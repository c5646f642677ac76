package community

// Trust levels: newcomer → member → regular, earned from what the node
// knows (days since joining, posts and replies published, likes from other
// members, events attended, no upheld report), against thresholds each
// group sets (storage.TrustSettings); leader is granted by staff only.
//
//   - A newcomer's posts go to the review queue when the group reviews
//     newcomers (screen, safety.go): the level is what decides, where
//     probation counted posts.
//   - Levels only rise by themselves: when a member's post is published
//     (sharePost) and by a periodic job every promoteEvery. They fall when
//     a report against the member is upheld (web admin, storage.
//     UpholdReport) or by staff's hand. A level staff set by hand stays
//     until they hand it back to the automatic rules; raising thresholds
//     later demotes no one (as Discourse does), because losing a level
//     for a settings change the member never saw feels like a punishment.
//   - The member is told by DM what the new level lets them do.
//   - Levels are private to the community: no ActivityPub document shows
//     them; a member may show theirs in the group's directory.

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
)

// promoteEvery is how often the periodic job looks for members who earned
// a level (days since joining and events attended grow without any post).
const promoteEvery = time.Hour

// flaggedHold says why a flagged member's post must wait for review (staff
// flagged them, e.g. as someone a banned member invited), or "". It comes
// before the server's trust: it is a decision about this person.
func (e *core) flaggedHold(ctx context.Context, db bun.IDB, g *storage.Group, author *storage.RemoteActor) (string, error) {
	ml, err := storage.MemberLevelOf(ctx, db, g.ID, author.ID)
	if err != nil {
		return "", err
	}
	return ml.ReviewReason, nil
}

// newcomerHold says why a post must wait for review under the group's
// trust settings, or "". A member's level decides; someone who is not a
// member (a group anyone may post to) has no level, and their posts are
// reviewed until as many were published as make a member.
func (e *core) newcomerHold(ctx context.Context, db bun.IDB, g *storage.Group, author *storage.RemoteActor) (string, error) {
	ts, err := storage.TrustSettingsOf(ctx, db, g.ID)
	if err != nil || !ts.ReviewNewcomers {
		return "", err
	}
	f, err := storage.FollowOf(ctx, db, g.ID, author.ID)
	if err != nil && !isNotFound(err) {
		return "", err
	}
	if err == nil && f.State == storage.FollowAccepted {
		ml, err := storage.MemberLevelOf(ctx, db, g.ID, author.ID)
		if err != nil || ml.Level != storage.LevelNewcomer {
			return "", err
		}
		return "a newcomer's posts are reviewed until they become a member", nil
	}
	n, err := storage.CountAuthorPosts(ctx, db, g.ID, author.ID)
	if err != nil || n >= ts.MemberPosts {
		return "", err
	}
	if ts.MemberPosts == 1 {
		return "a newcomer's first post is reviewed", nil
	}
	return fmt.Sprintf("a newcomer's first %d posts are reviewed", ts.MemberPosts), nil
}

// reconsiderLevel raises one member's level (actorID "": every member's)
// when they earned more, and tells them. With automatic levels off nobody
// earns anything (TrustSettings.Earned), so nothing is read.
func (e *core) reconsiderLevel(ctx context.Context, tx bun.Tx, g *storage.Group, actorID string) error {
	ts, err := storage.TrustSettingsOf(ctx, tx, g.ID)
	if err != nil || !ts.MemberAuto {
		return err
	}
	stats, err := storage.MemberTrustStats(ctx, tx, g.ID, actorID, e.Now())
	if err != nil {
		return err
	}
	for _, st := range stats {
		if err := e.promote(ctx, tx, g, ts, st); err != nil {
			return err
		}
	}
	return nil
}

// promote raises st's member to the level they earned, if higher and not
// set by hand, and tells them.
func (e *core) promote(ctx context.Context, tx bun.Tx, g *storage.Group, ts *storage.TrustSettings, st storage.TrustStats) error {
	earned := ts.Earned(st, e.Now())
	if st.ByHand || storage.LevelRank(earned) <= storage.LevelRank(st.Level) {
		return nil
	}
	// Not in the moderation log: nobody decided it, and the log is about
	// what moderators do.
	if err := storage.SetLevel(ctx, tx, e.Now(), g.ID, st.ActorID, earned, false); err != nil {
		return err
	}
	e.Log.InfoContext(ctx, "member promoted", "group", g.Name, "actor", st.ActorIRI, "level", earned)
	return e.tellLevel(ctx, tx, g, ts, st.ActorID, earned)
}

// tellLevel sends a member the DM that says their new level and what it
// lets them do, in the terms of the group's settings. A level that changes
// nothing for them in this group (member, where newcomers are not reviewed
// and members do not invite) is not worth a message.
func (e *core) tellLevel(ctx context.Context, tx bun.Tx, g *storage.Group, ts *storage.TrustSettings, actorID, level string) error {
	can := levelPrivileges(g, ts, level)
	if len(can) == 0 {
		return nil
	}
	a, err := storage.RemoteActorByID(ctx, tx, actorID)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<p>You are now a %s of %s.</p>", html.EscapeString(level), html.EscapeString(g.Title))
	b.WriteString("<p>What you can now do:</p><ul>")
	for _, c := range can {
		b.WriteString("<li>" + html.EscapeString(c) + "</li>")
	}
	b.WriteString("</ul>")
	b.WriteString("<p>Levels are private to the group. To show yours in the member directory, reply “level on”.</p>")
	_, err = e.directMessage(ctx, tx, g, a, b.String(), "")
	return err
}

// levelPrivileges says what a level lets a member do in g, beyond the
// level below it.
func levelPrivileges(g *storage.Group, ts *storage.TrustSettings, level string) []string {
	var can []string
	switch level {
	case storage.LevelMember:
		if ts.ReviewNewcomers {
			can = append(can, "Your posts reach the group without waiting for a moderator's review.")
		}
	case storage.LevelRegular:
		can = append(can, "You are one of the group's regulars: the moderators may post to the regulars only.")
	case storage.LevelLeader:
		can = append(can, "The moderators made you a leader: the group's most trusted members.")
	}
	if g.Closed && ts.InvitesPerWeek > 0 && level == ts.InviteLevel {
		can = append(can, fmt.Sprintf("You can invite people you know (up to %d a week): send the group the message “invite”, or use Invite on the members' pages.", ts.InvitesPerWeek))
	}
	return can
}

// PromoteMembers raises every member of every group who earned a level
// (the periodic job), then records the group's members per level for the
// pulse's history (storage.RecordLevelCounts: today's count, replaced by
// each run, so the day keeps its last).
func (e *Belonging) PromoteMembers(ctx context.Context) error {
	groups, err := storage.ListGroups(ctx, e.Reads)
	if err != nil {
		return err
	}
	for i := range groups {
		g := &groups[i]
		err := e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if err := e.reconsiderLevel(ctx, tx, g, ""); err != nil {
				return err
			}
			return storage.RecordLevelCounts(ctx, tx, g.ID, e.Now())
		})
		if err != nil {
			return fmt.Errorf("promote members of %s: %w", g.Name, err)
		}
	}
	return nil
}

// SetMemberLevel is staff setting a member's level by hand; level "auto"
// hands it back to the automatic rules (the member keeps their level until
// they earn a higher one). A member raised is told, as when they earn it.
func (e *Belonging) SetMemberLevel(ctx context.Context, groupName, actorID, level string, by Staff) error {
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		g, err := storage.GroupByName(ctx, tx, groupName)
		if err != nil {
			return err
		}
		f, err := storage.FollowOf(ctx, tx, g.ID, actorID)
		if err != nil {
			return err
		}
		if f.State != storage.FollowAccepted {
			return fmt.Errorf("%s is not a member of %s: %w", actorID, g.Name, storage.ErrNotFound)
		}
		if level == "auto" {
			if err := storage.SetLevelAutomatic(ctx, tx, g.ID, actorID); err != nil {
				return err
			}
			if err := e.logAction(ctx, tx, g, by, "level_auto", f.Actor.IRI, ""); err != nil {
				return err
			}
			return e.reconsiderLevel(ctx, tx, g, actorID)
		}
		old, err := storage.MemberLevelOf(ctx, tx, g.ID, actorID)
		if err != nil {
			return err
		}
		if err := storage.SetLevel(ctx, tx, e.Now(), g.ID, actorID, level, true); err != nil {
			return err
		}
		if err := e.logAction(ctx, tx, g, by, "set_level", f.Actor.IRI, level); err != nil {
			return err
		}
		if storage.LevelRank(level) <= storage.LevelRank(old.Level) {
			return nil
		}
		ts, err := storage.TrustSettingsOf(ctx, tx, g.ID)
		if err != nil {
			return err
		}
		return e.tellLevel(ctx, tx, g, ts, actorID, level)
	})
}

// SaveTrustSettings stores a group's trust thresholds.
func (e *Belonging) SaveTrustSettings(ctx context.Context, groupName string, s *storage.TrustSettings, by Staff) error {
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		g, err := storage.GroupByName(ctx, tx, groupName)
		if err != nil {
			return err
		}
		s.GroupID = g.ID
		if err := storage.SaveTrustSettings(ctx, tx, e.Now(), s); err != nil {
			return err
		}
		return e.logAction(ctx, tx, g, by, "trust_settings", "", "")
	})
}

// trustCommand tells whether a member's DM is a trust command: "level on"
// and "level off" show or hide their level in the directory.
func trustCommand(lower string) bool {
	switch strings.TrimRight(lower, ".! ") {
	case "level on", "level off":
		return true
	}
	return false
}

// levelCommand runs a trust command.
func (e *Belonging) levelCommand(ctx context.Context, tx bun.Tx, g *storage.Group, inReplyTo string, author *storage.RemoteActor, member bool, lower string) error {
	reply := func(msg string) error {
		_, err := e.directMessage(ctx, tx, g, author, "<p>"+html.EscapeString(msg)+"</p>", inReplyTo)
		return err
	}
	if !member {
		return reply("Only members of " + g.Title + " can do that.")
	}
	on := strings.TrimRight(lower, ".! ") == "level on"
	if err := storage.SetLevelInDirectory(ctx, tx, g.ID, author.ID, on); err != nil {
		return err
	}
	if on {
		return reply("Your level now shows beside your name in the member directory of " + g.Title + " (when you are listed there). Send “level off” to hide it.")
	}
	return reply("Your level no longer shows in the member directory of " + g.Title + ".")
}

// addTrustWorkers registers the periodic promotion.
func (c *Community) addTrustWorkers(workers *river.Workers) []*river.PeriodicJob {
	river.AddWorker(workers, &promoteWorker{e: c.Belonging})
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(promoteEvery),
		func() (river.JobArgs, *river.InsertOpts) { return promoteArgs{}, nil }, nil)}
}

type promoteArgs struct{}

func (promoteArgs) Kind() string { return "trust_promote" }

func (promoteArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 3} }

type promoteWorker struct {
	river.WorkerDefaults[promoteArgs]
	e *Belonging
}

func (w *promoteWorker) Work(ctx context.Context, _ *river.Job[promoteArgs]) error {
	return w.e.PromoteMembers(ctx)
}

// DescribeThresholds says in words what a level asks, e.g. "1 approved
// post and 30 days in the group"; "" when it asks nothing.
func DescribeThresholds(t storage.Thresholds) string {
	var parts []string
	add := func(n int, one, many string) {
		if n == 1 {
			parts = append(parts, "1 "+one)
		} else if n > 1 {
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	add(t.Posts, "approved post", "approved posts")
	add(t.Likes, "like from other members", "likes from other members")
	add(t.Events, "event attended", "events attended")
	add(t.Days, "day in the group", "days in the group")
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// DescribeLevels says how members earn their levels in a group, one
// sentence per level that is earned automatically.
func DescribeLevels(ts *storage.TrustSettings) []string {
	var out []string
	if ts.ReviewNewcomers {
		out = append(out, "New members start as newcomers, whose posts wait for a moderator's approval.")
	} else {
		out = append(out, "New members start as newcomers.")
	}
	for _, l := range []struct {
		auto  bool
		name  string
		thres storage.Thresholds
	}{{ts.MemberAuto, "a member", ts.Member()}, {ts.RegularAuto, "a regular", ts.Regular()}} {
		switch d := DescribeThresholds(l.thres); {
		case !l.auto:
			out = append(out, "The moderators make "+strings.TrimPrefix(strings.TrimPrefix(l.name, "a "), "an ")+"s by hand.")
		case d == "":
			out = append(out, "Everyone becomes "+l.name+" at once.")
		default:
			out = append(out, "You become "+l.name+" with "+d+", and no upheld report against you.")
		}
	}
	return append(out, "Leaders are chosen by the moderators. Levels are private to the group: show yours in the directory with “level on”.")
}
