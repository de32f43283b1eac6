package wecom

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"qunsu"
	"qunsu/config"
	"qunsu/internal/inboxlog"
	"qunsu/internal/wecomfake"
)

// noCache is a token cache that keeps nothing: the callback needs no token.
type noCache struct{}

func (noCache) Get(string) any                       { return nil }
func (noCache) Set(string, any, time.Duration) error { return nil }
func (noCache) IsExist(string) bool                  { return false }
func (noCache) Delete(string) error                  { return nil }

// fuzzRig is an adapter whose inbox and memory are an inboxlog.Log, served in
// process (no network).
type fuzzRig struct {
	a   *Adapter
	mux *http.ServeMux
	log *inboxlog.Log
}

func newFuzzRig(t testing.TB) *fuzzRig {
	c := config.Default().Tenants[0]
	c.ID = "fuzz"
	s, err := c.Settings()
	if err != nil {
		t.Fatal(err)
	}
	log := &inboxlog.Log{}
	a, err := New(Config{CorpID: wecomfake.CorpID, AgentID: fmt.Sprint(wecomfake.AgentID), Secret: wecomfake.Secret,
		Token: appToken, AESKey: appAESKey, AIBotToken: botToken, AIBotAESKey: botAESKey, APIURL: "http://127.0.0.1:1"},
		Options{Tenant: &s, Inbox: log, Memory: log, Cache: noCache{}, Unavailable: func(qunsu.Lang) string { return "down" }})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.Routes(mux)
	return &fuzzRig{a: a, mux: mux, log: log}
}

// serve runs a request against a fresh inbox and returns the status and
// what was queued.
func (r *fuzzRig) serve(req *http.Request) (int, []qunsu.Inbound) {
	r.log.Reset(nil)
	w := httptest.NewRecorder()
	r.mux.ServeHTTP(w, req)
	return w.Code, r.log.Got
}

// signedPost is a callback carrying body, signed over sealed with token at ts.
func signedPost(path, token, ts, sealed string, body []byte) *http.Request {
	q := url.Values{"msg_signature": {signature(token, ts, "1234567890", sealed)}, "timestamp": {ts}, "nonce": {"1234567890"}}
	return httptest.NewRequest(http.MethodPost, path+"?"+q.Encode(), bytes.NewReader(body))
}

// appBody is the envelope of an app callback around sealed.
func appBody(sealed string) []byte {
	return []byte("<xml><ToUserName><![CDATA[" + wecomfake.CorpID + "]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[" +
		sealed + "]]></Encrypt></xml>")
}

func now() string { return strconv.FormatInt(time.Now().Unix(), 10) }

// xmlClean reports whether s can travel in XML as it is (what WeCom sends):
// valid UTF-8 of XML's characters.
func xmlClean(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !(r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
			return false
		}
	}
	return true
}

// xmlLines is what an XML reader makes of line ends.
func xmlLines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// checkQueued asserts what any queued message must be.
func checkQueued(t *testing.T, got []qunsu.Inbound, prefix string) {
	t.Helper()
	for _, in := range got {
		if in.User == "" || !strings.HasPrefix(in.ID, prefix) || len(in.ID) == len(prefix) || in.Text != strings.TrimSpace(in.Text) ||
			in.Tenant != "fuzz" || in.Platform != Platform || in.Chat.Kind != qunsu.ChatOrigin || in.Chat.ID == "" {
			t.Fatalf("queued %+v", in)
		}
	}
}

// checkOutcome fails unless a callback either took the plaintext (at most
// one message queued) or refused it as malformed or too large, queuing nothing.
func checkOutcome(t *testing.T, plain []byte, status int, got []qunsu.Inbound) {
	t.Helper()
	switch {
	case status == http.StatusOK && len(got) <= 1,
		status == http.StatusBadRequest && len(got) == 0,
		status == http.StatusRequestEntityTooLarge && len(got) == 0:
	default:
		t.Fatalf("%q: status %d, queued %d", plain, status, len(got))
	}
}

