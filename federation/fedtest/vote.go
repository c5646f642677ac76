package fedtest

import "time"

// Vote returns the Create a flavor sends to vote for option in the poll
// question (a Question attributed to owner): a Note with the option as
// name, inReplyTo the Question and no content, addressed to the owner
// only. Mastodon, Misskey and GoToSocial vote this way; Lemmy does not
// vote on Questions. A multiple-choice vote is one Create per option.
func (a *Actor) Vote(question, owner, option string) map[string]any {
	i := a.inst
	id := i.newID()
	switch i.flavor {
	case Misskey:
		id = i.URL("/notes/" + id)
	case GoToSocial:
		id = a.ID() + "/statuses/" + id
	default:
		id = a.ID() + "#votes/" + id
	}
	published := i.timestamp(time.Now().UTC())
	obj := map[string]any{
		"id":           id,
		"type":         "Note",
		"name":         option,
		"attributedTo": a.ID(),
		"to":           []string{owner},
		"inReplyTo":    question,
	}
	if i.flavor != Mastodon {
		obj["published"] = published
		obj["cc"] = []string{}
	}
	return map[string]any{
		"@context":  i.context(),
		"id":        id + "/activity",
		"type":      "Create",
		"actor":     a.ID(),
		"to":        []string{owner},
		"published": published,
		"object":    obj,
	}
}
