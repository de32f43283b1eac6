package slack_test

import (
	"testing"

	"qunsu"
	"qunsu/bot/slack"
	"qunsu/internal/redistest"
	"qunsu/internal/slackfake"
	"qunsu/store"
)

// Routing a message to a complaint's channel that exists, with its people in
// it, reads what is known of the channel in one round trip: after downtime
// every one of thousands of reminders is routed so.
func TestRoutingToAKnownChannelIsOneRoundTrip(t *testing.T) {
	r := newRig(t, slack.Config{})
	rdb := redistest.Client(t)
	commands := redistest.CountCommands(rdb)
	st := store.New(rdb)
	a := slack.New(slack.Config{BotToken: slackfake.BotToken, APIURL: r.fake.APIURL(), SigningSecret: secret},
		slack.Options{Tenant: r.tenant, Inbox: st, Memory: st})
	m := qunsu.Message{Chat: qunsu.Chat{Kind: qunsu.ChatTeam, Complaint: "QS-20261123-001", Name: "翠湖天地"},
		Members: []string{"zhangwei", "liqiang"}, Text: "⏰"}
	first, ok, err := a.Route(ctx, m)
	if err != nil || !ok {
		t.Fatalf("route: %v %v", ok, err)
	}
	before := commands.All()
	again, ok, err := a.Route(ctx, m)
	if err != nil || !ok || again.Chat != first.Chat {
		t.Fatalf("routed again to %q (%v %v), want %q", again.Chat, ok, err, first.Chat)
	}
	if n := commands.All() - before; n != 1 {
		t.Errorf("routing to a known channel took %d Redis commands, want 1", n)
	}
	if got := r.fake.Calls("conversations.invite"); len(got) != 1 {
		t.Errorf("the people were invited %d times, want once", len(got))
	}
}
