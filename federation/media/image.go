package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// The image pipeline shared by uploads (web/admin) and the remote media
// cache: the type is sniffed from the bytes, the size in pixels is read
// from the header before anything is decoded, and what is stored is a
// fresh PNG or JPEG drawn from the decoded pixels — no metadata (location,
// camera, comments), no second frame, nothing a browser could take for
// something other than an image.

// MaxPixels refuses decompression bombs: a small file that claims a huge
// canvas is refused from its header, before a byte of pixels is decoded.
const MaxPixels = 50_000_000

// JPEGQuality is the quality of re-encoded opaque images.
const JPEGQuality = 88

// Errors of Decode, for messages people can act on.
var (
	ErrUnsupportedType = errors.New("not a PNG, JPEG, GIF or WebP image")
	ErrDamaged         = errors.New("image could not be read")
	ErrTooManyPixels   = errors.New("image has too many pixels")
)

// PixelError is ErrTooManyPixels with the size found.
type PixelError struct{ Width, Height, Max int }

func (e *PixelError) Error() string {
	return fmt.Sprintf("%v: %d×%d, the limit is %d pixels", ErrTooManyPixels, e.Width, e.Height, e.Max)
}

func (e *PixelError) Unwrap() error { return ErrTooManyPixels }

// Sniff returns the image type of data by its first bytes, or "" when it
// is none of the types the node accepts.
func Sniff(data []byte) string {
	switch t := http.DetectContentType(data); t {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return t
	}
	return ""
}

// Decode decodes a PNG, JPEG, GIF (first frame) or WebP image by its
// sniffed type, refusing images of more than maxPixels (MaxPixels when
// maxPixels <= 0) from their header.
func Decode(data []byte, maxPixels int) (image.Image, error) {
	if maxPixels <= 0 {
		maxPixels = MaxPixels
	}
	var (
		decode       func(io.Reader) (image.Image, error)
		decodeConfig func(io.Reader) (image.Config, error)
	)
	switch Sniff(data) {
	case "image/png":
		decode, decodeConfig = png.Decode, png.DecodeConfig
	case "image/jpeg":
		decode, decodeConfig = jpeg.Decode, jpeg.DecodeConfig
	case "image/gif":
		decode, decodeConfig = gif.Decode, gif.DecodeConfig
	case "image/webp":
		decode, decodeConfig = webp.Decode, webp.DecodeConfig
	default:
		return nil, ErrUnsupportedType
	}
	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDamaged, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
		return nil, &PixelError{Width: cfg.Width, Height: cfg.Height, Max: maxPixels}
	}
	img, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDamaged, err)
	}
	return img, nil
}

// Fit scales img down to fit maxW×maxH, keeping its aspect ratio, onto a
// fresh canvas (which also drops whatever the decoder kept besides pixels).
func Fit(img image.Image, maxW, maxH int) image.Image {
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

// Encoded is a re-encoded image.
type Encoded struct {
	Data          []byte
	MediaType     string // image/jpeg or image/png
	Ext           string // .jpg or .png
	Width, Height int
}

// Encode writes img as JPEG when it is opaque and as PNG otherwise.
func Encode(img image.Image) (Encoded, error) {
	var buf bytes.Buffer
	out := Encoded{Width: img.Bounds().Dx(), Height: img.Bounds().Dy()}
	if o, ok := img.(interface{ Opaque() bool }); ok && o.Opaque() {
		out.MediaType, out.Ext = "image/jpeg", ".jpg"
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: JPEGQuality}); err != nil {
			return Encoded{}, fmt.Errorf("encode JPEG: %w", err)
		}
	} else {
		out.MediaType, out.Ext = "image/png", ".png"
		if err := png.Encode(&buf, img); err != nil {
			return Encoded{}, fmt.Errorf("encode PNG: %w", err)
		}
	}
	out.Data = buf.Bytes()
	return out, nil
}

// Reencode is Decode, Fit and Encode in one: the bytes a node stores for
// an image it was given.
func Reencode(data []byte, maxPixels, maxW, maxH int) (Encoded, error) {
	img, err := Decode(data, maxPixels)
	if err != nil {
		return Encoded{}, err
	}
	return Encode(Fit(img, maxW, maxH))
}
