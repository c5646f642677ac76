package public

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

// TestFormLimitSharedAcrossProcesses: two processes on one PostgreSQL
// database (two limiters, two connection pools) share a form's limit of
// 10 a minute per client; each counting alone would let 20 through.
func TestFormLimitSharedAcrossProcesses(t *testing.T) {
	t.Parallel()
	dbA, dsn := storagetest.OpenPostgres(t)
	dbB, err := storage.Open(t.Context(), dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dbB.Close() })
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	key := func(*http.Request) (string, error) { return "203.0.113.7", nil }
	nodes := []http.Handler{limitByClient(dbA, "report", 10, key)(ok), limitByClient(dbB, "report", 10, key)(ok)}
	other := limitByClient(dbA, "follow", 10, key)(ok) // another form's budget
	passed := 0
	for i := range 20 {
		rec := httptest.NewRecorder()
		nodes[i%2].ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/report/x", nil))
		switch rec.Code {
		case http.StatusOK:
			passed++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("request %d: status %d", i, rec.Code)
		}
	}
	// 11: the sliding window may let one more through if a minute
	// begins during the loop.
	if passed < 10 || passed > 11 {
		t.Errorf("%d of 20 reports passed across two processes, want 10", passed)
	}
	rec := httptest.NewRecorder()
	other.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/follow", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("the follow form shares the report form's budget: status %d", rec.Code)
	}
}
