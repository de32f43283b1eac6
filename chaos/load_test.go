package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"qunsu"
	"qunsu/internal/serveproc"
	"qunsu/internal/slackfake"
	"qunsu/internal/wecomfake"
)

// via is how a request reaches qunsu.
type via string

const (
	slackCommand via = "slack command" // /qunsu …, id: trigger_id; Slack never resends it
	slackEvent   via = "slack event"   // @qunsu … (Events API), id: the message ts; Slack resends on 5xx
	slackClick   via = "slack click"   // a card button, id: trigger_id
	wecomText    via = "wecom text"    // a text to the app (encrypted callback), id: MsgId; WeCom resends on 5xx
)

// kind is what a request is for, and so what must come of it.
type kind int

const (
	kindReport  kind = iota // a report with a marker: stored exactly once
	kindCommand             // an acknowledgement, a task done, a card shown: taken
	kindForged              // refused (401/403/409), storing nothing
)

// forgery is how a forged request is spoiled.
type forgery string

const (
	forgedSecret   forgery = "slack: another signing secret"
	forgedStale    forgery = "slack: signed 6 minutes ago"
	forgedTampered forgery = "slack: body altered after signing"
	forgedUnsigned forgery = "slack: unsigned"
	forgedReplay   forgery = "slack: a command replayed"
	wecomForged    forgery = "wecom: another token"
	wecomTampered  forgery = "wecom: ciphertext altered"
	wecomForeign   forgery = "wecom: sealed for another corporation"
	wecomStale     forgery = "wecom: sent 20 minutes ago"
)

var forgeries = []forgery{forgedSecret, wecomForged, forgedStale, wecomTampered, forgedTampered, wecomForeign,
	forgedUnsigned, wecomStale, forgedReplay}

// request is one thing a person (or an attacker) sends, through all its attempts.
type request struct {
	kind    kind
	via     via
	marker  string // reports: what finds it in the store
	user    string // the platform's user id
	channel string // Slack: where it was typed or clicked
	text    string
	button  string // slackClick: the button's value
	id      string // the platform's id of the message; a user's retry gets a new one
	forgery forgery
	copy    bool // the same request sent to a second replica, as a platform's retry

	// Set by send.
	attempts   int
	ids        []string // the ids of its attempts, in order
	told       int      // answers that said to try again later (Redis away)
	unanswered int      // attempts without an answer (the replica died)
	resent     bool     // sent again with the same id after an attempt got no answer
	outcome    outcome
	status     int
	slow       int // answers slower than the platform waits (Slack 3 s, WeCom 5 s)
}

type outcome string

const (
	pending    outcome = ""
	accepted   outcome = "accepted"
	refused    outcome = "refused"
	unexpected outcome = "unexpected answer"
	gaveUp     outcome = "never answered for good"
	passedOn   outcome = "told to try again; the person's retry goes as the original"
)

// load sends what people say, and what attackers send, to random replicas.
type load struct {
	c     *cluster
	dir   directory
	rng   *rand.Rand
	rngMu sync.Mutex
	until time.Time // no retry is made after this

	mu       sync.Mutex
	requests []*request
	seq      atomic.Int64
	wg       sync.WaitGroup
	known    []known // complaints the load has seen stored, for commands on them
}

// known is a stored complaint the load can act on. Its team works it (acks
// every member, closes every task) unless it is neglected, which a third
// are: their deadlines pass and climb the escalation chain.
type known struct {
	id        string
	neglected bool
	team      []string     // person ids, not only informed
	unacked   []string     // person ids
	open      []qunsu.Task // tasks not done, earliest due first
	button    string       // the Slack card's 收到 button value, once seen
	card      string       // its Slack channel
}

