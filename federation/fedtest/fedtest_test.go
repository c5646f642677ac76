package fedtest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/fedtest/fixtures"
	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/federation/transport"
)

const wait = time.Minute // an outer limit: waits end when the delivery arrives

func getJSON(t *testing.T, c *http.Client, u string) (int, map[string]any) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

var flavors = []struct {
	flavor Flavor
	host   string
}{
	{Mastodon, "mastodon.test"},
	{Lemmy, "lemmy.test"},
	{GoToSocial, "gts.test:8080"},
	{Misskey, "misskey.test"},
}

func TestDiscovery(t *testing.T) {
	net := NewNetwork(t)
	ctx := context.Background()
	insts := make(map[Flavor]*Instance)
	bobs := make(map[Flavor]*Actor)
	for _, f := range flavors {
		insts[f.flavor] = net.NewInstance(f.host, f.flavor)
		bobs[f.flavor] = insts[f.flavor].NewActor("bob")
	}
	alice := insts[Mastodon].NewActor("alice")
	for _, f := range flavors {
		t.Run(f.flavor.String(), func(t *testing.T) {
			bob := bobs[f.flavor]
			for _, res := range []string{"acct:bob@" + f.host, "acct:" + url.QueryEscape("bob@"+f.host), bob.ID()} {
				code, jrd := getJSON(t, net.HTTPClient(), "http://"+f.host+"/.well-known/webfinger?resource="+url.QueryEscape(res))
				if code != 200 || jrd["subject"] != "acct:bob@"+f.host {
					t.Fatalf("webfinger %s: %d %v", res, code, jrd)
				}
				links, _ := jrd["links"].([]any)
				var self string
				for _, l := range links {
					if m := l.(map[string]any); m["rel"] == "self" {
						self = str(m["href"])
					}
				}
				if self != bob.ID() {
					t.Fatalf("self link %q, want %q", self, bob.ID())
				}
			}
			doc, err := alice.FetchJSON(ctx, bob.ID())
			if err != nil {
				t.Fatal(err)
			}
			if doc["preferredUsername"] != "bob" || doc["inbox"] != bob.Inbox() || doc["type"] != "Person" {
				t.Fatalf("actor doc %v", doc)
			}
			pk, err := httpsig.KeyFromDocument(doc, bob.KeyID())
			if err != nil || pk.Owner != bob.ID() {
				t.Fatalf("key %+v, %v", pk, err)
			}
			_, hasShared := doc["endpoints"]
			if wantShared := f.flavor == Mastodon || f.flavor == Lemmy; hasShared != wantShared {
				t.Fatalf("endpoints present %v, want %v", hasShared, wantShared)
			}
			if att, _ := doc["attachment"].([]any); len(att) != 1 || att[0].(map[string]any)["type"] != "PropertyValue" {
				t.Fatalf("attachment %v", doc["attachment"])
			}
			if code, _ := getJSON(t, net.HTTPClient(), "http://"+f.host+"/.well-known/webfinger?resource=acct:nobody@"+f.host); code != 404 {
				t.Fatalf("unknown user: %d", code)
			}
		})
	}
}

func TestSignedDelivery(t *testing.T) {
	net := NewNetwork(t)
	ctx := context.Background()
	for _, from := range flavors {
		for _, to := range flavors {
			if from.flavor == to.flavor {
				continue
			}
			t.Run(from.flavor.String()+" to "+to.flavor.String(), func(t *testing.T) {
				src := net.NewInstance("src-"+to.flavor.String()+"."+from.host, from.flavor)
				dst := net.NewInstance("dst-"+from.flavor.String()+"."+to.host, to.flavor)
				alice, bob := src.NewActor("alice"), dst.NewActor("bob")
				follow := alice.Follow(bob.ID())
				resp, err := alice.Send(ctx, bob.ID(), follow)
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode/100 != 2 {
					b, _ := io.ReadAll(resp.Body)
					t.Fatalf("HTTP %d: %s", resp.StatusCode, b)
				}
				d := dst.WaitFor(t, func(d Delivery) bool { return d.Type() == "Follow" && d.ObjectID() == bob.ID() }, wait)
				if d.Signer != alice.ID() || d.Activity["id"] != follow["id"] {
					t.Fatalf("delivery %+v", d)
				}
				wantShared := (from.flavor == Mastodon || from.flavor == Lemmy) && dst.SharedInbox() != ""
				if d.Shared != wantShared {
					t.Fatalf("shared %v, want %v (inbox %s)", d.Shared, wantShared, d.Inbox)
				}
				if from.flavor == GoToSocial && !strings.HasPrefix(d.Header.Get("Content-Type"), "application/ld+json") {
					t.Fatalf("content type %q", d.Header.Get("Content-Type"))
				}
			})
		}
	}
}

