// Package grouparchive writes a group to a self-contained file and
// recreates it on another node (kith group export / import): the first
// half of moving a group to another server; the Move (federation/
// community/move.go) is the second.
//
// The file is a zip: archive.json (the schema version, the source, the
// group's profile and settings, and its rows, storage.GroupRows) and the
// group's uploaded media under media/. A zip, not a tar.gz: it can be
// read without unpacking it first (the index is at the end), every system
// opens it, and the images in it are compressed already.
//
// Importing maps every row id to this node's: the archive's own ids when
// the group is new here (they are UUIDv7, unique across nodes), otherwise
// ids derived from the local group's id and the archived id (keeping the
// UUIDv7 timestamp, so ordering by id still orders by time). Either way
// the same archive imported twice maps to the same ids, and rows already
// present are kept: nothing is duplicated.
package grouparchive

import (
	"archive/zip"
	"context"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/iri"
	"github.com/kith-social/kith/federation/keys"
	"github.com/kith-social/kith/federation/mediastore"
	"github.com/kith-social/kith/storage"
)

// Schema is the version of the archive format this build writes and the
// newest it reads. Raise it when a change means an older Kith would
// misread an archive (a new table whose rows matter, a changed meaning);
// adding a field older builds may ignore does not need it.
const Schema = 1

// Kind names the file's purpose in archive.json.
const Kind = "kith-group-export"

const manifestName = "archive.json"

// ErrNewerSchema means the archive was written by a newer Kith.
var ErrNewerSchema = errors.New("archive from a newer Kith")

// Archive is archive.json.
type Archive struct {
	Kind       string    `json:"kind"`
	Schema     int       `json:"schema"`
	ExportedAt time.Time `json:"exported_at"`
	Source     Source    `json:"source"`
	// Group is the profile and settings; its keys are not exported (the
	// old group keeps signing at its old address; the new one has its own).
	Group storage.Group      `json:"group"`
	Rows  *storage.GroupRows `json:"rows"`
	// Media lists the files under media/ in the zip, relative to the
	// node's media directory.
	Media []string `json:"media"`
}

// Source is where the group was exported from.
type Source struct {
	Scheme string `json:"scheme"`
	Domain string `json:"domain"`
	Name   string `json:"name"`
	IRI    string `json:"iri"`
}

// Config is what export and import need of the node.
type Config struct {
	DB     *bun.DB
	IRI    iri.Builder
	Scheme string
	Media  mediastore.Store // where uploads are (--media-store): keys under media/
	Now    func() time.Time
}

// Counts says how much an archive carries.
type Counts struct {
	Members, Posts, Roles, Badges, Events, Polls, Modmail, Media int
}

func countsOf(a *Archive) Counts {
	return Counts{Members: len(a.Rows.Members), Posts: len(a.Rows.Posts), Roles: len(a.Rows.Roles),
		Badges: len(a.Rows.Badges), Events: len(a.Rows.Events), Polls: len(a.Rows.Polls), Modmail: len(a.Rows.Conversations), Media: len(a.Media)}
}

