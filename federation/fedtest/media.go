package fedtest

import (
	"bytes"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"strings"
)

// Instances serve media as real servers do, without signatures: every
// /avatars/<name>.png (the default icon of an actor) is a small PNG
// drawn from the name, and ServeMedia adds any other file (attachments,
// headers, files that lie about their type). Requests for them are
// recorded in Fetches like every GET.

// mediaFile is a file served by ServeMedia.
type mediaFile struct {
	contentType string
	body        []byte
}

// Attachment is an image attached to a Note.
type Attachment struct {
	URL       string
	MediaType string
	Name      string // the description (alt text)
	Width     int
	Height    int
}

// ServeMedia serves body with contentType at path (unsigned GETs too),
// replacing a generated avatar there.
func (i *Instance) ServeMedia(path, contentType string, body []byte) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.media == nil {
		i.media = map[string]mediaFile{}
	}
	i.media[path] = mediaFile{contentType: contentType, body: body}
}

// mediaLocked returns the media file at path: one ServeMedia put there,
// or a generated avatar under /avatars/. Callers hold i.mu.
func (i *Instance) mediaLocked(path string) (mediaFile, bool) {
	if f, ok := i.media[path]; ok {
		return f, true
	}
	if name, ok := strings.CutPrefix(path, "/avatars/"); ok && strings.HasSuffix(name, ".png") && !strings.Contains(name, "/") {
		return mediaFile{contentType: "image/png", body: PNG(48, 48, i.host+path)}, true
	}
	return mediaFile{}, false
}

// PNG draws a w×h opaque PNG in a colour derived from seed.
func PNG(w, h int, seed string) []byte {
	f := fnv.New32a()
	f.Write([]byte(seed))
	s := f.Sum32()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(s), G: uint8(s >> 8), B: uint8(s>>16) ^ uint8(x*4), A: 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // encoding an in-memory NRGBA does not fail
	return buf.Bytes()
}

func attachmentsJSON(as []Attachment) []any {
	out := make([]any, 0, len(as))
	for _, a := range as {
		m := map[string]any{"type": "Document", "mediaType": a.MediaType, "url": a.URL, "name": a.Name}
		if a.Width > 0 && a.Height > 0 {
			m["width"], m["height"] = a.Width, a.Height
		}
		out = append(out, m)
	}
	return out
}