func TestRejectedDelivery(t *testing.T) {
	net := NewNetwork(t)
	ctx := context.Background()
	src := net.NewInstance("mastodon.test", Mastodon)
	dst := net.NewInstance("lemmy.test", Lemmy)
	alice, mallory, bob := src.NewActor("alice"), src.NewActor("mallory"), dst.NewActor("bob")
	tests := []struct {
		name string
		opts []PostOption
		want string
	}{
		{"unsigned", []PostOption{Unsigned()}, "no signature"},
		{"bad signature", []PostOption{BadSignature()}, "bad signature"},
		{"bad digest", []PostOption{BadDigest()}, "digest mismatch"},
		{"stale date", []PostOption{SignedAt(time.Now().Add(-13 * time.Hour))}, "date out of range"},
		{"other actor's key", []PostOption{SignedBy(mallory.Key())}, "is not the signer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(dst.Rejected())
			resp, err := alice.Post(ctx, bob.Inbox(), alice.Like(bob.ID()), tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("HTTP %d, want 401", resp.StatusCode)
			}
			rej := dst.Rejected()
			if len(rej) != before+1 || !strings.Contains(rej[len(rej)-1].Err, tt.want) {
				t.Fatalf("rejected %v, want reason containing %q", rej[before:], tt.want)
			}
		})
	}
	if n := len(dst.Received()); n != 0 {
		t.Fatalf("%d deliveries accepted", n)
	}
}

func TestKeyRotation(t *testing.T) {
	net := NewNetwork(t)
	ctx := context.Background()
	alice := net.NewInstance("mastodon.test", Mastodon).NewActor("alice")
	dst := net.NewInstance("gts.test", GoToSocial)
	bob := dst.NewActor("bob")
	for i := range 2 {
		if i == 1 {
			alice.RotateKey()
		}
		resp, err := alice.Post(ctx, bob.Inbox(), alice.Like(bob.ID()))
		if err != nil || resp.StatusCode != http.StatusAccepted {
			t.Fatalf("post %d: %v %v %v", i, resp.StatusCode, err, dst.Rejected())
		}
	}
}

func TestAuthorizedFetchAndGone(t *testing.T) {
	net := NewNetwork(t)
	ctx := context.Background()
	gts := net.NewInstance("gts.test:8080", GoToSocial)
	bob := gts.NewActor("bob")
	alice := net.NewInstance("misskey.test", Misskey).NewActor("alice")

	if code, _ := getJSON(t, net.HTTPClient(), bob.ID()); code != http.StatusUnauthorized {
		t.Fatalf("unsigned GET: %d, want 401", code)
	}
	if code, doc := getJSON(t, net.HTTPClient(), bob.KeyID()); code != 200 || doc["publicKey"] == nil {
		t.Fatalf("key stub: %d %v", code, doc)
	}
	resp, err := alice.Fetch(ctx, bob.ID())
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("signed GET: %v %v", resp.StatusCode, err)
	}
	fs := gts.Fetches()
	if last := fs[len(fs)-1]; last.Signer != alice.ID() || last.Status != 200 {
		t.Fatalf("fetch record %+v", last)
	}
	if !strings.Contains(resp.Request.Header.Get("Signature"), `headers="(request-target) date host accept"`) {
		t.Fatalf("misskey signature %q", resp.Request.Header.Get("Signature"))
	}

	mast := net.NewInstance("mastodon.test", Mastodon)
	carol := mast.NewActor("carol")
	mast.SetAuthorizedFetch(true)
	if code, _ := getJSON(t, net.HTTPClient(), carol.ID()); code != http.StatusUnauthorized {
		t.Fatalf("mastodon AF unsigned: %d", code)
	}
	if code, _ := getJSON(t, net.HTTPClient(), mast.InstanceActor().ID()); code != 200 {
		t.Fatalf("instance actor: %d", code)
	}
	mast.SetAuthorizedFetch(false)
	del := carol.DeleteAccount()
	if del["type"] != "Delete" || del["object"] != carol.ID() {
		t.Fatalf("delete %v", del)
	}
	if code, _ := getJSON(t, net.HTTPClient(), carol.ID()); code != http.StatusGone {
		t.Fatalf("deleted actor: %d, want 410", code)
	}
}

