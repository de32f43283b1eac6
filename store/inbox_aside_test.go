package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/store"
)

// deadLetter is an entry of the inbox's dead-letter list, as an operator reads it.
type deadLetter struct {
	Entry, Reason string
	M             string `json:"m"`
}

func inboxDeadLetters(t *testing.T, tenant string) []deadLetter {
	t.Helper()
	raw, err := redistest.Client(t).LRange(ctx, "{t:"+tenant+"}:inbox:dead", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]deadLetter, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal([]byte(r), &out[i]); err != nil {
			t.Fatalf("dead letter %q: %v", r, err)
		}
	}
	return out
}

// A message whose handling never finishes (it fails, or crashes the process,
// every time) is given out five times; the sixth takeover sets it aside, kept
// whole on the dead-letter list, and it is given out no more.
func TestInboxSetsAsideWhatIsNeverFinished(t *testing.T) {
	rdb := redistest.Client(t)
	s, tenant := store.New(rdb), redistest.Tenant(t)
	in := qunsu.Inbound{Tenant: tenant, Platform: "slack", ID: "cmd:T9", User: "U01ZHANGWEI", Text: "上报 项目=翡翠湾 户数=35"}
	if ok, err := s.Accept(ctx, in); err != nil || !ok {
		t.Fatalf("accept: %v %v", ok, err)
	}
	const idle = 20 * time.Millisecond
	var got []qunsu.InboundEnvelope
	var err error
	for try := 1; try <= 5; try++ {
		// Each try by a consumer of its own, as after a crash; the first reads it new.
		got, err = s.ReceiveInbound(ctx, tenant, "w"+string(rune('0'+try)), 1, idle, 0)
		if err != nil || len(got) != 1 || got[0].SetAside != "" || got[0].Inbound.Text != in.Text {
			t.Fatalf("try %d: %+v %v", try, got, err)
		}
		time.Sleep(2 * idle) // left unfinished
	}
	got, err = s.ReceiveInbound(ctx, tenant, "w6", 1, idle, 0)
	if err != nil || len(got) != 1 || got[0].SetAside != "given out 5 times without being finished" || got[0].Inbound.Text != in.Text {
		t.Fatalf("the sixth takeover: %+v %v", got, err)
	}
	if kept, err := s.SetAsideInbound(ctx, tenant, got[0]); err != nil || !kept {
		t.Fatalf("set aside: %v %v", kept, err)
	}
	if n := rdb.XLen(ctx, "{t:"+tenant+"}:inbox").Val(); n != 0 {
		t.Errorf("%d entries still in the inbox", n)
	}
	if p := rdb.XPending(ctx, "{t:"+tenant+"}:inbox", "engine").Val(); p.Count != 0 {
		t.Errorf("%d entries still pending", p.Count)
	}
	dead := inboxDeadLetters(t, tenant)
	if len(dead) != 1 || dead[0].Entry != got[0].ID || dead[0].Reason != got[0].SetAside {
		t.Fatalf("dead letters: %+v", dead)
	}
	var kept qunsu.Inbound
	if err := json.Unmarshal([]byte(dead[0].M), &kept); err != nil || kept.Text != in.Text || kept.User != in.User {
		t.Errorf("what was said is not kept whole: %q %v", dead[0].M, err)
	}
	time.Sleep(2 * idle)
	if again, err := s.ReceiveInbound(ctx, tenant, "w7", 1, idle, 0); err != nil || len(again) != 0 {
		t.Errorf("given out again after it was set aside: %+v %v", again, err)
	}
}

// An entry that does not decode is set aside at once, and the messages after
// it are given out as ever.
func TestInboxSetsAsideWhatDoesNotDecode(t *testing.T) {
	rdb := redistest.Client(t)
	s, tenant := store.New(rdb), redistest.Tenant(t)
	if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "{t:" + tenant + "}:inbox", Values: []any{"m", "{not json"}}).Err(); err != nil {
		t.Fatal(err)
	}
	in := qunsu.Inbound{Tenant: tenant, Platform: "wecom", ID: "m2", User: "ZhangWei", Text: "帮助"}
	if ok, err := s.Accept(ctx, in); err != nil || !ok {
		t.Fatalf("accept: %v %v", ok, err)
	}
	got, err := s.ReceiveInbound(ctx, tenant, "w1", 10, time.Minute, 0)
	if err != nil || len(got) != 2 {
		t.Fatalf("received %+v, %v", got, err)
	}
	if got[0].SetAside == "" || got[1].SetAside != "" || got[1].Inbound.Text != "帮助" {
		t.Fatalf("received %+v", got)
	}
	if kept, err := s.SetAsideInbound(ctx, tenant, got[0]); err != nil || !kept {
		t.Fatalf("set aside: %v %v", kept, err)
	}
	dead := inboxDeadLetters(t, tenant)
	if len(dead) != 1 || dead[0].M != "{not json" || dead[0].Entry != got[0].ID {
		t.Fatalf("dead letters: %+v", dead)
	}
	if n := rdb.XLen(ctx, "{t:"+tenant+"}:inbox").Val(); n != 1 {
		t.Errorf("%d entries in the inbox, want the good one only", n)
	}
}

// An entry finished meanwhile by a worker that was only slow is not set
// aside: nothing is kept, and nobody is to be told it failed.
func TestInboxDoesNotSetAsideWhatWasFinishedMeanwhile(t *testing.T) {
	rdb := redistest.Client(t)
	s, tenant := store.New(rdb), redistest.Tenant(t)
	for _, id := range []string{"m1", "m2"} {
		in := qunsu.Inbound{Tenant: tenant, Platform: "wecom", ID: id, User: "ZhangWei", Text: "帮助"}
		if ok, err := s.Accept(ctx, in); err != nil || !ok {
			t.Fatalf("accept: %v %v", ok, err)
		}
	}
	got, err := s.ReceiveInbound(ctx, tenant, "w1", 2, time.Minute, 0)
	if err != nil || len(got) != 2 {
		t.Fatalf("received %+v, %v", got, err)
	}
	// m1: acknowledged by the slow worker; m2: acted on (its change committed
	// with its handled mark), not yet acknowledged.
	if err := s.DoneInbound(ctx, tenant, got[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Handles: qunsu.InboundKey(got[1].Inbound)}); err != nil {
		t.Fatal(err)
	}
	for _, env := range got {
		env.SetAside = "given out 6 times without being finished"
		if kept, err := s.SetAsideInbound(ctx, tenant, env); err != nil || kept {
			t.Errorf("%s set aside: %v %v", env.Inbound.ID, kept, err)
		}
	}
	if dead := inboxDeadLetters(t, tenant); len(dead) != 0 {
		t.Errorf("kept as failed: %+v", dead)
	}
	if n := rdb.XLen(ctx, "{t:"+tenant+"}:inbox").Val(); n != 0 {
		t.Errorf("%d entries left in the inbox", n)
	}
}
