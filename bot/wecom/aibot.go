package wecom

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"

	"qunsu"
)

// The intelligent robot (智能机器人) in API mode calls back with encrypted JSON
// sealed for the receive id "" (an enterprise's own robot).

// aibotEnvelope is what WeCom posts to the robot's callback.
type aibotEnvelope struct {
	Encrypt string `json:"encrypt"`
}

// aibotMessage is a decrypted message (text; other kinds are left).
type aibotMessage struct {
	MsgID    string `json:"msgid"`
	AIBotID  string `json:"aibotid"`
	ChatID   string `json:"chatid"`
	ChatType string `json:"chattype"` // group, single
	From     struct {
		UserID string `json:"userid"`
	} `json:"from"`
	ResponseURL string `json:"response_url"`
	MsgType     string `json:"msgtype"`
	Text        struct {
		Content string `json:"content"`
	} `json:"text"`
}

func (a *Adapter) serveAIBotVerify(w http.ResponseWriter, r *http.Request) {
	a.verify(w, r, a.cfg.AIBotToken, a.aibotKey, "")
}

// leadingAt is the @mention of the robot a group message starts with.
var leadingAt = regexp.MustCompile(`^\s*@\S+\s*`)

// serveAIBotMessage takes what people say to the robot, in a group (with an
// @) or alone with it. The answer goes back through the message's response URL.
func (a *Adapter) serveAIBotMessage(w http.ResponseWriter, r *http.Request) {
	plain, ok := a.opened(w, r, a.cfg.AIBotToken, a.aibotKey, "", func(body []byte) (string, error) {
		var env aibotEnvelope
		err := json.Unmarshal(body, &env)
		return env.Encrypt, err
	})
	if !ok {
		return
	}
	var m aibotMessage
	if err := json.Unmarshal(plain, &m); err != nil {
		a.refuse(w, r, http.StatusBadRequest, "malformed message", err)
		return
	}
	if m.MsgType != "text" {
		w.WriteHeader(http.StatusOK)
		return
	}
	if m.MsgID == "" || m.From.UserID == "" {
		a.refuse(w, r, http.StatusBadRequest, "text without msgid or sender", nil)
		return
	}
	text := strings.TrimSpace(m.Text.Content)
	if m.ChatType == "group" {
		text = leadingAt.ReplaceAllString(text, "")
	}
	if m.ResponseURL != "" {
		// Its hour starts now: answers after it go to the speaker instead.
		if err := a.memory.Remember(r.Context(), a.tenant.Tenant, replyURLKey(m.ResponseURL), "fresh", replyURLLife); err != nil {
			a.log.Error("memory unavailable", "err", err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
	}
	in := qunsu.Inbound{ID: "aibot:" + m.MsgID, User: m.From.UserID, Text: text,
		Chat: qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: Platform, ID: robotChat(m.ChatID, m.From.UserID), ReplyURL: m.ResponseURL}}
	a.take(w, r, in)
}
