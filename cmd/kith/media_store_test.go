package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kith-social/kith/federation/mediastore"
	"github.com/kith-social/kith/federation/mediastore/mediastoretest"
	"github.com/kith-social/kith/storage/storagetest"
)

// kithEnv runs a command with an environment.
func kithEnv(t *testing.T, getenv func(string) string, args ...string) result {
	t.Helper()
	var out, errb syncBuffer
	code := run(context.Background(), args, env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: getenv})
	return result{code, out.String(), errb.String()}
}

// fakeCreds is the environment with credentials for the in-process fake.
func fakeCreds(k string) string {
	switch k {
	case "AWS_ACCESS_KEY_ID":
		return "kith-test"
	case "AWS_SECRET_ACCESS_KEY":
		return "kith-test-secret"
	}
	return ""
}

func TestMediaStoreSettings(t *testing.T) {
	t.Parallel()
	c, err := loadConfig(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.MediaStore != "" || c.MediaPublicURL != "" {
		t.Fatalf("defaults: store %q, public URL %q; want the data directory", c.MediaStore, c.MediaPublicURL)
	}
	c, err = loadConfig(t, []string{"--media-public-url", "https://cdn.example.org/"},
		map[string]string{"KITH_MEDIA_STORE": "s3://media?endpoint=http://127.0.0.1:9000&path-style=true"})
	if err != nil || c.MediaStore == "" || c.MediaPublicURL != "https://cdn.example.org/" {
		t.Fatalf("bucket settings: %+v, %v", c, err)
	}
	for _, args := range [][]string{
		{"--media-store", "/var/lib/kith/media"},
		{"--media-store", "s3://key:secret@media"},
		{"--media-store", "s3://media?colour=blue"},
		{"--media-public-url", "https://cdn.example.org/"}, // without a bucket
		{"--media-store", "s3://media", "--media-public-url", "cdn.example.org"},
		{"--media-store", "s3://media", "--media-public-url", "https://cdn.example.org/?a=1"},
	} {
		_, err := loadConfig(t, args, nil)
		if want := args[len(args)-2]; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: err = %v, want one naming %s", args, err, want)
		}
	}
}

// kith media migrate copies DATA/media and DATA/media-cache into the
// bucket, says what it did, and copies nothing twice.
func TestMediaMigrateCommand(t *testing.T) {
	t.Parallel()
	fake := mediastoretest.NewFake(t)
	data := t.TempDir()
	for rel, body := range map[string]string{
		"media/groups/g/profile/a.png": "an avatar",
		"media-cache/ab/abcd.jpg":      "a cached image",
	} {
		p := filepath.Join(data, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"media", "migrate", "--data", data, "--media-store", fake.URL}
	if r := kithEnv(t, fakeCreds, args...); r.code != exitOK || !strings.Contains(r.stdout, "2 copied (23 bytes, each read back and checked), 0 already there, 0 failed") {
		t.Fatalf("first run: %+v", r)
	}
	if r := kithEnv(t, fakeCreds, append(args, "-v")...); r.code != exitOK || !strings.Contains(r.stdout, "0 copied (0 bytes, each read back and checked), 2 already there") ||
		!strings.Contains(r.stdout, "skipped media/groups/g/profile/a.png") {
		t.Fatalf("second run: %+v", r)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"media", "migrate", "--data", data}, exitUsage, "--media-store"},
		{[]string{"media", "migrate", "--data", data, "--media-store", "s3://missing?endpoint=" + fake.Server.URL + "&path-style=true"}, 1, "does not exist"},
		{[]string{"media", "frob"}, exitUsage, "unknown subcommand"},
	} {
		r := kithEnv(t, fakeCreds, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: %+v, want code %d and %q", tc.args, r, tc.code, tc.want)
		}
	}
}

// kith backup says, every time, that a bucket is not in the backup.
func TestBackupNamesTheBucket(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	if r := kith(t, "", "group", "create", "gardeners", "--data", data); r.code != exitOK {
		t.Fatalf("create group: %+v", r)
	}
	r := kith(t, "", "backup", filepath.Join(t.TempDir(), "kith.db"), "--data", data, "--media-store", "s3://media/node1?endpoint=http://127.0.0.1:1")
	if r.code != exitOK || !strings.Contains(r.stdout, "NOT INCLUDED") || !strings.Contains(r.stdout, "s3://media/node1/") {
		t.Fatalf("backup with a bucket: %+v", r)
	}
	for _, b := range storagetest.Backends() {
		if b.Name != "postgres" {
			continue
		}
		_, dsn := b.Open(t)
		r := kith(t, "", "backup", "x.dump", "--database", dsn, "--media-store", "s3://media?endpoint=http://127.0.0.1:1")
		if !strings.Contains(r.stderr, "pg_dump") || !strings.Contains(r.stderr, "NOT INCLUDED") {
			t.Fatalf("backup on PostgreSQL with a bucket: %+v", r)
		}
	}
}

