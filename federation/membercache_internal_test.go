package federation

import (
	"testing"
	"time"
)

// A list read before a change of membership is not cached after it.
func TestMemberCacheGeneration(t *testing.T) {
	c := newMemberCache(8, time.Minute)
	_, gen, ok := c.get("g")
	if ok {
		t.Fatal("empty cache answered")
	}
	c.purge() // a member left while the list was being read
	c.add("g", []string{"https://left.test/inbox"}, gen)
	if in, _, ok := c.get("g"); ok {
		t.Errorf("a list older than the change was cached: %v", in)
	}
	_, gen, _ = c.get("g")
	c.add("g", []string{"https://stay.test/inbox"}, gen)
	if in, _, ok := c.get("g"); !ok || len(in) != 1 || in[0] != "https://stay.test/inbox" {
		t.Errorf("a current list was not cached: %v %v", in, ok)
	}
}
