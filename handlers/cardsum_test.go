package handlers

import (
	"strings"
	"testing"

	"qunsu"
)

// cards returns the cards among msgs.
func cards(msgs []qunsu.Message) []qunsu.Message {
	var out []qunsu.Message
	for _, m := range msgs {
		if m.Card != "" {
			out = append(out, m)
		}
	}
	return out
}

// A reminder that leaves the card as it was does not edit it (Slack allows
// about 50 edits a minute); a change the card shows does.
func TestCardIsEditedOnlyWhenItChanges(t *testing.T) {
	r := newOrdinaryRig(t)
	report := cards(r.say("zhangwei", "上报 项目=翠湖天地 户数=30 类别=交付 描述=延期交付"))
	if len(report) != 1 {
		t.Fatalf("a report posts its card once, got %d cards", len(report))
	}
	id := report[0].Card

	// 10:30: the acknowledgement falls due. Nothing is overdue yet, and the
	// card reads as it was posted (less the line that announced it).
	r.clock.t = r.at("2026-11-23 10:30")
	sent := r.fire()
	if len(sent) == 0 || len(cards(sent)) != 0 {
		t.Fatalf("the 10:30 reminder: %d messages with %d cards, want a reminder and no card", len(sent), len(cards(sent)))
	}
	now := cardMessage(r.complaint(id), r.s, r.clock.t, "")
	if _, posted, _ := strings.Cut(report[0].Text, "\n"); now.Text != posted {
		t.Fatalf("the card was left alone but reads differently now:\n%s\n----\n%s", posted, now.Text)
	}

	r.clock.t = r.at("2026-11-23 10:35")
	acked := cards(r.say("liqiang", "收到 "+id))
	if len(acked) != 1 {
		t.Fatalf("an acknowledgement shows on the card: want it edited, got %d cards", len(acked))
	}

	// 12:00: the acknowledgement is overdue, and the card says by how long.
	r.clock.t = r.at("2026-11-23 12:00")
	sent = r.fire()
	if len(cards(sent)) != 1 {
		t.Fatalf("the 12:00 reminders: %d cards, want the card edited to show what is overdue", len(cards(sent)))
	}
	if edited := cards(sent)[0].Text; edited == acked[0].Text {
		t.Fatalf("the card was edited to read the same:\n%s", edited)
	}
}
