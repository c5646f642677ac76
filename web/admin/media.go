package admin

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"image"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"strings"

	"github.com/kith-social/kith/federation/media"
	"github.com/kith-social/kith/federation/mediastore"
)

// Uploads: images only, sniffed rather than trusted by name or header,
// decoded, scaled down and re-encoded, so that what the node serves is a
// plain PNG or JPEG with no metadata (location, camera) and no surprises
// for the browsers and servers that fetch it.
const (
	maxImageBytes  = 8 << 20
	maxImagePixels = 50_000_000 // refuse decompression bombs before decoding
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

// storedImage is an image saved in the media store.
type storedImage struct {
	Rel           string // the key under media/ (DataDir/media), as Group.IconPath and MediaURL expect
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
// in the media store as media/groups/<groupID>/<kind>/<random>.(png|jpg)
// (DataDir/media/… by default). A problem the person can fix is an
// *uploadError.
func (a *Admin) saveImage(ctx context.Context, fh *multipart.FileHeader, groupID, kind string, maxW, maxH int) (storedImage, error) {
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
	return a.writeImage(ctx, img, groupID, kind)
}

// decodeImage decodes an upload with the node's one image pipeline
// (federation/media) and turns its errors into messages for the person.
func decodeImage(data []byte) (image.Image, error) {
	img, err := media.Decode(data, maxImagePixels)
	var pe *media.PixelError
	switch {
	case err == nil:
		return img, nil
	case errors.As(err, &pe):
		return nil, &uploadError{fmt.Sprintf("This image is %d×%d pixels; the limit is 50 megapixels.", pe.Width, pe.Height)}
	case errors.Is(err, media.ErrUnsupportedType):
		return nil, &uploadError{"This file is not a PNG, JPEG, GIF or WebP image."}
	default:
		return nil, &uploadError{"This image could not be read; it may be damaged."}
	}
}

// fit scales img down to fit maxW×maxH (media.Fit).
func fit(img image.Image, maxW, maxH int) image.Image { return media.Fit(img, maxW, maxH) }

// writeImage encodes img (JPEG when opaque, PNG otherwise) and stores it
// under a new random name (in the data directory: written to a temporary
// file and renamed into place).
func (a *Admin) writeImage(ctx context.Context, img image.Image, groupID, kind string) (storedImage, error) {
	enc, err := media.Encode(img)
	if err != nil {
		return storedImage{}, err
	}
	out := storedImage{Width: enc.Width, Height: enc.Height, MediaType: enc.MediaType}
	out.Rel = path.Join("groups", groupID, kind, strings.ToLower(rand.Text())+enc.Ext)
	if err := a.store.Put(ctx, mediastore.UploadsPrefix+out.Rel, enc.Data, mediastore.PutOptions{
		ContentType: enc.MediaType, CacheControl: mediastore.UploadCacheControl,
	}); err != nil {
		return storedImage{}, fmt.Errorf("store image: %w", err)
	}
	return out, nil
}

// removeMedia deletes a stored upload (an avatar replaced, a post's
// images after its deletion failed to be needed). Paths outside the
// groups' media are ignored.
func (a *Admin) removeMedia(ctx context.Context, rel string) error {
	clean := path.Clean("/" + rel)[1:]
	if rel == "" || !strings.HasPrefix(clean, "groups/") {
		return nil
	}
	if err := a.store.Delete(ctx, mediastore.UploadsPrefix+clean); err != nil {
		return fmt.Errorf("remove media %s: %w", rel, err)
	}
	return nil
}