// Export writes group name to w.
func Export(ctx context.Context, c Config, name string, w io.Writer) (Counts, error) {
	a := &Archive{Kind: Kind, Schema: Schema, ExportedAt: c.Now().UTC()}
	err := c.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		g, err := storage.GroupByName(ctx, tx, name)
		if err != nil {
			return err
		}
		a.Group = *g
		a.Group.PrivateKeyPEM, a.Group.PublicKeyPEM = "", ""
		a.Source = Source{Scheme: c.Scheme, Domain: c.IRI.Domain(), Name: g.Name, IRI: c.IRI.Group(g.Name)}
		a.Rows, err = storage.ReadGroupRows(ctx, tx, g.ID)
		return err
	})
	if err != nil {
		return Counts{}, fmt.Errorf("export group %s: %w", name, err)
	}
	err = c.Media.List(ctx, mediastore.UploadsPrefix+"groups/"+a.Group.ID+"/", func(info mediastore.Info) error {
		a.Media = append(a.Media, strings.TrimPrefix(info.Key, mediastore.UploadsPrefix))
		return nil
	})
	if err != nil {
		return Counts{}, fmt.Errorf("export media of %s: %w", name, err)
	}
	slices.Sort(a.Media) // the store lists in no promised order
	zw := zip.NewWriter(w)
	mw, err := zw.Create(manifestName)
	if err != nil {
		return Counts{}, err
	}
	enc := json.NewEncoder(mw)
	enc.SetIndent("", " ")
	if err := enc.Encode(a); err != nil {
		return Counts{}, fmt.Errorf("write %s: %w", manifestName, err)
	}
	for _, rel := range a.Media {
		if err := copyInto(ctx, zw, c.Media, rel); err != nil {
			return Counts{}, err
		}
	}
	if err := zw.Close(); err != nil {
		return Counts{}, fmt.Errorf("write archive: %w", err)
	}
	return countsOf(a), nil
}

// copyInto copies the upload rel (relative to media/) into the archive.
func copyInto(ctx context.Context, zw *zip.Writer, store mediastore.Store, rel string) error {
	obj, err := store.Get(ctx, mediastore.UploadsPrefix+rel)
	if err != nil {
		return fmt.Errorf("export media: %w", err)
	}
	defer obj.Close()
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "media/" + rel, Method: zip.Store}) // images are compressed already
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, obj); err != nil {
		return fmt.Errorf("export media %s: %w", rel, err)
	}
	return nil
}

// Read opens an archive and checks its kind and schema.
func Read(r io.ReaderAt, size int64) (*Archive, *zip.Reader, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, nil, fmt.Errorf("not a Kith group export (a zip file): %w", err)
	}
	f, err := zr.Open(manifestName)
	if err != nil {
		return nil, nil, fmt.Errorf("not a Kith group export: no %s", manifestName)
	}
	defer f.Close()
	var head struct {
		Kind   string `json:"kind"`
		Schema int    `json:"schema"`
	}
	body, err := io.ReadAll(f)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", manifestName, err)
	}
	if err := json.Unmarshal(body, &head); err != nil || head.Kind != Kind {
		return nil, nil, fmt.Errorf("not a Kith group export: %s has kind %q", manifestName, head.Kind)
	}
	if head.Schema > Schema {
		return nil, nil, fmt.Errorf("%w: the archive has schema %d, this Kith reads schemas up to %d: upgrade Kith on this node, then import again", ErrNewerSchema, head.Schema, Schema)
	}
	a := new(Archive)
	if err := json.Unmarshal(body, a); err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", manifestName, err)
	}
	if a.Rows == nil {
		a.Rows = &storage.GroupRows{}
	}
	return a, zr, nil
}

// Result says what an import did.
type Result struct {
	Group   *storage.Group
	Created bool // a new group; false: merged into the group of that name
	Counts  Counts
	// Alias is the old group's address, added to the group's alsoKnownAs
	// ("" when the archive came from this very group).
	Alias string
}

