package handlers

import (
	"context"
	"sync"

	"qunsu"
)

// preloaded is what Preload read for a batch of timers: each complaint is
// taken once, by the first Fire about it; a later one reads it again (the
// first changed it).
type preloaded struct {
	mu         sync.Mutex
	tenant     string
	complaints map[string]*qunsu.Complaint
}

type preloadKey struct{}

// Preload reads the complaints of a batch of due timers in one round trip.
// Fire takes each from the returned context instead of reading it on its own;
// one that changed meanwhile fails its commit and is read again, as any
// complaint read before a change is. When reading fails, each Fire reads its
// own.
func (e *Engine) Preload(ctx context.Context, tenant string, due []qunsu.Scheduled) context.Context {
	var ids []string
	seen := map[string]bool{}
	for _, d := range due {
		if d.Job == "" && d.Complaint != "" && !seen[d.Complaint] {
			seen[d.Complaint] = true
			ids = append(ids, d.Complaint)
		}
	}
	if len(ids) < 2 {
		return ctx
	}
	loaded, err := e.Store.Load(ctx, tenant, ids)
	if err != nil {
		return ctx
	}
	p := &preloaded{tenant: tenant, complaints: make(map[string]*qunsu.Complaint, len(loaded))}
	for _, c := range loaded {
		p.complaints[c.ID] = c
	}
	return context.WithValue(ctx, preloadKey{}, p)
}

// takePreloaded returns the complaint Preload read, the first time it is asked.
func takePreloaded(ctx context.Context, tenant, id string) *qunsu.Complaint {
	p, _ := ctx.Value(preloadKey{}).(*preloaded)
	if p == nil || p.tenant != tenant {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.complaints[id]
	delete(p.complaints, id)
	return c
}
