package vocab

// The extension layer: terms go-fed v1.0.0 lacks, read from the decoded JSON
// map and written into the map streams.Serialize returns. extensionTerms in
// context.go defines them for the JSON-LD context.

import (
	"strconv"
	"time"
)

// timeLayout writes timestamps with millisecond precision: Misskey compares
// a boost's published with the boosted note's to the millisecond.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// formatTime formats t in UTC with milliseconds.
func formatTime(t time.Time) string {
	return t.UTC().Format(timeLayout)
}

// extBool reads a boolean extension term. Strings "true"/"false" are accepted
// because some servers write them.
func extBool(m map[string]any, name string) bool {
	switch v := m[name].(type) {
	case bool:
		return v
	case string:
		b, _ := strconv.ParseBool(v)
		return b
	}
	return false
}

// extString reads a string member, "" for anything else.
func extString(m map[string]any, name string) string {
	s, _ := m[name].(string)
	return s
}

// extLangMap reads a language map (contentMap, nameMap) of strings.
func extLangMap(m map[string]any, name string) map[string]string {
	src, _ := m[name].(map[string]any)
	var out map[string]string
	for lang, v := range src {
		if s, ok := v.(string); ok {
			if out == nil {
				out = make(map[string]string, len(src))
			}
			out[lang] = s
		}
	}
	return out
}

// extSharedInbox reads endpoints.sharedInbox.
func extSharedInbox(m map[string]any) string {
	endpoints, _ := m["endpoints"].(map[string]any)
	s := extString(endpoints, "sharedInbox")
	if !isHTTPIRI(s) {
		return ""
	}
	return s
}

// extFeatured reads featured as an IRI or an embedded collection's id; used
// when go-fed's toot:featured is absent or unreadable.
func extFeatured(m map[string]any) string {
	return refID(m["featured"])
}

// extSource reads the source object (Mastodon and Lemmy markup), which has
// no type and so is unknown to go-fed.
func extSource(m map[string]any) *Source {
	src, ok := m["source"].(map[string]any)
	if !ok {
		return nil
	}
	s := &Source{Content: extString(src, "content"), MediaType: extString(src, "mediaType")}
	if s.Content == "" && s.MediaType == "" {
		return nil
	}
	return s
}

// asList returns v as a list: nil for nil, the elements of an array, or v
// alone.
func asList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		return []any{v}
	}
}

// extFields reads PropertyValue attachments (profile fields).
func extFields(m map[string]any) []Field {
	var fields []Field
	for _, e := range asList(m["attachment"]) {
		pv, ok := e.(map[string]any)
		if !ok || typeName(pv) != "PropertyValue" {
			continue
		}
		fields = append(fields, Field{Name: extString(pv, "name"), Value: extString(pv, "value")})
	}
	return fields
}

// extTag reads a tag element go-fed could not type (Hashtag and the like).
func extTag(e any) (Tag, bool) {
	m, ok := e.(map[string]any)
	if !ok {
		return Tag{}, false
	}
	t := Tag{Type: typeName(m), Href: extString(m, "href"), Name: extString(m, "name")}
	if t.Href == "" {
		if icon, ok := m["icon"].(map[string]any); ok {
			t.Href = refID(icon["url"])
		}
	}
	if t.Href == "" {
		t.Href = extString(m, "id")
	}
	if t.Type == "" {
		return Tag{}, false
	}
	return t, true
}

// extAttachment reads an attachment element go-fed could not type. It returns
// false for PropertyValue, which is a profile field, not an attachment.
func extAttachment(e any) (Attachment, bool) {
	m, ok := e.(map[string]any)
	if !ok || typeName(m) == "PropertyValue" {
		return Attachment{}, false
	}
	a := Attachment{
		Type:      typeName(m),
		MediaType: extString(m, "mediaType"),
		URL:       refID(m["url"]),
		Name:      extString(m, "name"),
	}
	if a.URL == "" {
		a.URL = extString(m, "href")
	}
	a.Width, a.Height = extSize(m)
	return a, a.URL != ""
}

