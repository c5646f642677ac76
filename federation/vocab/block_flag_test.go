package vocab_test

import (
	"context"
	"testing"

	"github.com/kith-social/kith/federation/vocab"
)

func TestBlockAndFlag(t *testing.T) {
	ctx := context.Background()
	b, err := vocab.Block("https://kith.test/groups/g/activities/1", "https://kith.test/groups/g", "https://m.test/users/troll")
	if err != nil {
		t.Fatal(err)
	}
	act, err := vocab.ParseActivity(ctx, b)
	if err != nil || act.Type != "Block" || act.Object.ID != "https://m.test/users/troll" || len(act.To) != 1 {
		t.Errorf("Block = %s (%v)", b, err)
	}
	f, err := vocab.Flag("https://kith.test/groups/g/activities/2", "https://kith.test/groups/g",
		[]string{"https://m.test/users/troll", "https://m.test/statuses/1"}, "rude")
	if err != nil {
		t.Fatal(err)
	}
	act, err = vocab.ParseActivity(ctx, f)
	if err != nil || act.Type != "Flag" || len(act.ObjectIDs) != 2 || act.Content != "rude" {
		t.Errorf("Flag = %s (%v, %+v)", f, err, act)
	}
	if _, err := vocab.Flag("https://kith.test/a", "https://kith.test/g", nil, ""); err == nil {
		t.Error("Flag without objects built")
	}
	if _, err := vocab.Flag("https://kith.test/a", "https://kith.test/g", []string{"not an iri"}, ""); err == nil {
		t.Error("Flag with a bad IRI built")
	}
}

// Plain-text content that begins like a URL scheme ("Note: …") is text.
func TestContentThatLooksLikeAnIRI(t *testing.T) {
	raw := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"https://m.test/a/1","type":"Create","actor":"https://m.test/users/a",
		"object":{"id":"https://m.test/n/1","type":"Note","attributedTo":"https://m.test/users/a","content":"Members: the key is under the mat","name":"Note: hi","summary":"CW: food"}}`)
	act, err := vocab.ParseActivity(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if act.Object.Content != "Members: the key is under the mat" || act.Object.Name != "Note: hi" || act.Object.Summary != "CW: food" {
		t.Errorf("object = %+v", act.Object)
	}
}
