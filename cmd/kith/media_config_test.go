package main

import (
	"strings"
	"testing"
	"time"
)

func TestMediaSettings(t *testing.T) {
	c, err := loadConfig(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.MediaCacheSize != 1<<30 || c.MediaMaxFileSize != 10<<20 || c.MediaRetryAfter != 10*time.Minute {
		t.Errorf("media defaults = %d, %d, %s", c.MediaCacheSize, c.MediaMaxFileSize, c.MediaRetryAfter)
	}
	c, err = loadConfig(t, []string{"--media-cache-size", "500MiB", "--media-max-file-size", "2MB", "--media-retry-after", "1h"},
		map[string]string{"KITH_MEDIA_CACHE_SIZE": "9GiB"})
	if err != nil {
		t.Fatal(err)
	}
	if c.MediaCacheSize != 500<<20 || c.MediaMaxFileSize != 2_000_000 || c.MediaRetryAfter != time.Hour {
		t.Errorf("media settings = %d, %d, %s", c.MediaCacheSize, c.MediaMaxFileSize, c.MediaRetryAfter)
	}
	for _, args := range [][]string{
		{"--media-cache-size", "lots"},
		{"--media-cache-size", "10KiB"}, // less than 1 MiB
		{"--media-cache-size", "-1GiB"},
		{"--media-max-file-size", "2GiB"},
		{"--media-max-file-size", "12 parsecs"},
		{"--media-retry-after", "0s"},
		{"--media-retry-after", "soon"},
	} {
		_, err := loadConfig(t, args, nil)
		if err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("%v: err = %v, want one naming %s", args, err, args[0])
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1024", 1024, true}, {"1GiB", 1 << 30, true}, {" 512 MiB ", 512 << 20, true}, {"3kb", 3000, true},
		{"2TB", 2e12, true}, {"7B", 7, true}, {"", 0, false}, {"GiB", 0, false}, {"1.5GiB", 0, false},
		{"1 GiBs", 0, false}, {"99999999999TiB", 0, false},
	} {
		got, err := parseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
