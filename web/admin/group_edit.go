package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kith-social/kith/federation/content"
	"github.com/kith-social/kith/storage"
)

// Profile fields (rules, links): Mastodon shows four.
const (
	maxFields         = 4
	maxFieldNameRunes = 255
	maxFieldRunes     = 255
)

// groupEditPage is the group's profile and settings form.
type groupEditPage struct {
	Nav    groupNav
	Group  *storage.Group
	Fields []int // indexes of the profile field rows
}

func (a *Admin) renderGroupEdit(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	ctx := r.Context()
	nav, err := a.nav(ctx, "edit")
	if err != nil {
		return err
	}
	g := currentGroup(ctx)
	data := groupEditPage{Nav: nav, Group: g}
	for i := range maxFields {
		data.Fields = append(data.Fields, i)
	}
	return a.render(w, r, status, "group_edit", &page{Title: "Profile and settings of " + g.Title, Nav: "groups", Form: f, Data: data})
}

func (a *Admin) groupEditForm(w http.ResponseWriter, r *http.Request) error {
	g := currentGroup(r.Context())
	v := url.Values{}
	v.Set("title", g.Title)
	v.Set("summary", g.Summary)
	v.Set("join", map[bool]string{true: "closed", false: "open"}[g.Closed])
	v.Set("posting", g.PostingPolicy)
	for name, on := range map[string]bool{"review": g.ReviewQueue, "boost_replies": g.BoostReplies, "discoverable": g.Discoverable, "public_modlog": g.PublicModlog} {
		if on {
			v.Set(name, "on")
		}
	}
	v.Set("join_questions", g.JoinQuestions)
	v.Set("rules", g.Rules)
	v.Set("max_group_mentions", strconv.Itoa(g.MaxGroupMentions))
	v.Set("min_account_age_days", strconv.Itoa(g.MinAccountAgeDays))
	v.Set("review_keywords", g.ReviewKeywords)
	if g.FeedbackDMs {
		v.Set("feedback_dms", "on")
	}
	var fields []profileField
	_ = json.Unmarshal([]byte(g.FieldsJSON), &fields) // written by us; empty on error
	for i, fl := range fields {
		if i >= maxFields {
			break
		}
		v.Set("field-name-"+strconv.Itoa(i), fl.Name)
		v.Set("field-value-"+strconv.Itoa(i), fieldText(fl.Value))
	}
	return a.renderGroupEdit(w, r, http.StatusOK, newForm(v))
}

// groupEdit saves the profile and settings through the engine, which
// federates an Update of the group actor.
func (a *Admin) groupEdit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	g := *currentGroup(ctx) // a copy: the stored group stays as it was if saving fails
	old := g

	g.Title = f.Get("title")
	switch n := utf8.RuneCountInString(g.Title); {
	case n == 0:
		f.Fail("title", "Give the group a title.")
	case n > maxTitleRunes:
		f.Fail("title", "Keep the title to 100 characters.")
	}
	g.Summary = f.Get("summary")
	if utf8.RuneCountInString(g.Summary) > maxSummaryRunes {
		f.Fail("summary", "Keep the description to 5000 characters.")
	}
	switch f.Get("join") {
	case "open", "closed":
		g.Closed = f.Get("join") == "closed"
	default:
		f.Fail("join", "Choose whether people join at once or ask first.")
	}
	g.PostingPolicy = f.Get("posting")
	if storage.ValidatePostingPolicy(g.PostingPolicy) != nil {
		f.Fail("posting", "Choose who may post: anyone, members or moderators.")
	}
	g.ReviewQueue, g.BoostReplies = f.Get("review") == "on", f.Get("boost_replies") == "on"
	g.Discoverable, g.PublicModlog = f.Get("discoverable") == "on", f.Get("public_modlog") == "on"
	g.FieldsJSON = checkProfileFields(f)
	g.Rules = checkRules(f)
	checkSafetySettings(f, &g)

	if f.Valid() {
		g.SummaryHTML, err = a.markdown.Markdown(g.Summary)
		if err != nil {
			f.Fail("summary", "This description could not be rendered.")
		}
	}
	// Images last, and only when the rest is right: a refused form would
	// make the person choose them again anyway.
	var saved []string
	if f.Valid() {
		for _, img := range []struct {
			field      string
			dst        *string
			maxW, maxH int
		}{
			{"avatar", &g.IconPath, avatarMaxW, avatarMaxH},
			{"header", &g.HeaderPath, headerMaxW, headerMaxH},
		} {
			if f.Get(img.field+"_remove") == "on" {
				*img.dst = ""
			}
			fh := uploadedFile(r, img.field)
			if fh == nil {
				continue
			}
			si, err := a.saveImage(ctx, fh, g.ID, "profile", img.maxW, img.maxH)
			var ue *uploadError
			switch {
			case errors.As(err, &ue):
				f.Fail(img.field, ue.msg)
				continue
			case err != nil:
				a.discardMedia(r, saved)
				return err
			}
			saved = append(saved, si.Rel)
			*img.dst = si.Rel
		}
	}
	if !f.Valid() {
		a.discardMedia(r, saved)
		return a.renderGroupEdit(w, r, http.StatusUnprocessableEntity, f)
	}
	if err := a.moderation.UpdateGroup(ctx, &g, staffOf(r)); err != nil {
		a.discardMedia(r, saved)
		return fmt.Errorf("update group %s: %w", g.Name, err)
	}
	// The replaced images are no longer referenced.
	var replaced []string
	if old.IconPath != g.IconPath {
		replaced = append(replaced, old.IconPath)
	}
	if old.HeaderPath != g.HeaderPath {
		replaced = append(replaced, old.HeaderPath)
	}
	a.discardMedia(r, replaced)
	a.log.InfoContext(ctx, "group profile saved", "group", g.Name, "by", staffOf(r).Name)
	return redirect(w, r, "/admin/groups/"+g.Name+"/edit?done=saved")
}

