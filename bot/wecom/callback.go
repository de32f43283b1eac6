package wecom

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"qunsu"
)

const (
	// maxBody bounds a callback body. WeCom's are a few KB: the longest line
	// the engine takes (2,000 characters, 6 KB of UTF-8) is 8 KB sealed.
	maxBody = 64 << 10
	// acceptWithin bounds the wait for the inbox, so that WeCom (which gives
	// up after 5 seconds) hears an answer even when the store hangs.
	acceptWithin = 3 * time.Second
	// freshness bounds a callback's timestamp: WeCom retries within seconds,
	// so an older one is a replay.
	freshness = 10 * time.Minute
)

// appEnvelope is what WeCom posts to an app's callback.
type appEnvelope struct {
	ToUserName string `xml:"ToUserName"`
	AgentID    string `xml:"AgentID"`
	Encrypt    string `xml:"Encrypt"`
}

// appMessage is the decrypted message (text; events are ignored).
type appMessage struct {
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	CreateTime   int64  `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	Content      string `xml:"Content"`
	MsgID        string `xml:"MsgId"`
	AgentID      string `xml:"AgentID"`
}

// callback is a request's signed parts.
type callback struct {
	sig, timestamp, nonce string
}

func callbackOf(r *http.Request) callback {
	q := r.URL.Query()
	return callback{sig: q.Get("msg_signature"), timestamp: q.Get("timestamp"), nonce: q.Get("nonce")}
}

// fresh reports whether the callback's timestamp is recent.
func (a *Adapter) fresh(c callback) bool {
	ts, err := strconv.ParseInt(c.timestamp, 10, 64)
	if err != nil {
		return false
	}
	d := a.now().Sub(time.Unix(ts, 0))
	return d < freshness && d > -freshness
}

// verify answers WeCom's URL check: the echostr, signed and sealed like any
// callback, decrypted.
func (a *Adapter) verify(w http.ResponseWriter, r *http.Request, token string, key cipherKey, receiveID string) {
	c, echo := callbackOf(r), r.URL.Query().Get("echostr")
	switch {
	case echo == "" || c.sig == "":
		a.refuse(w, r, http.StatusBadRequest, "URL check without echostr or signature", nil)
		return
	case !a.fresh(c):
		a.refuse(w, r, http.StatusUnauthorized, "stale timestamp", nil)
		return
	case !signed(c.sig, token, c.timestamp, c.nonce, echo):
		a.refuse(w, r, http.StatusUnauthorized, "signature check failed", nil)
		return
	}
	plain, err := key.open(echo, receiveID)
	if err != nil {
		a.refuse(w, r, http.StatusUnauthorized, "echostr does not decrypt", err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(plain) // the bare plaintext: no quotes, no newline
}

func (a *Adapter) serveAppVerify(w http.ResponseWriter, r *http.Request) {
	a.verify(w, r, a.cfg.Token, a.appKey, a.cfg.CorpID)
}

// opened reads a callback body and returns what it carries, decrypted, once
// the signature over the ciphertext and the receive id check out. Only the
// envelope is read before: the signature is over a field of it.
func (a *Adapter) opened(w http.ResponseWriter, r *http.Request, token string, key cipherKey, receiveID string,
	envelope func(body []byte) (string, error)) ([]byte, bool) {
	c := callbackOf(r)
	if !a.fresh(c) {
		a.refuse(w, r, http.StatusUnauthorized, "stale or missing timestamp", nil)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if tooLarge := (*http.MaxBytesError)(nil); errors.As(err, &tooLarge) {
		a.refuse(w, r, http.StatusRequestEntityTooLarge, "body over the size limit", err)
		return nil, false
	}
	if err != nil {
		a.refuse(w, r, http.StatusBadRequest, "unreadable body", err)
		return nil, false
	}
	sealed, err := envelope(body)
	if err != nil || sealed == "" {
		a.refuse(w, r, http.StatusBadRequest, "malformed envelope", err)
		return nil, false
	}
	if !signed(c.sig, token, c.timestamp, c.nonce, sealed) {
		a.refuse(w, r, http.StatusUnauthorized, "signature check failed", nil)
		return nil, false
	}
	plain, err := key.open(sealed, receiveID)
	if err != nil {
		status := http.StatusUnauthorized
		if errors.Is(err, errForeign) {
			status = http.StatusForbidden // our key, another corporation's (or robot's) message
		}
		a.refuse(w, r, status, "message does not decrypt for us", err)
		return nil, false
	}
	return plain, true
}

// serveAppMessage takes what people send the app: text commands, with or
// without a leading "/". Events are acknowledged and left.
func (a *Adapter) serveAppMessage(w http.ResponseWriter, r *http.Request) {
	plain, ok := a.opened(w, r, a.cfg.Token, a.appKey, a.cfg.CorpID, func(body []byte) (string, error) {
		var env appEnvelope
		err := xml.Unmarshal(body, &env)
		return env.Encrypt, err
	})
	if !ok {
		return
	}
	var m appMessage
	if err := xml.Unmarshal(plain, &m); err != nil {
		a.refuse(w, r, http.StatusBadRequest, "malformed message", err)
		return
	}
	if m.MsgType != "text" {
		w.WriteHeader(http.StatusOK)
		return
	}
	if m.MsgID == "" || m.FromUserName == "" {
		a.refuse(w, r, http.StatusBadRequest, "text without MsgId or sender", nil)
		return
	}
	in := qunsu.Inbound{ID: "msg:" + m.MsgID, User: m.FromUserName, Text: strings.TrimSpace(m.Content),
		Chat: qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: Platform, ID: userChat(m.FromUserName)}}
	a.take(w, r, in, a.appReply(m.FromUserName))
}

// passive seals text as the answer to the callback itself (被动回复): the
// body and its content type.
type passive func(text string) (body []byte, contentType string, err error)

// take queues what someone said and answers WeCom with an empty 200, also
// for a message seen before (WeCom's retry, or a replay: not acted on again).
// When the inbox cannot take it, the sender is told so in the answer itself:
// the outbox is in the same store, and WeCom's silent retries would leave
// them waiting for nothing.
func (a *Adapter) take(w http.ResponseWriter, r *http.Request, in qunsu.Inbound, reply passive) {
	in.Tenant, in.Platform, in.At = a.tenant.Tenant, Platform, a.now()
	ctx, cancel := context.WithTimeout(r.Context(), acceptWithin)
	defer cancel()
	queued, err := a.inbox.Accept(ctx, in)
	if err != nil {
		a.log.Error("inbox unavailable", "err", err)
		a.sayUnavailable(w, in.Text, reply)
		return
	}
	if !queued {
		a.log.Info("message seen before; not acted on again", "id", in.ID)
	}
	w.WriteHeader(http.StatusOK)
}

// sayUnavailable answers a message that could not be taken with a passive
// reply saying so, in the language of its command word. Without a text for
// it, or when sealing fails, WeCom gets a 503 and tries again by itself.
func (a *Adapter) sayUnavailable(w http.ResponseWriter, text string, reply passive) {
	if a.unavailable == nil || reply == nil {
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	body, contentType, err := reply(a.unavailable(a.langOf(text)))
	if err != nil {
		a.log.Error("sealing a passive reply failed", "err", err)
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// langOf is the language a command is answered in: English for an English
// command word, as the engine does, else the tenant's.
func (a *Adapter) langOf(text string) qunsu.Lang {
	words := strings.FieldsFunc(strings.TrimLeft(strings.TrimSpace(text), "/／"), func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\u3000'
	})
	if len(words) > 0 && isASCII(words[0]) {
		return qunsu.LangEN
	}
	return a.tenant.Lang
}

func isASCII(s string) bool {
	for _, r := range s {
		if r > 127 {
			return false
		}
	}
	return true
}

// cdata is an XML element whose text is written as CDATA, as WeCom writes its own.
type cdata struct {
	Text string `xml:",cdata"`
}

// appTextReply is a text message from the app to a member (被动回复 text).
type appTextReply struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   cdata    `xml:"ToUserName"`
	FromUserName cdata    `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      cdata    `xml:"MsgType"`
	Content      cdata    `xml:"Content"`
}

