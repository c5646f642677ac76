package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// ServiceRel is the WebFinger link relation of the instance actor (FEP-d556).
const ServiceRel = "https://www.w3.org/ns/activitystreams#Service"

type jrdLink struct {
	Rel      string `json:"rel"`
	Type     string `json:"type,omitempty"`
	Href     string `json:"href,omitempty"`
	Template string `json:"template,omitempty"`
}

type jrd struct {
	Subject string    `json:"subject"`
	Aliases []string  `json:"aliases,omitempty"`
	Links   []jrdLink `json:"links"`
}

// WebFinger answers a WebFinger query for a group (acct:name@domain or
// its actor IRI) or for the instance actor (acct:domain@domain, its IRI,
// or the node's origin per FEP-d556). Unknown resources are ErrNotFound.
func (e *Engine) WebFinger(ctx context.Context, resource string) ([]byte, error) {
	notFound := fmt.Errorf("webfinger %q: %w", resource, storage.ErrNotFound)
	name, ok := e.webFingerName(resource)
	if !ok {
		return nil, notFound
	}
	if name == strings.ToLower(e.IRI.Domain()) {
		return json.Marshal(jrd{
			Subject: "acct:" + e.IRI.Domain() + "@" + e.IRI.Domain(),
			Aliases: []string{e.IRI.InstanceActor()},
			Links: []jrdLink{
				{Rel: "self", Type: vocab.ContentType, Href: e.IRI.InstanceActor()},
				{Rel: ServiceRel, Type: vocab.ContentType, Href: e.IRI.InstanceActor()},
			},
		})
	}
	if _, err := storage.GroupByName(ctx, e.DB, name); err != nil {
		return nil, notFound
	}
	return json.Marshal(jrd{
		Subject: e.IRI.Acct(name),
		Aliases: []string{e.IRI.Group(name)},
		Links: []jrdLink{
			{Rel: "self", Type: vocab.ContentType, Href: e.IRI.Group(name)},
			{Rel: "http://webfinger.net/rel/profile-page", Type: "text/html", Href: e.IRI.Group(name)},
		},
	})
}

// webFingerName reads a WebFinger resource: the local name it asks about
// (the node's domain for the instance actor), or false.
func (e *Engine) webFingerName(resource string) (string, bool) {
	res := strings.TrimSpace(resource)
	// Some servers percent-encode the resource twice (acct:bob%40host%3A8081).
	for range 2 {
		if dec, err := url.QueryUnescape(res); err == nil {
			res = dec
		}
	}
	switch {
	case strings.HasPrefix(strings.ToLower(res), "acct:"):
		user, host, ok := strings.Cut(res[len("acct:"):], "@")
		user = strings.TrimPrefix(user, "@")
		if !ok || user == "" || !strings.EqualFold(host, e.IRI.Domain()) {
			return "", false
		}
		return strings.ToLower(user), true
	case res == e.IRI.Base() || res == e.IRI.Home() || res == e.IRI.InstanceActor():
		return strings.ToLower(e.IRI.Domain()), true
	default:
		return e.IRI.IsGroup(res)
	}
}

// HostMeta is the XRD pointing at WebFinger (older servers start here).
func (e *Engine) HostMeta() []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
  <Link rel="lrdd" template="` + e.IRI.WebFingerTemplate() + `"/>
</XRD>
`)
}

// NodeInfoLinks is /.well-known/nodeinfo.
func (e *Engine) NodeInfoLinks() []byte {
	b, _ := json.Marshal(map[string]any{"links": []jrdLink{
		{Rel: "http://nodeinfo.diaspora.software/ns/schema/2.0", Href: e.IRI.NodeInfo("2.0")},
		{Rel: "http://nodeinfo.diaspora.software/ns/schema/2.1", Href: e.IRI.NodeInfo("2.1")},
		{Rel: "https://www.w3.org/ns/activitystreams#Application", Href: e.IRI.InstanceActor()},
	}})
	return b
}

// NodeInfo is the NodeInfo document in version "2.0" or "2.1". Kith's
// local "users" are its groups: they are the node's only local actors.
func (e *Engine) NodeInfo(ctx context.Context, version string) ([]byte, error) {
	groups, err := storage.CountGroups(ctx, e.DB)
	if err != nil {
		return nil, err
	}
	posts, err := storage.CountPublishedPosts(ctx, e.DB)
	if err != nil {
		return nil, err
	}
	software := map[string]any{"name": "kith", "version": e.Version}
	if version == "2.1" {
		software["repository"] = "https://github.com/kith-social/kith"
		software["homepage"] = "https://github.com/kith-social/kith"
	}
	return json.Marshal(map[string]any{
		"version":           version,
		"software":          software,
		"protocols":         []string{"activitypub"},
		"services":          map[string]any{"inbound": []string{}, "outbound": []string{"atom1.0", "rss2.0"}},
		"openRegistrations": false,
		"usage": map[string]any{
			"users":      map[string]int{"total": groups, "activeMonth": groups, "activeHalfyear": groups},
			"localPosts": posts,
		},
		"metadata": map[string]any{"nodeName": e.IRI.Domain()},
	})
}
