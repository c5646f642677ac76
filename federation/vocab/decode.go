package vocab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
)

// idRequired lists the activity types that must carry an id. Mastodon sends
// id-less activities only for transient things (e.g. some EmojiReact or
// relay traffic); anything Kith stores, counts or answers must be
// identifiable so that processing it twice has one effect.
var idRequired = [...]string{
	"Follow", "Create", "Like", "Dislike", "Announce", "Undo", "Delete",
	"Update", "Accept", "Reject", "Flag", "Block", "Add", "Remove", "Move",
}

// ParseActivity parses an incoming activity. It is tolerant of the shapes real
// servers send and refuses, with an error wrapping ErrInvalid, documents it
// cannot use: not JSON, not a JSON object, no type, an object rather than an
// activity, no actor, an id or actor that is not an absolute http(s) IRI, or
// no id on a type listed in idRequired. Embedded activities (the Follow of an
// Undo) need no id.
func ParseActivity(ctx context.Context, raw []byte) (*Activity, error) {
	n, err := decodeNode(raw)
	if err != nil {
		return nil, err
	}
	p, err := parseNode(ctx, n, 0)
	if err != nil {
		return nil, err
	}
	o := p.obj
	if !p.isActivity {
		return nil, invalidf("%s is an object, not an activity", o.Type)
	}
	if o.Actor == "" {
		return nil, invalidf("%s has no actor", o.Type)
	}
	if o.ID == "" && slices.Contains(idRequired[:], o.Type) {
		return nil, invalidf("%s has no id", o.Type)
	}
	return &Activity{
		ID:        o.ID,
		Type:      o.Type,
		Actor:     o.Actor,
		Object:    o.Object,
		ObjectIDs: p.objectIDs,
		Target:    o.Target,
		To:        o.To,
		Cc:        o.Cc,
		Audience:  o.Audience,
		Summary:   o.Summary,
		Content:   o.Content,
		Published: o.Published,
		Raw:       o.Raw,
	}, nil
}

// ParseObject parses a fetched object (Note, Page, Article, Question, Event,
// Video, Tombstone, or a type go-fed does not know). It needs a type and an
// absolute http(s) id.
func ParseObject(ctx context.Context, raw []byte) (*Object, error) {
	n, err := decodeNode(raw)
	if err != nil {
		return nil, err
	}
	p, err := parseNode(ctx, n, 0)
	if err != nil {
		return nil, err
	}
	if p.obj.ID == "" {
		return nil, invalidf("%s has no id", p.obj.Type)
	}
	return p.obj, nil
}

// node is one decoded JSON object, kept both as a generic map (for go-fed
// and the extension layer) and as raw members (so that embedded objects keep
// their exact bytes).
type node struct {
	raw     json.RawMessage
	members map[string]json.RawMessage
	m       map[string]any
}

// decodeNode checks that raw is a JSON object and decodes it. It reads the
// whole text once, into its members, and decodes each member from there;
// the "object" member, parsed later from its exact bytes (readObjectMember),
// only as far as checkShape needs to see its kind.
func decodeNode(raw []byte) (*node, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, invalidf("empty document")
	}
	var members map[string]json.RawMessage
	err := json.Unmarshal(raw, &members)
	if _, syntax := err.(*json.SyntaxError); syntax {
		return nil, invalidf("not JSON")
	}
	if d := nesting(raw); d > maxDepth {
		return nil, invalidf("nested %d levels deep, more than %d", d, maxDepth)
	}
	if k := jsonKind(raw); k != "object" {
		return nil, invalidf("JSON %s, not an object", k)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: decode members: %w", ErrInvalid, err)
	}
	n := &node{raw: json.RawMessage(bytes.Clone(raw)), members: members, m: make(map[string]any, len(members))}
	for k, v := range members {
		var val any
		switch {
		case k == "object" && jsonKind(v) == "object":
			val = map[string]any{} // stands for it in checkShape
		default:
			if err := json.Unmarshal(v, &val); err != nil {
				return nil, fmt.Errorf("%w: decode %s: %w", ErrInvalid, k, err)
			}
		}
		n.m[k] = val
	}
	return n, nil
}

