// Package inboxlog is an Inbox and a Memory kept in a test's memory, for fuzz
// targets: fuzzing calls an endpoint thousands of times a second, which a
// Redis round trip per call would not allow. Tests of the real behaviour run
// on redis-server; only tests import this package.
package inboxlog

import (
	"context"
	"fmt"
	"time"

	"qunsu"
)

// Log records what an adapter accepts and remembers.
type Log struct {
	Seen map[string]bool
	Got  []qunsu.Inbound
	Mem  map[string]string
}

var (
	_ qunsu.Inbox  = (*Log)(nil)
	_ qunsu.Memory = (*Log)(nil)
)

// Reset empties the log, keeping mem as what is remembered (nil: nothing).
func (l *Log) Reset(mem map[string]string) {
	if mem == nil {
		mem = map[string]string{}
	}
	l.Seen, l.Got, l.Mem = map[string]bool{}, nil, mem
}

func (l *Log) Accept(ctx context.Context, in qunsu.Inbound) (bool, error) {
	key := qunsu.InboundKey(in)
	if key == "" {
		return false, fmt.Errorf("inbound without an id: %+v", in)
	}
	if l.Seen[key] {
		return false, nil
	}
	l.Seen[key] = true
	l.Got = append(l.Got, in)
	return true, nil
}

func (l *Log) ReceiveInbound(context.Context, string, string, int, time.Duration, time.Duration) ([]qunsu.InboundEnvelope, error) {
	return nil, nil
}

func (l *Log) DoneInbound(context.Context, string, ...string) error { return nil }

// SetAsideInbound keeps nothing: the log gives nothing out.
func (l *Log) SetAsideInbound(context.Context, string, qunsu.InboundEnvelope) (bool, error) {
	return false, nil
}

func (l *Log) Recall(ctx context.Context, tenant, key string) (string, bool, error) {
	v, ok := l.Mem[key]
	return v, ok, nil
}

func (l *Log) RecallAll(ctx context.Context, tenant string, keys ...string) (map[string]string, error) {
	out := map[string]string{}
	for _, k := range keys {
		if v, ok := l.Mem[k]; ok {
			out[k] = v
		}
	}
	return out, nil
}

func (l *Log) Remember(ctx context.Context, tenant, key, value string, ttl time.Duration) error {
	l.Mem[key] = value
	return nil
}

func (l *Log) RememberFirst(ctx context.Context, tenant, key, value string, ttl time.Duration) (string, error) {
	if v, ok := l.Mem[key]; ok {
		return v, nil
	}
	l.Mem[key] = value
	return value, nil
}

func (l *Log) Forget(ctx context.Context, tenant string, keys ...string) error {
	for _, k := range keys {
		delete(l.Mem, k)
	}
	return nil
}
