// Package media is the node's image pipeline and its cache of images from
// other servers.
//
// Pages never make a visitor's browser ask another server for anything:
// every avatar, header and attachment of a remote actor is shown from the
// node's own URL, /media/remote/{sig}/{url}. On the first request for one,
// [Cache] fetches the remote image itself through the federation
// transport (its SSRF guard: no loopback or private addresses unless the
// node runs with --allow-private-networks; its timeouts and redirect
// limit), refuses more than a byte limit (by Content-Length before
// reading, and by a capped reader) and more than a pixel limit (from the
// image header, before decoding), sniffs the type from the bytes, and
// stores a re-encoded PNG or JPEG with no metadata — the same pipeline as
// uploads ([Decode], [Fit], [Encode]). Later requests are served from
// disk. A size budget is kept by evicting the least recently used files;
// a failed fetch is remembered for a while so that a dead server is not
// asked again on every page view.
//
// # Not an open proxy
//
// The URL of a cached image carries the remote URL and an HMAC of it made
// with a key only the node knows (kept in node_settings). Only the node
// renders such URLs, and it renders them only for images it knows from
// stored actors and posts; a URL whose MAC does not check is a 404 without
// a fetch. Signing the URL (instead of writing a row for every image when
// a page is rendered) keeps page views free of database writes; the cache
// table gets its row when the image is fetched.
package media
