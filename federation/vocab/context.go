package vocab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/go-ap/jsonld"
)

// Vocabulary IRIs.
const (
	activityStreamsIRI = "https://www.w3.org/ns/activitystreams"
	securityIRI        = "https://w3id.org/security/v1"
)

// Prefixes used by extension terms.
const (
	prefixToot   = "toot"
	prefixSchema = "schema"
	prefixLemmy  = "lemmy"
	prefixMz     = "mz"   // Mobilizon (events)
	prefixIcal   = "ical" // iCalendar terms Mobilizon uses (ical:status)
)

// prefixIRIs maps each prefix to its namespace, as Mastodon and Lemmy write
// them.
var prefixIRIs = [...]struct{ prefix, iri string }{
	{prefixToot, "http://joinmastodon.org/ns#"},
	{prefixSchema, "http://schema.org#"},
	{prefixLemmy, "https://join-lemmy.org/ns#"},
	{prefixMz, "https://joinmobilizon.org/ns#"},
	{prefixIcal, "http://www.w3.org/2002/12/cal/ical#"},
}

// extensionTerm is one term go-fed v1.0.0 does not define (or defines in a
// vocabulary the ActivityStreams context does not cover). Terms such as
// endpoints, sharedInbox and audience are defined by the ActivityStreams
// context itself and need no entry.
type extensionTerm struct {
	name   string // the compacted name used in documents
	id     string // the compact IRI it expands to
	prefix string // the prefix id needs, "" for as:
	isIRI  bool   // values are IRIs (@type: @id)
	// prefixOnly: the name is itself a compact IRI (ical:status); only its
	// prefix needs defining.
	prefixOnly bool
}

// extensionTerms is the one table of extension terms Kith reads and writes.
var extensionTerms = [...]extensionTerm{
	{name: "manuallyApprovesFollowers", id: "as:manuallyApprovesFollowers"},
	{name: "sensitive", id: "as:sensitive"},
	{name: "Hashtag", id: "as:Hashtag"},
	{name: "discoverable", id: "toot:discoverable", prefix: prefixToot},
	{name: "indexable", id: "toot:indexable", prefix: prefixToot},
	{name: "featured", id: "toot:featured", prefix: prefixToot, isIRI: true},
	{name: "Emoji", id: "toot:Emoji", prefix: prefixToot},
	{name: "votersCount", id: "toot:votersCount", prefix: prefixToot},
	{name: "PropertyValue", id: "schema:PropertyValue", prefix: prefixSchema},
	{name: "value", id: "schema:value", prefix: prefixSchema},
	// Account migration, as Mastodon defines them.
	{name: "alsoKnownAs", id: "as:alsoKnownAs", isIRI: true},
	{name: "movedTo", id: "as:movedTo", isIRI: true},
	{name: "postingRestrictedToMods", id: "lemmy:postingRestrictedToMods", prefix: prefixLemmy},
	// Events, as Mobilizon writes them (see event.go).
	{name: "timezone", id: "mz:timezone", prefix: prefixMz},
	{name: "isOnline", id: "mz:isOnline", prefix: prefixMz},
	{name: "joinMode", id: "mz:joinMode", prefix: prefixMz},
	{name: "participantCount", id: "mz:participantCount", prefix: prefixMz},
	{name: "anonymousParticipationEnabled", id: "mz:anonymousParticipationEnabled", prefix: prefixMz},
	{name: "maximumAttendeeCapacity", id: "schema:maximumAttendeeCapacity", prefix: prefixSchema},
	{name: "remainingAttendeeCapacity", id: "schema:remainingAttendeeCapacity", prefix: prefixSchema},
	{name: "address", id: "schema:address", prefix: prefixSchema},
	{name: "PostalAddress", id: "schema:PostalAddress", prefix: prefixSchema},
	{name: "streetAddress", id: "schema:streetAddress", prefix: prefixSchema},
	{name: "ical:status", prefix: prefixIcal, prefixOnly: true},
}

// termDefinitions is the object in an outgoing @context array. It implements
// jsonld.Collapsible so that go-ap/jsonld places it in the context array, and
// json.Marshaler because go-ap/jsonld's own Context type can only map a term
// to a plain IRI, not to {"@id", "@type": "@id"}.
type termDefinitions map[string]any

// Collapse implements jsonld.Collapsible.
func (t termDefinitions) Collapse() any { return t }

// MarshalJSON writes the definitions with sorted keys.
func (t termDefinitions) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(map[string]any(t))
	if err != nil {
		return nil, fmt.Errorf("marshal @context terms: %w", err)
	}
	return b, nil
}

// contextFor returns the term definitions for the extension terms doc uses,
// as a key or as a type name, outside embedded raw JSON.
func contextFor(doc map[string]any) termDefinitions {
	used := make(map[string]bool)
	collectTerms(doc, used, 0)
	defs := termDefinitions{}
	for _, t := range extensionTerms {
		if !used[t.name] {
			continue
		}
		switch {
		case t.prefixOnly:
		case t.isIRI:
			defs[t.name] = map[string]string{"@id": t.id, "@type": "@id"}
		default:
			defs[t.name] = t.id
		}
		for _, p := range prefixIRIs {
			if p.prefix == t.prefix {
				defs[p.prefix] = p.iri
			}
		}
	}
	return defs
}

// collectTerms records the keys and type names found in v.
func collectTerms(v any, used map[string]bool, depth int) {
	if depth > maxDepth {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			used[k] = true
			if k == "type" {
				if s, ok := v[k].(string); ok {
					used[s] = true
				}
			}
			collectTerms(v[k], used, depth+1)
		}
	case []any:
		for _, e := range v {
			collectTerms(e, used, depth+1)
		}
	}
}

// marshalDocument writes doc with an @context holding the ActivityStreams and
// security vocabularies and the extension terms doc uses.
//
// go-ap/jsonld writes the @context and puts it first. The body is encoded by
// encoding/json and handed to go-ap/jsonld as a json.RawMessage, because
// go-ap/jsonld's encoder writes every one-element array as a bare value: a
// compaction JSON-LD allows, but Lemmy reads some members (a featured
// collection's orderedItems) as arrays only.
func marshalDocument(doc map[string]any) ([]byte, error) {
	delete(doc, "@context")
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false) // content is HTML; write it as such
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("marshal %v document: %w", doc["type"], err)
	}
	context := []jsonld.Collapsible{jsonld.IRI(activityStreamsIRI), jsonld.IRI(securityIRI)}
	if terms := contextFor(doc); len(terms) > 0 {
		context = append(context, terms)
	}
	out, err := jsonld.WithContext(context...).Marshal(json.RawMessage(bytes.TrimSpace(body.Bytes())))
	if err != nil {
		return nil, fmt.Errorf("marshal %v document with @context: %w", doc["type"], err)
	}
	if !json.Valid(out) {
		// go-ap/jsonld splices the body into the object holding @context by
		// editing bytes; never hand out something that is not JSON.
		return nil, fmt.Errorf("marshal %v document: go-ap/jsonld produced invalid JSON", doc["type"])
	}
	return out, nil
}

// maxDepth bounds the nesting of documents Kith parses and walks. Real
// documents nest a handful of levels (Announce{Create{Note{replies{first}}}}).
const maxDepth = 32
