package vocab

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/fedtest/fixtures"
)

func TestEventJSON(t *testing.T) {
	start := time.Date(2026, 6, 1, 16, 0, 0, 0, time.UTC)
	base := Event{
		Note: Note{
			ID: "https://kith.example/groups/g/posts/1", AttributedTo: "https://kith.example/groups/g",
			ContentHTML: "<p>Bring gloves</p>", URL: "https://kith.example/groups/g/posts/1",
			Audience: "https://kith.example/groups/g", To: []string{PublicAddress},
			Cc:   []string{"https://kith.example/groups/g/followers"},
			Tags: []Tag{{Type: "Mention", Href: "https://kith.example/groups/g", Name: "@g@kith.example"}},
		},
		Name: "Seed swap", StartTime: start, EndTime: start.Add(2 * time.Hour), Timezone: "Europe/London",
	}
	tests := []struct {
		name   string
		mutate func(*Event)
		want   map[string]any // top-level members and their JSON values
		check  func(t *testing.T, doc map[string]any)
		bad    bool
	}{
		{
			name: "place",
			mutate: func(e *Event) {
				e.PlaceName, e.PlaceAddress, e.Capacity, e.Participants = "Plot 12", "1 Garden Lane", 10, 3
			},
			want: map[string]any{"type": "Event", "name": "Seed swap", "timezone": "Europe/London", "joinMode": "free",
				"maximumAttendeeCapacity": 10.0, "remainingAttendeeCapacity": 7.0, "participantCount": 3.0,
				"ical:status": "CONFIRMED", "isOnline": false, "startTime": "2026-06-01T16:00:00.000Z", "audience": "https://kith.example/groups/g"},
			check: func(t *testing.T, doc map[string]any) {
				loc, _ := doc["location"].(map[string]any)
				addr, _ := loc["address"].(map[string]any)
				if loc["type"] != "Place" || loc["name"] != "Plot 12" || addr["streetAddress"] != "1 Garden Lane" {
					t.Errorf("location: %v", doc["location"])
				}
			},
		},
		{
			name:   "online and cancelled",
			mutate: func(e *Event) { e.OnlineURL, e.Cancelled = "https://meet.example/abc", true },
			want:   map[string]any{"isOnline": true, "ical:status": "CANCELLED", "maximumAttendeeCapacity": 0.0},
			check: func(t *testing.T, doc map[string]any) {
				loc, _ := doc["location"].(map[string]any)
				if loc["url"] != "https://meet.example/abc" {
					t.Errorf("location: %v", doc["location"])
				}
				if !strings.Contains(mustMarshal(t, doc["attachment"]), `"href":"https://meet.example/abc"`) {
					t.Errorf("attachment: %v", doc["attachment"])
				}
			},
		},
		{
			name: "cover image",
			mutate: func(e *Event) {
				e.Image = &Attachment{MediaType: "image/jpeg", URL: "https://kith.example/media/groups/1/events/a.jpg", Name: "Seed packets", Width: 1920, Height: 640}
			},
			check: func(t *testing.T, doc map[string]any) {
				img, _ := doc["image"].(map[string]any)
				if img["type"] != "Image" || img["url"] != "https://kith.example/media/groups/1/events/a.jpg" || img["name"] != "Seed packets" ||
					img["mediaType"] != "image/jpeg" || img["width"] != 1920.0 || img["height"] != 640.0 {
					t.Errorf("image: %v", doc["image"])
				}
				// Servers that show events as posts show attachments, with alt text.
				att := mustMarshal(t, doc["attachment"])
				if !strings.Contains(att, `"url":"https://kith.example/media/groups/1/events/a.jpg"`) || !strings.Contains(att, `"name":"Seed packets"`) {
					t.Errorf("attachment: %s", att)
				}
			},
		},
		{name: "image not http", mutate: func(e *Event) { e.Image = &Attachment{MediaType: "image/png", URL: "data:image/png;base64,AA"} }, bad: true},
		{name: "no name", mutate: func(e *Event) { e.Name = " " }, bad: true},
		{name: "ends before it starts", mutate: func(e *Event) { e.EndTime = start.Add(-time.Hour) }, bad: true},
		{name: "online link not http", mutate: func(e *Event) { e.OnlineURL = "javascript:alert(1)" }, bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := base
			tc.mutate(&ev)
			raw, err := EventJSON(ev)
			if tc.bad {
				if err == nil {
					t.Fatalf("accepted: %s", raw)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.want {
				if doc[k] != v {
					t.Errorf("%s = %#v, want %#v", k, doc[k], v)
				}
			}
			if tc.check != nil {
				tc.check(t, doc)
			}
			ctx := mustMarshal(t, doc["@context"])
			for _, term := range []string{`"timezone":"mz:timezone"`, `"mz":"https://joinmobilizon.org/ns#"`, `"ical":"http://www.w3.org/2002/12/cal/ical#"`, `"maximumAttendeeCapacity":"schema:maximumAttendeeCapacity"`} {
				if !strings.Contains(ctx, term) {
					t.Errorf("@context lacks %s: %s", term, ctx)
				}
			}
			// Kith reads its own events back as any server would.
			obj, err := ParseObject(context.Background(), raw)
			if err != nil {
				t.Fatal(err)
			}
			if obj.Type != "Event" || obj.Name != "Seed swap" || !obj.StartTime.Equal(start) || !obj.EndTime.Equal(start.Add(2*time.Hour)) {
				t.Errorf("parsed back: %+v", obj)
			}
			info, err := ParseEventInfo(obj)
			if err != nil || info.Timezone != "Europe/London" || (info.Status == EventCancelled) != ev.Cancelled || info.OnlineURL != ev.OnlineURL {
				t.Errorf("event info: %+v, %v", info, err)
			}
		})
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A real Mobilizon event is read with its time zone, place and status.
func TestParseMobilizonEvent(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(fixtures.Dir(t), "mobilizon/objects/event.json"))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := ParseObject(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	info, err := ParseEventInfo(obj)
	if err != nil {
		t.Fatal(err)
	}
	want := EventInfo{Timezone: "Europe/London", Status: "CONFIRMED", JoinMode: "free", PlaceName: "The Kenn Centre",
		PlaceAddress: "Devon Expressway, EX6 7TW, Teignbridge, England, United Kingdom"}
	if info != want {
		t.Errorf("info:\n got %+v\nwant %+v", info, want)
	}
	if obj.StartTime.IsZero() || obj.Name != "Caledonian scottish dance class" {
		t.Errorf("object: %+v", obj)
	}
	if _, err := ParseEventInfo(&Object{Type: "Note"}); err == nil {
		t.Error("a Note read as an event")
	}
}

// Join and Leave, as Mobilizon sends them, parse as activities, and the
// Accept of a Join embeds it unchanged.
func TestJoinLeave(t *testing.T) {
	for _, typ := range []string{"Join", "Leave"} {
		raw := []byte(`{"@context":["https://www.w3.org/ns/activitystreams",{"participationMessage":"mz:participationMessage"}],
			"type":"` + typ + `","id":"https://mobilizon.example/join/event/5","actor":"https://mobilizon.example/@tom",
			"object":"https://kith.example/groups/g/posts/1","participationMessage":null,"to":["https://kith.example/groups/g"]}`)
		act, err := ParseActivity(context.Background(), raw)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if act.Type != typ || act.Object == nil || act.Object.ID != "https://kith.example/groups/g/posts/1" {
			t.Fatalf("%s parsed: %+v", typ, act)
		}
		if typ != "Join" {
			continue
		}
		out, err := AcceptJoin("https://kith.example/groups/g/activities/a", "https://kith.example/groups/g", act)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		_ = json.Unmarshal(out, &doc)
		inner, _ := doc["object"].(map[string]any)
		if doc["type"] != "Accept" || inner["type"] != "Join" || inner["id"] != act.ID || mustMarshal(t, doc["to"]) != `["https://mobilizon.example/@tom"]` {
			t.Errorf("Accept: %s", out)
		}
	}
}
