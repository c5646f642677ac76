package admin

import (
	"net/http"
	"slices"
)

// confirmation is the question a destructive action asks before it acts:
// a page of its own with what will happen, a button that sends the same
// form again with confirm=yes, and a way back. It works without scripts.
type confirmation struct {
	Title   string   // the question: "Ban @alice@mastodon.test from Gardeners?"
	Effects []string // what happens, a sentence each
	Button  string   // the button that does it: "Ban them"
	Cancel  string   // the page to go back to
	Action  string   // the form's URL (set by confirmed)
	Fields  []field  // the form as sent, carried along (set by confirmed)
	// Option is a box the confirm step offers, unticked; nil: none.
	Option *confirmOption
}

// confirmOption is a choice made on the confirm step itself, where what
// it concerns can be counted: "also review everyone they invited (2
// people)". Its field is sent "on" when ticked.
type confirmOption struct{ Name, Label string }

// field is a form value carried to the confirm step.
type field struct{ Name, Value string }

// confirmed tells whether the form f was confirmed. When it was not, it
// renders the confirm step for c, and the handler returns what it got.
func (a *Admin) confirmed(w http.ResponseWriter, r *http.Request, f *form, c confirmation) (bool, error) {
	if f.Get("confirm") == "yes" {
		return true, nil
	}
	c.Action = r.URL.Path
	names := make([]string, 0, len(f.values))
	for name := range f.values {
		if name != "csrf" && name != "confirm" && (c.Option == nil || name != c.Option.Name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range f.values[name] {
			c.Fields = append(c.Fields, field{name, v})
		}
	}
	return false, a.render(w, r, http.StatusOK, "confirm", &page{Title: c.Title, Nav: "groups", Data: c})
}
