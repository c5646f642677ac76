package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/kith-social/kith/storage"
)

// SubscribeRel is the WebFinger link relation of a server's "follow
// this remote account" page (Mastodon, Pleroma, Misskey, GoToSocial…).
const SubscribeRel = "http://ostatus.org/schema/1.0/subscribe"

// ErrBadHandle is a visitor's fediverse handle that is not user@server.
var ErrBadHandle = errors.New("not a fediverse handle")

// ErrNoSubscribe means the visitor's server offers no remote-follow page;
// they should search for the group's handle there instead.
var ErrNoSubscribe = errors.New("the server has no remote-follow page")

// ParseHandle splits "@user@server" or "user@server" (server may carry a
// port) and rejects anything else.
func ParseHandle(handle string) (user, host string, err error) {
	h := strings.TrimPrefix(strings.TrimSpace(handle), "@")
	h = strings.TrimPrefix(h, "acct:")
	user, host, ok := strings.Cut(h, "@")
	if !ok || user == "" || host == "" || strings.ContainsAny(user, " /?#:") ||
		strings.ContainsAny(host, " /?#@\\") || !strings.Contains(strings.Split(host, ":")[0], ".") && !strings.Contains(host, ":") {
		return "", "", fmt.Errorf("%w: %q, want user@server.example", ErrBadHandle, handle)
	}
	return user, strings.ToLower(host), nil
}

// RemoteFollowURL finds, by WebFinger on the visitor's own server, the
// page where they can follow the group from their account, and returns it
// with the group's handle filled in.
func (e *Engine) RemoteFollowURL(ctx context.Context, visitorHandle, groupName string) (string, error) {
	user, host, err := ParseHandle(visitorHandle)
	if err != nil {
		return "", err
	}
	if _, err := storage.GroupByName(ctx, e.db, groupName); err != nil {
		return "", err
	}
	body, err := e.client.GetWebFinger(ctx, "acct:"+user+"@"+host, host)
	if err != nil {
		return "", fmt.Errorf("ask %s about %s: %w", host, visitorHandle, err)
	}
	var doc struct {
		Links []struct {
			Rel      string `json:"rel"`
			Template string `json:"template"`
		} `json:"links"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("WebFinger answer from %s: %w", host, err)
	}
	groupHandle := groupName + "@" + e.iri.Domain()
	for _, l := range doc.Links {
		if l.Rel != SubscribeRel || !strings.Contains(l.Template, "{uri}") {
			continue
		}
		target := strings.ReplaceAll(l.Template, "{uri}", url.QueryEscape(groupHandle))
		u, err := url.Parse(target)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			continue // never redirect a visitor to javascript: or a relative URL
		}
		return target, nil
	}
	return "", ErrNoSubscribe
}

// RemoteWebFinger asks host about resource (unsigned, through the node's
// guarded transport): the public pages' remote-follow form uses it.
func (e *Engine) RemoteWebFinger(ctx context.Context, resource, host string) ([]byte, error) {
	return e.client.GetWebFinger(ctx, resource, host)
}
