// Package software knows what each remote server runs: it reads the
// servers' NodeInfo (once when a server first appears, then daily), keeps
// the answers in memory for the outbox, and holds the one table of which
// activity shapes each software family uses (docs/federation.md).
package software

import "strings"

// Family is a group of server software that handles a group's activities
// alike.
type Family int

const (
	// Unknown is a server whose software is not known (yet): it gets
	// every shape, as before Kith knew any server.
	Unknown Family = iota
	// GroupAware software follows FEP-1b12: it reads the group's
	// Announce{activity} (Create, Update, Delete, Like, Dislike, Undo...)
	// and has no use for a plain boost.
	GroupAware
	// Microblog software shows the group's plain boost of a post (and
	// removes it on its Undo) and drops Announce{activity}: announced
	// Creates and votes are waste for it.
	Microblog
)

func (f Family) String() string {
	switch f {
	case GroupAware:
		return "group-aware"
	case Microblog:
		return "microblog"
	}
	return "unknown"
}

// FamilyOf is the family of a NodeInfo software name: the table. A name
// not listed is Unknown and gets both shapes.
func FamilyOf(name string) Family {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "lemmy", "mbin", "kbin", "piefed", "friendica", "nodebb", "discourse", "lotide", "sublinks":
		return GroupAware // FEP-1b12 consumers: forums and link aggregators
	case "mastodon", "hometown", "glitch-soc", "glitchsoc", "gotosocial",
		"misskey", "sharkey", "firefish", "calckey", "foundkey", "cherrypick", "iceshrimp", "iceshrimp.net", "catodon",
		"pleroma", "akkoma":
		return Microblog
	}
	return Unknown
}

// Shape is how an activity the group sends relates to the families.
type Shape string

const (
	// Any is everything the group says itself (its own posts, events,
	// polls, profile, answers): every server gets it.
	Any Shape = ""
	// Wrapped is Announce{activity} (FEP-1b12).
	Wrapped Shape = "wrapped"
	// Boost is the plain boost of a post (Announce of its IRI) and its Undo.
	Boost Shape = "boost"
)

// Wants tells whether a server of family f uses activities of shape s.
func (f Family) Wants(s Shape) bool {
	switch s {
	case Wrapped:
		return f != Microblog
	case Boost:
		return f != GroupAware
	}
	return true
}
