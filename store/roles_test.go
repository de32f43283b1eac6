package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/store"
)

// A process watching the directory reads it from Redis once, and sees a
// change another process commits as soon as it is told of it.
func TestWatchedRolesAreCachedAndFollowChanges(t *testing.T) {
	rdb := redistest.Client(t)
	commands := redistest.CountCommands(rdb) // this test's own: other packages' tests share the server
	tenant := redistest.Tenant(t)
	watcher, other := store.New(rdb), store.New(rdb)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	watcher.WatchRoles(wctx, []string{tenant})

	change := func(person string) {
		t.Helper()
		ch := qunsu.Change{Tenant: tenant, Roles: []qunsu.RoleChange{{Role: "gm", Person: person, By: "zhangwei"}}}
		if err := other.Commit(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	people := func() string {
		t.Helper()
		got, err := watcher.RoleChanges(ctx, tenant)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range got {
			out = append(out, c.Person)
		}
		return strings.Join(out, ",")
	}
	// Until the subscription is confirmed nothing is kept; wait for it to be.
	change("liqiang")
	waitFor(t, func() bool { return people() == "liqiang" })
	deadline := time.Now().Add(5 * time.Second)
	for {
		before := commands.Alone("lrange")
		people()
		people()
		if commands.Alone("lrange") == before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("every read of the watched directory goes to Redis")
		}
		time.Sleep(10 * time.Millisecond)
	}
	change("wangfang")
	waitFor(t, func() bool { return people() == "liqiang,wangfang" })

	// The process that makes a change sees it at once, without waiting for
	// its own notice to come back.
	mine := qunsu.Change{Tenant: tenant, Roles: []qunsu.RoleChange{{Role: "gm", Person: "zhaomin", By: "zhangwei"}}}
	if err := watcher.Commit(ctx, mine); err != nil {
		t.Fatal(err)
	}
	if got := people(); got != "liqiang,wangfang,zhaomin" {
		t.Fatalf("right after its own change the watcher reads %s", got)
	}

	// Without a watcher every read is fresh.
	stop()
	change("chenjing")
	waitFor(t, func() bool { return people() == "liqiang,wangfang,zhaomin,chenjing" })
	if got := people(); got != "liqiang,wangfang,zhaomin,chenjing" {
		t.Fatalf("after the watch ended: %s", got)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("not within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
