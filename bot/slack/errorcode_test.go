package slack

import (
	"errors"
	"fmt"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"qunsu/bot"
)

// Errors are named by Slack's own code, however classify wrapped them.
func TestErrorCodeNamesSlackErrors(t *testing.T) {
	a := &Adapter{}
	for _, c := range []struct {
		err  error
		want string
	}{
		{classify(slackgo.SlackErrorResponse{Err: "channel_not_found"}), "channel_not_found"},
		{classify(slackgo.SlackErrorResponse{Err: "ratelimited"}), "ratelimited"},
		{classify(slackgo.SlackErrorResponse{Err: "invalid_auth"}), "invalid_auth"},
		{classify(&slackgo.RateLimitedError{RetryAfter: time.Second}), "ratelimited"},
		{classify(slackgo.StatusCodeError{Code: 503, Status: "503 Service Unavailable"}), "http_503"},
		{classify(slackgo.StatusCodeError{Code: 429, Status: "429 Too Many Requests"}), "ratelimited"},
		{lookupFailed(slackgo.SlackErrorResponse{Err: "not_in_channel"}), "not_in_channel"},
		{fmt.Errorf("post: %w", errors.New("connection reset by peer")), ""},
		{bot.Permanent(errors.New("no managers' channel for Slack")), ""},
	} {
		if got := a.ErrorCode(c.err); got != c.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