// extSize reads width and height: go-fed's Document has neither, though
// Mastodon sends both on Document attachments.
func extSize(m map[string]any) (width, height int) {
	return extInt(m, "width"), extInt(m, "height")
}

func extInt(m map[string]any, name string) int {
	f, ok := m[name].(float64)
	if !ok || f < 0 || f > 1<<31 {
		return 0
	}
	return int(f)
}

// typeName returns the first type name of a decoded object.
func typeName(m map[string]any) string {
	switch t := m["type"].(type) {
	case string:
		return t
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok && s != "" {
				return s
			}
		}
	}
	return ""
}

// refID returns the id of a reference: an IRI string, an object's id (or a
// Link's href), or the first of a list.
func refID(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if id := extString(v, "id"); id != "" {
			return id
		}
		return extString(v, "href")
	case []any:
		for _, e := range v {
			if id := refID(e); id != "" {
				return id
			}
		}
	}
	return ""
}

// extIRIs returns the ids a member lists: an IRI, an object, or a list of
// either (alsoKnownAs).
func extIRIs(m map[string]any, name string) []string {
	var out []string
	for _, e := range asList(m[name]) {
		if id := refID(e); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// actorExtensions are the extension terms of an actor document.
type actorExtensions struct {
	alsoKnownAs               []string
	movedTo                   string
	sharedInbox               string
	manuallyApprovesFollowers bool
	indexable                 bool
	postingRestrictedToMods   *bool
	fields                    []Field
	published                 time.Time
}

// apply writes e into doc, a map from streams.Serialize.
func (e actorExtensions) apply(doc map[string]any) {
	if e.sharedInbox != "" {
		doc["endpoints"] = map[string]any{"sharedInbox": e.sharedInbox}
	}
	doc["manuallyApprovesFollowers"] = e.manuallyApprovesFollowers
	doc["indexable"] = e.indexable
	if e.postingRestrictedToMods != nil {
		doc["postingRestrictedToMods"] = *e.postingRestrictedToMods
	}
	if len(e.fields) > 0 {
		attachments := asList(doc["attachment"])
		for _, f := range e.fields {
			attachments = append(attachments, map[string]any{"type": "PropertyValue", "name": f.Name, "value": f.Value})
		}
		doc["attachment"] = attachments
	}
	setTime(doc, "published", e.published)
	if len(e.alsoKnownAs) > 0 {
		doc["alsoKnownAs"] = e.alsoKnownAs
	}
	if e.movedTo != "" {
		doc["movedTo"] = e.movedTo
	}
}

// objectExtensions are the extension terms of an object document.
type objectExtensions struct {
	sensitive bool
	// tags go-fed has no type for (Hashtag, Emoji).
	tags      []Tag
	published time.Time
	updated   time.Time
}

// apply writes e into doc, a map from streams.Serialize.
func (e objectExtensions) apply(doc map[string]any) {
	doc["sensitive"] = e.sensitive
	if len(e.tags) > 0 {
		tags := asList(doc["tag"])
		for _, t := range e.tags {
			tag := map[string]any{"type": t.Type, "name": t.Name}
			if t.Type == "Emoji" {
				tag["icon"] = map[string]any{"type": "Image", "url": t.Href}
			} else if t.Href != "" {
				tag["href"] = t.Href
			}
			tags = append(tags, tag)
		}
		doc["tag"] = tags
	}
	setTime(doc, "published", e.published)
	setTime(doc, "updated", e.updated)
}

// setTime writes a timestamp with milliseconds, replacing go-fed's
// whole-second form; a zero time removes the member.
func setTime(doc map[string]any, name string, t time.Time) {
	if t.IsZero() {
		delete(doc, name)
		return
	}
	doc[name] = formatTime(t)
}
