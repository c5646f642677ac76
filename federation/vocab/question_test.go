package vocab

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

func TestQuestionJSON(t *testing.T) {
	end := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		multiple bool
		closed   time.Time
		key      string
	}{{false, time.Time{}, "oneOf"}, {true, end, "anyOf"}} {
		doc, err := QuestionJSON(Question{
			Note: Note{ID: "https://kith.test/groups/g/posts/1", AttributedTo: "https://kith.test/groups/g", ContentHTML: "<p>Which?</p>",
				To: []string{PublicAddress}, Published: end.Add(-time.Hour)},
			Options: []PollOption{{"A", 2}, {"B", 0}}, Multiple: tc.multiple, EndTime: end, Closed: tc.closed, VotersCount: 2,
		})
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(doc, &m); err != nil {
			t.Fatal(err)
		}
		opts, _ := m[tc.key].([]any)
		first, _ := opts[0].(map[string]any)
		replies, _ := first["replies"].(map[string]any)
		if m["type"] != "Question" || len(opts) != 2 || first["name"] != "A" || replies["totalItems"] != 2.0 ||
			m["endTime"] != "2026-12-01T10:00:00.000Z" || m["votersCount"] != 2.0 || (m["closed"] != nil) != !tc.closed.IsZero() {
			t.Errorf("multiple=%v: %s", tc.multiple, doc)
		}
		obj, err := ParseObject(context.Background(), doc)
		if err != nil || obj.Type != "Question" || !obj.EndTime.Equal(end) {
			t.Errorf("parse back: %+v, %v", obj, err)
		}
		if names := append(obj.OneOf, obj.AnyOf...); len(names) != 2 || names[0] != "A" {
			t.Errorf("options parsed back: %v", names)
		}
	}
	if _, err := QuestionJSON(Question{Note: Note{ID: "https://kith.test/x", AttributedTo: "https://kith.test/g"}}); err == nil {
		t.Error("a Question without options was built")
	}
}

func TestLike(t *testing.T) {
	doc, err := Like("https://kith.test/groups/g/activities/like-1", "https://kith.test/groups/g", "https://m.test/s/1", []string{"https://m.test/u/a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	act, err := ParseActivity(context.Background(), doc)
	if err != nil || act.Type != "Like" || act.Object.ID != "https://m.test/s/1" || len(act.To) != 1 {
		t.Errorf("Like: %s (%v)", doc, err)
	}
	if _, err := Like("x", "https://kith.test/groups/g", "https://m.test/s/1", nil, nil); err == nil {
		t.Error("bad id accepted")
	}
}