// FuzzWeComAppMessage sends a member's text to the app the way WeCom does
// (sealed for the corp id, signed with the token): a message WeCom could
// send arrives as it was typed; the same request with a forged signature, or
// sealed for another corporation, is refused and queues nothing.
func FuzzWeComAppMessage(f *testing.F) {
	for _, s := range []struct {
		from, content string
		id            int64
	}{
		{"ZhangWei", "上报 项目=翡翠湾 户数=35 行为=拉横幅", 4561255354251345929},
		{"li.na@corp", "/report project=Emerald households=8", 1},
		{"LiQiang", "  收到 QS-20261122-001\r\n", 2},
		{"WangFang", "描述含 ]]> 与 <xml> 与 &amp;", 3},
		{"ZhaoMin", "全角　空格　ＱＳ－２０２６", 4},
		{"", "帮助", 5},
		{"SunHao", "", 6},
		{"ZhouLei", "\x00\x01控制字符", 7},
		{"WuTing", "\xff\xfe", 8},
		{"ZhengKai", strings.Repeat("长", 3000), 9},
	} {
		f.Add(s.from, s.content, s.id)
	}
	r := newFuzzRig(f)
	f.Fuzz(func(t *testing.T, from, content string, id int64) {
		if id <= 0 {
			id = 1
		}
		req := wecomfake.AppCallback("/wecom/callback", appToken, appAESKey, wecomfake.AppText{From: from, Content: content, MsgID: id})
		body, _ := readBody(req)
		status, got := r.serve(cloneRequest(req, body))
		checkQueued(t, got, "msg:")
		if status != http.StatusOK && status != http.StatusBadRequest && status != http.StatusRequestEntityTooLarge {
			t.Fatalf("%q from %q: status %d", content, from, status)
		}
		if from != "" && xmlClean(from) && xmlClean(content) && len(body) <= maxBody {
			if status != http.StatusOK || len(got) != 1 {
				t.Fatalf("%q from %q: status %d, queued %d", content, from, status, len(got))
			}
			in := got[0]
			if in.User != xmlLines(from) || in.Text != strings.TrimSpace(xmlLines(content)) || in.ID != "msg:"+strconv.FormatInt(id, 10) {
				t.Fatalf("%q from %q read as %+v", content, from, in)
			}
		}
		// Forged: the same request, its signature one character off.
		forged := cloneRequest(req, body)
		q := forged.URL.Query()
		sig := []byte(q.Get("msg_signature"))
		sig[0] = "01"[sig[0]%2]
		if sig[0] == q.Get("msg_signature")[0] {
			sig[0] = 'f'
		}
		q.Set("msg_signature", string(sig))
		forged.URL.RawQuery = q.Encode()
		if status, got := r.serve(forged); len(got) != 0 || (status != http.StatusUnauthorized && status != http.StatusRequestEntityTooLarge) {
			t.Fatalf("forged: status %d, queued %d", status, len(got))
		}
		// Sealed for another corporation, signed with our token.
		sealed, err := r.a.appKey.seal([]byte("<xml><MsgType>text</MsgType><MsgId>1</MsgId><FromUserName>x</FromUserName><Content>"+content+"</Content></xml>"), "wwForeignCorp01")
		if err != nil {
			t.Fatal(err)
		}
		if status, got := r.serve(signedPost("/wecom/callback", appToken, now(), sealed, appBody(sealed))); len(got) != 0 ||
			(status != http.StatusForbidden && status != http.StatusRequestEntityTooLarge) {
			t.Fatalf("another corporation's: status %d, queued %d", status, len(got))
		}
	})
}

func readBody(req *http.Request) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(req.Body)
	return b.Bytes(), err
}

// cloneRequest is req again with body, served in process.
func cloneRequest(req *http.Request, body []byte) *http.Request {
	c := httptest.NewRequest(req.Method, req.URL.RequestURI(), bytes.NewReader(body))
	c.Header = req.Header.Clone()
	return c
}

