// Package wecomfake is a local stand-in for qyapi.weixin.qq.com, the WeCom
// (企业微信) server API, for tests. It speaks the wire format the real API
// speaks (as github.com/silenceper/wechat/v2 sends it), records every call,
// enforces WeCom's documented limits and fails on demand. It also builds
// callbacks encrypted exactly as WeCom encrypts them.
//
// The limits and error codes follow developer.work.weixin.qq.com; where the
// docs are silent the choice is noted next to the code.
package wecomfake

import (
	"net/http/httptest"
	"qunsu/internal/fakeapi"
	"strings"
	"sync"
	"testing"
	"time"
)

// The corp this fake serves: gettoken accepts only these credentials and
// message/send only this agent.
const (
	CorpID  = "ww0000000000test"
	Secret  = "QunsuTestSecretForTheFakeQyapiServer0123456" // 43 characters, as WeCom issues them
	AgentID = 1000002
)

// The host the fake stands in for.
const realHost = "qyapi.weixin.qq.com"

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	URL string // http://127.0.0.1:port

	srv *httptest.Server

	mu    sync.Mutex
	clock func() time.Time
	seq   int

	users map[string]string // lower-case userid -> userid as added
	names map[string]string // userid as added -> name
	order []string          // userids as added, for "@all"

	tokens  map[string]*token
	current string
	issued  int

	calls []Call
	fail  map[string][]int // path -> errcodes still to answer
	drop  map[string]int   // path -> calls still to drop

	chats     map[string]*chat
	chatOrder []string
	appMsgs   map[string][]Sent        // userid as added -> delivered
	appTimes  map[string][]time.Time   // deliveries per member, for the limits
	chatTimes map[string][]time.Time   // appchat deliveries per member
	dupes     map[string]time.Time     // request JSON -> last delivery
	robots    map[string]*webhookBot   // webhook key -> robot
	respURLs  map[string]*responseCode // response_code -> state
	responses []Sent
	dropped   int
	media     []*media // uploaded, in order
	mediaByID map[string]*media
}

type token struct {
	expires time.Time
	revoked bool
}

type chat struct {
	id, name, owner string
	members         []string
	messages        []Sent
}

type webhookBot struct {
	messages []Sent
	times    []time.Time
}

type responseCode struct {
	expires time.Time
	used    bool
}

// Call is one request the fake received.
type Call struct {
	Path    string            // e.g. "/cgi-bin/appchat/create"
	Query   map[string]string // first value of each query parameter
	Body    map[string]any    // the JSON body decoded (nil for GET or a body that is not JSON)
	Raw     []byte
	At      time.Time // on the fake's clock
	ErrCode int       // the errcode answered (0 ok)
}

// Chat is an appchat group as the fake holds it.
type Chat struct {
	ChatID, Name, Owner string
	Members             []string
	Messages            []Sent
}

// Sent is one message as delivered. Content is the markdown or text
// content, or a textcard's title+"\n"+description.
type Sent struct {
	MsgType, Content string // Content: an image's or file's name
	File             *Media // an image or file message's file
	Mentioned        []string
	At               time.Time
}

// New starts a fake on 127.0.0.1:0; it is closed when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		clock:     time.Now,
		users:     map[string]string{},
		names:     map[string]string{},
		tokens:    map[string]*token{},
		fail:      map[string][]int{},
		drop:      map[string]int{},
		chats:     map[string]*chat{},
		mediaByID: map[string]*media{},
		appMsgs:   map[string][]Sent{},
		appTimes:  map[string][]time.Time{},
		chatTimes: map[string][]time.Time{},
		dupes:     map[string]time.Time{},
		robots:    map[string]*webhookBot{},
		respURLs:  map[string]*responseCode{},
	}
	s.srv = httptest.NewServer(s)
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Redirect rewrites a real qyapi URL to this server, for util.SetURIModifier:
// "https://qyapi.weixin.qq.com/cgi-bin/x?y" -> s.URL+"/cgi-bin/x?y". Other
// URLs are returned unchanged.
func (s *Server) Redirect(uri string) string {
	for _, scheme := range []string{"https://", "http://"} {
		if rest, ok := strings.CutPrefix(uri, scheme+realHost); ok && (rest == "" || rest[0] == '/' || rest[0] == '?') {
			return s.URL + rest
		}
	}
	return uri
}

