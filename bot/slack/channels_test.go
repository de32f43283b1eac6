package slack_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"qunsu"
	"qunsu/bot/slack"
	"qunsu/internal/slackfake"
)

// channelLookups counts the store lookups of which complaint a channel is.
type channelLookups struct {
	qunsu.Memory
	n atomic.Int64
}

func (m *channelLookups) Recall(ctx context.Context, tenant, key string) (string, bool, error) {
	if strings.HasPrefix(key, "slack:channel:") {
		m.n.Add(1)
	}
	return m.Memory.Recall(ctx, tenant, key)
}

// A command typed in a complaint's channel is the team's, one typed elsewhere
// is answered where it was typed; a burst of commands in a channel asks the
// store which complaint it is once.
func TestBurstInAChannelAsksItsComplaintOnce(t *testing.T) {
	r := newRig(t, slack.Config{})
	mem := &channelLookups{Memory: r.st}
	a := slack.New(slack.Config{BotToken: slackfake.BotToken, SigningSecret: secret, APIURL: r.fake.APIURL()},
		slack.Options{Tenant: r.tenant, Inbox: r.st, Memory: mem})
	mux := http.NewServeMux()
	a.Routes(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	if err := r.st.Remember(ctx, r.tenant.Tenant, "slack:channel:C0TEAM", "QS-20261122-001", 0); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		channel := []string{"C0TEAM", "C0REPORTS"}[i%2]
		body := slackfake.SlashCommandBody("/qunsu", "帮助", "U01ZHANGWEI", channel, fmt.Sprintf("trig-burst-%d", i), r.fake.NewResponseURL())
		res, err := http.DefaultClient.Do(slackfake.SignedRequest(srv.URL+"/slack/commands", secret, time.Now(), "application/x-www-form-urlencoded", body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("command %d: %d", i, res.StatusCode)
		}
		in := r.inbound()
		switch want := (qunsu.Chat{Kind: qunsu.ChatTeam, Complaint: "QS-20261122-001"}); {
		case channel == "C0TEAM" && in.Chat != want:
			t.Errorf("command %d in the complaint's channel: chat %+v, want %+v", i, in.Chat, want)
		case channel == "C0REPORTS" && (in.Chat.Kind != qunsu.ChatOrigin || in.Chat.ID != "C0REPORTS"):
			t.Errorf("command %d in the reports channel: chat %+v", i, in.Chat)
		}
	}
	if n := mem.n.Load(); n != 2 {
		t.Errorf("10 commands in 2 channels looked their channels up %d times, want 2", n)
	}
}