// Two nodes on their own data directories share one PostgreSQL database
// and one bucket of a real S3-compatible server (.ci/run starts
// versitygw): an avatar uploaded through node A is served by node B,
// streamed with an ETag, Range requests and Cache-Control, and nothing
// lands in either data directory. A third node links uploads to the CDN
// of --media-public-url.
func TestTwoNodesShareABucket(t *testing.T) {
	bucket := mediastoretest.RealURL(t)
	var dsn string
	for _, b := range storagetest.Backends() {
		if b.Name == "postgres" {
			_, dsn = b.Open(t)
		}
	}
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no PostgreSQL (KITH_TEST_POSTGRES): required in CI")
		}
		t.Skip("SKIPPED LOUDLY: two nodes share a database only on PostgreSQL: set KITH_TEST_POSTGRES")
	}
	common := []string{"--database", dsn, "--domain", "kith.test", "--insecure-http", "--media-store", bucket}
	if r := kith(t, "a long password\n", append([]string{"owner", "create", "--username", "ada", "--password-stdin"}, common[:2]...)...); r.code != exitOK {
		t.Fatalf("owner: %+v", r)
	}
	if r := kith(t, "", append([]string{"group", "create", "gardeners"}, common[:4]...)...); r.code != exitOK {
		t.Fatalf("group: %+v", r)
	}
	dirA, dirB := t.TempDir(), t.TempDir()
	a := startServeEnv(t, os.Getenv, append([]string{"--data", dirA}, common...)...)
	b := startServeEnv(t, os.Getenv, append([]string{"--data", dirB}, common...)...)

	// Log in to A and upload an avatar.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.PostForm("http://"+a.addr+"/login", url.Values{"username": {"ada"}, "password": {"a long password"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	page := get(t, client, "http://"+a.addr+"/admin/groups/gardeners/edit", http.StatusOK)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form token on the settings page: %.300s", page)
	}
	var img bytes.Buffer
	rgba := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for i := range 64 {
		rgba.Set(i, i, color.RGBA{200, 30, 30, 128})
	}
	if err := png.Encode(&img, rgba); err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range map[string]string{"csrf": m[1], "title": "Gardeners", "join": "open", "posting": "members"} {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("avatar", "me.png")
	_, _ = fw.Write(img.Bytes())
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://"+a.addr+"/admin/groups/gardeners/edit", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", resp.StatusCode, msg)
	}

	// B's group page shows the avatar, and B serves it from the bucket.
	groupPage := get(t, http.DefaultClient, "http://"+b.addr+"/groups/gardeners", http.StatusOK)
	src := regexp.MustCompile(`src="(/media/groups/[^"]+\.png)"`).FindStringSubmatch(groupPage)
	if src == nil {
		t.Fatalf("no avatar on B's group page: %.500s", groupPage)
	}
	resp, err = http.Get("http://" + b.addr + src[1])
	if err != nil {
		t.Fatal(err)
	}
	full, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || etag == "" ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || len(full) < 100 {
		t.Fatalf("B served %d %v, %d bytes", resp.StatusCode, resp.Header, len(full))
	}
	if _, err := png.Decode(bytes.NewReader(full)); err != nil {
		t.Fatalf("B served no PNG: %v", err)
	}
	rangeReq, _ := http.NewRequest(http.MethodGet, "http://"+b.addr+src[1], nil)
	rangeReq.Header.Set("Range", "bytes=10-29")
	resp, err = http.DefaultClient.Do(rangeReq)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, full[10:30]) {
		t.Fatalf("Range: %d, %q; want 206 and bytes 10-29", resp.StatusCode, part)
	}
	condReq, _ := http.NewRequest(http.MethodGet, "http://"+b.addr+src[1], nil)
	condReq.Header.Set("If-None-Match", etag)
	resp, err = http.DefaultClient.Do(condReq)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d, want 304", resp.StatusCode)
	}
	for _, dir := range []string{dirA, dirB} {
		if _, err := os.Stat(filepath.Join(dir, "media")); !os.IsNotExist(err) {
			t.Errorf("%s/media exists (%v): uploads belong in the bucket", dir, err)
		}
	}

	// With --media-public-url the pages link the upload on the CDN (by
	// its key in the bucket) and allow it as an image source.
	c := startServeEnv(t, os.Getenv, append([]string{"--data", t.TempDir(), "--media-public-url", "https://cdn.example.org"}, common...)...)
	resp, err = http.Get("http://" + c.addr + "/groups/gardeners")
	if err != nil {
		t.Fatal(err)
	}
	cdnPage, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	cfg, _ := mediastore.ParseS3URL(bucket)
	want := `src="https://cdn.example.org/` + cfg.Prefix + strings.TrimPrefix(src[1], "/") + `"`
	if !strings.Contains(string(cdnPage), want) || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "img-src 'self' data: https://cdn.example.org") {
		t.Fatalf("with a CDN: want %s in the page and the CDN in img-src; CSP %q", want, resp.Header.Get("Content-Security-Policy"))
	}
}

func get(t *testing.T, c *http.Client, u string, want int) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d: %.300s", u, resp.StatusCode, want, b)
	}
	return string(b)
}
