package auth_test

import (
	"testing"

	"github.com/kith-social/kith/web/auth"
)

func TestPasswords(t *testing.T) {
	t.Parallel()
	if _, err := auth.HashPassword("short"); err == nil {
		t.Error("short password accepted")
	}
	h, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"correct horse battery", true}, {"correct horse batterY", false}, {"", false}} {
		if ok, err := auth.CheckPassword(tc.pw, h); err != nil || ok != tc.want {
			t.Errorf("CheckPassword(%q) = %v, %v", tc.pw, ok, err)
		}
	}
	if _, err := auth.CheckPassword("x", "not-a-hash"); err == nil {
		t.Error("garbage hash accepted")
	}
}
