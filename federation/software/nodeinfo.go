package software

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/kith-social/kith/federation/transport"
)

// nodeInfoSchema is the prefix of the NodeInfo 2.x link relations; the
// version follows it (2.0, 2.1, 2.2).
const nodeInfoSchema = "http://nodeinfo.diaspora.software/ns/schema/2."

// ErrNoNodeInfo is a server that publishes no NodeInfo 2.x document.
var ErrNoNodeInfo = errors.New("no NodeInfo 2.x link")

// Info is what a NodeInfo document says about a server's software.
type Info struct {
	Name    string // lower case
	Version string
}

// Fetch reads host's /.well-known/nodeinfo, then the newest 2.x document
// it links to, and returns the software's name and version.
func Fetch(ctx context.Context, c *transport.Client, host string) (Info, error) {
	b, err := c.GetWellKnown(ctx, host, "nodeinfo")
	if err != nil {
		return Info{}, err
	}
	href, err := nodeInfoLink(b)
	if err != nil {
		return Info{}, fmt.Errorf("nodeinfo of %s: %w", host, err)
	}
	doc, err := c.GetPlainJSON(ctx, href)
	if err != nil {
		return Info{}, err
	}
	info, err := parseNodeInfo(doc)
	if err != nil {
		return Info{}, fmt.Errorf("nodeinfo of %s (%s): %w", host, href, err)
	}
	return info, nil
}

// nodeInfoLink picks the link to the newest NodeInfo 2.x document.
func nodeInfoLink(b []byte) (string, error) {
	var links struct {
		Links []struct {
			Rel  string `json:"rel"`
			Href string `json:"href"`
		} `json:"links"`
	}
	if err := json.Unmarshal(b, &links); err != nil {
		return "", fmt.Errorf("decode links: %w", err)
	}
	best, bestMinor := "", ""
	for _, l := range links.Links {
		minor, ok := strings.CutPrefix(strings.TrimSuffix(l.Rel, "/"), nodeInfoSchema)
		if !ok || l.Href == "" || len(minor) != 1 || minor[0] < '0' || minor[0] > '9' {
			continue
		}
		if best == "" || minor > bestMinor {
			best, bestMinor = l.Href, minor
		}
	}
	if best == "" {
		return "", ErrNoNodeInfo
	}
	return best, nil
}

// parseNodeInfo reads the software of a NodeInfo 2.x document.
func parseNodeInfo(b []byte) (Info, error) {
	var doc struct {
		Software struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"software"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return Info{}, fmt.Errorf("decode: %w", err)
	}
	name := strings.ToLower(strings.TrimSpace(doc.Software.Name))
	if name == "" {
		return Info{}, errors.New("no software name")
	}
	return Info{Name: clip(name, 100), Version: clip(strings.TrimSpace(doc.Software.Version), 100)}, nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