func newLoad(c *cluster, seed uint64) *load {
	return &load{c: c, dir: shippedDirectory(), rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (l *load) intn(n int) int {
	l.rngMu.Lock()
	defer l.rngMu.Unlock()
	return l.rng.IntN(n)
}

func (l *load) next() int { return int(l.seq.Add(1)) }

// newID is a platform id no request used before.
func (l *load) newID(v via) string {
	n := l.next()
	switch v {
	case slackEvent:
		return fmt.Sprintf("%d.%06d", 1763600000+n, n)
	case wecomText:
		return strconv.Itoa(7000000000 + n)
	}
	return fmt.Sprintf("trig-%d-%d", n, time.Now().UnixNano()%1e6)
}

// The people reports come from: Slack from anyone in the directory, WeCom
// from people outside the escalation chain, whose app conversations the
// escalations already keep busy (WeCom takes 30 app messages a minute per member).
var wecomReporters = []string{"liuyang", "chenjing", "zhaomin", "sunhao", "zhoulei", "wuting"}

var projects = []string{"翡翠湾", "云栖苑", "锦绣城", "滨江府"}

// report sends a new report with a fresh marker; sometimes the same request
// goes to a second replica as well, as a platform's retry would.
func (l *load) report(markerN int) {
	marker := fmt.Sprintf("CX%04d", markerN)
	households := []int{2, 3, 4, 8, 12}[l.intn(5)] // ordinary or general complaints
	text := fmt.Sprintf("上报 项目=%s 户数=%d 类别=交付 描述=chaos %s", projects[l.intn(len(projects))], households, marker)
	rq := &request{kind: kindReport, marker: marker, text: text}
	switch n := l.intn(10); {
	case n < 4:
		rq.via, rq.user = slackCommand, l.dir.slack[l.dir.ids[l.intn(len(l.dir.ids))]]
	case n < 6:
		rq.via, rq.user = slackEvent, l.dir.slack[l.dir.ids[l.intn(len(l.dir.ids))]]
	default:
		rq.via, rq.user = wecomText, l.dir.wecom[wecomReporters[l.intn(len(wecomReporters))]]
	}
	rq.channel, rq.id = reportsChan, l.newID(rq.via)
	l.add(rq)
	first := l.c.pick(l.intn)
	if rq.via != slackCommand && l.intn(10) < 3 {
		dup := *rq
		dup.copy = true
		l.add(&dup)
		l.go_(func() { l.send(&dup, l.c.other(first, l.intn)) })
	}
	l.go_(func() { l.send(rq, first) })
}

// The escalation chain (cr_head, cr_vp, gm): WeCom takes 30 app messages a
// minute per member and the escalations already keep theirs busy, so their
// commands go by Slack.
var chain = map[string]bool{"zhangwei": true, "liqiang": true, "wangfang": true}

// command moves a complaint on as its team would: a member acknowledges (by
// the card's button or by text), or a task is done or a meeting held.
func (l *load) command() {
	l.mu.Lock()
	var work []known
	for _, k := range l.known {
		if !k.neglected && (len(k.unacked) > 0 || len(k.open) > 0) {
			work = append(work, k)
		}
	}
	l.mu.Unlock()
	if len(work) == 0 {
		return
	}
	k := work[l.intn(len(work))]
	rq := &request{kind: kindCommand, channel: reportsChan}
	var person string
	if len(k.unacked) > 0 {
		person = k.unacked[l.intn(len(k.unacked))]
		rq.text = "收到 " + k.id
	} else {
		person = k.team[l.intn(len(k.team))]
		t := k.open[0]
		rq.text = "完成 " + k.id + " " + t.Key
		if t.Kind == qunsu.KindMeeting {
			rq.text = "开会 " + k.id + " 例会"
		}
	}
	switch n := l.intn(3); {
	case n == 0 && !chain[person]:
		rq.via, rq.user = wecomText, l.dir.wecom[person]
	case n == 1 && k.button != "" && strings.HasPrefix(rq.text, "收到"):
		rq.via, rq.user, rq.channel, rq.button = slackClick, l.dir.slack[person], k.card, k.button
	default:
		rq.via, rq.user = slackCommand, l.dir.slack[person]
	}
	rq.id = l.newID(rq.via)
	l.add(rq)
	l.go_(func() { l.send(rq, l.c.pick(l.intn)) })
}

// forge sends a request that must be refused. Forged reports carry a marker
// of their own, which must never be stored; a replay repeats an accepted
// command, which must not be acted on again.
func (l *load) forge(n int) {
	f := forgeries[n%len(forgeries)]
	rq := &request{kind: kindForged, forgery: f, marker: fmt.Sprintf("FX%04d", n), channel: reportsChan}
	rq.text = fmt.Sprintf("上报 项目=翡翠湾 户数=12 类别=交付 描述=chaos %s", rq.marker)
	switch {
	case f == forgedReplay:
		orig := l.acceptedCommand()
		if orig == nil {
			return
		}
		rq.marker, rq.text, rq.user, rq.via, rq.id = orig.marker, orig.text, orig.user, slackCommand, orig.id
	case strings.HasPrefix(string(f), "wecom"):
		rq.via, rq.user, rq.id = wecomText, "LiuYang", l.newID(wecomText)
	default:
		rq.via, rq.user, rq.id = slackCommand, "U01ZHANGWEI", l.newID(slackCommand)
	}
	l.add(rq)
	l.go_(func() { l.send(rq, l.c.pick(l.intn)) })
}

// acceptedCommand returns an accepted Slack report command, to replay.
func (l *load) acceptedCommand() *request {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.requests) - 1; i >= 0; i-- {
		if rq := l.requests[i]; rq.kind == kindReport && rq.via == slackCommand && rq.outcome == accepted {
			return rq
		}
	}
	return nil
}

func (l *load) add(rq *request) {
	l.mu.Lock()
	l.requests = append(l.requests, rq)
	l.mu.Unlock()
}

func (l *load) go_(f func()) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		f()
	}()
}

