// Package slackfake is a local fake of Slack for tests of a Slack bot: the Web
// API (as slack-go sends it), response URLs and Socket Mode, on 127.0.0.1.
//
// It keeps the state a bot changes (channels, members, messages, pins, modals)
// so tests can read it back, records every call, and can inject the faults
// real Slack produces (429 with Retry-After, 5xx, error answers, lost answers).
package slackfake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"qunsu/internal/fakeapi"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	BotToken  = "xoxb-test-token"   // the only bot token accepted (else ok:false invalid_auth)
	AppToken  = "xapp-1-test-token" // the only app-level token accepted by apps.connections.open
	BotUserID = "UBOT"
	TeamID    = "T0TEST"
)

// Fixed identities of the fake workspace and app; not exported because the
// required API names only the ones above.
const (
	botID             = "BBOT"
	appID             = "A0TEST"
	botName           = "bot"
	teamName          = "Test Team"
	teamDomain        = "test-team"
	verificationToken = "verification-token"
)

// Server is a running fake Slack.
type Server struct {
	URL string // base URL, e.g. http://127.0.0.1:1234

	t  testing.TB
	hs *httptest.Server

	mu       sync.Mutex
	closed   bool
	users    []*user
	userByID map[string]*user
	chans    []*channel // creation order
	chanByID map[string]*channel
	// chanByName holds, for each name, the first channel (not a direct
	// message) created with it: what a scan of chans in order finds.
	chanByName map[string]*channel
	msgs       map[string][]*message
	ims        map[string]string // sorted user set -> IM channel id
	calls      []Call
	faults     map[string][]*faultSlot
	postEvery  time.Duration
	lastPost   map[string]time.Time
	lastTS     int64 // microseconds of the last ts handed out
	seq        int
	respURLs   map[string]bool
	responses  []Response
	views      []View
	triggers   map[string]bool // trigger_ids already used: Slack accepts each once
	uploads    []*upload       // files.getUploadURLExternal on
	base       string          // the address the call being answered was made to

	conns   []*wsConn
	acks    map[string]json.RawMessage
	pending [][]byte // envelopes waiting for a connected client
}

type user struct {
	id, name, email string
}

type channel struct {
	id, name string
	private  bool
	im       bool
	imUser   string
	created  int64
	creator  string
	members  []string
	pins     []string
}

type message struct {
	channel, ts, text, user string
	threadTS                string
	broadcast               bool
	blocks                  json.RawMessage
	attachments             json.RawMessage
	meta                    json.RawMessage // {"event_type":…,"event_payload":…} as posted
	edits                   int
	editedTS                string
	files                   []string // ids of the files it shares
}

type faultSlot struct {
	f    Fault
	left int
}

// New starts the fake on 127.0.0.1:0 and closes it with t.Cleanup.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		t:          t,
		userByID:   map[string]*user{},
		chanByID:   map[string]*channel{},
		chanByName: map[string]*channel{},
		msgs:       map[string][]*message{},
		ims:        map[string]string{},
		faults:     map[string][]*faultSlot{},
		lastPost:   map[string]time.Time{},
		respURLs:   map[string]bool{},
		triggers:   map[string]bool{},
		acks:       map[string]json.RawMessage{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/response/", s.serveResponse)
	mux.HandleFunc("/upload/v1/", s.serveUpload)
	mux.HandleFunc("/socket", s.serveSocket)
	s.hs = httptest.NewServer(mux)
	s.URL = s.hs.URL
	t.Cleanup(s.close)
	return s
}

func (s *Server) close() {
	s.mu.Lock()
	s.closed = true
	conns := slices.Clone(s.conns)
	s.mu.Unlock()
	// Hijacked WebSocket connections are not tracked by httptest, so close them here.
	for _, c := range conns {
		_ = c.c.Close()
	}
	s.hs.Close()
}

// APIURL is what slack.OptionAPIURL takes.
func (s *Server) APIURL() string { return s.URL + "/api/" }

// AddUser adds a user to the directory.
func (s *Server) AddUser(id, name, email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.user(id); u != nil {
		u.name, u.email = name, email
		return
	}
	u := &user{id: id, name: name, email: email}
	s.users = append(s.users, u)
	s.userByID[id] = u
}

