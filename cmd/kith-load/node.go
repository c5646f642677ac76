package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/kith-social/kith/federation/iri"
)

// Media types of ActivityPub documents.
const (
	contentActivity = "application/activity+json"
	acceptActivity  = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
)

// nodeTarget is how the tool reaches the node: its IRIs carry the node's
// domain (which may differ from -node, e.g. with --domain), and every
// request for one goes to the -node address with that Host header, so
// that nothing outside 127.0.0.0/8 is ever contacted.
type nodeTarget struct {
	base   *url.URL // -node, checked to be a 127/8 literal
	domain string   // host[:port] in the node's IRIs
}

// newRequest builds a request for iri: on the node's domain it is sent to
// -node (Host kept); anywhere else the host must be a 127/8 literal.
func (n nodeTarget) newRequest(ctx context.Context, method, target string, body []byte) (*http.Request, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("parse %q: %w", target, err)
	}
	host := u.Host
	u.Fragment, u.RawFragment = "", ""
	if strings.EqualFold(u.Host, n.domain) {
		u.Scheme, u.Host = n.base.Scheme, n.base.Host
	} else if u, err = checkURL(u.String()); err != nil {
		return nil, err
	} else {
		host = u.Host
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", method, target, err)
	}
	req.Host = host
	return req, nil
}

// groupInfo is what the tool knows of the group under test.
type groupInfo struct {
	Name        string
	ID          string
	Inbox       string
	SharedInbox string // "" if the group advertises none
	Followers   string
	Outbox      string
	FromDoc     bool // false: the IRIs were assumed from the federation/iri layout
}

// errGroupNotFound means the node answered 404 for the group.
var errGroupNotFound = errors.New("group not found")

// discoverGroup GETs the group actor as ActivityPub JSON. If the node
// answers but not with an actor document (the endpoint is still being
// written), it falls back to the federation/iri layout and says so.
func discoverGroup(ctx context.Context, c *http.Client, node nodeTarget, name string) (groupInfo, error) {
	b := iri.New(node.base.Scheme, node.base.Host)
	assumed := groupInfo{
		Name: name, ID: b.Group(name), Inbox: b.GroupInbox(name), SharedInbox: b.SharedInbox(),
		Followers: b.GroupFollowers(name), Outbox: b.GroupOutbox(name),
	}
	req, err := node.newRequest(ctx, http.MethodGet, b.Group(name), nil)
	if err != nil {
		return groupInfo{}, err
	}
	req.Header.Set("Accept", acceptActivity)
	resp, err := c.Do(req)
	if err != nil {
		return groupInfo{}, fmt.Errorf("fetch group %s (is the node running?): %w", b.Group(name), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return groupInfo{}, fmt.Errorf("read group %s: %w", b.Group(name), err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return groupInfo{}, fmt.Errorf("%w: %s answered 404: create the group (kith group create %s), or the node does not serve group actors yet", errGroupNotFound, b.Group(name), name)
	}
	var doc struct {
		ID        string `json:"id"`
		Type      string `json:"type"`
		Inbox     string `json:"inbox"`
		Outbox    string `json:"outbox"`
		Followers string `json:"followers"`
		Endpoints struct {
			SharedInbox string `json:"sharedInbox"`
		} `json:"endpoints"`
	}
	if resp.StatusCode/100 != 2 || json.Unmarshal(body, &doc) != nil || doc.ID == "" || doc.Inbox == "" {
		return assumed, nil
	}
	u, err := url.Parse(doc.ID)
	if err != nil || u.Host == "" {
		return groupInfo{}, fmt.Errorf("group document id %q is not an absolute IRI", doc.ID)
	}
	return groupInfo{
		Name: name, ID: doc.ID, Inbox: doc.Inbox, SharedInbox: doc.Endpoints.SharedInbox,
		Followers: doc.Followers, Outbox: doc.Outbox, FromDoc: true,
	}, nil
}

// domainOf returns host[:port] of an IRI.
func domainOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Host
}
