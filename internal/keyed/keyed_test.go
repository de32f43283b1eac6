package keyed_test

import (
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"qunsu/internal/keyed"
)

// Items of different keys run at once, up to the bound; items of one key
// never at once, and in their order; every item runs once.
func TestRunKeysAtOnceEachKeyInOrder(t *testing.T) {
	var items []string
	for i := range 30 {
		items = append(items, strconv.Itoa(i%5)+"/"+strconv.Itoa(i))
	}
	var mu sync.Mutex
	running, most := map[string]int{}, 0
	total, overlap := 0, false
	seen := map[string][]int{}
	keyed.Run(items, func(s string) string { return s[:1] }, 3, func(i int, s string) {
		k := s[:1]
		mu.Lock()
		running[k]++
		total++
		overlap = overlap || running[k] > 1
		most = max(most, total)
		seen[k] = append(seen[k], i)
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		mu.Lock()
		running[k]--
		total--
		mu.Unlock()
	})
	if overlap {
		t.Error("two items of one key ran at once")
	}
	if most < 2 || most > 3 {
		t.Errorf("%d ran at once; want 2 or 3 (bound 3)", most)
	}
	n := 0
	for k, idx := range seen {
		n += len(idx)
		if !slices.IsSorted(idx) {
			t.Errorf("key %s ran out of order: %v", k, idx)
		}
	}
	if n != len(items) {
		t.Errorf("%d items ran, want %d", n, len(items))
	}
}
