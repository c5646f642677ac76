package media

import (
	"encoding/json"
	"strings"
)

// Attachment is an image attached to a stored post.
type Attachment struct {
	Type      string
	MediaType string
	URL       string // as the post gives it: on its server, or the node's own upload
	Name      string // the description (alt text)
	Width     int
	Height    int
}

// Images returns the image attachments of a stored ActivityStreams object
// (Post.ObjectRaw), in order. An attachment is an image when its
// mediaType says so, or when it is an Image without one; its url may be a
// string, a Link or a list of either (the first usable one is taken).
// Other attachments (video, audio, profile fields) are left out.
func Images(objectRaw string) []Attachment {
	var doc struct {
		Attachment json.RawMessage `json:"attachment"`
	}
	if objectRaw == "" || json.Unmarshal([]byte(objectRaw), &doc) != nil || len(doc.Attachment) == 0 {
		return nil
	}
	type item struct {
		Type      string          `json:"type"`
		MediaType string          `json:"mediaType"`
		URL       json.RawMessage `json:"url"`
		Href      string          `json:"href"`
		Name      string          `json:"name"`
		Width     int             `json:"width"`
		Height    int             `json:"height"`
	}
	var items []item
	if json.Unmarshal(doc.Attachment, &items) != nil {
		var one item
		if json.Unmarshal(doc.Attachment, &one) != nil {
			return nil
		}
		items = []item{one}
	}
	var out []Attachment
	for _, it := range items {
		isImage := strings.HasPrefix(it.MediaType, "image/") || (it.MediaType == "" && it.Type == "Image")
		if !isImage {
			continue
		}
		u := firstURL(it.URL)
		if u == "" {
			u = it.Href
		}
		if u == "" {
			continue
		}
		out = append(out, Attachment{Type: it.Type, MediaType: it.MediaType, URL: u, Name: strings.TrimSpace(it.Name),
			Width: max(0, it.Width), Height: max(0, it.Height)})
	}
	return out
}

// firstURL reads an ActivityStreams url value: a string, a Link (href), or
// a list of either.
func firstURL(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var link struct {
		Href string `json:"href"`
	}
	if json.Unmarshal(raw, &link) == nil && link.Href != "" {
		return link.Href
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		for _, el := range list {
			if u := firstURL(el); u != "" {
				return u
			}
		}
	}
	return ""
}
