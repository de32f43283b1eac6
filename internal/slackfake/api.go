package slackfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"qunsu/internal/fakeapi"
	"strconv"
	"strings"
	"time"
)

// obj and kv build answers whose keys keep the platform's order.
type (
	obj = fakeapi.Object
	kv  = fakeapi.Field
)

// reply is a Web API answer before it is written.
type reply struct {
	status     int
	retryAfter int // seconds; <0 for no Retry-After header
	body       any
	err        string // the Slack error, for Call
}

func okReply(fields ...kv) reply {
	return reply{status: http.StatusOK, retryAfter: -1, body: append(obj{{"ok", true}}, fields...)}
}

func failReply(e string, fields ...kv) reply {
	return reply{status: http.StatusOK, retryAfter: -1, body: append(obj{{"ok", false}, {"error", e}}, fields...), err: e}
}

// ratelimited is Slack's 429: the client only looks at the Retry-After header.
func ratelimited(retryAfter int) reply {
	return reply{status: http.StatusTooManyRequests, retryAfter: retryAfter, body: obj{{"ok", false}, {"error", "ratelimited"}}, err: "ratelimited"}
}

// params are a call's arguments as strings; JSON values that are not strings keep their JSON text.
type params map[string]string

func (p params) bool(k string) bool {
	switch strings.ToLower(p[k]) {
	case "1", "true":
		return true
	}
	return false
}

// limit reads a page size: 100 when absent or 0, at most max; ok is false
// for one that is not a whole number.
func (p params) limit(max int) (int, bool) {
	v := p["limit"]
	if v == "" {
		return 100, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, false
	}
	if n == 0 {
		return 100, true
	}
	return min(n, max), true
}

type tokenKind int

const (
	botAuth tokenKind = iota
	appAuth
)

type method struct {
	auth tokenKind
	h    func(*Server, params) reply
}

var methods = map[string]method{
	"auth.test":                    {botAuth, (*Server).authTest},
	"conversations.create":         {botAuth, (*Server).conversationsCreate},
	"conversations.invite":         {botAuth, (*Server).conversationsInvite},
	"conversations.join":           {botAuth, (*Server).conversationsJoin},
	"conversations.open":           {botAuth, (*Server).conversationsOpen},
	"conversations.list":           {botAuth, (*Server).conversationsList},
	"conversations.history":        {botAuth, (*Server).conversationsHistory},
	"chat.postMessage":             {botAuth, (*Server).chatPostMessage},
	"chat.update":                  {botAuth, (*Server).chatUpdate},
	"pins.add":                     {botAuth, (*Server).pinsAdd},
	"users.lookupByEmail":          {botAuth, (*Server).usersLookupByEmail},
	"users.info":                   {botAuth, (*Server).usersInfo},
	"views.open":                   {botAuth, (*Server).viewsOpen},
	"files.getUploadURLExternal":   {botAuth, (*Server).filesGetUploadURLExternal},
	"files.completeUploadExternal": {botAuth, (*Server).filesCompleteUploadExternal},
	"apps.connections.open":        {appAuth, (*Server).appsConnectionsOpen},
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/api/")
	body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	p, perr := parseParams(r, body)
	token := p["token"]
	if h, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		token = h
	}

	s.mu.Lock()
	s.base = "http://" + r.Host // where this caller reaches the fake (through a proxy, say)
	f := s.takeFault(name)
	var rep reply
	switch {
	case f != nil && !f.Drop && (f.Status != 0 || f.Error != ""):
		rep = faultReply(*f)
	default:
		rep = s.handle(name, p, token, perr)
	}
	drop := f != nil && f.Drop
	call := Call{Method: name, Params: cloneMap(p), At: time.Now(), Status: rep.status, Error: rep.err}
	if drop {
		call.Status = 0
	}
	s.calls = append(s.calls, call)
	s.mu.Unlock()

	if drop {
		// The call took effect; now lose the answer the way a broken connection does.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	writeReply(w, rep)
}

