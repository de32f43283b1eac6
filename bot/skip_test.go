package bot_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/store"
)

// xackCounter counts XACK commands.
type xackCounter struct{ n atomic.Int64 }

func (c *xackCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *xackCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "xack" {
			c.n.Add(1)
		}
		return next(ctx, cmd)
	}
}
func (c *xackCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// Answers to commands typed on another platform are acknowledged without
// being posted, all those of a read in one round trip: under load every
// message of the outbox passes every platform's sender.
func TestSenderSkipsOtherPlatformsInOneAck(t *testing.T) {
	rdb := redistest.Client(t)
	acks := &xackCounter{}
	rdb.AddHook(acks)
	s, tenant := store.New(rdb), redistest.Tenant(t)
	var msgs []qunsu.Message
	for i := range 30 {
		msgs = append(msgs, qunsu.Message{Chat: qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "elsewhere", ID: "X"}, Key: fmt.Sprintf("x%d", i)})
	}
	if err := s.Subscribe(context.Background(), tenant, "fake"); err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, tenant, msgs...)
	p := newPlatform()
	stop := start(t, s, tenant, "one", p)
	defer stop()
	waitFor(t, "all acknowledged", func() bool {
		lag, pending, err := s.OutboxDepth(context.Background(), tenant, "fake")
		return err == nil && lag == 0 && pending == 0
	})
	for _, m := range msgs {
		if p.count(m.Key) != 0 {
			t.Fatalf("%s, another platform's message, was posted", m.Key)
		}
	}
	if n := acks.n.Load(); n != 1 {
		t.Errorf("30 messages read at once were acknowledged in %d round trips, want 1", n)
	}
}

// readCounter counts XREADGROUP commands.
type readCounter struct{ n atomic.Int64 }

func (c *readCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *readCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "xreadgroup" {
			c.n.Add(1)
		}
		return next(ctx, cmd)
	}
}
func (c *readCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// A steady stream of messages is read a few at a time, not one read each:
// under load every read costs both sides a round trip.
func TestSenderGathersAStreamIntoFewReads(t *testing.T) {
	rdb := redistest.Client(t)
	reads := &readCounter{}
	rdb.AddHook(reads)
	s, tenant := store.New(rdb), redistest.Tenant(t)
	if err := s.Subscribe(context.Background(), tenant, "fake"); err != nil {
		t.Fatal(err)
	}
	p := newPlatform()
	stop := start(t, s, tenant, "one", p)
	defer stop()
	const n = 200
	for i := range n { // one every millisecond, each to a chat of its own
		enqueue(t, s, tenant, qunsu.Message{Chat: qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "fake", ID: fmt.Sprint("C", i)}, Key: fmt.Sprint("m", i)})
		time.Sleep(time.Millisecond)
	}
	waitFor(t, "all posted", func() bool {
		for i := range n {
			if p.count(fmt.Sprint("m", i)) != 1 {
				return false
			}
		}
		return true
	})
	if got := reads.n.Load(); got > n/2 {
		t.Errorf("%d messages, one a millisecond, took %d reads, want them gathered", n, got)
	}
	t.Logf("%d messages in %d reads", n, reads.n.Load())
}
