package media_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/kith-social/kith/federation/media"
)

// pngOf is a w×h PNG, opaque or with transparent pixels.
func pngOf(t testing.TB, w, h int, opaque bool) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{R: uint8(x), G: uint8(y), B: 128, A: 255}
			if !opaque && x == 0 {
				c.A = 0
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// jpegWithEXIF is a JPEG carrying an APP1 Exif segment with a GPS-ish
// marker string, as phone photos do.
func jpegWithEXIF(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	payload := append([]byte("Exif\x00\x00"), []byte("GPSLatitude 52.5200 secret-location")...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, b[:2]...) // SOI
	out = append(out, seg...)
	return append(out, b[2:]...)
}

// pngBomb is a tiny PNG whose header claims w×h pixels.
func pngBomb(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

func gifOf(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	img := image.NewPaletted(image.Rect(0, 0, w, h), []color.Color{color.White, color.Black})
	if err := gif.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReencode(t *testing.T) {
	for _, tc := range []struct {
		name          string
		data          []byte
		maxPixels     int
		wantErr       error
		wantType      string
		wantW, wantH  int
		mustNotRemain string
	}{
		{name: "opaque PNG becomes JPEG", data: pngOf(t, 40, 30, true), wantType: "image/jpeg", wantW: 40, wantH: 30},
		{name: "transparent PNG stays PNG", data: pngOf(t, 40, 30, false), wantType: "image/png", wantW: 40, wantH: 30},
		{name: "large image scaled to fit", data: pngOf(t, 400, 100, true), wantType: "image/jpeg", wantW: 200, wantH: 50},
		{name: "GIF first frame", data: gifOf(t, 10, 10), wantType: "image/jpeg", wantW: 10, wantH: 10},
		{name: "EXIF dropped", data: jpegWithEXIF(t, 16, 16), wantType: "image/jpeg", wantW: 16, wantH: 16, mustNotRemain: "secret-location"},
		{name: "HTML is no image", data: []byte("<!doctype html><script>alert(1)</script>"), wantErr: media.ErrUnsupportedType},
		{name: "SVG is no image here", data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), wantErr: media.ErrUnsupportedType},
		{name: "empty", data: nil, wantErr: media.ErrUnsupportedType},
		{name: "bomb refused from its header", data: pngBomb(100_000, 100_000), wantErr: media.ErrTooManyPixels},
		{name: "over a lower pixel limit", data: pngOf(t, 100, 100, true), maxPixels: 9_999, wantErr: media.ErrTooManyPixels},
		{name: "truncated", data: pngOf(t, 40, 30, true)[:60], wantErr: media.ErrDamaged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := media.Reencode(tc.data, tc.maxPixels, 200, 200)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if enc.MediaType != tc.wantType || enc.Width != tc.wantW || enc.Height != tc.wantH {
				t.Errorf("got %s %d×%d, want %s %d×%d", enc.MediaType, enc.Width, enc.Height, tc.wantType, tc.wantW, tc.wantH)
			}
			if got := media.Sniff(enc.Data); got != tc.wantType {
				t.Errorf("stored bytes sniff as %q, want %q", got, tc.wantType)
			}
			if tc.mustNotRemain != "" && bytes.Contains(tc.data, []byte(tc.mustNotRemain)) == false {
				t.Fatal("fixture lacks the metadata it should carry")
			}
			if tc.mustNotRemain != "" && bytes.Contains(enc.Data, []byte(tc.mustNotRemain)) {
				t.Errorf("re-encoded image still carries %q", tc.mustNotRemain)
			}
			if bytes.Contains(enc.Data, []byte("Exif")) {
				t.Error("re-encoded image carries an Exif segment")
			}
		})
	}
}

func TestImages(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  string
		want []media.Attachment
	}{
		{"none", `{"type":"Note"}`, nil},
		{"not JSON", `{`, nil},
		{"Mastodon document", `{"attachment":[{"type":"Document","mediaType":"image/jpeg","url":"https://m.test/a.jpg","name":" A cat ","width":640,"height":480,"blurhash":"x"}]}`,
			[]media.Attachment{{Type: "Document", MediaType: "image/jpeg", URL: "https://m.test/a.jpg", Name: "A cat", Width: 640, Height: 480}}},
		{"single object, Link url", `{"attachment":{"type":"Image","url":{"type":"Link","href":"https://m.test/b.png"}}}`,
			[]media.Attachment{{Type: "Image", URL: "https://m.test/b.png"}}},
		{"url list", `{"attachment":[{"type":"Image","mediaType":"image/png","url":[{"href":""},"https://m.test/c.png"]}]}`,
			[]media.Attachment{{Type: "Image", MediaType: "image/png", URL: "https://m.test/c.png"}}},
		{"video and profile fields skipped", `{"attachment":[{"type":"Document","mediaType":"video/mp4","url":"https://m.test/v.mp4"},{"type":"PropertyValue","name":"x","value":"y"}]}`, nil},
		{"negative sizes dropped", `{"attachment":[{"type":"Image","url":"https://m.test/d.png","width":-5,"height":-1}]}`,
			[]media.Attachment{{Type: "Image", URL: "https://m.test/d.png"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := media.Images(tc.raw)
			if len(got) != len(tc.want) {
				t.Fatalf("Images = %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("Images[%d] = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}