// AddChannel adds a channel; include BotUserID in members for the bot to be in it.
func (s *Server) AddChannel(id, name string, private bool, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &channel{id: id, name: name, private: private, created: time.Now().Unix(), creator: BotUserID}
	for _, m := range members {
		if !slices.Contains(c.members, m) {
			c.members = append(c.members, m)
		}
	}
	if old := s.channel(id); old != nil {
		*old = *c
		// The name may have changed: find each name's first channel anew.
		clear(s.chanByName)
		for _, ch := range s.chans {
			s.indexName(ch)
		}
		return
	}
	s.addChannel(c)
}

// addChannel appends a new channel in creation order and indexes it; expects s.mu held.
func (s *Server) addChannel(c *channel) {
	s.chans = append(s.chans, c)
	s.chanByID[c.id] = c
	s.indexName(c)
}

func (s *Server) indexName(c *channel) {
	if _, taken := s.chanByName[c.name]; !taken && !c.im {
		s.chanByName[c.name] = c
	}
}

// Call is one Web API call as the fake received and answered it.
type Call struct {
	Method string            // e.g. "chat.postMessage"
	Params map[string]string // form values, or the top-level fields of a JSON body (non-string values as their raw JSON text)
	At     time.Time
	Status int    // HTTP status answered; 0 when the answer was dropped (Fault.Drop)
	Error  string // the Slack error answered, "" when ok:true
}

// Calls returns the calls of method in order ("" = all methods), refused ones included.
func (s *Server) Calls(method string) []Call {
	calls, _ := s.CallsFrom(0, method)
	return calls
}

// CallsFrom returns the calls of method ("" = all methods) made since the
// first n calls of any method, and how many calls there are now: a caller
// that waits for thousands of calls looks at each once.
func (s *Server) CallsFrom(n int, method string) (calls []Call, next int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.calls[min(n, len(s.calls)):] {
		if method == "" || c.Method == method {
			c.Params = cloneMap(c.Params)
			calls = append(calls, c)
		}
	}
	return calls, len(s.calls)
}

// WaitFor polls until cond is true or the timeout passes; reports whether it became true.
// cond runs without the fake's lock held, so it may call the getters.
func (s *Server) WaitFor(timeout time.Duration, cond func() bool) bool {
	return fakeapi.WaitFor(timeout, cond)
}

// Message is a message as it stands in a channel.
type Message struct {
	Channel, TS, Text, User string          // User is BotUserID for the bot's posts
	Blocks                  json.RawMessage // as posted (nil when none)
	MetaType                string          // metadata.event_type, "" when none
	MetaPayload             map[string]any  // metadata.event_payload
	Edits                   int             // successful chat.update calls on it
	ThreadTS                string          // thread_ts it was posted with, "" for a top-level message
	Files                   []string        // ids of the files it shares (files.completeUploadExternal)
}

// Messages returns the messages of channel, oldest first, with their current content
// (thread replies included).
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.msgs[channel] {
		out = append(out, m.public())
	}
	return out
}

func (m *message) public() Message {
	p := Message{
		Channel:  m.channel,
		TS:       m.ts,
		Text:     m.text,
		User:     m.user,
		Blocks:   slices.Clone(m.blocks),
		Edits:    m.edits,
		ThreadTS: m.threadTS,
		Files:    slices.Clone(m.files),
	}
	if m.meta != nil {
		var md struct {
			EventType    string         `json:"event_type"`
			EventPayload map[string]any `json:"event_payload"`
		}
		// Decoding anew on each read hands out a fresh copy of the payload.
		_ = json.Unmarshal(m.meta, &md)
		p.MetaType, p.MetaPayload = md.EventType, md.EventPayload
	}
	return p
}

// Channel is a conversation as it stands.
type Channel struct {
	ID, Name string
	Private  bool
	Members  []string
	Pins     []string // ts of pinned messages
}

func (c *channel) public() Channel {
	return Channel{ID: c.id, Name: c.name, Private: c.private, Members: slices.Clone(c.members), Pins: slices.Clone(c.pins)}
}