// Import recreates the archive's group here, under asName when given.
func Import(ctx context.Context, c Config, r io.ReaderAt, size int64, asName string) (*Result, error) {
	a, zr, err := Read(r, size)
	if err != nil {
		return nil, err
	}
	name := a.Group.Name
	if asName != "" {
		name = asName
	}
	if err := storage.ValidateGroupName(name); err != nil {
		return nil, err
	}
	res := &Result{Counts: countsOf(a)}
	err = c.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		g, created, err := upsertGroup(ctx, c, tx, a, name)
		if err != nil {
			return err
		}
		res.Group, res.Created = g, created
		if a.Source.IRI != "" && a.Source.IRI != c.IRI.Group(g.Name) && !slices.Contains(g.AliasList(), a.Source.IRI) {
			if err := storage.SetGroupAliases(ctx, tx, c.Now(), g.ID, append(g.AliasList(), a.Source.IRI)); err != nil {
				return err
			}
			g.AlsoKnownAs = strings.Join(append(g.AliasList(), a.Source.IRI), "\n")
		}
		if a.Source.IRI != c.IRI.Group(g.Name) {
			res.Alias = a.Source.IRI
		}
		actorIDs, err := storage.AdoptRemoteActors(ctx, tx, a.Rows.Actors)
		if err != nil {
			return err
		}
		m := newMapper(c, a, g, actorIDs)
		rows := m.rows()
		if err := storage.InsertGroupRows(ctx, tx, rows); err != nil {
			return err
		}
		for _, f := range a.Rows.Members {
			iri := m.actorIRI[f.ActorID]
			if iri == "" {
				continue
			}
			local := actorIDs[iri]
			if _, err := storage.FollowOf(ctx, tx, g.ID, local); err == nil {
				continue // a member here already
			}
			since := f.AcceptedAt
			if since.IsZero() {
				since = f.CreatedAt
			}
			if err := storage.AddArrivingMember(ctx, tx, &storage.ArrivingMember{GroupID: g.ID, ActorIRI: iri, MemberSince: since}); err != nil {
				return err
			}
		}
		return storage.Notify(ctx, tx, storage.Invalidation{What: storage.InvalidateGroups})
	})
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	if err := extractMedia(ctx, zr, a.Media, c.Media); err != nil {
		return nil, err
	}
	return res, nil
}

// upsertGroup creates the group (with the archive's id when it is free
// here, and new keys) or, when one of that name exists, applies the
// archive's profile and settings to it, keeping its keys and addresses.
func upsertGroup(ctx context.Context, c Config, tx bun.Tx, a *Archive, name string) (*storage.Group, bool, error) {
	g, err := storage.GroupByName(ctx, tx, name)
	if err == nil {
		keep := *g
		*g = a.Group
		g.ID, g.Name, g.PrivateKeyPEM, g.PublicKeyPEM = keep.ID, keep.Name, keep.PrivateKeyPEM, keep.PublicKeyPEM
		g.MovedTo, g.MovedToHandle, g.AlsoKnownAs, g.CreatedAt = keep.MovedTo, keep.MovedToHandle, keep.AlsoKnownAs, keep.CreatedAt
		if err := storage.UpdateGroup(ctx, tx, c.Now(), g); err != nil {
			return nil, false, err
		}
		return g, false, nil
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return nil, false, err
	}
	g = new(storage.Group)
	*g = a.Group
	g.Name, g.MovedTo, g.MovedToHandle, g.AlsoKnownAs = name, "", "", ""
	if _, err := storage.GroupByID(ctx, tx, g.ID); err == nil {
		g.ID = storage.NewID() // the same node, under another name
	} else if !errors.Is(err, storage.ErrNotFound) {
		return nil, false, err
	}
	if g.PrivateKeyPEM, g.PublicKeyPEM, err = keys.Generate(); err != nil {
		return nil, false, err
	}
	if err := storage.CreateGroup(ctx, tx, c.Now(), g); err != nil { // stamped now: new at this address
		return nil, false, err
	}
	return g, true, nil
}

// extractMedia stores the archive's media files that are not here yet.
func extractMedia(ctx context.Context, zr *zip.Reader, files []string, store mediastore.Store) error {
	for _, rel := range files {
		clean := path.Clean(rel)
		key := mediastore.UploadsPrefix + clean
		if clean != rel || !strings.HasPrefix(clean, "groups/") || !mediastore.ValidKey(key) {
			return fmt.Errorf("import media: refusing the path %q", rel)
		}
		if _, err := store.Stat(ctx, key); err == nil {
			continue
		} else if !errors.Is(err, mediastore.ErrNotExist) {
			return fmt.Errorf("import media: %w", err)
		}
		data, err := readZipped(zr, "media/"+clean)
		if err != nil {
			return err
		}
		opts := mediastore.PutOptions{ContentType: mediastore.TypeOf(key), CacheControl: mediastore.CacheControlOf(key)}
		if err := store.Put(ctx, key, data, opts); err != nil {
			return fmt.Errorf("import media %s: %w", rel, err)
		}
	}
	return nil
}

