package wecomfake

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"qunsu/internal/fakeapi"
	"time"
)

// obj and kv build answers whose keys keep the platform's order.
type (
	obj = fakeapi.Object
	kv  = fakeapi.Field
)

// reply is an answer before it is written. WeCom answers HTTP 200 with an
// errcode for every failure, so status differs only for unknown paths.
type reply struct {
	status int
	code   int
	body   obj
}

func okReply(fields ...kv) reply {
	return reply{status: http.StatusOK, body: append(obj{{"errcode", 0}, {"errmsg", "ok"}}, fields...)}
}

// errText is the English errmsg WeCom sends with a code. WeCom tells callers
// to branch on errcode only, so these need only read like the real ones.
var errText = map[int]string{
	-1:    "system busy",
	40001: "invalid credential",
	40003: "invalid userid",
	40008: "invalid message type",
	40004: "invalid media type",
	40005: "invalid file type",
	40006: "invalid file size",
	40007: "invalid media_id",
	40009: "invalid image size",
	40013: "invalid corpid",
	40014: "invalid access_token",
	40032: "invalid userid list size",
	40056: "invalid agentid",
	40058: "invalid Request Parameter",
	41001: "access_token missing",
	41002: "corpid missing",
	41004: "corpsecret missing",
	41010: "url missing",
	41011: "agentid missing",
	41016: "title missing",
	41033: "description missing",
	42001: "access_token expired",
	44001: "empty media data",
	44004: "empty content",
	45002: "content size out of limit",
	45009: "api freq out of limit",
	45033: "api concurrent out of limit",
	48002: "api forbidden",
	60011: "no privilege to access/modify contact/party/agent",
	60020: "not allow to access from your ip",
	60140: "invalid response_code",
	81012: "touser & toparty & totag all empty",
	81013: "user & party & tag all invalid",
	86001: "invalid chatid",
	86003: "chatid not found",
	86005: "invalid chat owner",
	86006: "invalid chat member count",
	86007: "invalid chat member",
	86201: "chatid missing",
	86203: "chat owner missing",
	86204: "chat member missing",
	86205: "chatid too long",
	86207: "chat owner not in member list",
	86215: "chatid already exists",
	86216: "invalid chat member userid",
	93000: "invalid webhook url",
}

// errmsg formats a message the way WeCom does, with the hint and the link
// to its error-code lookup.
func (s *Server) errmsg(code int, detail string) string {
	text, ok := errText[code]
	if !ok {
		text = "error"
	}
	if detail != "" {
		text = detail + ". " + text
	}
	s.seq++
	return fmt.Sprintf("%s, hint: [%d%05d], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=%d",
		text, s.clock().Unix(), s.seq, code)
}

func (s *Server) failReply(code int, detail string, fields ...kv) reply {
	return reply{status: http.StatusOK, code: code, body: append(obj{{"errcode", code}, {"errmsg", s.errmsg(code, detail)}}, fields...)}
}

// request is what a handler needs of the HTTP request.
type request struct {
	method string
	ctype  string // Content-Type
	query  url.Values
	raw    []byte
	now    time.Time
}

// ServeHTTP records the call, applies any fault, and answers like WeCom.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	now := s.clock()
	call := Call{Path: r.URL.Path, Query: map[string]string{}, Raw: raw, At: now}
	for k, v := range r.URL.Query() {
		call.Query[k] = v[0]
	}
	if r.Method != http.MethodGet && len(raw) > 0 {
		var body map[string]any
		if json.Unmarshal(raw, &body) == nil {
			call.Body = body
		}
	}

	var rep reply
	drop := false
	if codes := s.fail[r.URL.Path]; len(codes) > 0 {
		s.fail[r.URL.Path] = codes[1:]
		rep = s.failReply(codes[0], "")
	} else {
		rep = s.route(r.URL.Path, request{method: r.Method, ctype: r.Header.Get("Content-Type"), query: r.URL.Query(), raw: raw, now: now})
		if s.drop[r.URL.Path] > 0 {
			s.drop[r.URL.Path]--
			drop = true
		}
	}
	call.ErrCode = rep.code
	s.calls = append(s.calls, call)
	s.mu.Unlock()

	if drop {
		// The server closes the connection without a response.
		panic(http.ErrAbortHandler)
	}
	b, err := fakeapi.Marshal(rep.body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(rep.status)
	_, _ = w.Write(b)
}

// route picks the handler; the caller holds s.mu.
func (s *Server) route(path string, r request) reply {
	switch path {
	case "/cgi-bin/gettoken":
		return s.getToken(r)
	case "/cgi-bin/webhook/send":
		return s.webhookSend(r)
	case "/cgi-bin/aibot/response":
		return s.aibotResponse(r)
	case "/cgi-bin/webhook/upload_media":
		return s.webhookUploadMedia(r)
	}
	handlers := map[string]func(request) reply{
		"/cgi-bin/message/send":   s.messageSend,
		"/cgi-bin/appchat/create": s.appchatCreate,
		"/cgi-bin/appchat/update": s.appchatUpdate,
		"/cgi-bin/appchat/get":    s.appchatGet,
		"/cgi-bin/appchat/send":   s.appchatSend,
		"/cgi-bin/user/get":       s.userGet,
		"/cgi-bin/media/upload":   s.mediaUpload,
	}
	h, ok := handlers[path]
	if !ok {
		return reply{status: http.StatusNotFound, code: -1, body: obj{{"errcode", -1}, {"errmsg", "unknown path " + path}}}
	}
	if code := s.checkToken(r); code != 0 {
		return s.failReply(code, "")
	}
	return h(r)
}

// checkToken answers 41001 for no token, 40014 for one never issued and
// 42001 for an expired one.
func (s *Server) checkToken(r request) int {
	v := r.query.Get("access_token")
	if v == "" {
		return 41001
	}
	t, ok := s.tokens[v]
	switch {
	case !ok:
		return 40014
	case t.revoked || !r.now.Before(t.expires):
		return 42001
	}
	return 0
}

// decodePost reads a POST body into v. WeCom answers 40058 both for JSON it
// cannot read and for a GET where a POST is due (the body is then missing).
func (s *Server) decodePost(r request, v any) (reply, bool) {
	if r.method != http.MethodPost || len(bytes.TrimSpace(r.raw)) == 0 {
		return s.failReply(40058, "request body missing"), false
	}
	if err := json.Unmarshal(r.raw, v); err != nil {
		return s.failReply(40058, "Warning: wrong json format"), false
	}
	return reply{}, true
}

const alnum = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// randomID is prefix plus n random letters and digits.
func (s *Server) randomID(prefix string, n int) string {
	b := []byte(prefix)
	for range n {
		i, err := rand.Int(rand.Reader, big.NewInt(int64(len(alnum))))
		if err != nil {
			panic(err)
		}
		b = append(b, alnum[i.Int64()])
	}
	return string(b)
}
