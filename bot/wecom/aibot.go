package wecom

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
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

// leadingAt is the @mention of the robot a group message starts with. WeCom
// follows a mention with U+2005 (a four-per-em space), and people type
// full-width spaces: any Unicode space ends it.
var leadingAt = regexp.MustCompile(`^[\s\p{Z}]*@[^\s\p{Z}]+[\s\p{Z}]*`)

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
		// The mention's spaces are RE2's \s and \p{Z}; TrimSpace also takes \v.
		text = strings.TrimSpace(leadingAt.ReplaceAllString(text, ""))
	}
	if m.ResponseURL != "" {
		// Its hour starts now: answers after it go to the speaker instead.
		ctx, cancel := context.WithTimeout(r.Context(), acceptWithin)
		err := a.memory.Remember(ctx, a.tenant.Tenant, replyURLKey(m.ResponseURL), "fresh", replyURLLife)
		cancel()
		if err != nil {
			a.log.Error("memory unavailable", "err", err)
			a.sayUnavailable(w, text, a.aibotReply())
			return
		}
	}
	in := qunsu.Inbound{ID: "aibot:" + m.MsgID, User: m.From.UserID, Text: text,
		Chat: qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: Platform, ID: robotChat(m.ChatID, m.From.UserID), ReplyURL: m.ResponseURL}}
	a.take(w, r, in, a.aibotReply())
}

// aibotStream is the robot's passive answer to a message: a stream (the only
// kind a message may be answered with; text is for the welcome), finished at
// once.
type aibotStream struct {
	MsgType string `json:"msgtype"`
	Stream  struct {
		ID      string `json:"id"`
		Finish  bool   `json:"finish"`
		Content string `json:"content"`
	} `json:"stream"`
}

// aibotReplyEnvelope carries a sealed passive reply of the robot.
type aibotReplyEnvelope struct {
	Encrypt      string `json:"encrypt"`
	MsgSignature string `json:"msgsignature"`
	TimeStamp    int64  `json:"timestamp"`
	Nonce        string `json:"nonce"`
}

// aibotReply answers in the callback's response, where the message was said:
// a finished stream sealed for the receive id "" and signed with the robot's token.
func (a *Adapter) aibotReply() passive {
	return func(text string) ([]byte, string, error) {
		var m aibotStream
		m.MsgType, m.Stream.ID, m.Stream.Finish, m.Stream.Content = "stream", nonce(), true, text
		plain, err := json.Marshal(m)
		if err != nil {
			return nil, "", err
		}
		sealed, err := a.aibotKey.seal(plain, "")
		if err != nil {
			return nil, "", err
		}
		now := a.now().Unix()
		n := nonce()
		body, err := json.Marshal(aibotReplyEnvelope{Encrypt: sealed, MsgSignature: signature(a.cfg.AIBotToken, strconv.FormatInt(now, 10), n, sealed),
			TimeStamp: now, Nonce: n})
		return body, "application/json; charset=utf-8", err
	}
}
