package vocab

import (
	"context"
	"testing"
)

// The inbox's common activities, shaped as Mastodon sends them.
var benchActivities = []struct{ name, body string }{
	{"Like", `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://a.example/users/u1#likes/77","type":"Like","actor":"https://a.example/users/u1","object":"https://b.example/users/u0/statuses/1"}`},
	{"Update", `{"@context":["https://www.w3.org/ns/activitystreams",{"sensitive":"as:sensitive"}],"id":"https://a.example/users/u1/statuses/2#updates/1","type":"Update","actor":"https://a.example/users/u1","published":"2026-11-29T00:50:20Z","to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["https://a.example/users/u1/followers","https://k.example/groups/load"],"object":{"id":"https://a.example/users/u1/statuses/2","type":"Note","summary":null,"inReplyTo":"https://b.example/users/u0/statuses/1","published":"2026-11-29T00:50:10Z","updated":"2026-11-29T00:50:20Z","url":"https://a.example/@u1/2","attributedTo":"https://a.example/users/u1","to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["https://a.example/users/u1/followers","https://k.example/groups/load"],"sensitive":false,"content":"<p><span class=\"h-card\"><a href=\"https://k.example/groups/load\" class=\"u-url mention\">@<span>load</span></a></span> edited by kith-load</p>","tag":[{"type":"Mention","href":"https://k.example/groups/load","name":"@load@k.example"}],"attachment":[]}}`},
}

func BenchmarkParseActivity(b *testing.B) {
	ctx := context.Background()
	for _, a := range benchActivities {
		b.Run(a.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseActivity(ctx, []byte(a.body)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