// discardMedia removes uploads that ended up unused; a failure is only
// logged, since the action itself is done.
func (a *Admin) discardMedia(r *http.Request, rels []string) {
	for _, rel := range rels {
		if err := a.removeMedia(r.Context(), rel); err != nil {
			a.log.WarnContext(r.Context(), "remove unused upload", "err", err)
		}
	}
}

// checkProfileFields reads the rows of name/value pairs into the JSON the
// group stores; values become safe HTML (a link when they are a URL).
func checkProfileFields(f *form) string {
	fields := []profileField{}
	for i := range maxFields {
		nk, vk := "field-name-"+strconv.Itoa(i), "field-value-"+strconv.Itoa(i)
		name, value := f.Get(nk), f.Get(vk)
		switch {
		case name == "" && value == "":
			continue
		case name == "":
			f.Fail(nk, "Give this field a label, or empty its value.")
		case value == "":
			f.Fail(vk, "Fill in this field, or empty its label.")
		case utf8.RuneCountInString(name) > maxFieldNameRunes:
			f.Fail(nk, "Keep labels to 255 characters.")
		case utf8.RuneCountInString(value) > maxFieldRunes:
			f.Fail(vk, "Keep values to 255 characters.")
		}
		fields = append(fields, profileField{Name: name, Value: fieldHTML(value)})
	}
	j, _ := json.Marshal(fields) // strings only: cannot fail
	return string(j)
}

// fieldHTML turns a field value into HTML: a web address becomes a link,
// anything else is escaped text.
func fieldHTML(v string) string {
	if u, err := url.Parse(v); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
		!strings.ContainsAny(v, " \t\r\n<>\"'") {
		text := strings.TrimPrefix(strings.TrimPrefix(v, "https://"), "http://")
		return `<a href="` + html.EscapeString(u.String()) + `" rel="me nofollow noopener noreferrer" target="_blank">` +
			html.EscapeString(text) + `</a>`
	}
	return html.EscapeString(v)
}

// fieldText is the inverse of fieldHTML, for the form: the link's address,
// or the text.
func fieldText(h string) string {
	if rest, ok := strings.CutPrefix(h, `<a href="`); ok {
		if href, _, ok := strings.Cut(rest, `"`); ok {
			return html.UnescapeString(href)
		}
	}
	return content.PlainText(h)
}

// Limits on a group's rules.
const (
	maxRules     = 20
	maxRuleRunes = 500
)

// checkRules reads the rules, one per line, and records what is wrong.
func checkRules(f *form) string {
	g := storage.Group{Rules: strings.ReplaceAll(f.Raw("rules"), "\r\n", "\n")}
	rules := g.RuleList()
	if len(rules) > maxRules {
		f.Fail("rules", fmt.Sprintf("Keep to %d rules: members read short lists.", maxRules))
	}
	for i, rule := range rules {
		if utf8.RuneCountInString(rule) > maxRuleRunes {
			f.Fail("rules", fmt.Sprintf("Rule %d is long: keep each to %d characters.", i+1, maxRuleRunes))
		}
	}
	return strings.Join(rules, "\n")
}