func writeReply(w http.ResponseWriter, rep reply) {
	b, err := fakeapi.MarshalEscaped(rep.body) // what json.Marshal writes, in one pass
	if err != nil {
		b = []byte(`{"ok":false,"error":"internal_error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if rep.retryAfter >= 0 {
		w.Header().Set("Retry-After", strconv.Itoa(rep.retryAfter))
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(b)
}

// takeFault consumes one planned fault for the method, if any.
func (s *Server) takeFault(name string) *Fault {
	q := s.faults[name]
	if len(q) == 0 {
		return nil
	}
	f := q[0].f
	q[0].left--
	if q[0].left <= 0 {
		s.faults[name] = q[1:]
	}
	return &f
}

func faultReply(f Fault) reply {
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	e := f.Error
	if e == "" {
		switch {
		case status == http.StatusTooManyRequests:
			e = "ratelimited"
		case status >= 500:
			e = "fatal_error"
		default:
			e = "request_failed"
		}
	}
	rep := reply{status: status, retryAfter: -1, body: obj{{"ok", false}, {"error", e}}, err: e}
	// slack-go turns a 429 into RateLimitedError only when Retry-After is present, as Slack always sends it.
	if status == http.StatusTooManyRequests || f.RetryAfter > 0 {
		rep.retryAfter = f.RetryAfter
	}
	return rep
}

func (s *Server) handle(name string, p params, token string, perr string) reply {
	m, ok := methods[name]
	if !ok {
		rep := failReply("unknown_method")
		rep.status = http.StatusNotFound
		return rep
	}
	if perr != "" {
		return failReply(perr)
	}
	want := BotToken
	if m.auth == appAuth {
		want = AppToken
	}
	switch token {
	case "":
		return failReply("not_authed")
	case want:
	default:
		return failReply("invalid_auth")
	}
	return m.h(s, p)
}

// parseParams reads a call's arguments the ways Slack accepts them: a form body,
// a JSON body (slack-go uses it for views.* and apps.connections.open) and the query string.
func parseParams(r *http.Request, body []byte) (params, string) {
	p := params{}
	for k, v := range r.URL.Query() {
		p[k] = v[0]
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case len(bytes.TrimSpace(body)) == 0:
	case ct == "application/json":
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return p, "invalid_json"
		}
		for k, raw := range fields {
			var str string
			if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &str) == nil {
				p[k] = str
			} else {
				p[k] = string(raw)
			}
		}
	default:
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return p, "invalid_form_data"
		}
		for k, v := range vals {
			p[k] = v[0]
		}
	}
	return p, ""
}

// serveResponse takes what an app posts to a response URL (JSON, as slack-go's
// PostWebhook and MsgOptionResponseURL send it) and answers "ok" as Slack does.
func (s *Server) serveResponse(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "invalid_method", http.StatusMethodNotAllowed)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	u := s.URL + r.URL.Path
	w.Header().Set("Content-Type", "text/html")
	s.mu.Lock()
	known := s.respURLs[u]
	s.mu.Unlock()
	if !known {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "no_service")
		return
	}
	raw := body
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" {
		vals, _ := url.ParseQuery(string(body))
		raw = []byte(vals.Get("payload"))
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "invalid_payload")
		return
	}
	s.mu.Lock()
	s.responses = append(s.responses, Response{URL: u, Body: m})
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "ok")
}

func itoa(n int) string { return strconv.Itoa(n) }

func pad8(n int) string { return fmt.Sprintf("%08d", n) }

// formatTS writes microseconds since the epoch as Slack's "1763773200.000100".
func formatTS(us int64) string { return fmt.Sprintf("%d.%06d", us/1e6, us%1e6) }

// parseTS reads "1763773200", "1763773200.0001" or "1763773200.000100" as microseconds.
func parseTS(s string) (int64, bool) {
	sec, frac, _ := strings.Cut(s, ".")
	secs, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return 0, false
	}
	if len(frac) > 6 {
		frac = frac[:6]
	}
	frac += strings.Repeat("0", 6-len(frac))
	us, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || us < 0 {
		return 0, false
	}
	return secs*1e6 + us, true
}