// send makes the attempts of one request until it has a final answer: a
// request nobody answered is sent again with the same id (as a platform
// retries; for a slash command a 409 then says the first was taken), one
// answered "try again later" is sent again after a while as its platform or
// its user would (WeCom and Slack's Events API retry the same message; a
// person types the command again, which is a new one).
func (l *load) send(rq *request, first *serveproc.Proc) {
	r := first
	for {
		l.mu.Lock()
		rq.attempts++
		rq.ids = append(rq.ids, fmt.Sprintf("%s@replica%d", rq.id, r.N))
		req := l.build(rq, "http://"+r.Addr)
		l.mu.Unlock()
		out, status, slow := l.attempt(req, rq.via)
		l.mu.Lock()
		rq.status = status
		if slow {
			rq.slow++
		}
		switch {
		case out == "told":
			rq.told++
			// A person told so types it, or clicks, again: a new message. WeCom
			// itself resends one it got no 200 for, with the same MsgId.
			byPerson := rq.via == slackCommand || rq.via == slackClick || status == http.StatusOK
			switch {
			case byPerson && rq.copy:
				rq.outcome = passedOn // the person's retry goes as the original's
			case byPerson && rq.kind != kindForged:
				rq.id, rq.resent = l.newID(rq.via), false
			}
		case out == "silent":
			rq.unanswered++
			rq.resent = true
		case out == http409 && rq.resent && rq.kind != kindForged:
			rq.outcome = accepted // the attempt that got no answer was taken
		case out == http409:
			rq.outcome = refused
		default:
			rq.outcome = out
		}
		done := rq.outcome != pending
		if !done && time.Now().After(l.until) {
			rq.outcome, done = gaveUp, true
		}
		l.mu.Unlock()
		if done {
			return
		}
		time.Sleep(time.Duration(500+l.intn(1000)) * time.Millisecond)
		r = l.c.pick(l.intn)
	}
}

// http409 is a 409 answer: a replay refused, or the proof that an attempt
// which got no answer was taken.
const http409 outcome = "409"