// maxMediaFile bounds one media file read from an archive: uploads are
// re-encoded images of a few MiB at most.
const maxMediaFile = 64 << 20

func readZipped(zr *zip.Reader, name string) ([]byte, error) {
	src, err := zr.Open(name)
	if err != nil {
		return nil, fmt.Errorf("import media: %w", err)
	}
	defer src.Close()
	data, err := io.ReadAll(io.LimitReader(src, maxMediaFile+1))
	if err != nil {
		return nil, fmt.Errorf("import media %s: %w", name, err)
	}
	if len(data) > maxMediaFile {
		return nil, fmt.Errorf("import media %s: larger than %d MiB", name, maxMediaFile>>20)
	}
	return data, nil
}

// mapper turns the archive's rows into this node's: ids, the group, the
// actors, and the IRIs of the group's own posts.
type mapper struct {
	a        *Archive
	g        *storage.Group
	same     bool              // the archive's ids are kept
	actorIRI map[string]string // archived actor id → IRI
	actorIDs map[string]string // IRI → local actor id
	rewrite  *strings.Replacer // the old group's IRIs → the new group's, in group posts
	postIRIs map[string]string // old IRI of a group post → new
}

func newMapper(c Config, a *Archive, g *storage.Group, actorIDs map[string]string) *mapper {
	m := &mapper{a: a, g: g, same: g.ID == a.Group.ID, actorIRI: map[string]string{}, actorIDs: actorIDs, postIRIs: map[string]string{}}
	for _, ra := range a.Rows.Actors {
		m.actorIRI[ra.ID] = ra.IRI
	}
	src := iri.New(cmpOr(a.Source.Scheme, c.Scheme), a.Source.Domain)
	var pairs []string
	for _, p := range a.Rows.Posts {
		if p.AuthorID == "" && p.IRI != "" {
			m.postIRIs[p.IRI] = c.IRI.Post(g.Name, m.id(p.ID))
			pairs = append(pairs, p.IRI, m.postIRIs[p.IRI])
		}
	}
	if a.Source.Domain != "" {
		oldG, newG := src.Group(a.Source.Name), c.IRI.Group(g.Name)
		pairs = append(pairs, oldG+"/", newG+"/", `"`+oldG+`"`, `"`+newG+`"`, oldG+`\"`, newG+`\"`, src.Media(""), c.IRI.Media(""))
	}
	m.rewrite = strings.NewReplacer(pairs...)
	return m
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// id maps an archived row id.
func (m *mapper) id(x string) string {
	if x == "" || m.same {
		return x
	}
	sum := sha1.Sum([]byte(m.g.ID + "/" + x))
	var u uuid.UUID
	copy(u[:], sum[:16])
	if old, err := uuid.Parse(x); err == nil && old.Version() == 7 {
		copy(u[:6], old[:6]) // keep the time, which orders UUIDv7 ids
	}
	u[6] = u[6]&0x0f | 0x70 // version 7
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u.String()
}

func (m *mapper) actor(id string) string {
	if id == "" {
		return ""
	}
	return m.actorIDs[m.actorIRI[id]]
}

func (m *mapper) rows() *storage.GroupRows {
	a, g := m.a.Rows, m.g.ID
	r := &storage.GroupRows{}
	for _, p := range a.Posts {
		own := p.AuthorID == ""
		p.ID, p.GroupID, p.ParentID, p.RootID = m.id(p.ID), g, m.id(p.ParentID), m.id(p.RootID)
		p.AuthorID, p.CreditActorID = m.actor(p.AuthorID), m.actor(p.CreditActorID)
		if own {
			p.IRI, p.URL = m.rewrite.Replace(p.IRI), m.rewrite.Replace(p.URL)
			p.ObjectRaw, p.ActivityRaw = m.rewrite.Replace(p.ObjectRaw), m.rewrite.Replace(p.ActivityRaw)
			p.ContentHTML = m.rewrite.Replace(p.ContentHTML)
		}
		if n, ok := m.postIRIs[p.InReplyTo]; ok {
			p.InReplyTo = n
		}
		if p.AuthorID == "" && !own {
			continue // its author was not exported
		}
		r.Posts = append(r.Posts, p)
	}
	for _, x := range a.Roles {
		x.ID, x.GroupID = m.id(x.ID), g
		r.Roles = append(r.Roles, x)
	}
	for _, x := range a.RoleAssignments {
		x.RoleID, x.ActorID = m.id(x.RoleID), m.actor(x.ActorID)
		r.RoleAssignments = append(r.RoleAssignments, x)
	}
	for _, x := range a.Badges {
		x.ID, x.GroupID = m.id(x.ID), g
		r.Badges = append(r.Badges, x)
	}
	for _, x := range a.BadgeAwards {
		x.ID, x.BadgeID, x.ActorID, x.PostID = m.id(x.ID), m.id(x.BadgeID), m.actor(x.ActorID), m.id(x.PostID)
		x.Badge, x.Actor = nil, nil
		r.BadgeAwards = append(r.BadgeAwards, x)
	}
	for _, x := range a.Profiles {
		x.GroupID, x.ActorID, x.IntroPostID, x.IntroPost = g, m.actor(x.ActorID), m.id(x.IntroPostID), nil
		r.Profiles = append(r.Profiles, x)
	}
	for _, x := range a.Belonging {
		x.GroupID = g
		r.Belonging = append(r.Belonging, x)
	}
	for _, x := range a.Log {
		x.ID, x.GroupID = m.id(x.ID), g
		r.Log = append(r.Log, x)
	}
	for _, x := range a.Bans {
		x.ID, x.GroupID, x.ActorID, x.Actor = m.id(x.ID), g, m.actor(x.ActorID), nil
		r.Bans = append(r.Bans, x)
	}
	for _, x := range a.Events {
		x.ID, x.PostID, x.GroupID, x.Post = m.id(x.ID), m.id(x.PostID), g, nil
		r.Events = append(r.Events, x)
	}
	for _, x := range a.Attendees {
		x.ID, x.EventID, x.ActorID, x.Actor = m.id(x.ID), m.id(x.EventID), m.actor(x.ActorID), nil
		r.Attendees = append(r.Attendees, x)
	}
	for _, x := range a.Polls {
		x.ID, x.PostID, x.GroupID, x.Options = m.id(x.ID), m.id(x.PostID), g, nil
		r.Polls = append(r.Polls, x)
	}
	for _, x := range a.PollOptions {
		x.ID, x.PollID = m.id(x.ID), m.id(x.PollID)
		r.PollOptions = append(r.PollOptions, x)
	}
	for _, x := range a.PollVotes {
		x.ID, x.PollID, x.OptionID, x.ActorID = m.id(x.ID), m.id(x.PollID), m.id(x.OptionID), m.actor(x.ActorID)
		r.PollVotes = append(r.PollVotes, x)
	}
	for _, x := range a.Conversations {
		x.ID, x.GroupID, x.ActorID, x.Actor = m.id(x.ID), g, m.actor(x.ActorID), nil
		r.Conversations = append(r.Conversations, x)
	}
	for _, x := range a.Messages {
		x.ID, x.ConversationID = m.id(x.ID), m.id(x.ConversationID)
		if !x.Incoming {
			x.IRI = m.rewrite.Replace(x.IRI) // the group's answers are its own notes
		}
		r.Messages = append(r.Messages, x)
	}
	return r
}
