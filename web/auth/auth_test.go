package auth_test

import (
	"testing"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
)

func TestTokens(t *testing.T) {
	t.Parallel()
	a, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := auth.NewToken()
	if a == b || len(a) != 43 {
		t.Fatalf("tokens %q, %q", a, b)
	}
	for _, tc := range []struct {
		name string
		x, y string
		want bool
	}{
		{"same", a, a, true},
		{"different", a, b, false},
		{"empty", "", "", false},
		{"prefix", a, a[:10], false},
	} {
		if got := auth.TokensEqual(tc.x, tc.y); got != tc.want {
			t.Errorf("%s: TokensEqual = %v", tc.name, got)
		}
	}
	// Each is a function of its input: computed twice, the same.
	h1, h2 := auth.HashToken(a), auth.HashToken(a)
	if h1 == a || len(h1) != 64 || h1 != h2 {
		t.Error("HashToken")
	}
	c1, c2 := auth.CSRFToken(a), auth.CSRFToken(a)
	if c1 == auth.CSRFToken(b) || c1 != c2 || c1 == a {
		t.Error("CSRFToken")
	}
}

func TestRoles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		staff *storage.Staff
		owner bool
	}{
		{nil, false},
		{&storage.Staff{Role: storage.RoleOwner}, true},
		{&storage.Staff{Role: storage.RoleModerator}, false},
		{&storage.Staff{Role: "admin"}, false},
	} {
		if got := auth.IsOwner(tc.staff); got != tc.owner {
			t.Errorf("IsOwner(%+v) = %v", tc.staff, got)
		}
	}
}