// FuzzWeComAppPlaintext puts any plaintext, correctly sealed and signed,
// through the app's real parse: it never panics, refuses what is not a
// message, and queues only well-formed text.
func FuzzWeComAppPlaintext(f *testing.F) {
	for _, s := range []string{
		"<xml><ToUserName><![CDATA[ww0000000000test]]></ToUserName><FromUserName><![CDATA[ZhangWei]]></FromUserName><CreateTime>1409659813</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[上报 翡翠湾 35户]]></Content><MsgId>4561255354251345929</MsgId><AgentID>218</AgentID></xml>",
		"<xml><MsgType>event</MsgType><Event>enter_agent</Event><FromUserName>ZhangWei</FromUserName></xml>",
		"<xml><MsgType>text</MsgType><MsgId></MsgId><FromUserName>x</FromUserName></xml>",
		"<xml><MsgType>text</MsgType><MsgId>1</MsgId><FromUserName>x</FromUserName><Content>a</Content><Content>b</Content></xml>",
		"<xml><MsgType>text</MsgType><MsgId>1</MsgId><FromUserName>x</FromUserName><Content>&lt;&#0;&#xD800;</Content></xml>",
		"<!DOCTYPE xml [<!ENTITY a \"aaaaaaaaaa\">]><xml><Content>&a;&a;&a;</Content></xml>",
		"<xml><xml><xml><xml></xml></xml></xml></xml>", "", "{}", "<xml", "\xef\xbb\xbf<xml/>",
	} {
		f.Add([]byte(s))
	}
	r := newFuzzRig(f)
	f.Fuzz(func(t *testing.T, plain []byte) {
		sealed, err := r.a.appKey.seal(plain, wecomfake.CorpID)
		if err != nil {
			t.Fatal(err)
		}
		status, got := r.serve(signedPost("/wecom/callback", appToken, now(), sealed, appBody(sealed)))
		checkQueued(t, got, "msg:")
		checkOutcome(t, plain, status, got)
		if len(got) == 1 {
			var m appMessage
			if err := xml.Unmarshal(plain, &m); err != nil || m.MsgType != "text" || got[0].User != m.FromUserName {
				t.Fatalf("%q queued as %+v", plain, got[0])
			}
		}
	})
}

// FuzzWeComAppEnvelope posts any body to the app's callback, signed over
// what its Encrypt holds, at any time: it never panics; a stale timestamp is
// refused before the body is read; a message is queued only when the
// ciphertext opens for our corp id; a signature by another token is refused.
func FuzzWeComAppEnvelope(f *testing.F) {
	k, _ := parseKey(appAESKey)
	good, _ := k.seal([]byte("<xml><MsgType>text</MsgType><MsgId>7</MsgId><FromUserName>ZhangWei</FromUserName><Content>帮助</Content></xml>"), wecomfake.CorpID)
	for _, s := range []string{
		string(appBody(good)),
		"<xml><Encrypt><![CDATA[" + good + "]]></Encrypt><Encrypt>AAAA</Encrypt></xml>",
		"<xml><Encrypt>" + good[:len(good)-4] + "</Encrypt></xml>",
		"<xml><Encrypt>not base64!</Encrypt></xml>",
		"<xml><Encrypt>AAAAAAAAAAAAAAAAAAAAAA==</Encrypt></xml>",
		"<xml><Encrypt></Encrypt></xml>", "<xml/>", "", "<", strings.Repeat("<a>", 1000),
	} {
		f.Add([]byte(s), int64(0))
		f.Add([]byte(s), int64(-601))
	}
	r := newFuzzRig(f)
	f.Fuzz(func(t *testing.T, body []byte, skew int64) {
		var env appEnvelope
		xml.Unmarshal(body, &env)
		ts := strconv.FormatInt(time.Now().Unix()+skew, 10)
		status, got := r.serve(signedPost("/wecom/callback", appToken, ts, env.Encrypt, body))
		checkQueued(t, got, "msg:")
		stale := skew >= 610 || skew <= -610 // over ten minutes, with room for the test's own seconds
		switch {
		case stale && (status != http.StatusUnauthorized || len(got) != 0):
			t.Fatalf("%d s off: status %d, queued %d", skew, status, len(got))
		case len(got) > 0:
			if _, err := r.a.appKey.open(env.Encrypt, wecomfake.CorpID); err != nil || status != http.StatusOK {
				t.Fatalf("queued from a ciphertext that does not open (%v), status %d", err, status)
			}
		}
		if status, got := r.serve(signedPost("/wecom/callback", "otherToken", ts, env.Encrypt, body)); len(got) != 0 || status == http.StatusOK {
			t.Fatalf("signed with another token: status %d, queued %d", status, len(got))
		}
	})
}

