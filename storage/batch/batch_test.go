package batch_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/kith-social/kith/storage/batch"
	"github.com/kith-social/kith/storage/storagetest"
)

// Items that arrive while a batch runs go together into the next one, in
// order, at most size at a time; every item is run exactly once.
func TestRunner(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		batches [][]int
	)
	release := make(chan struct{})
	first := true
	r := batch.New(3, func(b []int) {
		mu.Lock()
		batches = append(batches, slices.Clone(b))
		wait := first
		first = false
		mu.Unlock()
		if wait {
			<-release // hold the first batch while the others queue
		}
	})
	done := make(chan struct{})
	go func() { r.Add(0); close(done) }()
	storagetest.Eventually(t, "the batches", func() bool { mu.Lock(); defer mu.Unlock(); return len(batches) == 1 })
	for i := 1; i <= 7; i++ {
		r.Add(i) // returns at once: a batch is running
	}
	if n := r.Pending(); n != 7 {
		t.Fatalf("pending = %d, want 7", n)
	}
	close(release)
	<-done
	storagetest.Eventually(t, "the batches", func() bool { return r.Pending() == 0 && total(&mu, batches) == 8 })
	mu.Lock()
	defer mu.Unlock()
	want := [][]int{{0}, {1, 2, 3}, {4, 5, 6}, {7}}
	if !slices.EqualFunc(batches, want, slices.Equal) {
		t.Fatalf("batches %v, want %v", batches, want)
	}

	// Many concurrent callers: nothing lost, nothing run twice.
	var seen sync.Map
	var wg sync.WaitGroup
	r2 := batch.New(16, func(b []int) {
		if len(b) > 16 {
			t.Errorf("batch of %d", len(b))
		}
		for _, v := range b {
			if _, dup := seen.LoadOrStore(v, true); dup {
				t.Errorf("%d run twice", v)
			}
		}
	})
	for i := range 1000 {
		wg.Go(func() { r2.Add(i) })
	}
	wg.Wait()
	storagetest.Eventually(t, "the batches", func() bool {
		n := 0
		seen.Range(func(any, any) bool { n++; return true })
		return n == 1000
	})
}

func total(mu *sync.Mutex, batches [][]int) int {
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for _, b := range batches {
		n += len(b)
	}
	return n
}
