package wecom

import (
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
	maxBody = 1 << 20 // a callback body; WeCom's are a few KB
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
	a.take(w, r, in)
}

// take queues what someone said and answers WeCom with an empty 200, also
// for a message seen before (WeCom's retry, or a replay: not acted on again).
func (a *Adapter) take(w http.ResponseWriter, r *http.Request, in qunsu.Inbound) {
	in.Tenant, in.Platform, in.At = a.tenant.Tenant, Platform, a.now()
	queued, err := a.inbox.Accept(r.Context(), in)
	if err != nil {
		a.log.Error("inbox unavailable", "err", err)
		// No answer within 5 seconds makes WeCom try again: let it.
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	if !queued {
		a.log.Info("message seen before; not acted on again", "id", in.ID)
	}
	w.WriteHeader(http.StatusOK)
}

func (a *Adapter) refuse(w http.ResponseWriter, r *http.Request, status int, why string, err error) {
	a.log.Warn("request refused", "path", r.URL.Path, "remote", r.RemoteAddr, "status", status, "why", why, "err", err)
	http.Error(w, http.StatusText(status), status)
}
