package tune

import "hash/maphash"

// seenTexts remembers which query texts a connection has run, by hash, up
// to seenMax of them; then it forgets them all and starts again.
type seenTexts struct {
	seed maphash.Seed
	m    map[uint64]struct{}
}

// seenMax bounds the texts a connection remembers (8 bytes each).
const seenMax = 4096

func newSeenTexts() seenTexts {
	return seenTexts{seed: maphash.MakeSeed(), m: map[uint64]struct{}{}}
}

// firstTime records query and tells whether it was not seen before.
func (s seenTexts) firstTime(query string) bool {
	h := maphash.String(s.seed, query)
	if _, again := s.m[h]; again {
		return false
	}
	if len(s.m) >= seenMax {
		clear(s.m)
	}
	s.m[h] = struct{}{}
	return true
}
