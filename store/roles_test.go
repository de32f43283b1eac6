package store_test

import (
	"errors"
	"testing"
	"time"

	"qunsu"
	"qunsu/store"
)

// A directory change commits with the command that made it: it is kept in
// order, and the same command delivered again adds nothing.
func TestRoleChangesCommitOnceInOrder(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) { roleChangesCommitOnceInOrder(t, s, tenant) })
}

func roleChangesCommitOnceInOrder(t *testing.T, s *store.Store, tenant string) {
	at := time.UnixMilli(1763773200000).UTC()
	first := qunsu.RoleChange{At: at, By: "boss", Platform: "wecom", Role: qunsu.RoleLegal, Project: "翡翠湾", Person: "liu"}
	second := qunsu.RoleChange{At: at, By: "boss", Platform: "slack", Remove: true, Role: qunsu.RoleCRHead, Person: "zhang"}
	for i, ch := range []qunsu.RoleChange{first, second} {
		err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Roles: []qunsu.RoleChange{ch}, Handles: "wecom:msg:" + string(rune('1'+i)),
			Messages: []qunsu.Message{{Tenant: tenant, Text: "ok", Key: "k" + string(rune('1'+i))}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Roles: []qunsu.RoleChange{first}, Handles: "wecom:msg:1"})
	if !errors.Is(err, qunsu.ErrHandled) {
		t.Fatalf("redelivered: %v, want ErrHandled", err)
	}
	got, err := s.RoleChanges(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != first || got[1] != second {
		t.Fatalf("role changes %+v, want [%+v %+v]", got, first, second)
	}
}