// appReplyEnvelope carries a sealed passive reply: the ciphertext with its
// msg_signature, timestamp and nonce.
type appReplyEnvelope struct {
	XMLName      xml.Name `xml:"xml"`
	Encrypt      cdata    `xml:"Encrypt"`
	MsgSignature cdata    `xml:"MsgSignature"`
	TimeStamp    int64    `xml:"TimeStamp"`
	Nonce        cdata    `xml:"Nonce"`
}

// appReply answers a member of the app in the callback's response: a text
// message sealed for the corp id and signed with the app's token.
func (a *Adapter) appReply(to string) passive {
	return func(text string) ([]byte, string, error) {
		now := a.now().Unix()
		plain, err := xml.Marshal(appTextReply{ToUserName: cdata{to}, FromUserName: cdata{a.cfg.CorpID},
			CreateTime: now, MsgType: cdata{"text"}, Content: cdata{text}})
		if err != nil {
			return nil, "", err
		}
		sealed, err := a.appKey.seal(plain, a.cfg.CorpID)
		if err != nil {
			return nil, "", err
		}
		ts, n := strconv.FormatInt(now, 10), nonce()
		body, err := xml.Marshal(appReplyEnvelope{Encrypt: cdata{sealed}, MsgSignature: cdata{signature(a.cfg.Token, ts, n, sealed)},
			TimeStamp: now, Nonce: cdata{n}})
		return body, "text/xml; charset=utf-8", err
	}
}

func (a *Adapter) refuse(w http.ResponseWriter, r *http.Request, status int, why string, err error) {
	a.log.Warn("request refused", "path", r.URL.Path, "remote", r.RemoteAddr, "status", status, "why", why, "err", err)
	http.Error(w, http.StatusText(status), status)
}
