package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kith-social/kith/federation/httpsig"
)

// userAgent is sent with every request, so node logs show the load tool.
const userAgent = "kith-load (Mastodon-like; +loopback)"

// idGen mints activity and note ids unique to this run, so a second run
// against the same node is not deduplicated away.
type idGen struct {
	run string
	seq atomic.Int64
}

func newIDGen() *idGen {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &idGen{run: hex.EncodeToString(b[:])}
}

// next returns a fresh numeric-looking id ("1<run>00042"-ish, as Mastodon
// snowflakes are digits; the run part keeps ids unique across runs).
func (g *idGen) next() string {
	return g.run + strconv.FormatInt(1_000_000+g.seq.Add(1), 10)
}

// mention is the group's Mention tag, as Mastodon writes it.
func mention(g groupInfo) map[string]any {
	return map[string]any{"type": "Mention", "href": g.ID, "name": "@" + g.Name + "@" + domainOf(g.ID)}
}

// followActivity is Mastodon's Follow: the id is a bare URL on the
// follower's server.
func followActivity(a actor, groupID, id string) map[string]any {
	return map[string]any{
		"@context": asContext,
		"id":       a.srv.url("/" + id),
		"type":     "Follow",
		"actor":    a.id(),
		"object":   groupID,
	}
}

// noteCreate is Mastodon's Create{Note} for a public post that mentions
// the group: to Public, cc the author's followers and the group, a
// Mention tag. inReplyTo makes it a reply. The note is served on the
// author's server at its id, so the node can fetch it.
func noteCreate(a actor, g groupInfo, id, text, inReplyTo string, now time.Time) (create, note map[string]any) {
	tag := mention(g)
	noteID := a.id() + "/statuses/" + id
	published := now.UTC().Format(time.RFC3339)
	note = map[string]any{
		"id":           noteID,
		"type":         "Note",
		"attributedTo": a.id(),
		"content":      `<p><span class="h-card"><a href="` + g.ID + `" class="u-url mention">@<span>` + g.Name + `</span></a></span> ` + text + `</p>`,
		"published":    published,
		"to":           []string{asPublic},
		"cc":           []string{a.followers(), g.ID},
		"tag":          []any{tag},
		"sensitive":    false,
		"url":          a.srv.url("/@" + a.username() + "/" + id),
		"atomUri":      noteID,
		"attachment":   []any{},
		"inReplyTo":    nil,
	}
	if inReplyTo != "" {
		note["inReplyTo"] = inReplyTo
	}
	create = map[string]any{
		"@context":  []any{asContext, map[string]any{"ostatus": "http://ostatus.org#", "atomUri": "ostatus:atomUri", "sensitive": "as:sensitive"}},
		"id":        noteID + "/activity",
		"type":      "Create",
		"actor":     a.id(),
		"published": published,
		"to":        note["to"],
		"cc":        note["cc"],
		"object":    note,
	}
	doc := make(map[string]any, len(note)+1)
	for k, v := range note {
		doc[k] = v
	}
	doc["@context"] = create["@context"]
	if b, err := json.Marshal(doc); err == nil {
		a.srv.serve(strings.TrimPrefix(noteID, "http://"+a.srv.host), b)
	}
	return create, note
}

// likeActivity is Mastodon's Like (id: actor#likes/N).
func likeActivity(a actor, object, id string) map[string]any {
	return map[string]any{"@context": asContext, "id": a.id() + "#likes/" + id, "type": "Like", "actor": a.id(), "object": object}
}

// updateActivity is Mastodon's Update of an edited note (the note is
// served again with the new content).
func updateActivity(a actor, note map[string]any, id, text string, now time.Time) map[string]any {
	n := make(map[string]any, len(note)+1)
	for k, v := range note {
		n[k] = v
	}
	n["content"] = "<p>" + text + "</p>"
	n["updated"] = now.UTC().Format(time.RFC3339)
	return map[string]any{
		"@context": asContext, "id": str(note["id"]) + "#updates/" + id, "type": "Update",
		"actor": a.id(), "to": note["to"], "cc": note["cc"], "object": n,
	}
}

// signedPost is a request built and signed ahead of sending: signing is
// the expensive part (an RSA-2048 signature), so the inbox scenario signs
// before the clock starts.
type signedPost struct {
	from   *server // whose client (source IP) sends it
	url    string
	host   string
	header http.Header
	body   []byte
}

// signPost builds a POST of body to inbox signed with key as Mastodon
// signs: (request-target) host date digest.
func signPost(node nodeTarget, from *server, inbox string, body []byte, key httpsig.Key, now time.Time) (signedPost, error) {
	req, err := node.newRequest(context.Background(), http.MethodPost, inbox, body)
	if err != nil {
		return signedPost{}, err
	}
	req.Header.Set("Content-Type", contentActivity)
	req.Header.Set("Accept", acceptActivity)
	req.Header.Set("User-Agent", userAgent)
	if err := httpsig.Sign(req, body, key, now); err != nil {
		return signedPost{}, fmt.Errorf("sign POST to %s: %w", inbox, err)
	}
	return signedPost{from: from, url: req.URL.String(), host: req.Host, header: req.Header, body: body}, nil
}

// signActivity marshals activity and signs it with the actor's key.
func signActivity(node nodeTarget, a actor, inbox string, activity map[string]any) (signedPost, error) {
	body, err := json.Marshal(activity)
	if err != nil {
		return signedPost{}, fmt.Errorf("marshal %s: %w", str(activity["type"]), err)
	}
	return signPost(node, a.srv, inbox, body, a.key, time.Now())
}

// corruptSignature flips one character of the signature value, keeping
// the keyId: the node must resolve the key (and may refetch it) before it
// can tell the signature is bad.
func corruptSignature(p signedPost) signedPost {
	h := p.header.Clone()
	h.Set("Signature", flipSignature(h.Get("Signature")))
	p.header = h
	return p
}

// flipSignature changes the first character of the signature="…" value
// of a Signature header, keeping it valid base64.
func flipSignature(s string) string {
	at := strings.Index(s, `signature="`) + len(`signature="`)
	if at < len(`signature="`) || at >= len(s) {
		return s
	}
	flip := byte('A')
	if s[at] == 'A' {
		flip = 'B'
	}
	return s[:at] + string(flip) + s[at+1:]
}

// send POSTs p with c and returns the status and how long it took; the
// response body is drained so the connection is reused.
func (p signedPost) send(ctx context.Context, c *http.Client) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(p.body))
	if err != nil {
		return 0, 0, fmt.Errorf("build POST %s: %w", p.url, err)
	}
	req.Host = p.host
	req.Header = p.header.Clone()
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, time.Since(start), fmt.Errorf("POST %s: %w", p.url, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, time.Since(start), nil
}

// inboxFor picks where to POST: "shared" uses the shared inbox when the
// group advertises one, "group" the group's own inbox, "mixed" alternates
// by n so both routes are exercised.
func inboxFor(mode string, g groupInfo, n int) string {
	switch {
	case g.SharedInbox == "", mode == "group", mode == "mixed" && n%2 == 1:
		return g.Inbox
	}
	return g.SharedInbox
}