// jsonKind names the kind of a valid JSON value by its first byte.
func jsonKind(raw []byte) string {
	s := bytes.TrimLeft(raw, " \t\r\n") // no copy: a body can be a megabyte
	if len(s) == 0 {
		return "nothing"
	}
	switch s[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

// nesting returns the deepest nesting of arrays and objects in valid JSON.
func nesting(raw []byte) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for _, c := range raw {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// parsed is the result of parsing one node.
type parsed struct {
	obj        *Object
	objectIDs  []string
	isActivity bool
	t          vocab.Type // what go-fed resolved
}

// Members whose values are references (an IRI, an embedded object, or a list
// of those), and members whose values are text. Anything else in them is
// refused: go-fed would silently keep it as an unknown value.
var (
	referenceMembers = [...]string{
		"actor", "object", "target", "attributedTo", "to", "cc", "bto", "bcc",
		"audience", "inReplyTo", "url", "tag", "attachment", "icon", "image",
		"inbox", "outbox", "followers", "following", "featured", "publicKey",
	}
	textMembers = [...]string{
		"content", "summary", "name", "mediaType", "preferredUsername",
		"published", "updated", "startTime", "endTime",
	}
)

// checkShape refuses values of the wrong JSON type in the members Kith reads.
func checkShape(m map[string]any) error {
	for _, k := range referenceMembers {
		for _, e := range asList(m[k]) {
			switch e.(type) {
			case nil, string, map[string]any:
			default:
				return invalidf("%s holds a %s, not an IRI or an object", k, kindOf(e))
			}
		}
	}
	for _, k := range textMembers {
		switch v := m[k].(type) {
		case nil, string:
		default:
			return invalidf("%s is a %s, not a string", k, kindOf(v))
		}
	}
	return nil
}

func kindOf(v any) string {
	switch v.(type) {
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case string:
		return "string"
	default:
		return "null"
	}
}

// parseNode parses one JSON object into an Object, recursing into its
// "object" member.
func parseNode(ctx context.Context, n *node, depth int) (*parsed, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("parse ActivityStreams document: %w", err)
	}
	if depth > maxDepth {
		return nil, invalidf("objects nested more than %d levels deep", maxDepth)
	}
	m := n.m
	o := &Object{Embedded: true, Raw: n.raw}
	switch id := m["id"].(type) {
	case nil:
	case string:
		if !isHTTPIRI(id) {
			return nil, invalidf("id %q is not an absolute http(s) IRI", id)
		}
		o.ID = id
	default:
		return nil, invalidf("id is a %s, not a string", kindOf(id))
	}
	switch m["type"].(type) {
	case nil:
		return nil, invalidf("missing type")
	case string, []any:
		o.Type = typeName(m)
	default:
		return nil, invalidf("type is a %s, not a string", kindOf(m["type"]))
	}
	if o.Type == "" {
		return nil, invalidf("missing type")
	}
	if err := checkShape(m); err != nil {
		return nil, err
	}

	t, err := resolve(ctx, m, o.Type)
	if err != nil {
		return nil, err
	}
	p := &parsed{obj: o, isActivity: isActivity(t), t: t}
	readObject(t, m, o)
	if o.Actor != "" && !isHTTPIRI(o.Actor) {
		return nil, invalidf("actor %q is not an absolute http(s) IRI", o.Actor)
	}
	if raw, ok := n.members["object"]; ok {
		if err := readObjectMember(ctx, raw, depth, p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// resolve runs go-fed on a copy of m prepared for it: the @context replaced
// by the ActivityStreams IRI (go-fed refuses a missing context and expects
// prefixed terms under an aliased one, while servers write bare terms), a
// single type name, and no "object" (parsed by readObjectMember from the
// exact bytes). A type go-fed does not know is resolved as a generic
// Activity or Object.
func resolve(ctx context.Context, m map[string]any, typ string) (vocab.Type, error) {
	c := maps.Clone(m)
	c["@context"] = activityStreamsIRI
	c["type"] = typ
	delete(c, "object")
	t, err := toType(ctx, c)
	if errors.Is(err, streams.ErrUnhandledType) {
		c["type"] = "Object"
		if _, hasActor := m["actor"]; hasActor {
			c["type"] = "Activity"
		}
		t, err = toType(ctx, c)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalid, typ, err)
	}
	return t, nil
}

// toType calls streams.ToType, turning a panic in the generated code into an
// error: no input may crash the inbox.
func toType(ctx context.Context, m map[string]any) (t vocab.Type, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("go-fed streams panicked: %v", r)
		}
	}()
	return streams.ToType(ctx, m)
}

// isActivity reports whether t is an activity. A Question extends
// IntransitiveActivity in ActivityStreams, but is a poll: an object.
func isActivity(t vocab.Type) bool {
	return streams.IsOrExtendsActivityStreamsActivity(t) && !streams.IsOrExtendsActivityStreamsQuestion(t)
}

// readObjectMember parses the "object" member: an IRI, an embedded object,
// or a list of those (a Flag). The first becomes Object.
func readObjectMember(ctx context.Context, raw json.RawMessage, depth int, p *parsed) error {
	var elems []json.RawMessage
	switch jsonKind(raw) {
	case "null":
		return nil
	case "array":
		if err := json.Unmarshal(raw, &elems); err != nil {
			return fmt.Errorf("%w: object: %w", ErrInvalid, err)
		}
	default:
		elems = []json.RawMessage{raw}
	}
	for _, e := range elems {
		obj, err := parseReference(ctx, e, depth)
		if err != nil {
			return err
		}
		if obj == nil {
			continue
		}
		if p.obj.Object == nil {
			p.obj.Object = obj
		}
		if obj.ID != "" {
			p.objectIDs = append(p.objectIDs, obj.ID)
		}
	}
	return nil
}

// parseReference parses one object value: an IRI or an embedded object. An
// embedded object with an id but no type is taken as a reference.
func parseReference(ctx context.Context, raw json.RawMessage, depth int) (*Object, error) {
	switch jsonKind(raw) {
	case "null":
		return nil, nil
	case "string":
		var id string
		if err := json.Unmarshal(raw, &id); err != nil {
			return nil, fmt.Errorf("%w: object: %w", ErrInvalid, err)
		}
		if !isHTTPIRI(id) {
			return nil, invalidf("object %q is not an absolute http(s) IRI", id)
		}
		return &Object{ID: id, Raw: raw}, nil
	case "object":
		n, err := decodeNode(raw)
		if err != nil {
			return nil, fmt.Errorf("object: %w", err)
		}
		if _, typed := n.m["type"]; !typed {
			if id, ok := n.m["id"].(string); ok && isHTTPIRI(id) {
				return &Object{ID: id, Raw: raw}, nil
			}
		}
		p, err := parseNode(ctx, n, depth+1)
		if err != nil {
			return nil, fmt.Errorf("object: %w", err)
		}
		return p.obj, nil
	default:
		return nil, invalidf("object is a %s, not an IRI or an object", jsonKind(raw))
	}
}

// isHTTPIRI reports whether s is an absolute http or https IRI with a host.
func isHTTPIRI(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	return (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}

// Interfaces over go-fed's generated types: a value is read when its type has
// the property.
type (
	hasActor interface {
		GetActivityStreamsActor() vocab.ActivityStreamsActorProperty
	}
	hasTarget interface {
		GetActivityStreamsTarget() vocab.ActivityStreamsTargetProperty
	}
	hasAttributedTo interface {
		GetActivityStreamsAttributedTo() vocab.ActivityStreamsAttributedToProperty
	}
	hasTo interface {
		GetActivityStreamsTo() vocab.ActivityStreamsToProperty
	}
	hasCc interface {
		GetActivityStreamsCc() vocab.ActivityStreamsCcProperty
	}
	hasAudience interface {
		GetActivityStreamsAudience() vocab.ActivityStreamsAudienceProperty
	}
	hasContent interface {
		GetActivityStreamsContent() vocab.ActivityStreamsContentProperty
	}
	hasSummary interface {
		GetActivityStreamsSummary() vocab.ActivityStreamsSummaryProperty
	}
	hasName interface {
		GetActivityStreamsName() vocab.ActivityStreamsNameProperty
	}
	hasMediaType interface {
		GetActivityStreamsMediaType() vocab.ActivityStreamsMediaTypeProperty
	}
	hasURL interface {
		GetActivityStreamsUrl() vocab.ActivityStreamsUrlProperty
	}
	hasHref interface {
		GetActivityStreamsHref() vocab.ActivityStreamsHrefProperty
	}
	hasInReplyTo interface {
		GetActivityStreamsInReplyTo() vocab.ActivityStreamsInReplyToProperty
	}
	hasTag interface {
		GetActivityStreamsTag() vocab.ActivityStreamsTagProperty
	}
	hasAttachment interface {
		GetActivityStreamsAttachment() vocab.ActivityStreamsAttachmentProperty
	}
	hasPublished interface {
		GetActivityStreamsPublished() vocab.ActivityStreamsPublishedProperty
	}
	hasUpdated interface {
		GetActivityStreamsUpdated() vocab.ActivityStreamsUpdatedProperty
	}
	hasStartTime interface {
		GetActivityStreamsStartTime() vocab.ActivityStreamsStartTimeProperty
	}
	hasEndTime interface {
		GetActivityStreamsEndTime() vocab.ActivityStreamsEndTimeProperty
	}
	hasLocation interface {
		GetActivityStreamsLocation() vocab.ActivityStreamsLocationProperty
	}
	hasOneOf interface {
		GetActivityStreamsOneOf() vocab.ActivityStreamsOneOfProperty
	}
	hasAnyOf interface {
		GetActivityStreamsAnyOf() vocab.ActivityStreamsAnyOfProperty
	}
	hasIcon interface {
		GetActivityStreamsIcon() vocab.ActivityStreamsIconProperty
	}
)

// iriOrType is what go-fed's reference-valued property iterators share.
type iriOrType interface {
	IsIRI() bool
	GetIRI() *url.URL
	GetType() vocab.Type
}

// langText is what go-fed's text property iterators (content, summary, name)
// share.
type langText interface {
	IsXMLSchemaString() bool
	GetXMLSchemaString() string
	IsRDFLangString() bool
	GetRDFLangString() map[string]string
}

// items returns the iterators of a non-functional go-fed property, nil for a
// missing one.
func items[I any](p interface {
	Len() int
	At(int) I
}) []I {
	if p == nil {
		return nil
	}
	out := make([]I, 0, p.Len())
	for i := range p.Len() {
		out = append(out, p.At(i))
	}
	return out
}

// refOf returns the id of a reference: the IRI, or the embedded value's id
// (a Link's href).
func refOf(it iriOrType) string {
	if it == nil {
		return ""
	}
	if it.IsIRI() {
		if u := it.GetIRI(); u != nil {
			return u.String()
		}
		return ""
	}
	return typeID(it.GetType())
}

// typeID returns the id of a go-fed value, or a Link's href.
func typeID(t vocab.Type) string {
	if t == nil {
		return ""
	}
	if id := t.GetJSONLDId(); id != nil && id.Get() != nil {
		return id.Get().String()
	}
	if h, ok := t.(hasHref); ok && h.GetActivityStreamsHref() != nil {
		if u := h.GetActivityStreamsHref().Get(); u != nil {
			return u.String()
		}
	}
	return ""
}

// refs returns the ids of the references in a list of iterators.
func refs[I iriOrType](its []I) []string {
	var out []string
	for _, it := range its {
		if id := normaliseAddress(refOf(it)); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// firstRef returns the first id in a list of iterators.
func firstRef[I iriOrType](its []I) string {
	for _, it := range its {
		if id := refOf(it); id != "" {
			return id
		}
	}
	return ""
}

// normaliseAddress turns the compact forms of the public collection into its
// IRI.
func normaliseAddress(s string) string {
	if s == "as:Public" || s == "Public" {
		return PublicAddress
	}
	return s
}

// text returns the first plain string of a text property and the merged
// language map.
func text[I langText](its []I) (string, map[string]string) {
	var s string
	var langs map[string]string
	for _, it := range its {
		switch {
		case it.IsXMLSchemaString():
			if s == "" {
				s = it.GetXMLSchemaString()
			}
		case it.IsRDFLangString():
			if langs == nil {
				langs = make(map[string]string)
			}
			maps.Copy(langs, it.GetRDFLangString())
		}
	}
	return s, langs
}

// preferredText returns s, or the preferred entry of langs when s is empty.
func preferredText(s string, langs map[string]string) string {
	if s != "" || len(langs) == 0 {
		return s
	}
	for _, l := range []string{"und", "en"} {
		if v, ok := langs[l]; ok {
			return v
		}
	}
	return langs[slices.Sorted(maps.Keys(langs))[0]]
}

// nameOf returns a value's name.
func nameOf(v any) string {
	if h, ok := v.(hasName); ok {
		s, langs := text(items(h.GetActivityStreamsName()))
		return preferredText(s, langs)
	}
	return ""
}

// summaryOf returns a value's summary.
func summaryOf(v any) string {
	if h, ok := v.(hasSummary); ok {
		s, langs := text(items(h.GetActivityStreamsSummary()))
		return preferredText(s, langs)
	}
	return ""
}

// mediaTypeOf returns a value's mediaType.
func mediaTypeOf(v any) string {
	if h, ok := v.(hasMediaType); ok {
		if p := h.GetActivityStreamsMediaType(); p != nil && p.IsRFCRfc2045() {
			return p.Get()
		}
	}
	return ""
}

// urlOf returns a value's URL: the first IRI, or the first Link's href,
// preferring a text/html Link (Lemmy and PeerTube list several).
func urlOf(v any) string {
	h, ok := v.(hasURL)
	if !ok {
		return ""
	}
	var first string
	for _, it := range items(h.GetActivityStreamsUrl()) {
		if it.IsIRI() {
			return it.GetIRI().String()
		}
		if it.IsActivityStreamsLink() {
			link := it.GetActivityStreamsLink()
			href := typeID(link)
			if mediaTypeOf(link) == "text/html" && href != "" {
				return href
			}
			if first == "" {
				first = href
			}
		}
	}
	return first
}

// timeOf returns the value of a functional dateTime property.
func timeOf(p interface {
	IsXMLSchemaDateTime() bool
	Get() time.Time
}) time.Time {
	if p == nil || !p.IsXMLSchemaDateTime() {
		return time.Time{}
	}
	return p.Get()
}

// readObject fills o from go-fed's t and, for the extension terms, the map m.
func readObject(t vocab.Type, m map[string]any, o *Object) {
	if h, ok := t.(hasActor); ok {
		o.Actor = firstRef(items(h.GetActivityStreamsActor()))
	}
	if h, ok := t.(hasTarget); ok {
		o.Target = firstRef(items(h.GetActivityStreamsTarget()))
	}
	if h, ok := t.(hasAttributedTo); ok {
		o.AttributedTo = firstRef(items(h.GetActivityStreamsAttributedTo()))
	}
	if h, ok := t.(hasTo); ok {
		o.To = refs(items(h.GetActivityStreamsTo()))
	}
	if h, ok := t.(hasCc); ok {
		o.Cc = refs(items(h.GetActivityStreamsCc()))
	}
	if h, ok := t.(hasAudience); ok {
		o.Audience = refs(items(h.GetActivityStreamsAudience()))
	}
	if h, ok := t.(hasContent); ok {
		o.Content, o.ContentMap = text(items(h.GetActivityStreamsContent()))
		o.Content = preferredText(o.Content, o.ContentMap)
	}
	o.Summary = summaryOf(t)
	o.Name = nameOf(t)
	o.MediaType = mediaTypeOf(t)
	o.URL = urlOf(t)
	if h, ok := t.(hasInReplyTo); ok {
		o.InReplyTo = firstRef(items(h.GetActivityStreamsInReplyTo()))
	}
	if h, ok := t.(hasPublished); ok {
		o.Published = timeOf(h.GetActivityStreamsPublished())
	}
	if h, ok := t.(hasUpdated); ok {
		o.Updated = timeOf(h.GetActivityStreamsUpdated())
	}
	if h, ok := t.(hasStartTime); ok {
		o.StartTime = timeOf(h.GetActivityStreamsStartTime())
	}
	if h, ok := t.(hasEndTime); ok {
		o.EndTime = timeOf(h.GetActivityStreamsEndTime())
	}
	if h, ok := t.(hasLocation); ok {
		for _, it := range items(h.GetActivityStreamsLocation()) {
			if o.Location = nameOf(it.GetType()); o.Location != "" {
				break
			}
		}
	}
	if h, ok := t.(hasOneOf); ok {
		for _, it := range items(h.GetActivityStreamsOneOf()) {
			o.OneOf = append(o.OneOf, nameOf(it.GetType()))
		}
	}
	if h, ok := t.(hasAnyOf); ok {
		for _, it := range items(h.GetActivityStreamsAnyOf()) {
			o.AnyOf = append(o.AnyOf, nameOf(it.GetType()))
		}
	}
	if h, ok := t.(hasTag); ok {
		o.Tags = readTags(items(h.GetActivityStreamsTag()), asList(m["tag"]))
	}
	if h, ok := t.(hasAttachment); ok {
		o.Attachments = readAttachments(items(h.GetActivityStreamsAttachment()), asList(m["attachment"]))
	}
	// go-fed reads contentMap only when content is absent.
	if len(o.ContentMap) == 0 {
		o.ContentMap = extLangMap(m, "contentMap")
		o.Content = preferredText(o.Content, o.ContentMap)
	}
	// go-fed reads plain text that starts like a URL scheme ("Note: bring
	// gloves") as an IRI and lowercases it; the JSON string is the text.
	for key, dst := range map[string]*string{"content": &o.Content, "name": &o.Name, "summary": &o.Summary} {
		if v, ok := m[key].(string); ok {
			*dst = v
		}
	}
	// Extension layer.
	o.Sensitive = extBool(m, "sensitive")
	o.Source = extSource(m)
}

// readTags reads tags through go-fed, and through the extension layer the
// elements go-fed keeps untyped (Hashtag): go-fed keeps one iterator per
// JSON element, so raw[i] is the element behind its[i].
func readTags(its []vocab.ActivityStreamsTagPropertyIterator, raw []any) []Tag {
	var tags []Tag
	for i, it := range its {
		if t := it.GetType(); t != nil {
			tag := Tag{Type: t.GetTypeName(), Href: typeID(t), Name: nameOf(t)}
			if h, ok := t.(hasHref); ok && h.GetActivityStreamsHref() != nil && h.GetActivityStreamsHref().Get() != nil {
				tag.Href = h.GetActivityStreamsHref().Get().String()
			}
			if h, ok := t.(hasIcon); ok {
				for _, icon := range items(h.GetActivityStreamsIcon()) {
					if u := urlOf(icon.GetType()); u != "" {
						tag.Href = u
						break
					}
				}
			}
			tags = append(tags, tag)
			continue
		}
		if it.IsIRI() || len(its) != len(raw) {
			continue
		}
		if tag, ok := extTag(raw[i]); ok {
			tags = append(tags, tag)
		}
	}
	return tags
}

// readAttachments reads attachments like readTags reads tags. Width and
// height come from the map: go-fed's Document has neither.
func readAttachments(its []vocab.ActivityStreamsAttachmentPropertyIterator, raw []any) []Attachment {
	var out []Attachment
	aligned := len(its) == len(raw)
	for i, it := range its {
		var elem map[string]any
		if aligned {
			elem, _ = raw[i].(map[string]any)
		}
		if t := it.GetType(); t != nil {
			a := Attachment{Type: t.GetTypeName(), MediaType: mediaTypeOf(t), URL: urlOf(t), Name: nameOf(t)}
			if a.URL == "" {
				a.URL = typeID(t)
			}
			a.Width, a.Height = extSize(elem)
			if a.URL != "" {
				out = append(out, a)
			}
			continue
		}
		if it.IsIRI() {
			out = append(out, Attachment{URL: it.GetIRI().String()})
			continue
		}
		if a, ok := extAttachment(elem); ok {
			out = append(out, a)
		}
	}
	return out
}
