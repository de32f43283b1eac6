package slack_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"qunsu"
	"qunsu/bot/slack"
	"qunsu/internal/redistest"
	"qunsu/internal/slackfake"
	"qunsu/store"
)

// commandCounter counts the commands a Redis client sends.
type commandCounter struct{ n atomic.Int64 }

func (c *commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}
func (c *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// Routing a message to a complaint's channel that exists, with its people in
// it, reads what is known of the channel in one round trip: after downtime
// every one of thousands of reminders is routed so.
func TestRoutingToAKnownChannelIsOneRoundTrip(t *testing.T) {
	r := newRig(t, slack.Config{})
	commands := &commandCounter{}
	rdb := redistest.Client(t)
	rdb.AddHook(commands)
	st := store.New(rdb)
	a := slack.New(slack.Config{BotToken: slackfake.BotToken, APIURL: r.fake.APIURL(), SigningSecret: secret},
		slack.Options{Tenant: r.tenant, Inbox: st, Memory: st})
	m := qunsu.Message{Chat: qunsu.Chat{Kind: qunsu.ChatTeam, Complaint: "QS-20261123-001", Name: "翠湖天地"},
		Members: []string{"zhangwei", "liqiang"}, Text: "⏰"}
	first, ok, err := a.Route(ctx, m)
	if err != nil || !ok {
		t.Fatalf("route: %v %v", ok, err)
	}
	before := commands.n.Load()
	again, ok, err := a.Route(ctx, m)
	if err != nil || !ok || again.Chat != first.Chat {
		t.Fatalf("routed again to %q (%v %v), want %q", again.Chat, ok, err, first.Chat)
	}
	if n := commands.n.Load() - before; n != 1 {
		t.Errorf("routing to a known channel took %d Redis commands, want 1", n)
	}
	if got := r.fake.Calls("conversations.invite"); len(got) != 1 {
		t.Errorf("the people were invited %d times, want once", len(got))
	}
}