// FuzzWeComAIBotMessage sends a text to the intelligent robot the way WeCom
// does (JSON sealed for the receive id "", signed with its token): one WeCom
// could send arrives as typed, less the leading @ of a group; a forged
// signature is refused.
func FuzzWeComAIBotMessage(f *testing.F) {
	for _, s := range []struct{ from, chat, content string }{
		{"LiQiang", "wrGroup1", "@qunsu 列表 翡翠湾"},
		{"LiQiang", "", "上报 项目=翡翠湾 户数=35"},
		{"ZhangWei", "wrGroup1", "@qunsu\u3000report project=Emerald households=8"},
		{"ZhangWei", "", "\"quotes\" \\ and \u2028 and \x00"},
		{"", "", "帮助"},
		{"x", "g", "\xff"},
	} {
		f.Add(s.from, s.chat, s.content)
	}
	r := newFuzzRig(f)
	f.Fuzz(func(t *testing.T, from, chat, content string) {
		req := wecomfake.AIBotCallback("/wecom/aibot", botToken, botAESKey, wecomfake.AIBotText{ChatID: chat, From: from, Content: content,
			ResponseURL: "http://127.0.0.1:1/resp"})
		body, _ := readBody(req)
		status, got := r.serve(cloneRequest(req, body))
		checkQueued(t, got, "aibot:")
		if status != http.StatusOK && status != http.StatusBadRequest && status != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d", status)
		}
		if from != "" && utf8.ValidString(from) && utf8.ValidString(content) && len(body) <= maxBody {
			if status != http.StatusOK || len(got) != 1 {
				t.Fatalf("%q from %q: status %d, queued %d", content, from, status, len(got))
			}
			want := strings.TrimSpace(content)
			if chat != "" {
				want = strings.TrimSpace(leadingAt.ReplaceAllString(want, ""))
			}
			if in := got[0]; in.User != from || in.Text != want || in.Chat.ReplyURL != "http://127.0.0.1:1/resp" {
				t.Fatalf("%q from %q read as %+v", content, from, in)
			}
		}
		forged := cloneRequest(req, body)
		q := forged.URL.Query()
		q.Set("msg_signature", signature("otherToken", q.Get("timestamp"), q.Get("nonce"), "x"))
		forged.URL.RawQuery = q.Encode()
		if status, got := r.serve(forged); len(got) != 0 || status == http.StatusOK {
			t.Fatalf("forged: status %d, queued %d", status, len(got))
		}
	})
}

// FuzzWeComAIBotPlaintext puts any plaintext, correctly sealed for the
// robot and signed, through its real parse.
func FuzzWeComAIBotPlaintext(f *testing.F) {
	for _, s := range []string{
		`{"msgid":"CAIQ1","aibotid":"aib1","chatid":"wrGroup1","chattype":"group","from":{"userid":"LiQiang"},"response_url":"https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=x","msgtype":"text","text":{"content":"@qunsu 列表"}}`,
		`{"msgid":"CAIQ2","chattype":"single","from":{"userid":"LiQiang"},"msgtype":"text","text":{"content":"  帮助  "}}`,
		`{"msgid":"CAIQ3","msgtype":"event","event":{"eventtype":"enter_chat"}}`,
		`{"msgid":"","from":{"userid":"x"},"msgtype":"text"}`,
		`{"msgid":1,"from":"x"}`, `[]`, `null`, ``, `{"text":{"content":"\ud800"}}`,
	} {
		f.Add([]byte(s))
	}
	r := newFuzzRig(f)
	f.Fuzz(func(t *testing.T, plain []byte) {
		sealed, err := r.a.aibotKey.seal(plain, "")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(map[string]string{"encrypt": sealed})
		status, got := r.serve(signedPost("/wecom/aibot", botToken, now(), sealed, body))
		checkQueued(t, got, "aibot:")
		checkOutcome(t, plain, status, got)
		if len(got) == 1 {
			var m aibotMessage
			if err := json.Unmarshal(plain, &m); err != nil || m.MsgType != "text" || got[0].User != m.From.UserID {
				t.Fatalf("%q queued as %+v", plain, got[0])
			}
		}
	})
}