// attempt sends one attempt and reads the answer: accepted, refused,
// unexpected, http409, "told" (try again later) or "silent" (no answer).
func (l *load) attempt(req *http.Request, v via) (outcome, int, bool) {
	began := time.Now()
	client := &http.Client{Timeout: 15 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		return "silent", 0, false
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	limit := 3 * time.Second
	if v == wecomText {
		limit = 5 * time.Second
	}
	slow := time.Since(began) > limit
	switch res.StatusCode {
	case http.StatusOK:
		if toldToRetry(v, body) {
			return "told", res.StatusCode, slow
		}
		if v == wecomText && len(body) != 0 {
			return unexpected, res.StatusCode, slow
		}
		return accepted, res.StatusCode, slow
	case http.StatusServiceUnavailable:
		return "told", res.StatusCode, slow
	case http.StatusUnauthorized, http.StatusForbidden:
		return refused, res.StatusCode, slow
	case http.StatusConflict:
		return http409, res.StatusCode, slow
	}
	return unexpected, res.StatusCode, slow
}

// toldToRetry reads a 200 answer for "try again later": Slack shows the
// person an ephemeral text; WeCom gets an encrypted passive reply.
func toldToRetry(v via, body []byte) bool {
	if len(body) == 0 {
		return false
	}
	if v != wecomText {
		return bytes.Contains(body, []byte(unavailableZH))
	}
	var env struct {
		Encrypt string `xml:"Encrypt"`
	}
	if xml.Unmarshal(body, &env) != nil || env.Encrypt == "" {
		return false
	}
	plain, err := wecomfake.Decrypt(wecomAES, wecomfake.CorpID, env.Encrypt)
	return err == nil && bytes.Contains(plain, []byte(unavailableZH))
}

// build makes the HTTP request of an attempt, signed or sealed now.
func (l *load) build(rq *request, base string) *http.Request {
	now := time.Now()
	switch rq.via {
	case slackCommand:
		body := slackfake.SlashCommandBody("/qunsu", rq.text, rq.user, rq.channel, rq.id, l.c.slack.NewResponseURL())
		return l.signSlack(rq, base+"/slack/commands", "application/x-www-form-urlencoded", body, now)
	case slackEvent:
		body := slackfake.EventBody("Ev"+strings.ReplaceAll(rq.id, ".", ""), map[string]any{"type": "app_mention",
			"channel": rq.channel, "user": rq.user, "text": "<@" + slackfake.BotUserID + "> " + rq.text,
			"ts": rq.id, "event_ts": rq.id})
		req := l.signSlack(rq, base+"/slack/events", "application/json", body, now)
		if rq.attempts > 1 || rq.resent {
			req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(rq.attempts-1))
			req.Header.Set("X-Slack-Retry-Reason", "http_error")
		}
		return req
	case slackClick:
		body := slackfake.InteractionBody(map[string]any{"type": "block_actions", "trigger_id": rq.id,
			"user": map[string]any{"id": rq.user}, "response_url": l.c.slack.NewResponseURL(),
			"container": map[string]any{"type": "message", "channel_id": rq.channel},
			"channel":   map[string]any{"id": rq.channel},
			"actions":   []any{map[string]any{"action_id": "qunsu_button_0", "block_id": "qunsu_buttons", "type": "button", "value": rq.button}}})
		return l.signSlack(rq, base+"/slack/interactivity", "application/x-www-form-urlencoded", body, now)
	}
	msgID, _ := strconv.ParseInt(rq.id, 10, 64)
	msg := wecomfake.AppText{From: rq.user, Content: rq.text, MsgID: msgID}
	switch rq.forgery {
	case wecomForged:
		return wecomfake.AppCallback(base+"/wecom/callback", "notOurToken", wecomAES, msg)
	case wecomStale:
		msg.CreateTime = now.Add(-20 * time.Minute).Unix()
	case wecomForeign:
		return foreignCallback(base+"/wecom/callback", msg, now)
	case wecomTampered:
		req := wecomfake.AppCallback(base+"/wecom/callback", wecomToken, wecomAES, msg)
		body, _ := io.ReadAll(req.Body)
		altered := strings.Replace(string(body), "<Encrypt><![CDATA[", "<Encrypt><![CDATA[A", 1)
		req.Body, req.ContentLength = io.NopCloser(strings.NewReader(altered)), int64(len(altered))
		return req
	}
	return wecomfake.AppCallback(base+"/wecom/callback", wecomToken, wecomAES, msg)
}

