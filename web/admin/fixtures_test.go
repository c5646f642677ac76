package admin_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

const wait = webtest.Wait // an outer limit, see webtest.Wait

// pngImage is a w×h PNG; opaque unless alpha is set.
func pngImage(t *testing.T, w, h int, alpha bool) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{R: uint8(x), G: uint8(y), B: 120, A: 255}
			if alpha && x < w/2 {
				c.A = 100
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gifImage is a w×h GIF.
func gifImage(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewPaletted(image.Rect(0, 0, w, h), []color.Color{color.White, color.Black})
	var buf bytes.Buffer
	if err := gif.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tooLarge is a PNG signature followed by more than 8 MiB.
func tooLarge() []byte {
	b := make([]byte, 8<<20+1)
	copy(b, "\x89PNG\r\n\x1a\n")
	return b
}

// send delivers an activity from a remote actor to the node and waits
// until the node processed it.
func (n *node) send(a *fedtest.Actor, target string, activity map[string]any) {
	n.t.Helper()
	resp, err := a.Send(context.Background(), target, activity)
	if err != nil {
		n.t.Fatalf("send %v: %v", activity["type"], err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		n.t.Fatalf("send %v: status %d: %s", activity["type"], resp.StatusCode, body)
	}
	if p := n.fed.WaitProcessed(n.t, activity["id"].(string)); p.Err != nil {
		n.t.Fatalf("processing %v: %v", activity["type"], p.Err)
	}
}

// member makes a remote account on inst that asks to join (or joins) group.
func (n *node) member(inst *fedtest.Instance, username, group string) *fedtest.Actor {
	n.t.Helper()
	a := inst.NewActor(username)
	groupIRI := n.fed.GroupIRI(group)
	n.send(a, groupIRI, a.Follow(groupIRI))
	return a
}

// memberPost has a member post to the group (mentioning it).
func (n *node) memberPost(a *fedtest.Actor, group, text string) *storage.Post {
	n.t.Helper()
	groupIRI := n.fed.GroupIRI(group)
	note := a.CreateNote(fedtest.Note{Content: "<p>" + text + "</p>", Mentions: []fedtest.Mention{{Href: groupIRI, Name: "@" + group + "@" + webtest.Host}}})
	n.send(a, groupIRI, note)
	g := mustGroup(n.t, n.db, group)
	p, err := storage.PostByIRI(context.Background(), n.db, g.ID, fedtest.ObjectID(note))
	if err != nil {
		n.t.Fatal(err)
	}
	return p
}

// setGroup changes a group's settings directly.
func (n *node) setGroup(name string, mutate func(*storage.Group)) {
	n.t.Helper()
	g := mustGroup(n.t, n.db, name)
	mutate(g)
	if err := storage.UpdateGroup(context.Background(), n.db, time.Now(), g); err != nil {
		n.t.Fatal(err)
	}
}

func delivered(typ, objectID string) func(fedtest.Delivery) bool {
	return func(d fedtest.Delivery) bool { return d.Type() == typ && (objectID == "" || d.ObjectID() == objectID) }
}
