package admin

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kith-social/kith/storage"
)

// Community pulse settings.
const (
	pulseDays          = 30
	defaultQuietHours  = 24
	maxQuietHours      = 24 * pulseDays
	pulseListed        = 50
	chartWidth         = 600
	chartHeight        = 160
	chartBarGap        = 4
	chartTop           = 12 // room for the scale's label
	chartBottom        = 20 // room for the dates
	chartInnerHeight   = chartHeight - chartTop - chartBottom
	chartLabelEveryDay = 7
)

// pulsePage is how a group is doing over the last 30 days.
type pulsePage struct {
	Nav        groupNav
	From, To   time.Time
	Members    storage.MemberCounts
	Joined     []storage.MembershipEvent
	Left       []storage.MembershipEvent
	Active     []storage.ActiveMember
	Days       []storage.DayCount
	Chart      chart
	Posts      int
	Replies    int
	Hours      int
	Unanswered []postRow
	Unwelcomed []storage.Follow
	PerLevel   []storage.LevelCount // members per trust level now (trust.go)
	LevelDays  []storage.LevelDay   // members per level each day, today's live
	LevelChart levelChart
	Recorded   []storage.LevelDay // the days with a count, newest first, for the table
}

// levelChart is members per level per day, as stacked bars drawn on the
// server like chart; a day with no recorded count has no bar.
type levelChart struct {
	Width, Height int
	Max           int
	Bars          []levelBar
	Baseline      int
	LabelY        int
}

type levelBar struct {
	X, W  int
	Segs  []levelSeg // lowest level at the bottom
	Label string
	Title string
}

type levelSeg struct {
	Class string // bar-newcomer, bar-member, …
	Y, H  int
}

func buildLevelChart(days []storage.LevelDay) levelChart {
	c := levelChart{Width: chartWidth, Height: chartHeight, Max: 1, Baseline: chartTop + chartInnerHeight, LabelY: chartHeight - 4}
	for _, d := range days {
		c.Max = max(c.Max, d.Total)
	}
	if len(days) == 0 {
		return c
	}
	step := chartWidth / len(days)
	for i, d := range days {
		b := levelBar{X: i*step + chartBarGap/2, W: step - chartBarGap}
		if i%chartLabelEveryDay == 0 {
			b.Label = d.Day.Format("2 Jan")
		}
		if !d.Recorded {
			b.Title = d.Day.Format("2 Jan") + ": not recorded"
			c.Bars = append(c.Bars, b)
			continue
		}
		parts := make([]string, 0, len(d.Counts))
		y := c.Baseline
		for _, lc := range d.Counts {
			parts = append(parts, fmt.Sprintf("%d %s", lc.Count, plural(lc.Count, lc.Level, lc.Level+"s")))
			h := lc.Count * chartInnerHeight / c.Max
			if h == 0 {
				continue
			}
			y -= h
			b.Segs = append(b.Segs, levelSeg{Class: "bar-" + lc.Level, Y: y, H: h})
		}
		b.Title = d.Day.Format("2 Jan") + ": " + strings.Join(parts, ", ")
		c.Bars = append(c.Bars, b)
	}
	return c
}

// chart is a bar chart of posts and replies per day, drawn as SVG on the
// server: no JavaScript, and the same numbers are in a table beside it.
type chart struct {
	Width, Height int
	Max           int // the scale's top
	Bars          []chartBar
	Baseline      int
	LabelY        int
}

type chartBar struct {
	X, W          int
	PostsY, PostH int // thread starters, at the bottom
	RepliesY      int // replies, stacked on top
	RepliesH      int
	Label         string // the date under every 7th bar
	Title         string // read by screen readers and shown on hover
}

