// Package vocab converts between ActivityStreams JSON and the plain Go structs
// the rest of Kith works with. It is the only package that imports go-fed's
// very large generated streams package: inbox processing, delivery and storage
// mapping see only Activity, Object, Actor and the builders below, so they
// build and test quickly.
//
// # What go-fed streams does here
//
// Incoming documents are decoded by encoding/json into a map and handed to
// streams.ToType, which resolves the ActivityStreams type and deserialises the
// standard vocabulary: addressing (to, cc, audience), actor, attributedTo,
// target, inReplyTo, content and contentMap, name, summary, mediaType, url,
// published/updated, tag (Mention, Link, toot:Emoji), attachment (Document,
// Image, Link), icon/image, inbox/outbox/followers/following, the security
// vocabulary's publicKey, toot:discoverable and toot:featured, startTime,
// endTime, location and a Question's oneOf/anyOf. Properties holding one value
// or an array, values given as an IRI or as an embedded object, and ids with
// fragments or queries are go-fed's job.
//
// Outgoing documents (the group and instance actors, Notes, activities,
// collections) are built as go-fed types for the same standard vocabulary and
// serialised with streams.Serialize.
//
// Where go-fed v1.0.0 cannot do the job this package works on the JSON map
// instead, and says why at that spot. The main cases:
//
//   - streams.ToType refuses a document without "@context" and reads terms
//     with a prefix when the context aliases the ActivityStreams namespace.
//     Fediverse servers compact every term to its bare name and many omit the
//     context, so the context is replaced by the plain ActivityStreams IRI
//     before resolution (no JSON-LD expansion is done, as no fediverse
//     server does one).
//   - Types go-fed does not know (Lemmy's Lock, Pleroma's ChatMessage,
//     Misskey's EmojiReact…) make ToType fail. They are resolved as a generic
//     Activity (when they have an actor) or Object, and the original type name
//     is kept in the Type field.
//   - Embedded "object" values are parsed by this package, recursively, from
//     the exact bytes received, so that Object.Raw holds them unchanged.
//   - go-fed serialises xsd:dateTime with whole seconds only; Misskey drops a
//     boost stamped before the boosted note to the millisecond, so published
//     and updated are written with millisecond precision by the extension
//     layer.
//   - go-fed reads contentMap only when content is absent, and its Document
//     has no width or height: both are read from the map.
//   - go-fed validates nothing: an "id" of 7 or a "to" of 5 is kept as an
//     unknown value. The shape checks in this package reject such documents
//     with ErrInvalid.
//
// # The extension layer
//
// go-fed v1.0.0 lacks terms Kith needs: endpoints/sharedInbox,
// manuallyApprovesFollowers, sensitive, toot:indexable, schema:PropertyValue
// (profile fields), as:Hashtag, lemmy:postingRestrictedToMods and the source
// object. Elements of a known property whose type go-fed does not know (a
// Hashtag in tag, a PropertyValue in attachment) are kept by go-fed in an
// unexported field without a getter. ext.go is the one place that reads these
// terms from the decoded JSON map and writes them into the serialised map;
// extensionTerms is the one table that defines them for the JSON-LD context.
// audience is plain ActivityStreams 2.0 and is handled by go-fed.
//
// # What go-ap/jsonld does here
//
// github.com/go-ap/jsonld writes the "@context" of every outgoing document
// and puts it first (jsonld.WithContext), in the shape Mastodon uses: the
// ActivityStreams and security vocabulary IRIs as jsonld.IRI values, then one
// object with the prefixes (toot:, schema:, lemmy:) and exactly the extension
// terms the document uses, taken from extensionTerms. The body itself is
// encoded by encoding/json without HTML escaping: go-ap/jsonld's encoder
// writes one-element arrays as bare values, which Lemmy does not accept
// everywhere. go-ap/jsonld is not used for parsing: it does no context
// processing, and incoming documents are read by their compacted term names
// like every fediverse server reads them.
package vocab
