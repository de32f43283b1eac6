package store_test

import (
	"fmt"
	"testing"
	"time"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/store"
)

// closeAt saves c as closed at (zero: reopened) with status.
func closeAt(t *testing.T, s *store.Store, tenant string, c *qunsu.Complaint, at time.Time, status qunsu.Status) {
	t.Helper()
	stored, err := s.Complaint(ctx, tenant, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	c.Version, c.ClosedAt, c.Status = stored.Version, at, status
	if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Complaint: c}); err != nil {
		t.Fatal(err)
	}
}

// The cases of a month: every complaint closed in it, whenever reported and
// whether dissolved since or not, by close time; not one reopened since.
func TestClosedInFindsTheMonthsCloses(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		dec := nov.AddDate(0, 1, 0)
		oct := commitAt(t, s, tenant, "QS-20261003-001", nov.AddDate(0, -1, 2), qunsu.StatusOpen)
		closeAt(t, s, tenant, oct, nov.Add(20*24*time.Hour), qunsu.StatusDissolved) // reported in October, closed in November, dissolved
		early := commitAt(t, s, tenant, "QS-20261102-001", nov.Add(24*time.Hour), qunsu.StatusOpen)
		closeAt(t, s, tenant, early, nov.Add(3*24*time.Hour), qunsu.StatusAftercare) // closed in November, earlier
		before := commitAt(t, s, tenant, "QS-20261005-001", nov.AddDate(0, -1, 4), qunsu.StatusOpen)
		closeAt(t, s, tenant, before, nov.Add(-time.Hour), qunsu.StatusDissolved) // closed in October
		reopened := commitAt(t, s, tenant, "QS-20261104-001", nov.Add(3*24*time.Hour), qunsu.StatusOpen)
		closeAt(t, s, tenant, reopened, nov.Add(5*24*time.Hour), qunsu.StatusAftercare)
		closeAt(t, s, tenant, reopened, time.Time{}, qunsu.StatusOpen) // reopened
		after := commitAt(t, s, tenant, "QS-20261130-001", dec.Add(-time.Hour), qunsu.StatusOpen)
		closeAt(t, s, tenant, after, dec, qunsu.StatusAftercare)                             // closed on December 1st, 00:00
		commitAt(t, s, tenant, "QS-20261110-001", nov.Add(9*24*time.Hour), qunsu.StatusOpen) // never closed

		got, err := s.ClosedIn(ctx, tenant, nov, dec)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"QS-20261102-001", "QS-20261003-001"}; fmt.Sprint(ids(got)) != fmt.Sprint(want) {
			t.Fatalf("closed in November: %v, want %v", ids(got), want)
		}
		if got[1].Status != qunsu.StatusDissolved || !got[1].ClosedAt.Equal(nov.Add(20*24*time.Hour)) {
			t.Errorf("%s decoded as %+v", got[1].ID, got[1])
		}
	})
}

// Complaints closed before the index existed are found: the first read adds
// them, and later closes keep it.
func TestClosedInIndexesWhatWasClosedBefore(t *testing.T) {
	rdb := redistest.Client(t)
	s := store.New(rdb)
	tenant := redistest.Tenant(t)
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	old := commitAt(t, s, tenant, "QS-20261020-001", nov.AddDate(0, 0, -12), qunsu.StatusOpen)
	closeAt(t, s, tenant, old, nov.Add(48*time.Hour), qunsu.StatusDissolved)
	// As stored by a version without the index.
	if err := rdb.Del(ctx, "{t:"+tenant+"}:closed", "{t:"+tenant+"}:closed:built").Err(); err != nil {
		t.Fatal(err)
	}
	got, err := s.ClosedIn(ctx, tenant, nov, nov.AddDate(0, 1, 0))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids(got)) != "[QS-20261020-001]" {
		t.Fatalf("closed in November: %v, want the one closed before the index", ids(got))
	}
	if n, _ := rdb.Exists(ctx, "{t:"+tenant+"}:closed:built").Result(); n != 1 {
		t.Errorf("the index is not marked built: it would be rebuilt on every read")
	}
	// Reopened and closed again in December: the commit moves it.
	closeAt(t, s, tenant, old, time.Time{}, qunsu.StatusOpen)
	closeAt(t, s, tenant, old, nov.AddDate(0, 1, 3), qunsu.StatusAftercare)
	if got, _ := s.ClosedIn(ctx, tenant, nov, nov.AddDate(0, 1, 0)); len(got) != 0 {
		t.Errorf("closed in November after its second close in December: %v", ids(got))
	}
	if got, _ := s.ClosedIn(ctx, tenant, nov.AddDate(0, 1, 0), nov.AddDate(0, 2, 0)); fmt.Sprint(ids(got)) != "[QS-20261020-001]" {
		t.Errorf("closed in December: %v", ids(got))
	}
}