// Channel finds a conversation by id (direct messages from conversations.open included).
func (s *Server) Channel(id string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.channel(id); c != nil {
		return c.public(), true
	}
	return Channel{}, false
}

// ChannelByName finds a channel by name.
func (s *Server) ChannelByName(name string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.channelByName(name); c != nil {
		return c.public(), true
	}
	return Channel{}, false
}

// Channels returns the channels in creation order; direct messages are left out
// so that counting channels is not thrown off by conversations.open.
func (s *Server) Channels() []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Channel
	for _, c := range s.chans {
		if !c.im {
			out = append(out, c.public())
		}
	}
	return out
}

// Response is one POST to a response URL.
type Response struct {
	URL  string
	Body map[string]any
}

// NewResponseURL hands out a response URL like the ones Slack sends with slash
// commands and interactions: s.URL + "/response/<n>".
func (s *Server) NewResponseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	u := s.URL + "/response/" + itoa(s.seq)
	s.respURLs[u] = true
	return u
}

// Responses returns what was posted to response URLs, in order.
func (s *Server) Responses() []Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Response, 0, len(s.responses))
	for _, r := range s.responses {
		out = append(out, Response{URL: r.URL, Body: deepCopy(r.Body)})
	}
	return out
}

// View is a modal opened with views.open.
type View struct {
	TriggerID string
	View      json.RawMessage
}

// Views returns the modals opened, in order.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]View, 0, len(s.views))
	for _, v := range s.views {
		out = append(out, View{TriggerID: v.TriggerID, View: slices.Clone(v.View)})
	}
	return out
}

// Fault replaces the normal answer to a call.
type Fault struct {
	Status     int    // HTTP status to answer (e.g. 429, 500, 503); 0 means 200
	RetryAfter int    // seconds, sent as the Retry-After header (with 429)
	Error      string // answer 200 {"ok":false,"error":Error}
	Drop       bool   // carry out the call normally, then close the connection without any answer
}

// FailNext makes the next n calls of method get f instead of the normal answer.
// Faults queue up: a second FailNext for the same method applies after the first runs out.
func (s *Server) FailNext(method string, n int, f Fault) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], &faultSlot{f: f, left: n})
}

// LimitPosts turns on a pacing check like Slack's: a chat.postMessage to a channel
// sooner than interval after the previous accepted post to the same channel is
// answered 429 with Retry-After: 1 and not posted. 0 turns it off (the default).
func (s *Server) LimitPosts(interval time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.postEvery = interval
}

// Lookups below expect s.mu held.

func (s *Server) user(id string) *user { return s.userByID[id] }

func (s *Server) channel(id string) *channel { return s.chanByID[id] }

// channelByName finds the first channel of that name in creation order,
// direct messages left out.
func (s *Server) channelByName(name string) *channel { return s.chanByName[name] }

// resolve takes a channel id, or a name with or without "#", as chat.postMessage does.
func (s *Server) resolve(ref string) *channel {
	if c := s.channel(ref); c != nil {
		return c
	}
	if name, ok := strings.CutPrefix(ref, "#"); ok {
		return s.channelByName(name)
	}
	return s.channelByName(ref)
}

func (c *channel) isMember(id string) bool { return slices.Contains(c.members, id) }

func (s *Server) message(channel, ts string) *message {
	for _, m := range s.msgs[channel] {
		if m.ts == ts {
			return m
		}
	}
	return nil
}

// nextTS hands out Slack-style timestamps that strictly increase, even within one microsecond.
func (s *Server) nextTS() string {
	now := time.Now().UnixMicro()
	if now <= s.lastTS {
		now = s.lastTS + 1
	}
	s.lastTS = now
	return formatTS(now)
}

// newID makes an id with Slack's prefix letter that is not taken yet.
func (s *Server) newID(prefix string) string {
	for {
		s.seq++
		id := prefix + "0" + pad8(s.seq)
		if s.channel(id) == nil {
			return id
		}
	}
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// deepCopy copies a decoded JSON value so callers cannot change the stored one.
func deepCopy(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}
