// Package content is everything Kith does with the text of posts and
// profiles: it sanitises HTML that arrives from other servers, renders the
// Markdown that staff write, escapes plain text typed into forms, and turns
// HTML back into plain text for excerpts, link previews, feed titles and
// command parsing.
//
// # One policy for everything that becomes HTML
//
// [Sanitizer.Sanitize] is the only way HTML reaches a page. Remote HTML
// (Mastodon, Lemmy, Misskey, Friendica, Pleroma...) is untrusted, and the
// HTML produced by [Sanitizer.Markdown] goes through the same policy again as
// defence in depth. The policy is an allow list built once in [New]; a
// [Sanitizer] holds no mutable state and is safe for concurrent use.
//
// Kept, because fediverse posts use them: p, br, div, span, a, strong, b,
// em, i, u, del, s, sup, sub, code, pre, blockquote, ul, ol, li, h1–h6
// (Lemmy renders Markdown headings), hr, ruby/rt/rp (Misskey furigana),
// details/summary (Lemmy spoilers) and tables (Lemmy, our own Markdown).
//
// Attributes kept: href on a (absolute http and https URLs with a host and
// no user info, and mailto URLs); class on a, span and p, filtered word by
// word against the microformat classes Mastodon and Lemmy emit (h-card,
// mention, hashtag, u-url, invisible, ellipsis, quote-inline), so templates
// can style mentions and hide the "https://" prefix of shortened links but
// remote servers cannot borrow our own classes; translate="yes|no" on a and span (Mastodon marks
// names untranslatable); start on ol; language-* on code; align on th/td.
// Everything else goes, in particular every on* handler, style (no CSS
// tricks: overlays, hidden text, fake UI), id and name (no DOM clobbering of
// our own page), data-*, title, and every URL that is relative (it would
// resolve against our origin), protocol-relative, unparseable (this is what
// catches "jav&#x09;ascript:") or of another scheme (javascript:, data:,
// vbscript:, ...). The content of script, style, iframe, object, svg, math,
// template, textarea and select is dropped with the element; other unknown
// elements (font, center, base, meta, form...) are dropped and their text
// kept.
//
// Every link gets rel="nofollow noopener noreferrer ugc" and target="_blank",
// whatever the remote server put there: links in posts are user content we
// do not vouch for, must not learn our URLs from the Referer header and must
// not get a handle on our window.
//
// # No remote images inline
//
// img is not kept. A remote image inside a post would load from a server we
// do not control on every page view, leaking readers' IP addresses and
// reading habits to it, could change after moderation looked at it, and can
// be any size. Mastodon drops inline images from remote posts for the same
// reasons. Media belongs in the object's attachment list, where Kith can
// fetch, check, cache and show it with its alt text. So that nothing
// silently disappears (Lemmy bodies do embed images), an inline image
// becomes a link to it whose text is its alt text (or its URL); inside a
// link only the alt text remains.
//
// # Markdown
//
// [Sanitizer.Markdown] uses goldmark with CommonMark plus the linkify,
// strikethrough and table extensions, and hard line breaks, because staff
// type into textareas and expect a newline to be one. Raw HTML in the
// source is never passed through: goldmark omits it and the sanitiser would
// remove it anyway. Heading ids are not generated (no DOM clobbering).
//
// # Plain text
//
// [PlainText] and [Excerpt] read any HTML, sanitised or not; they never
// return markup, so their output must still be escaped (html/template does
// that) when it is put on a page. [EscapeText] goes the other way, turning
// text from a form into HTML that [Sanitizer.Sanitize] leaves unchanged.
package content