// signSlack signs a request to qunsu as Slack does, or spoils it as the
// request's forgery says.
func (l *load) signSlack(rq *request, target, contentType string, body []byte, now time.Time) *http.Request {
	switch rq.forgery {
	case forgedSecret:
		return slackfake.SignedRequest(target, "ffffffffffffffffffffffffffffffff", now, contentType, body)
	case forgedStale:
		return slackfake.SignedRequest(target, slackSecret, now.Add(-6*time.Minute), contentType, body)
	case forgedTampered:
		req := slackfake.SignedRequest(target, slackSecret, now, contentType, body)
		altered := bytes.Replace(body, []byte("12"), []byte("99"), 1)
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(altered)), int64(len(altered))
		return req
	case forgedUnsigned:
		req, _ := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		return req
	}
	return slackfake.SignedRequest(target, slackSecret, now, contentType, body)
}

// foreignCallback is signed with our token but sealed for another corp id.
func foreignCallback(callbackURL string, m wecomfake.AppText, now time.Time) *http.Request {
	const corp = "wwforeign0000001"
	plain := fmt.Sprintf("<xml><ToUserName>%s</ToUserName><FromUserName>%s</FromUserName><CreateTime>%d</CreateTime>"+
		"<MsgType>text</MsgType><Content><![CDATA[%s]]></Content><MsgId>%d</MsgId><AgentID>%d</AgentID></xml>",
		corp, m.From, now.Unix(), m.Content, m.MsgID, wecomfake.AgentID)
	enc, err := wecomfake.Encrypt(wecomAES, corp, []byte(plain))
	if err != nil {
		panic(err)
	}
	ts, nonce := strconv.FormatInt(now.Unix(), 10), "551234"
	q := url.Values{"msg_signature": {wecomfake.Signature(wecomToken, ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}}
	body := "<xml><ToUserName><![CDATA[" + corp + "]]></ToUserName><AgentID><![CDATA[" + strconv.Itoa(wecomfake.AgentID) +
		"]]></AgentID><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
	req, _ := http.NewRequest(http.MethodPost, callbackURL+"?"+q.Encode(), strings.NewReader(body))
	return req
}

// learn reads the stored complaints, so that commands can act on them, and
// the Slack cards' buttons. It is quiet while Redis is away.
func (l *load) learn(ctx context.Context) {
	all, err := l.c.st.Complaints(ctx, tenant, time.Unix(0, 0), time.Now().AddDate(5, 0, 0), true)
	if err != nil {
		return
	}
	var out []known
	for _, c := range all {
		k := known{id: c.ID, neglected: neglected(c.ID), unacked: c.Unacked()}
		for _, m := range c.Team {
			if !m.Notify {
				k.team = append(k.team, m.Person)
			}
		}
		for _, t := range c.Tasks {
			if c.Live(&t) && t.Kind != qunsu.KindAck && !t.Due.IsZero() {
				k.open = append(k.open, t)
			}
		}
		slices.SortFunc(k.open, func(a, b qunsu.Task) int { return a.Due.Compare(b.Due) })
		if ch, ok, err := l.c.st.Recall(ctx, tenant, "slack:team:"+c.ID); err == nil && ok {
			k.card = ch
			if msgs := l.c.slack.Messages(ch); len(msgs) > 0 {
				k.button = buttonValue(msgs[0], "收到")
			}
		}
		out = append(out, k)
	}
	l.mu.Lock()
	l.known = out
	l.mu.Unlock()
}

// neglected says which complaints nobody works: every third, by its number.
func neglected(id string) bool {
	n, _ := strconv.Atoi(id[strings.LastIndexByte(id, '-')+1:])
	return n%3 == 0
}

// buttonValue is the value of a Slack message's button with label.
func buttonValue(m slackfake.Message, label string) string {
	var blocks []struct {
		Type     string `json:"type"`
		Elements []struct {
			Text  struct{ Text string } `json:"text"`
			Value string                `json:"value"`
		} `json:"elements"`
	}
	if json.Unmarshal(m.Blocks, &blocks) != nil {
		return ""
	}
	for _, b := range blocks {
		for _, e := range b.Elements {
			if b.Type == "actions" && e.Text.Text == label {
				return e.Value
			}
		}
	}
	return ""
}

// snapshot returns the requests as they stand.
func (l *load) snapshot() []request {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]request, len(l.requests))
	for i, rq := range l.requests {
		out[i] = *rq
	}
	return out
}
