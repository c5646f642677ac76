package admin

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// Uploads: images only, sniffed rather than trusted by name or header,
// decoded, scaled down and re-encoded, so that what the node serves is a
// plain PNG or JPEG with no metadata (location, camera) and no surprises
// for the browsers and servers that fetch it.
const (
	maxImageBytes  = 8 << 20
	maxImagePixels = 50_000_000 // refuse decompression bombs before decoding
	jpegQuality    = 88
)

// Bounding boxes: images larger than these are scaled down to fit,
// keeping their aspect ratio.
const (
	avatarMaxW, avatarMaxH = 400, 400
	headerMaxW, headerMaxH = 1500, 500
	postMaxW, postMaxH     = 1920, 1920
)

// uploadError is an upload the person has to fix; its message is shown
// beside the field.
type uploadError struct{ msg string }

func (e *uploadError) Error() string { return e.msg }

// storedImage is an image saved under the media directory.
type storedImage struct {
	Rel           string // relative to DataDir/media, as Group.IconPath and MediaURL expect
	MediaType     string
	Width, Height int
}

// uploadedFile returns the file posted in field, or nil if none was chosen.
func uploadedFile(r *http.Request, field string) *multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	fs := r.MultipartForm.File[field]
	if len(fs) == 0 || (fs[0].Size == 0 && fs[0].Filename == "") {
		return nil
	}
	return fs[0]
}

// saveImage checks an uploaded image, fits it into maxW×maxH and stores it
// as DataDir/media/groups/<groupID>/<kind>/<random>.(png|jpg). A problem
// the person can fix is an *uploadError.
func (a *Admin) saveImage(fh *multipart.FileHeader, groupID, kind string, maxW, maxH int) (storedImage, error) {
	if fh.Size > maxImageBytes {
		return storedImage{}, &uploadError{fmt.Sprintf("%s is larger than 8 MiB. Choose a smaller image.", fh.Filename)}
	}
	f, err := fh.Open()
	if err != nil {
		return storedImage{}, fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxImageBytes+1))
	if err != nil {
		return storedImage{}, fmt.Errorf("read upload: %w", err)
	}
	if len(data) > maxImageBytes {
		return storedImage{}, &uploadError{fmt.Sprintf("%s is larger than 8 MiB. Choose a smaller image.", fh.Filename)}
	}
	img, err := decodeImage(data)
	if err != nil {
		return storedImage{}, err
	}
	img = fit(img, maxW, maxH)
	return a.writeImage(img, groupID, kind)
}

// decodeImage decodes a PNG, JPEG, GIF (first frame) or WebP image, by its
// sniffed type.
func decodeImage(data []byte) (image.Image, error) {
	var (
		decode       func(io.Reader) (image.Image, error)
		decodeConfig func(io.Reader) (image.Config, error)
	)
	switch http.DetectContentType(data) {
	case "image/png":
		decode, decodeConfig = png.Decode, png.DecodeConfig
	case "image/jpeg":
		decode, decodeConfig = jpeg.Decode, jpeg.DecodeConfig
	case "image/gif":
		decode, decodeConfig = gif.Decode, gif.DecodeConfig
	case "image/webp":
		decode, decodeConfig = webp.Decode, webp.DecodeConfig
	default:
		return nil, &uploadError{"This file is not a PNG, JPEG, GIF or WebP image."}
	}
	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, &uploadError{"This image could not be read; it may be damaged."}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxImagePixels {
		return nil, &uploadError{fmt.Sprintf("This image is %d×%d pixels; the limit is 50 megapixels.", cfg.Width, cfg.Height)}
	}
	img, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, &uploadError{"This image could not be read; it may be damaged."}
	}
	return img, nil
}

// fit scales img down to fit maxW×maxH, keeping its aspect ratio, onto a
// fresh canvas (which also drops whatever the decoder kept besides pixels).
func fit(img image.Image, maxW, maxH int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > maxW {
		h = max(1, h*maxW/w)
		w = maxW
	}
	if h > maxH {
		w = max(1, w*maxH/h)
		h = maxH
	}
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
	} else {
		draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	}
	return dst
}

// writeImage encodes img (JPEG when opaque, PNG otherwise) to a new file
// with a random name, written to a temporary file and renamed into place.
func (a *Admin) writeImage(img image.Image, groupID, kind string) (storedImage, error) {
	var (
		buf bytes.Buffer
		out = storedImage{Width: img.Bounds().Dx(), Height: img.Bounds().Dy()}
		ext string
	)
	if o, ok := img.(interface{ Opaque() bool }); ok && o.Opaque() {
		out.MediaType, ext = "image/jpeg", ".jpg"
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
			return storedImage{}, fmt.Errorf("encode JPEG: %w", err)
		}
	} else {
		out.MediaType, ext = "image/png", ".png"
		if err := png.Encode(&buf, img); err != nil {
			return storedImage{}, fmt.Errorf("encode PNG: %w", err)
		}
	}
	out.Rel = path.Join("groups", groupID, kind, strings.ToLower(rand.Text())+ext)
	dst := filepath.Join(a.mediaDir, filepath.FromSlash(out.Rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return storedImage{}, fmt.Errorf("create media directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".upload-*")
	if err != nil {
		return storedImage{}, fmt.Errorf("store image: %w", err)
	}
	_, err = tmp.Write(buf.Bytes())
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600) // CreateTemp makes it 0600 less the umask; Kith serves it, no one else reads it
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return storedImage{}, fmt.Errorf("store image: %w", err)
	}
	return out, nil
}

// removeMedia deletes a stored upload (an avatar replaced, a post's
// images after its deletion failed to be needed). Paths outside the
// groups' media are ignored.
func (a *Admin) removeMedia(rel string) error {
	clean := path.Clean("/" + rel)[1:]
	if rel == "" || !strings.HasPrefix(clean, "groups/") {
		return nil
	}
	err := os.Remove(filepath.Join(a.mediaDir, filepath.FromSlash(clean)))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove media %s: %w", rel, err)
	}
	return nil
}
