package main

import (
	"context"
	"testing"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/store"
)

// The console's scenarios, unchanged, on a three-master Redis Cluster and on a
// master behind a Sentinel, each reached through its URL: the engine needs no
// single server.
func TestConsole_OnClusterAndSentinel(t *testing.T) {
	deployments := []struct {
		name  string
		url   func(testing.TB) string
		flush func(testing.TB)
	}{
		{"cluster", redistest.ClusterURL, func(t testing.TB) { redistest.SharedCluster(t).Flush(t) }},
		{"sentinel", redistest.SentinelURL, func(t testing.TB) { redistest.SharedSentinel(t).Flush(t) }},
	}
	for _, d := range deployments {
		t.Run(d.name, func(t *testing.T) {
			t.Run("two weeks", func(t *testing.T) {
				d.flush(t)
				twoWeeksOfOneGroupComplaint(t, d.url(t))
				// The weeks were kept there, to the end.
				if c := storedComplaint(t, d.url(t), "QS-20261122-001"); c.Status != qunsu.StatusDissolved {
					t.Errorf("stored status %q", c.Status)
				}
			})
			t.Run("restart", func(t *testing.T) {
				d.flush(t)
				restartFiresMissedRemindersOnce(t, d.url(t))
			})
		})
	}
}

// storedComplaint reads a complaint of the demo tenant at url.
func storedComplaint(t *testing.T, url, id string) *qunsu.Complaint {
	t.Helper()
	rdb, err := store.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	c, err := store.New(rdb).Complaint(context.Background(), "demo", id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