// AddUser adds a member to the corp. Userids match case-insensitively, as
// WeCom's do; unknown ones are refused or listed as invalid.
func (s *Server) AddUser(userid, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(userid)
	if first, ok := s.users[key]; ok {
		// The same member again, perhaps in other case: keep the first form.
		s.names[first] = name
		return
	}
	s.order = append(s.order, userid)
	s.users[key] = userid
	s.names[userid] = name
}

// lookup returns the userid as added, or "" for a stranger.
func (s *Server) lookup(userid string) string {
	return s.users[strings.ToLower(strings.TrimSpace(userid))]
}

// Calls returns the calls to path ("" for all) in the order received.
func (s *Server) Calls(path string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if path == "" || c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

// WaitFor polls cond until it holds or timeout passes, for senders that
// work in the background; it reports whether cond held.
func (s *Server) WaitFor(timeout time.Duration, cond func() bool) bool {
	return fakeapi.WaitFor(timeout, cond)
}

// Chat returns a copy of the group chatid.
func (s *Server) Chat(chatid string) (Chat, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.chats[chatid]
	if !ok {
		return Chat{}, false
	}
	return c.export(), true
}

// Chats returns copies of all groups in the order they were created.
func (s *Server) Chats() []Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Chat, 0, len(s.chatOrder))
	for _, id := range s.chatOrder {
		out = append(out, s.chats[id].export())
	}
	return out
}

func (c *chat) export() Chat {
	return Chat{
		ChatID:   c.id,
		Name:     c.name,
		Owner:    c.owner,
		Members:  append([]string(nil), c.members...),
		Messages: cloneSent(c.messages),
	}
}

// AppMessages returns what message/send delivered to userid.
func (s *Server) AppMessages(userid string) []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneSent(s.appMsgs[s.lookup(userid)])
}

// AddRobot makes key a valid group-robot webhook key.
func (s *Server) AddRobot(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.robots[key] == nil {
		s.robots[key] = &webhookBot{}
	}
}

// RobotMessages returns what the webhook with key received.
func (s *Server) RobotMessages(key string) []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.robots[key]; r != nil {
		return cloneSent(r.messages)
	}
	return nil
}

// NewResponseURL returns an aibot response_url served by this server: it
// can be used once, within an hour of the fake's clock, as WeCom's can.
func (s *Server) NewResponseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := s.randomID("rc", 24)
	s.respURLs[code] = &responseCode{expires: s.clock().Add(responseTTL)}
	return s.URL + "/cgi-bin/aibot/response?response_code=" + code
}

// Responses returns what was posted to response URLs.
func (s *Server) Responses() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneSent(s.responses)
}

// ExpireToken makes the current access_token answer 42001 from now on;
// the next gettoken hands out a new one.
func (s *Server) ExpireToken() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tokens[s.current]; t != nil {
		t.revoked = true
	}
}

// TokensIssued counts the distinct tokens gettoken has handed out.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// FailNext makes the next n calls to path answer errcode, with WeCom's
// errmsg for it, without acting. Faults queue up in the order set.
func (s *Server) FailNext(path string, n int, errcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fail[path] = append(s.fail[path], errcode)
	}
}

// DropNext makes the next n calls to path act (really send) and then close
// the connection without answering, as a timeout after delivery looks to a
// client. Go's transport resends a GET that failed this way on a reused
// connection, so drops are meant for the POST paths.
func (s *Server) DropNext(path string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop[path] += n
}

// Dropped counts deliveries WeCom's per-member limits dropped silently:
// one for each member who did not get a message (so a group message over
// the limit for three members counts three).
func (s *Server) Dropped() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// SetClock replaces the clock the limits, token and response_url lifetimes
// and timestamps count on (default time.Now). The fake calls now while
// holding its lock, so now must not call back into the Server.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	s.clock = now
}

func cloneSent(in []Sent) []Sent {
	if in == nil {
		return nil
	}
	out := make([]Sent, len(in))
	for i, m := range in {
		m.Mentioned = append([]string(nil), m.Mentioned...)
		out[i] = m
	}
	return out
}

// within returns the times after cutoff; a test may move the clock both
// ways, so the slice is filtered rather than assumed sorted.
func within(times []time.Time, cutoff time.Time) []time.Time {
	out := times[:0:0]
	for _, t := range times {
		if t.After(cutoff) {
			out = append(out, t)
		}
	}
	return out
}

// countSince counts the times after cutoff.
func countSince(times []time.Time, cutoff time.Time) int {
	n := 0
	for _, t := range times {
		if t.After(cutoff) {
			n++
		}
	}
	return n
}
