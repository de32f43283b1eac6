package bot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/store"
)

// Answers to commands typed on another platform are acknowledged without
// being posted, all those of a read in one round trip: under load every
// message of the outbox passes every platform's sender.
func TestSenderSkipsOtherPlatformsInOneAck(t *testing.T) {
	rdb := redistest.Client(t)
	commands := redistest.CountCommands(rdb)
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
	if n := commands.Alone("xack"); n != 1 {
		t.Errorf("30 messages read at once were acknowledged in %d round trips, want 1", n)
	}
}

// A steady stream of messages is read a few at a time, not one read each:
// under load every read costs both sides a round trip.
func TestSenderGathersAStreamIntoFewReads(t *testing.T) {
	rdb := redistest.Client(t)
	commands := redistest.CountCommands(rdb)
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
	if got := commands.Alone("xreadgroup"); got > n/2 {
		t.Errorf("%d messages, one a millisecond, took %d reads, want them gathered", n, got)
	}
	t.Logf("%d messages in %d reads", n, commands.Alone("xreadgroup"))
}