func buildChart(days []storage.DayCount) chart {
	c := chart{Width: chartWidth, Height: chartHeight, Max: 1, Baseline: chartTop + chartInnerHeight, LabelY: chartHeight - 4}
	for _, d := range days {
		c.Max = max(c.Max, d.Posts+d.Replies)
	}
	if len(days) == 0 {
		return c
	}
	step := chartWidth / len(days)
	for i, d := range days {
		b := chartBar{X: i*step + chartBarGap/2, W: step - chartBarGap,
			Title: fmt.Sprintf("%s: %d posts, %d replies", d.Day.Format("2 Jan"), d.Posts, d.Replies)}
		b.PostH = d.Posts * chartInnerHeight / c.Max
		b.RepliesH = d.Replies * chartInnerHeight / c.Max
		b.PostsY = c.Baseline - b.PostH
		b.RepliesY = b.PostsY - b.RepliesH
		if i%chartLabelEveryDay == 0 {
			b.Label = d.Day.Format("2 Jan")
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

// pulse shows new and departed members, who is active, posts and replies
// per day, threads nobody answered for ?hours= (default 24), and members
// nobody welcomed yet.
func (a *Admin) pulse(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "pulse")
	if err != nil {
		return err
	}
	f := newForm(r.URL.Query())
	status := http.StatusOK
	hours := defaultQuietHours
	if v := f.Get("hours"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxQuietHours {
			f.Fail("hours", fmt.Sprintf("Type a number of hours from 1 to %d. Showing %d.", maxQuietHours, defaultQuietHours))
			status = http.StatusBadRequest
		} else {
			hours = n
		}
	}
	now := a.now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	data := pulsePage{Nav: nav, From: today.AddDate(0, 0, -(pulseDays - 1)), To: now, Hours: hours}
	if data.Members, err = storage.CountMembershipEvents(ctx, a.db, g.ID, data.From, now); err != nil {
		return err
	}
	if data.PerLevel, err = storage.CountMembersPerLevel(ctx, a.db, g.ID); err != nil {
		return err
	}
	// Past days are the counts the periodic promotion recorded; today is
	// counted now, so the page never waits for the job nor writes on a GET.
	if data.LevelDays, err = storage.LevelCountsPerDay(ctx, a.db, g.ID, data.From, now); err != nil {
		return err
	}
	if n := len(data.LevelDays); n > 0 {
		last := &data.LevelDays[n-1]
		last.Recorded, last.Counts, last.Total = true, data.PerLevel, 0
		for _, lc := range data.PerLevel {
			last.Total += lc.Count
		}
	}
	data.LevelChart = buildLevelChart(data.LevelDays)
	for i := len(data.LevelDays) - 1; i >= 0; i-- {
		if data.LevelDays[i].Recorded {
			data.Recorded = append(data.Recorded, data.LevelDays[i])
		}
	}
	if data.Joined, err = storage.MembershipEvents(ctx, a.db, g.ID, storage.MemberJoined, data.From, now); err != nil {
		return err
	}
	if data.Left, err = storage.MembershipEvents(ctx, a.db, g.ID, storage.MemberLeft, data.From, now); err != nil {
		return err
	}
	if data.Active, err = storage.ActiveMembers(ctx, a.db, g.ID, data.From, now); err != nil {
		return err
	}
	if data.Days, err = storage.PostsPerDay(ctx, a.db, g.ID, data.From, now, time.UTC); err != nil {
		return err
	}
	for _, d := range data.Days {
		data.Posts += d.Posts
		data.Replies += d.Replies
	}
	data.Chart = buildChart(data.Days)
	quiet := now.Add(-time.Duration(hours) * time.Hour)
	unanswered, err := storage.UnansweredThreads(ctx, a.db, g.ID, data.From, quiet, pulseListed)
	if err != nil {
		return err
	}
	data.Unanswered = a.postRows(unanswered)
	if data.Unwelcomed, err = storage.Unwelcomed(ctx, a.db, g.ID, pulseListed); err != nil {
		return err
	}
	return a.render(w, r, status, "pulse", &page{Title: "Pulse of " + g.Title, Nav: "groups", Form: f, Data: data})
}

// markWelcomed records that staff welcomed a member, taking them off the
// pulse's list.
func (a *Admin) markWelcomed(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	if err := storage.MarkWelcomed(ctx, a.db, g.ID, chiParam(r, "actor"), a.now()); err != nil {
		return fmt.Errorf("mark welcomed: %w", err)
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/pulse?done=welcomed#welcome")
}
