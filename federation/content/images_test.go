package content_test

import (
	"strings"
	"testing"

	"github.com/kith-social/kith/federation/content"
)

// TestNoRemoteImageSurvives: no way of putting an image (or anything else
// a browser loads by itself) in a post's HTML survives sanitising. Images
// become links, which load nothing until someone follows them; the pages
// show attachments through the node's media cache instead.
func TestNoRemoteImageSurvives(t *testing.T) {
	s := content.New()
	for _, tc := range []struct {
		name, in, wantLink string
	}{
		{"img", `<p><img src="https://evil.test/a.png" alt="a cat"></p>`, `<a href="https://evil.test/a.png"`},
		{"img without alt", `<img src="https://evil.test/b.png">`, `<a href="https://evil.test/b.png"`},
		{"img in a link", `<a href="https://x.test/"><img src="https://evil.test/c.png" alt="c"></a>`, `<a href="https://x.test/"`},
		{"srcset", `<img srcset="https://evil.test/d.png 1x, https://evil.test/d2.png 2x" alt="d">`, ""},
		{"protocol-relative", `<img src="//evil.test/e.png" alt="e">`, ""},
		{"picture", `<picture><source srcset="https://evil.test/f.webp"><img src="https://evil.test/f.png" alt="f"></picture>`, `<a href="https://evil.test/f.png"`},
		{"svg image", `<svg><image href="https://evil.test/g.png"/><image xlink:href="https://evil.test/g2.png"/></svg>`, ""},
		{"video poster", `<video poster="https://evil.test/h.png" src="https://evil.test/h.mp4"></video>`, ""},
		{"audio", `<audio src="https://evil.test/i.mp3" autoplay></audio>`, ""},
		{"input image", `<input type="image" src="https://evil.test/j.png">`, ""},
		{"style background", `<p style="background:url(https://evil.test/k.png)">k</p><div style="background-image: url('https://evil.test/k2.png')">k2</div>`, ""},
		{"style element", `<style>p{background:url(https://evil.test/l.png)}</style><p>l</p>`, ""},
		{"table background", `<table background="https://evil.test/m.png"><tr><td background="https://evil.test/m2.png">m</td></tr></table>`, ""},
		{"link icon", `<link rel="icon" href="https://evil.test/n.png">`, ""},
		{"object, embed, iframe", `<object data="https://evil.test/o.svg"></object><embed src="https://evil.test/o2.svg"><iframe src="https://evil.test/o3"></iframe>`, ""},
		{"meta refresh", `<meta http-equiv="refresh" content="0;url=https://evil.test/p">`, ""},
		{"body background", `<body background="https://evil.test/q.png">q</body>`, ""},
		{"uppercase", `<IMG SRC="https://evil.test/r.png" ALT="r">`, `<a href="https://evil.test/r.png"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := s.Sanitize(tc.in)
			lower := strings.ToLower(out)
			for _, bad := range []string{"<img", "<image", "<source", "<picture", "<video", "<audio", "<input", "<style", "<link", "<object", "<embed", "<iframe", "<meta", "<svg",
				"srcset", "poster=", "background", "url(", " src=", "xlink:href", "data="} {
				if strings.Contains(lower, bad) {
					t.Errorf("%s survives in %q", bad, out)
				}
			}
			if tc.wantLink != "" && !strings.Contains(out, tc.wantLink) {
				t.Errorf("Sanitize(%q) = %q, want a link %s", tc.in, out, tc.wantLink)
			}
		})
	}
}
