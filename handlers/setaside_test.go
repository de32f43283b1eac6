package handlers

import (
	"context"
	"strings"
	"testing"

	"qunsu"
)

// Whoever sent a message the inbox set aside hears so in the chat it came
// from, under one idempotency key however often they are told, so it is
// posted once.
func TestTellSetAsideAnswersInTheChatItCameFrom(t *testing.T) {
	r := newOrdinaryRig(t)
	in := qunsu.Inbound{Tenant: r.s.Tenant, Platform: "console", User: "zhangwei", Chat: r.chat, Text: "上报 …", ID: "m-aside", At: r.clock.t}
	for range 2 {
		if err := r.e.TellSetAside(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	got := r.sent()
	if len(got) != 2 || got[0].Key != got[1].Key || !got[0].Chat.Same(r.chat) || !strings.Contains(got[0].Text, "多次处理失败") {
		t.Fatalf("sent %+v", got)
	}
	// A message without a chat (it did not decode) has nowhere to be answered.
	if err := r.e.TellSetAside(context.Background(), qunsu.Inbound{Tenant: r.s.Tenant}); err != nil {
		t.Fatal(err)
	}
	if more := r.sent(); len(more) != 0 {
		t.Errorf("answered nowhere: %+v", more)
	}
}
