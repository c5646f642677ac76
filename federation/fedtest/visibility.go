package fedtest

import "slices"

// ShownTo says how the instance's software would show the post in a
// Create it received (d) to one of its users, as its source decides, or
// "" when that user would not see it at all. senderFollowers is the
// sender's followers collection. The user is taken to follow the sender
// (a member follows the group), so followers-only posts are shown.
//
// What each flavour does with a post that is neither public nor
// followers-only (the rest is the usual public/unlisted/followers reading):
//
//   - Mastodon (app/lib/activitypub/activity/create.rb, process_audience;
//     app/lib/activitypub/parser/status_parser.rb, visibility): it is
//     "direct"; every local account in to/cc or owning the inbox it was
//     delivered to, but not tagged, becomes a silent mention, and one
//     silent mention makes the status "limited". Mentioned accounts, silent
//     or not, see it.
//   - GoToSocial (internal/ap/extract.go, ExtractVisibility;
//     internal/filter/visibility/status.go): it is "direct", visible only
//     to the accounts it mentions (Mention tags).
//   - Misskey (packages/backend/src/core/activitypub/ApAudienceService.ts,
//     parseAudience): it is "specified", visible to the actors in to/cc.
//   - Lemmy: a Note that is no comment in a community is read as a private
//     message from one Person to one Person (note_wrapper.rs); a group's
//     note to several people is neither, and is dropped.
func (i *Instance) ShownTo(d Delivery, user *Actor, senderFollowers string) string {
	if d.Type() != "Create" {
		return ""
	}
	obj, _ := d.Activity["object"].(map[string]any)
	if obj == nil {
		return ""
	}
	to, cc := iriList(obj["to"]), iriList(obj["cc"])
	var tagged []string
	for _, t := range asSlice(obj["tag"]) {
		if m, ok := t.(map[string]any); ok && str(m["type"]) == "Mention" {
			tagged = append(tagged, str(m["href"]))
		}
	}
	public, unlisted := slices.Contains(to, Public), slices.Contains(cc, Public)
	followers := senderFollowers != "" && slices.Contains(to, senderFollowers)
	addressed := slices.Contains(to, user.ID()) || slices.Contains(cc, user.ID())
	switch i.flavor {
	case Mastodon:
		switch {
		case public:
			return "public"
		case unlisted:
			return "unlisted"
		case followers:
			return "private"
		}
		personal := !d.Shared && d.Inbox == user.inbox
		if !addressed && !personal && !slices.Contains(tagged, user.ID()) {
			return ""
		}
		// limited when one local account is mentioned silently
		i.mu.Lock()
		defer i.mu.Unlock()
		for _, a := range i.actors {
			inAudience := slices.Contains(to, a.ID()) || slices.Contains(cc, a.ID()) || !d.Shared && d.Inbox == a.inbox
			if inAudience && !slices.Contains(tagged, a.ID()) {
				return "limited"
			}
		}
		return "direct"
	case GoToSocial:
		switch {
		case public:
			return "public"
		case unlisted:
			return "unlocked"
		case followers:
			return "followers_only"
		case slices.Contains(tagged, user.ID()):
			return "direct"
		}
		return ""
	case Misskey:
		switch {
		case public:
			return "public"
		case unlisted:
			return "home"
		case followers:
			return "followers"
		case addressed:
			return "specified"
		}
		return ""
	case Lemmy:
		if public || unlisted {
			return "public"
		}
		return ""
	}
	return ""
}

// iriList is an addressing field as a list of IRIs.
func iriList(v any) []string {
	var out []string
	for _, x := range asSlice(v) {
		if s := idOf(x); s != "" {
			out = append(out, s)
		}
	}
	return out
}
