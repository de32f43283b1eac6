// Package keyed works through items that belong to keys: the items of
// different keys at once, those of one key one after another, in order. The
// timers of one complaint, the messages of one chat.
package keyed

import "sync"

// Run calls do for every item, with its index in items: for items of
// different keys at once, at most workers at a time (at least one); for
// items of one key one after another, in their order. It returns when all
// are done.
func Run[T any](items []T, key func(T) string, workers int, do func(i int, item T)) {
	var groups [][]int
	index := map[string]int{}
	for i, item := range items {
		k := key(item)
		g, ok := index[k]
		if !ok {
			g = len(groups)
			index[k] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, max(workers, 1))
	for _, g := range groups {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			for _, i := range g {
				do(i, items[i])
			}
		}()
	}
	wg.Wait()
}
