package web

import (
	"testing"
	"time"
)

// testClock is a clock the test moves.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

func TestWindowLimiter(t *testing.T) {
	start := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	steps := []struct {
		at      time.Duration // since start
		key     string
		op      string // take, room, back
		want    bool
		minWait time.Duration
	}{
		{0, "a", "take", true, 0},
		{time.Second, "a", "take", true, 0},
		{2 * time.Second, "a", "take", true, 0},
		{3 * time.Second, "a", "take", false, 50 * time.Second}, // 3 a minute
		{3 * time.Second, "a", "room", false, 0},
		{3 * time.Second, "b", "take", true, 0}, // another key has its own budget
		{4 * time.Second, "a", "back", true, 0},
		{4 * time.Second, "a", "take", true, 0}, // given back: room for one
		{5 * time.Second, "a", "take", false, 0},
		// Next minute, a quarter in: 3 × 0.75 of the last window still counts.
		{75 * time.Second, "a", "take", false, 0},
		// Halfway: 1.5 of the last window, room for one more.
		{90 * time.Second, "a", "take", true, 0},
		{91 * time.Second, "a", "take", false, 0},
		// Two minutes later nothing of the past counts.
		{200 * time.Second, "a", "take", true, 0},
		{200 * time.Second, "a", "take", true, 0},
		{200 * time.Second, "a", "room", true, 0},
	}
	clock := &testClock{t: start}
	l := newWindowLimiter(3, time.Minute, clock.now)
	for i, s := range steps {
		clock.t = start.Add(s.at)
		switch s.op {
		case "take":
			ok, wait := l.take(s.key)
			if ok != s.want || (!ok && wait < s.minWait) {
				t.Errorf("step %d: take(%s) at %s = %v, wait %s; want %v (wait ≥ %s)", i, s.key, s.at, ok, wait, s.want, s.minWait)
			}
		case "room":
			if got := l.hasRoom(s.key); got != s.want {
				t.Errorf("step %d: hasRoom(%s) at %s = %v, want %v", i, s.key, s.at, got, s.want)
			}
		case "back":
			l.giveBack(s.key)
		}
	}
}
