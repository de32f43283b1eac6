package slackfake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Requests from Slack to an app (slash commands, Events API, interactivity)
// over HTTP, signed the way Slack signs them.

// Sign returns X-Slack-Signature for a request:
// "v0=" + hex(HMAC-SHA256(secret, "v0:" + ts + ":" + body)).
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + strconv.FormatInt(ts, 10) + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// SignedRequest builds a POST to target with body and contentType, carrying
// X-Slack-Request-Timestamp (ts as Unix seconds) and X-Slack-Signature. It can
// be sent with an http.Client or passed straight to a handler's ServeHTTP.
// It panics on a malformed URL, as httptest.NewRequest does.
func SignedRequest(target, secret string, ts time.Time, contentType string, body []byte) *http.Request {
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		panic("slackfake: SignedRequest: " + err.Error())
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set("X-Slack-Signature", Sign(secret, ts.Unix(), body))
	return req
}

// SlashCommandBody is the form body of a slash command as Slack posts it, fields in Slack's order.
func SlashCommandBody(command, text, userID, channelID, triggerID, responseURL string) []byte {
	fields := [][2]string{
		{"token", verificationToken},
		{"team_id", TeamID},
		{"team_domain", teamDomain},
		{"channel_id", channelID},
		{"channel_name", channelName(channelID)},
		{"user_id", userID},
		{"user_name", strings.ToLower(userID)},
		{"command", command},
		{"text", text},
		{"api_app_id", appID},
		{"is_enterprise_install", "false"},
		{"response_url", responseURL},
		{"trigger_id", triggerID},
	}
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(f[0]) + "=" + url.QueryEscape(f[1]))
	}
	return []byte(b.String())
}

// channelName is what Slack puts in channel_name when only the id is known here:
// "directmessage" for direct messages, else the id in lower case.
func channelName(id string) string {
	if strings.HasPrefix(id, "D") {
		return "directmessage"
	}
	return strings.ToLower(id)
}

// EventBody is an Events API event_callback body wrapping the given inner event.
func EventBody(eventID string, event map[string]any) []byte {
	eventTime := time.Now().Unix()
	if ts, ok := event["event_ts"].(string); ok {
		if us, ok := parseTS(ts); ok {
			eventTime = us / 1e6
		}
	}
	b, err := json.Marshal(obj{
		{"token", verificationToken},
		{"team_id", TeamID},
		{"context_team_id", TeamID},
		{"context_enterprise_id", nil},
		{"api_app_id", appID},
		{"event", event},
		{"type", "event_callback"},
		{"event_id", eventID},
		{"event_time", eventTime},
		{"authorizations", []obj{{
			{"enterprise_id", nil},
			{"team_id", TeamID},
			{"user_id", BotUserID},
			{"is_bot", true},
			{"is_enterprise_install", false},
		}}},
		{"is_ext_shared_channel", false},
		{"event_context", "4-" + eventID},
	})
	if err != nil {
		panic("slackfake: EventBody: " + err.Error())
	}
	return b
}

// InteractionBody is the form body "payload=<url-encoded JSON>" of an interactivity request.
func InteractionBody(payload map[string]any) []byte {
	b, err := json.Marshal(payload)
	if err != nil {
		panic("slackfake: InteractionBody: " + err.Error())
	}
	return []byte("payload=" + url.QueryEscape(string(b)))
}
