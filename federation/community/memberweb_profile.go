package community

// "My membership" on the members' pages: the same state the DM commands
// change ("directory on/off", "intro"), plus what a member adds about
// themselves in this one community (pronouns, a few fields) and whether
// the digest also comes to them by direct message.

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
)

// Limits of what a member adds about themselves.
const (
	MaxPronouns      = 40
	MaxProfileFields = 4
	MaxFieldName     = 40
	MaxFieldValue    = 200
)

// InputError is a member's input that cannot be saved, with the reason
// to show them.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// ProfileField is a name and a value a member shows in one group; plain
// text.
type ProfileField = storage.MemberField

// MemberSettingsInput is the "My membership" form.
type MemberSettingsInput struct {
	InDirectory bool
	DigestDM    bool
	Pronouns    string
	Fields      []ProfileField // empty names and values are dropped
}

// MemberProfile is a member's page of their membership: what the group keeps
// about them and the posts they may choose an intro from.
type MemberProfile struct {
	Profile *storage.MemberProfile
	Fields  []ProfileField
	Posts   []storage.Post // their latest published posts in the group
}

// MembershipOf loads a member's membership in a group.
func (e *MembersPages) MembershipOf(ctx context.Context, groupID, actorID string) (*MemberProfile, error) {
	mp, err := storage.MemberProfileOf(ctx, e.DB, groupID, actorID)
	if err != nil {
		return nil, err
	}
	posts, err := storage.MemberPostsInGroup(ctx, e.DB, groupID, actorID, 20)
	if err != nil {
		return nil, err
	}
	return &MemberProfile{Profile: mp, Fields: mp.Fields(), Posts: posts}, nil
}

// SaveMemberSettings stores a member's "My membership" form. Only members
// may (not applicants); the change takes effect at once, like the DM
// commands.
func (e *MembersPages) SaveMemberSettings(ctx context.Context, groupID, actorID string, in MemberSettingsInput) error {
	if err := e.mustBeMember(ctx, groupID, actorID); err != nil {
		return err
	}
	in.Pronouns = strings.TrimSpace(in.Pronouns)
	if utf8.RuneCountInString(in.Pronouns) > MaxPronouns {
		return &InputError{fmt.Sprintf("Pronouns are limited to %d characters.", MaxPronouns)}
	}
	var fields []ProfileField
	for _, f := range in.Fields {
		f.Name, f.Value = strings.TrimSpace(f.Name), strings.TrimSpace(f.Value)
		switch {
		case f.Name == "" && f.Value == "":
			continue
		case f.Name == "" || f.Value == "":
			return &InputError{"Give each field both a name and a value."}
		case utf8.RuneCountInString(f.Name) > MaxFieldName:
			return &InputError{fmt.Sprintf("Field names are limited to %d characters.", MaxFieldName)}
		case utf8.RuneCountInString(f.Value) > MaxFieldValue:
			return &InputError{fmt.Sprintf("Field values are limited to %d characters.", MaxFieldValue)}
		}
		fields = append(fields, f)
	}
	if len(fields) > MaxProfileFields {
		return &InputError{fmt.Sprintf("At most %d fields.", MaxProfileFields)}
	}
	fj, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("encode profile fields: %w", err)
	}
	if fields == nil {
		fj = []byte("[]")
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return storage.SaveMemberSettings(ctx, tx, e.Now(), groupID, actorID, storage.MemberSettings{
			InDirectory: in.InDirectory, DigestDM: in.DigestDM, Pronouns: in.Pronouns, FieldsJSON: string(fj),
		})
	})
}

// SetMemberIntro makes one of the member's published posts in the group
// their intro (the "intro" DM command's rule); an empty postID takes the
// intro away.
func (e *MembersPages) SetMemberIntro(ctx context.Context, groupID, actorID, postID string) error {
	if err := e.mustBeMember(ctx, groupID, actorID); err != nil {
		return err
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if postID == "" {
			return storage.ClearIntroPost(ctx, tx, e.Now(), groupID, actorID)
		}
		p, err := storage.PostByID(ctx, tx, postID)
		if isNotFound(err) || err == nil && (p.GroupID != groupID || p.AuthorID != actorID || p.State != storage.PostPublished) {
			return &InputError{"That post is not one of your posts in this group."}
		}
		if err != nil {
			return err
		}
		return storage.SetIntroPost(ctx, tx, e.Now(), groupID, actorID, p.ID)
	})
}

// mustBeMember refuses anyone who is not (or no longer) a member.
func (e *MembersPages) mustBeMember(ctx context.Context, groupID, actorID string) error {
	st, err := e.StandingOf(ctx, groupID, actorID)
	if err != nil {
		return err
	}
	if st != Member {
		return &InputError{"Only members can do that. If you asked to join, wait until a moderator lets you in."}
	}
	return nil
}

// digestByDM sends a published digest to the members who asked for it by
// direct message, in the digest's transaction.
func (e *core) digestByDM(ctx context.Context, tx bun.Tx, g *storage.Group, p *storage.Post) error {
	to, err := storage.DigestDMMembers(ctx, tx, g.ID)
	if err != nil {
		return err
	}
	note := fmt.Sprintf(`<p>(You get the digest of %s by direct message; turn it off on the group's members' pages: <a href="%s">%s</a>)</p>`,
		html.EscapeString(g.Title), html.EscapeString(e.IRI.MemberPages(g.Name)), html.EscapeString(e.IRI.MemberPages(g.Name)))
	for i := range to {
		if _, err := e.directMessage(ctx, tx, g, &to[i], p.ContentHTML+note, ""); err != nil {
			return err
		}
	}
	return nil
}
