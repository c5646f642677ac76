package members

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/kith-social/kith/federation/community"
)

// saveSettings stores the "My membership" form: directory listing, digest
// by DM, pronouns and fields. Bad input shows the form again with what
// was typed and the reason; nothing is lost.
func (m *Members) saveSettings(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	in := community.MemberSettingsInput{
		InDirectory: r.PostForm.Get("directory") == "on",
		DigestDM:    r.PostForm.Get("digest_dm") == "on",
		Pronouns:    r.PostForm.Get("pronouns"),
	}
	for i := range community.MaxProfileFields + 1 { // one more than allowed is refused, not dropped
		n := strconv.Itoa(i)
		if name, value := r.PostForm.Get("field_name_"+n), r.PostForm.Get("field_value_"+n); name != "" || value != "" {
			in.Fields = append(in.Fields, community.ProfileField{Name: name, Value: value})
		}
	}
	err := m.community.SaveMemberSettings(ctx, cur.Group.ID, cur.Actor.ID, in)
	var bad *community.InputError
	if errors.As(err, &bad) {
		d, derr := m.homeData(r)
		if derr != nil {
			return derr
		}
		d.Form, d.Fields, d.Error = in, formRows(in.Fields), bad.Msg
		return m.render(w, http.StatusUnprocessableEntity, "home", cur.Group.Title, d)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, cookiePath(cur.Group.Name)+"?saved=1#membership", http.StatusSeeOther)
	return nil
}

// saveIntro makes one of the member's posts their intro, or none.
func (m *Members) saveIntro(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	err := m.community.SetMemberIntro(ctx, cur.Group.ID, cur.Actor.ID, r.PostForm.Get("post"))
	var bad *community.InputError
	if errors.As(err, &bad) {
		d, derr := m.homeData(r)
		if derr != nil {
			return derr
		}
		d.Error = bad.Msg
		return m.render(w, http.StatusUnprocessableEntity, "home", cur.Group.Title, d)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, cookiePath(cur.Group.Name)+"?saved=1#intro", http.StatusSeeOther)
	return nil
}
