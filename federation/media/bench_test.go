package media_test

import (
	"testing"

	"github.com/kith-social/kith/federation/media"
	"github.com/kith-social/kith/storage/storagetest"
)

// BenchmarkPostImages is what a page pays per post for its images: read
// the attachments of the stored object and sign a cache URL for each.
func BenchmarkPostImages(b *testing.B) {
	db, _ := storagetest.OpenSQLite(b)
	c, err := media.New(b.Context(), db, media.Config{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	raw := `{"id":"https://mastodon.test/users/alice/statuses/1","type":"Note","content":"<p>Look who found the seedlings</p>",` +
		`"attachment":[{"type":"Document","mediaType":"image/jpeg","url":"https://files.mastodon.test/media_attachments/files/1/original/a.jpg","name":"A ginger cat asleep on a seed tray","width":1200,"height":900,"blurhash":"UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH"}]}`
	b.ReportAllocs()
	for b.Loop() {
		for _, a := range media.Images(raw) {
			if c.URL(a.URL) == "" {
				b.Fatal("no URL")
			}
		}
		_ = c.URL("https://files.mastodon.test/accounts/avatars/1/original/alice.png")
	}
}
