package actors

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// RemoteWebFinger asks host about resource (unsigned, through the node's
// guarded transport): the public pages' remote-follow form uses it.
func (e *Actors) RemoteWebFinger(ctx context.Context, resource, host string) ([]byte, error) {
	return e.Client.GetWebFinger(ctx, resource, host)
}

// SplitHandle splits "@name@host" (or "name@host", or "acct:name@host")
// into its parts.
func SplitHandle(handle string) (name, host string, err error) {
	h := strings.TrimPrefix(strings.TrimSpace(handle), "acct:")
	h = strings.TrimPrefix(h, "@")
	name, host, ok := strings.Cut(h, "@")
	if !ok || name == "" || host == "" || strings.ContainsAny(name+host, "@/ ") {
		return "", "", fmt.Errorf("%q is not an address like @name@server.example", handle)
	}
	return name, strings.ToLower(host), nil
}

// ActorIRIOf finds the actor IRI of @name@host by WebFinger: the link with
// rel "self" and an ActivityPub type.
func (e *Actors) ActorIRIOf(ctx context.Context, name, host string) (string, error) {
	body, err := e.Client.GetWebFinger(ctx, "acct:"+name+"@"+host, host)
	if err != nil {
		return "", fmt.Errorf("webfinger %s@%s: %w", name, host, err)
	}
	var jrd struct {
		Links []struct {
			Rel  string `json:"rel"`
			Type string `json:"type"`
			Href string `json:"href"`
		} `json:"links"`
	}
	if err := json.Unmarshal(body, &jrd); err != nil {
		return "", fmt.Errorf("webfinger %s@%s: decode: %w", name, host, err)
	}
	for _, l := range jrd.Links {
		if l.Rel == "self" && l.Href != "" && (strings.HasPrefix(l.Type, "application/activity+json") || strings.HasPrefix(l.Type, "application/ld+json")) {
			return l.Href, nil
		}
	}
	return "", fmt.Errorf("webfinger %s@%s: no ActivityPub actor", name, host)
}
