package vocab

import (
	"fmt"
	"time"

	"github.com/go-fed/activity/streams"
)

// PollOption is one answer of a Question and its vote count.
type PollOption struct {
	Name  string
	Votes int
}

// Question is a poll the group publishes, in the shape Mastodon publishes
// its own: the Note's properties (content is the question), then oneOf (or
// anyOf for a multiple-choice poll) listing {type: Note, name, replies:
// {type: Collection, totalItems}}, endTime, closed once voting has ended,
// and votersCount (toot:votersCount).
type Question struct {
	Note
	Options     []PollOption
	Multiple    bool
	EndTime     time.Time
	Closed      time.Time // zero while open
	VotersCount int
}

// QuestionJSON returns the Question document.
func QuestionJSON(q Question) ([]byte, error) {
	if len(q.Options) == 0 {
		return nil, fmt.Errorf("question: no options")
	}
	doc, err := noteDocument(q.Note)
	if err != nil {
		return nil, fmt.Errorf("question: %w", err)
	}
	doc["type"] = "Question"
	options := make([]any, 0, len(q.Options))
	for _, o := range q.Options {
		options = append(options, map[string]any{
			"type":    "Note",
			"name":    o.Name,
			"replies": map[string]any{"type": "Collection", "totalItems": o.Votes},
		})
	}
	if q.Multiple {
		doc["anyOf"] = options
	} else {
		doc["oneOf"] = options
	}
	setTime(doc, "endTime", q.EndTime)
	setTime(doc, "closed", q.Closed)
	doc["votersCount"] = q.VotersCount
	return marshalDocument(doc)
}

// Like returns a Like of object (the group liking a member's post).
func Like(id, actor, object string, to, cc []string) ([]byte, error) {
	b := &builder{}
	t := streams.NewActivityStreamsLike()
	t.SetJSONLDId(idProp(b.iri("id", id)))
	t.SetActivityStreamsActor(actorProp(b.iri("actor", actor)))
	obj := streams.NewActivityStreamsObjectProperty()
	obj.AppendIRI(b.iri("object", object))
	t.SetActivityStreamsObject(obj)
	if len(to) > 0 {
		t.SetActivityStreamsTo(toProp(b.iris("to", to)))
	}
	if len(cc) > 0 {
		t.SetActivityStreamsCc(ccProp(b.iris("cc", cc)))
	}
	if b.err != nil {
		return nil, fmt.Errorf("Like: %w", b.err)
	}
	doc, err := serialize(t)
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"to", "cc"} {
		if v, ok := doc[k]; ok {
			doc[k] = asList(v)
		}
	}
	return marshalDocument(doc)
}