// FuzzWeComSealOpen: what is sealed for a receive id opens for it, as it was,
// and for no other.
func FuzzWeComSealOpen(f *testing.F) {
	f.Add([]byte("<xml/>"), wecomfake.CorpID)
	f.Add([]byte(""), "")
	f.Add(bytes.Repeat([]byte{32}, 31), "x")
	f.Add([]byte("收到"), "ww"+strings.Repeat("z", 40))
	k, _ := parseKey(appAESKey)
	f.Fuzz(func(t *testing.T, msg []byte, receiveID string) {
		sealed, err := k.seal(msg, receiveID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := k.open(sealed, receiveID)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("%q for %q: opened %q, %v", msg, receiveID, got, err)
		}
		if plain, err := wecomfake.Decrypt(appAESKey, receiveID, sealed); err != nil || !bytes.Equal(plain, msg) {
			t.Fatalf("the fake's algorithm opens %q as %q, %v", msg, plain, err)
		}
		if _, err := k.open(sealed, receiveID+"x"); err == nil {
			t.Fatalf("opened for another receive id")
		}
	})
}

// WeCom ends an @mention with U+2005, people with a full-width space: the
// command after it is read whole.
func TestAIBotMentionEndsAtAnySpace(t *testing.T) {
	r := newFuzzRig(t)
	for _, content := range []string{"@qunsu 列表 翡翠湾", "@qunsu\u2005列表 翡翠湾", "@qunsu\u3000列表 翡翠湾", " @qunsu\u00a0 列表 翡翠湾"} {
		req := wecomfake.AIBotCallback("/wecom/aibot", botToken, botAESKey, wecomfake.AIBotText{ChatID: "wrGroup1", From: "LiQiang", Content: content})
		if status, got := r.serve(req); status != http.StatusOK || len(got) != 1 || got[0].Text != "列表 翡翠湾" {
			t.Errorf("%q: %d %+v", content, status, got)
		}
	}
}

// A callback body at the size limit is read; one byte more is refused
// unread, and nothing is queued.
func TestCallbackBodyLimit(t *testing.T) {
	r := newFuzzRig(t)
	sealed, err := r.a.appKey.seal([]byte("<xml><MsgType>text</MsgType><MsgId>9</MsgId><FromUserName>ZhangWei</FromUserName><Content>帮助</Content></xml>"), wecomfake.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	padded := func(total int) []byte { // the envelope, a comment filling it to total bytes
		head := "<xml><Encrypt><![CDATA[" + sealed + "]]></Encrypt><!--"
		tail := "--></xml>"
		return []byte(head + strings.Repeat("x", total-len(head)-len(tail)) + tail)
	}
	if status, got := r.serve(signedPost("/wecom/callback", appToken, now(), sealed, padded(maxBody))); status != http.StatusOK || len(got) != 1 {
		t.Errorf("at the limit: %d, queued %d", status, len(got))
	}
	if status, got := r.serve(signedPost("/wecom/callback", appToken, now(), sealed, padded(maxBody+1))); status != http.StatusRequestEntityTooLarge || len(got) != 0 {
		t.Errorf("over the limit: %d, queued %d", status, len(got))
	}
}
