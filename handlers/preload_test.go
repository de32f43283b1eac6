package handlers

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/scheduler"
	"qunsu/store"
)

// Timers that fall due together have their complaints read in one round
// trip, not one each: after downtime thousands fall due at once.
func TestTimersDueTogetherReadTheirComplaintsAtOnce(t *testing.T) {
	s := settings(t)
	s.Tenant = redistest.Tenant(t)
	rdb := redistest.Client(t)
	commands := redistest.CountCommands(rdb)
	st := store.New(rdb)
	if err := st.Subscribe(t.Context(), s.Tenant, "console"); err != nil {
		t.Fatal(err)
	}
	clock := &movingClock{time.Date(2026, 11, 23, 10, 0, 0, 0, s.Location)}
	e := &Engine{Store: st, Clock: clock, Tenants: map[string]*qunsu.Settings{s.Tenant: s}}
	const n = 20
	for i := range n {
		in := qunsu.Inbound{Tenant: s.Tenant, Platform: "console", User: "zhangwei", At: clock.t, ID: fmt.Sprint("r", i),
			Chat: qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "console", ID: "cs-desk"},
			Text: fmt.Sprintf("上报 项目=翠湖天地 户数=%d 类别=交付", 10+i)}
		if err := e.Handle(t.Context(), in); err != nil {
			t.Fatal(err)
		}
	}
	clock.t = clock.t.Add(30 * time.Minute) // every complaint's acknowledgement falls due
	commands.Reset()
	p := &scheduler.Poller{Queue: st, Handler: e, Clock: clock, Tenants: []string{s.Tenant}, Batch: 100}
	fired, err := p.RunDue(t.Context())
	if err != nil || fired != n {
		t.Fatalf("fired %d of %d timers: %v", fired, n, err)
	}
	if got := commands.Alone("hmget"); got != 0 {
		t.Errorf("%d complaints were read one at a time, want none: the batch's were read at once", got)
	}
	if got := commands.Piped("hmget"); got < n {
		t.Errorf("%d complaints read in pipelines, want the batch's %d", got, n)
	}
	got, err := st.Receive(t.Context(), s.Tenant, "console", "test", 1000, time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	reminders := 0
	for _, env := range got {
		if strings.HasPrefix(env.Message.Text, "⏰ 请确认") {
			reminders++
		}
	}
	if reminders != n {
		t.Errorf("%d reminders written, want %d", reminders, n)
	}
}