func TestCreateNoteShapes(t *testing.T) {
	net := NewNetwork(t)
	group := "http://kith.test/groups/demo"
	mast := net.NewInstance("mastodon.test", Mastodon).NewActor("alice")
	lem := net.NewInstance("lemmy.test", Lemmy).NewActor("bob")

	c := mast.CreateNote(Note{Content: "<p>hi</p>", Mentions: []Mention{{Href: group, Name: "@demo@kith.test"}}})
	obj := c["object"].(map[string]any)
	if !slices.Equal(obj["to"].([]string), []string{Public}) || !slices.Equal(obj["cc"].([]string), []string{mast.Followers(), group}) {
		t.Fatalf("mastodon addressing %v %v", obj["to"], obj["cc"])
	}
	if code, doc := getJSON(t, net.HTTPClient(), str(obj["id"])); code != 200 || doc["content"] != "<p>hi</p>" {
		t.Fatalf("object not served: %d %v", code, doc)
	}
	page := lem.CreateNote(Note{Title: "T", Content: "<p>b</p>", Audience: group})
	pobj := page["object"].(map[string]any)
	if pobj["type"] != "Page" || pobj["audience"] != group || page["audience"] != group || !slices.Contains(pobj["to"].([]string), group) {
		t.Fatalf("lemmy page %v", page)
	}
	reply := lem.CreateNote(Note{Content: "c", Audience: group, InReplyTo: str(pobj["id"])})
	robj := reply["object"].(map[string]any)
	if robj["type"] != "Note" || robj["inReplyTo"] != pobj["id"] || !slices.Contains(robj["cc"].([]string), group) {
		t.Fatalf("lemmy comment %v", reply)
	}
	del := mast.Delete(str(obj["id"]))
	if ObjectID(del) != obj["id"] {
		t.Fatalf("delete %v", del)
	}
	if code, _ := getJSON(t, net.HTTPClient(), str(obj["id"])); code != http.StatusGone {
		t.Fatalf("deleted note: %d", code)
	}
}

// TestNodeUnderTest plays the part of Kith: a host added with AddHost
// serving its key, using the real transport to fetch and deliver.
func TestNodeUnderTest(t *testing.T) {
	net := NewNetwork(t)
	ctx := context.Background()
	key := httpsig.Key{ID: "http://kith.test/groups/demo#main-key", Private: net.rsaKey()}
	pem, err := httpsig.PublicKeyPEM(&key.Private.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	net.AddHost("kith.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, "application/activity+json", map[string]any{
			"id": "http://kith.test/groups/demo", "type": "Group", "inbox": "http://kith.test/groups/demo/inbox",
			"publicKey": map[string]any{"id": key.ID, "owner": "http://kith.test/groups/demo", "publicKeyPem": pem},
		})
	}))
	tr := transport.New(transport.Config{DialContext: net.DialContext, InsecureHTTP: true, AllowPrivateNetworks: true, RootCAs: net.RootCAs()})

	for _, f := range flavors {
		t.Run(f.flavor.String(), func(t *testing.T) {
			inst := net.NewInstance(f.host, f.flavor)
			bob := inst.NewActor("bob")
			if _, err := tr.Get(ctx, bob.ID(), &key); err != nil {
				t.Fatalf("signed GET: %v", err)
			}
			if _, err := tr.GetWebFinger(ctx, "acct:"+bob.Handle(), inst.Host()); err != nil {
				t.Fatal(err)
			}
			accept := map[string]any{"id": "http://kith.test/accept/1", "type": "Accept", "actor": "http://kith.test/groups/demo", "object": "x"}
			body, _ := json.Marshal(accept)
			if err := tr.Post(ctx, bob.Inbox(), body, key); err != nil {
				t.Fatalf("POST: %v (rejected: %v)", err, inst.Rejected())
			}
			d := inst.WaitFor(t, func(d Delivery) bool { return d.Type() == "Accept" }, wait)
			if d.Signer != "http://kith.test/groups/demo" {
				t.Fatalf("signer %q", d.Signer)
			}
		})
	}
}

func TestServeOverTLS(t *testing.T) {
	net := NewNetwork(t)
	doc, err := os.ReadFile(filepath.Join(fixtures.Dir(t), "lemmy", "objects", "person.json"))
	if err != nil {
		t.Fatal(err)
	}
	inst := net.NewInstance("enterprise.lemmy.ml", Lemmy)
	inst.Serve("/u/picard", doc)
	for _, scheme := range []string{"https", "http"} {
		t.Run(scheme, func(t *testing.T) {
			resp, err := net.HTTPClient().Get(scheme + "://enterprise.lemmy.ml/u/picard")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || string(got) != string(doc) {
				t.Fatalf("HTTP %d: %.100s", resp.StatusCode, got)
			}
		})
	}
	if _, err := net.HTTPClient().Get("http://unknown.test/"); err == nil {
		t.Fatal("unknown host reachable")
	}
	tr := transport.New(transport.Config{DialContext: net.DialContext, AllowPrivateNetworks: true, RootCAs: net.RootCAs()})
	var person map[string]any
	if err := tr.GetJSON(context.Background(), "https://enterprise.lemmy.ml/u/picard", nil, &person); err != nil || person["preferredUsername"] != "picard" {
		t.Fatalf("transport over TLS: %v %v", err, person)
	}
}
