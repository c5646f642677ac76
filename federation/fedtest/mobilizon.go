package fedtest

// Mobilizon-shaped RSVPs. Mobilizon's actors look like Mastodon's to a
// group (a Person with a shared inbox, rsa-sha256 signatures), so a
// Mastodon-flavored instance stands in for a Mobilizon server; these
// helpers build what Mobilizon sends to join and leave an event.

// Join returns the Join a Mobilizon participant sends to attend event
// (an Event IRI), addressed to the event's organizer (the group).
func (a *Actor) Join(event, organizer string) map[string]any {
	i := a.inst
	m := a.activity("Join", event, map[string]any{
		"to":                   []string{organizer, Public},
		"cc":                   []string{},
		"participationMessage": nil,
	})
	m["id"] = i.URL("/join/event/" + uuid())
	m["@context"] = mobilizonContext()
	return m
}

// Leave returns the Leave a Mobilizon participant sends to cancel.
func (a *Actor) Leave(event, organizer string) map[string]any {
	m := a.activity("Leave", event, map[string]any{"to": []string{organizer, Public}, "cc": []string{}})
	m["id"] = a.inst.URL("/leave/event/" + uuid())
	m["@context"] = mobilizonContext()
	return m
}

func mobilizonContext() []any {
	return []any{asContext, secContext, map[string]any{
		"mz":                   "https://joinmobilizon.org/ns#",
		"participationMessage": map[string]any{"@id": "mz:participationMessage", "@type": "sc:Text"},
		"sc":                   "http://schema.org#",
	}}
}
