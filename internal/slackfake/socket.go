package slackfake

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"qunsu/internal/fakeapi"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Socket Mode, as Slack runs it: apps.connections.open hands out the WebSocket
// URL, the server greets with "hello", pushes envelopes, pings, and reads the
// app's acknowledgements {"envelope_id":…,"payload":…}.

const (
	socketHost   = "applink-fake"
	pingInterval = time.Second
	writeTimeout = 2 * time.Second
)

type wsConn struct {
	c       *websocket.Conn
	wmu     sync.Mutex // gorilla allows one writer at a time
	ready   bool       // got hello; guarded by Server.mu
	retired bool       // told to disconnect or broken; guarded by Server.mu
}

func (w *wsConn) write(b []byte) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	_ = w.c.SetWriteDeadline(time.Now().Add(writeTimeout))
	return w.c.WriteMessage(websocket.TextMessage, b)
}

// slack-go dials with Origin: https://api.slack.com, which is not this host.
var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered already
	}
	wc := &wsConn{c: c}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = c.Close()
		return
	}
	s.conns = append(s.conns, wc)
	n := 0
	for _, o := range s.conns {
		if !o.retired {
			n++
		}
	}
	s.mu.Unlock()

	done := make(chan struct{})
	defer func() {
		close(done)
		_ = c.Close()
		s.mu.Lock()
		s.conns = slices.DeleteFunc(s.conns, func(o *wsConn) bool { return o == wc })
		s.mu.Unlock()
	}()

	hello, _ := json.Marshal(obj{
		{"type", "hello"},
		{"num_connections", n},
		{"debug_info", obj{{"host", socketHost}, {"build_number", 1}, {"approximate_connection_time", 18060}}},
		{"connection_info", obj{{"app_id", appID}}},
	})
	if wc.write(hello) != nil {
		return
	}
	go pinger(wc, done)

	// Envelopes sent while no client was connected go out now, as Slack delivers them late.
	s.mu.Lock()
	wc.ready = true
	pending := s.pending
	s.pending = nil
	s.mu.Unlock()
	for i, env := range pending {
		if wc.write(env) != nil {
			s.mu.Lock()
			wc.retired = true
			s.pending = append(slices.Clone(pending[i:]), s.pending...)
			s.mu.Unlock()
			return
		}
	}

	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			return
		}
		s.recordAck(data)
	}
}

// pinger keeps slack-go's client alive: it reconnects when no ping comes within its interval.
func pinger(wc *wsConn, done <-chan struct{}) {
	t := time.NewTicker(pingInterval)
	defer t.Stop()
	for {
		if wc.c.WriteControl(websocket.PingMessage, []byte("Ping from "+socketHost), time.Now().Add(writeTimeout)) != nil {
			return
		}
		select {
		case <-done:
			return
		case <-t.C:
		}
	}
}

func (s *Server) recordAck(data []byte) {
	var ack struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(data, &ack) != nil || ack.EnvelopeID == "" {
		return
	}
	var p json.RawMessage
	if len(ack.Payload) > 0 && string(ack.Payload) != "null" {
		p = slices.Clone(ack.Payload)
	}
	s.mu.Lock()
	s.acks[ack.EnvelopeID] = p
	s.mu.Unlock()
}

// activeConn is the newest connection in service; s.mu held.
func (s *Server) activeConn() *wsConn {
	for i := len(s.conns) - 1; i >= 0; i-- {
		if c := s.conns[i]; c.ready && !c.retired {
			return c
		}
	}
	return nil
}

// WaitConnected reports whether a Socket Mode client is connected and got "hello" within timeout.
func (s *Server) WaitConnected(timeout time.Duration) bool {
	return s.WaitFor(timeout, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.activeConn() != nil
	})
}

// SendEnvelope pushes an envelope of type "slash_commands", "events_api" or
// "interactive" with the given payload (marshalled to JSON) to the connected
// client and returns its envelope_id. With no client connected it is kept and
// delivered on the next connection.
//
// The payload may also be raw JSON ([]byte or json.RawMessage), or a body made
// by SlashCommandBody or InteractionBody, which are turned into the JSON Slack
// sends over Socket Mode. An events_api payload that is not an event_callback
// body is taken as the inner event and wrapped with EventBody, since Slack
// sends the whole event_callback.
func (s *Server) SendEnvelope(typ string, payload any) string {
	raw, err := envelopePayload(typ, payload)
	if err != nil {
		s.t.Errorf("slackfake: SendEnvelope(%q): %v", typ, err)
		return ""
	}
	accepts := false
	switch typ {
	case "slash_commands":
		accepts = true
	case "interactive":
		// Only these interactions can be answered through the ack.
		var p struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(raw, &p)
		accepts = p.Type == "view_submission" || p.Type == "block_suggestion"
	}
	id := newUUID()
	env, _ := fakeapi.MarshalEscaped(obj{ // what json.Marshal writes, in one pass
		{"envelope_id", id},
		{"type", typ},
		{"payload", raw},
		{"accepts_response_payload", accepts},
		{"retry_attempt", 0},
		{"retry_reason", ""},
	})
	s.mu.Lock()
	wc := s.activeConn()
	if wc == nil {
		s.pending = append(s.pending, env)
		s.mu.Unlock()
		return id
	}
	s.mu.Unlock()
	if wc.write(env) != nil {
		s.mu.Lock()
		wc.retired = true
		s.pending = append(s.pending, env)
		s.mu.Unlock()
	}
	return id
}

func envelopePayload(typ string, payload any) (json.RawMessage, error) {
	switch typ {
	case "slash_commands", "events_api", "interactive":
	default:
		return nil, fmt.Errorf("unknown envelope type")
	}
	var raw []byte
	switch v := payload.(type) {
	case json.RawMessage:
		raw = v
	case []byte:
		raw = v
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		raw = b
	}
	if !json.Valid(raw) {
		// A form body as Slack posts it over HTTP.
		vals, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, fmt.Errorf("payload is neither JSON nor a form body")
		}
		if p := vals.Get("payload"); typ == "interactive" && p != "" {
			raw = []byte(p)
		} else {
			m := map[string]string{}
			for k, v := range vals {
				m[k] = v[0]
			}
			raw, _ = json.Marshal(m)
		}
		if !json.Valid(raw) {
			return nil, fmt.Errorf("payload is not valid JSON")
		}
	}
	if typ == "events_api" {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("events_api payload must be a JSON object: %v", err)
		}
		if t := m["type"]; t != "event_callback" && t != "app_rate_limited" {
			raw = EventBody(newEventID(), m)
		}
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Acked returns the client's acknowledgement of an envelope (its "payload"
// field, or nil) once it came.
func (s *Server) Acked(envelopeID string) (payload json.RawMessage, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.acks[envelopeID]
	return slices.Clone(p), ok
}

// Disconnect sends every connected client Slack's "disconnect" message (reason
// refresh_requested), as Slack does before it recycles a connection; slack-go
// then reconnects through apps.connections.open.
func (s *Server) Disconnect() {
	msg, _ := json.Marshal(obj{{"type", "disconnect"}, {"reason", "refresh_requested"}, {"debug_info", obj{{"host", socketHost}}}})
	s.mu.Lock()
	var conns []*wsConn
	for _, c := range s.conns {
		if !c.retired {
			c.retired = true
			conns = append(conns, c)
		}
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.write(msg)
	}
}

// newUUID makes a random version 4 UUID, the form of Slack's envelope ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// newEventID makes an id like Slack's event ids ("Ev" and ten characters).
func newEventID() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var b [10]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "Ev" + string(b[:])
}
