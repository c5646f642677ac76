package outbox

import (
	"context"
	"testing"
	"time"
)

func TestHostLimiter(t *testing.T) {
	h := newHostLimiter(2)
	for i := range 2 {
		if !h.tryAcquire("a.test") {
			t.Fatalf("slot %d of 2 refused", i+1)
		}
	}
	if h.tryAcquire("a.test") {
		t.Fatal("third slot granted")
	}
	if !h.tryAcquire("b.test") {
		t.Fatal("another host is refused")
	}
	// Waiting: a slot released while we wait is ours.
	got := make(chan bool)
	go func() { got <- h.acquire(context.Background(), "a.test", time.Minute) }()
	h.release("a.test")
	if !<-got {
		t.Fatal("waiting acquire did not get the released slot")
	}
	// Waiting in vain: the wait ends, or the context does.
	if h.acquire(context.Background(), "a.test", 10*time.Millisecond) {
		t.Fatal("acquire past the limit succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if h.acquire(ctx, "a.test", time.Minute) {
		t.Fatal("acquire with a cancelled context succeeded")
	}
	// Released slots leave no entries behind.
	h.release("a.test")
	h.release("a.test")
	h.release("b.test")
	if n := len(h.hosts); n != 0 {
		t.Errorf("%d hosts still tracked after every slot was released", n)
	}
}
