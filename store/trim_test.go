package store_test

import (
	"context"
	"testing"
	"time"

	"qunsu"
	"qunsu/store"
)

// The outbox keeps an entry while any platform has not finished with it, and
// while it is younger than asked; the rest goes. On every deployment.
func TestTrimKeepsWhatAPlatformStillNeeds(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		ctx := context.Background()
		if n, err := s.Trim(ctx, tenant, time.Now()); err != nil || n != 0 {
			t.Fatalf("trimming a missing outbox: %d, %v", n, err)
		}
		for _, p := range []string{"slack", "wecom"} {
			if err := s.Subscribe(ctx, tenant, p); err != nil {
				t.Fatal(err)
			}
		}
		var msgs []qunsu.Message
		for _, k := range []string{"a", "b", "c", "d"} {
			msgs = append(msgs, qunsu.Message{Tenant: tenant, Key: k, Text: k, Chat: qunsu.Chat{Kind: qunsu.ChatManagers}})
		}
		if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Messages: msgs}); err != nil {
			t.Fatal(err)
		}
		// Slack reads all four and finishes a, b and d; WeCom reads a, b and c
		// and finishes a and c (b is being posted; d is unread).
		slack, err := s.Receive(ctx, tenant, "slack", "s1", 10, time.Minute, 0)
		if err != nil || len(slack) != 4 {
			t.Fatalf("slack read %d, %v", len(slack), err)
		}
		wecom, err := s.Receive(ctx, tenant, "wecom", "w1", 3, time.Minute, 0)
		if err != nil || len(wecom) != 3 {
			t.Fatalf("wecom read %d, %v", len(wecom), err)
		}
		s.Done(ctx, tenant, "slack", slack[0].ID, slack[1].ID, slack[3].ID)
		s.Done(ctx, tenant, "wecom", wecom[0].ID, wecom[2].ID)

		if n, err := s.Trim(ctx, tenant, time.Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Errorf("trimming what is younger than an hour: %d went, %v", n, err)
		}
		if n, err := s.Trim(ctx, tenant, time.Now().Add(time.Minute)); err != nil || n != 1 {
			t.Errorf("trim: %d went, %v; want only a (b is pending on WeCom, c on Slack, d unread)", n, err)
		}
		// WeCom finishes b, reads and finishes d; Slack still holds c.
		s.Done(ctx, tenant, "wecom", wecom[1].ID)
		rest, _ := s.Receive(ctx, tenant, "wecom", "w1", 10, time.Minute, 0)
		for _, e := range rest {
			s.Done(ctx, tenant, "wecom", e.ID)
		}
		if n, err := s.Trim(ctx, tenant, time.Now().Add(time.Minute)); err != nil || n != 1 {
			t.Errorf("trim: %d went, %v; want b only", n, err)
		}
		s.Done(ctx, tenant, "slack", slack[2].ID)
		if n, err := s.Trim(ctx, tenant, time.Now().Add(time.Minute)); err != nil || n != 1 {
			t.Errorf("trim: %d went, %v; want c (d stays: the last read is kept)", n, err)
		}
	})
}
