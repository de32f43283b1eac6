package bot_test

import (
	"fmt"
	"runtime"
	"testing"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/store"
)

// A burst of messages to thousands of chats (a minute of reminders, one per
// complaint) costs memory by what is queued, not by a fixed buffer per chat:
// 2,000 chats waiting on their first post hold well under 20 MB.
func TestManyChatsCostWhatTheyHold(t *testing.T) {
	s, tenant := store.New(redistest.Client(t)), redistest.Tenant(t)
	const chats = 2000
	p := newPlatform()
	p.hang = func(qunsu.Message) bool { return true } // every chat's first post hangs: its lane stays
	var msgs []qunsu.Message
	for i := range chats {
		msgs = append(msgs, msg(fmt.Sprintf("chat-%d", i), fmt.Sprintf("k%d", i)))
	}
	enqueue(t, s, tenant, msgs...)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := start(t, s, tenant, "c1", p)
	defer stop()
	waitFor(t, "every chat's first post to be attempted", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.attempts) == chats
	})
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 20<<20 {
		t.Errorf("the heap grew by %d MB for %d waiting chats", grown>>20, chats)
	}
}
