package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"qunsu/internal/redistest"
	"qunsu/store"
)

// An idle reader of a stream costs Redis one blocking read per wait: the
// group is made once, and abandoned entries are looked for a few times per
// idle period, not on every read.
func TestIdleReaderOnlyWaits(t *testing.T) {
	srv := redistest.StartServer(t) // of its own, so that its command counts are this test's
	rdb := open(t, srv.URL())
	s := store.New(rdb)
	ctx := context.Background()
	for range 10 {
		if _, err := s.ReceiveInbound(ctx, "idle", "c1", 10, time.Minute, 10*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	info, err := rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	calls := func(cmd string) int {
		for _, line := range strings.Split(info, "\r\n") {
			if rest, ok := strings.CutPrefix(line, "cmdstat_"+cmd+":calls="); ok {
				n, _ := strconv.Atoi(strings.SplitN(rest, ",", 2)[0])
				return n
			}
		}
		return 0
	}
	if calls("xreadgroup") != 10 || calls("xautoclaim") != 2 || calls("xgroup|create") != 1 {
		t.Errorf("10 idle reads cost %d XREADGROUP, %d XAUTOCLAIM, %d XGROUP CREATE; want 10, 2 (the first, and again once the group was made), 1",
			calls("xreadgroup"), calls("xautoclaim"), calls("xgroup|create"))
	}
}
