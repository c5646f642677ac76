package admin

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// postRow is a post with its images, for the lists.
type postRow struct {
	storage.Post
	Images []postImage
	Poll   *pollView // the results, for a poll
}

// postImage is an attachment and the node's URL for it: the upload's path
// for the node's own, the media cache for other servers' ("" when it
// cannot be shown), so the admin pages show every image from the node.
type postImage struct {
	vocab.Attachment
	Src string
}

// attachments reads the attachments of a stored object.
func (a *Admin) attachments(objectRaw string) []postImage {
	var doc struct {
		Attachment []struct {
			Type      string `json:"type"`
			MediaType string `json:"mediaType"`
			URL       any    `json:"url"`
			Name      string `json:"name"`
			Width     int    `json:"width"`
			Height    int    `json:"height"`
		} `json:"attachment"`
	}
	_ = json.Unmarshal([]byte(objectRaw), &doc) // stored by the engine; no images on error
	var out []postImage
	for _, at := range doc.Attachment {
		u, _ := at.URL.(string)
		if u == "" {
			continue
		}
		img := postImage{Attachment: vocab.Attachment{Type: at.Type, MediaType: at.MediaType, URL: u, Name: at.Name, Width: at.Width, Height: at.Height}, Src: a.imageURL(u)}
		out = append(out, img)
	}
	return out
}

// imageURL is the node-relative URL of an image: the node's uploads under
// /media/, other servers' images through the media cache, "" otherwise.
func (a *Admin) imageURL(u string) string {
	if a.fed != nil {
		if rel, ok := strings.CutPrefix(u, a.fed.MediaURL("")); ok && rel != "" && !strings.ContainsAny(rel, "?#") {
			return "/media/" + rel
		}
	}
	if a.media != nil {
		return a.media.URL(u)
	}
	return ""
}

func (a *Admin) postRows(posts []storage.Post) []postRow {
	rows := make([]postRow, 0, len(posts))
	for _, p := range posts {
		rows = append(rows, postRow{Post: p, Images: a.attachments(p.ObjectRaw)})
	}
	return rows
}

// postsPage lists the group's own posts.
type postsPage struct {
	Nav   groupNav
	Posts []postRow
}

// postList shows what the group itself published, newest first, with
// edit, delete and pin.
func (a *Admin) postList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "posts")
	if err != nil {
		return err
	}
	posts, err := storage.ListGroupPosts(ctx, a.db, g.ID, storage.PostPublished, true, 100)
	if err != nil {
		return err
	}
	rows := a.postRows(posts)
	for i := range rows {
		if rows[i].Poll, err = a.pollOf(ctx, &rows[i].Post, a.now()); err != nil {
			return err
		}
	}
	return a.render(w, r, http.StatusOK, "posts", &page{Title: "Posts of " + g.Title, Nav: "groups",
		Data: postsPage{Nav: nav, Posts: rows}})
}

// groupPost loads the {post} of a route and checks that it belongs to the
// group (404 otherwise: ids of other groups are not revealed).
func (a *Admin) groupPost(r *http.Request) (*storage.Post, error) {
	ctx := r.Context()
	p, err := storage.PostByID(ctx, a.db, chiParam(r, "post"))
	if err != nil {
		return nil, err
	}
	if p.GroupID != currentGroup(ctx).ID {
		return nil, errNotFound("There is no such post in this group.")
	}
	return p, nil
}
