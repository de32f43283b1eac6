package slack

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	slackgo "github.com/slack-go/slack"

	"qunsu/bot"
)

// slackError returns the error code of a Web API answer ("channel_not_found"),
// or "" for no error or one that is not Slack's.
func slackError(err error) string {
	var e slackgo.SlackErrorResponse
	if errors.As(err, &e) {
		return e.Err
	}
	return ""
}

// transient are Slack's error codes worth trying again.
var transient = map[string]bool{
	"internal_error": true, "fatal_error": true, "service_unavailable": true, "request_timeout": true,
	"team_added_to_org": true,
}

// installation are Slack's error codes that say the app's installation is
// wrong (a revoked token, a missing scope): every message waits, and is
// delivered once someone mends it.
var installation = map[string]bool{
	"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true, "token_expired": true,
	"missing_scope": true, "no_permission": true, "not_allowed_token_type": true, "team_access_not_granted": true,
	"ekm_access_denied": true, "org_login_required": true,
}

// classify says what the sender should do with a Web API error: wait as told
// (429), try again with backoff (5xx, network, Slack's transient codes), or set
// the message aside (every other error code: a channel gone, a scope missing).
func classify(err error) error {
	if err == nil {
		return nil
	}
	var limited *slackgo.RateLimitedError
	if errors.As(err, &limited) {
		return &bot.RetryAfter{Wait: max(limited.RetryAfter, time.Second), Err: err}
	}
	if bot.IsPermanent(err) {
		return err
	}
	var status slackgo.StatusCodeError
	if errors.As(err, &status) {
		if status.Code == http.StatusTooManyRequests {
			return &bot.RetryAfter{Wait: time.Second, Err: err}
		}
		if status.Code >= 500 {
			return err
		}
		return bot.Permanent(err)
	}
	switch code := slackError(err); {
	case code == "ratelimited":
		return &bot.RetryAfter{Wait: time.Second, Err: err}
	case installation[code]:
		return fmt.Errorf("slack refused the app (%s): check the bot token and the app's scopes: %w", code, err)
	case code != "" && !transient[code]:
		return bot.Permanent(err)
	}
	return err
}

var _ bot.ErrorCoder = (*Adapter)(nil)

// ErrorCode names a Web API error for monitoring: Slack's code
// ("channel_not_found"), "ratelimited" for a 429, "http_<status>" for another
// HTTP failure, or "" for an error that is not Slack's (a network failure).
func (a *Adapter) ErrorCode(err error) string {
	var limited *slackgo.RateLimitedError
	var status slackgo.StatusCodeError
	switch {
	case errors.As(err, &limited):
		return "ratelimited"
	case errors.As(err, &status):
		if status.Code == http.StatusTooManyRequests {
			return "ratelimited"
		}
		return fmt.Sprintf("http_%d", status.Code)
	}
	return slackError(err)
}
