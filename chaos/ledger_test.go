package chaos

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu"
	"qunsu/bot/slack"
	"qunsu/bot/wecom"
	"qunsu/config"
	"qunsu/internal/slackfake"
	"qunsu/internal/wecomfake"
)

// The tenant's keys the ledger reads (README, "Redis keys").
var (
	outboxKey   = "{t:" + tenant + "}:outbox"
	allKey      = "{t:" + tenant + "}:all"
	timersKey   = "{t:" + tenant + "}:timers"
	inflightKey = "{t:" + tenant + "}:inflight"
	dueKey      = "{t:" + tenant + "}:due"
)

func timelineKey(id string) string   { return "{t:" + tenant + "}:tl:" + id }
func deadKey(platform string) string { return "{t:" + tenant + "}:dead:" + platform }

// entry is an outbox entry.
type entry struct {
	id string
	m  qunsu.Message
}

// snapshot is the state of Redis at one instant (one MULTI): every message
// written so far, every timeline event, every timer still to fire. A change
// writes its events and messages in one script, so the two agree.
type snapshot struct {
	at       time.Time // simulated time, just after
	outbox   []entry
	events   map[string][]qunsu.Event // by complaint
	timers   map[string]time.Time     // task timers queued or in flight, due at or before at
	inflight map[string]bool
}

// takeSnapshot reads the snapshot; timers count as due by at, or by the
// simulated time just after when at is zero.
func takeSnapshot(ctx context.Context, c *cluster, at time.Time) (*snapshot, error) {
	ids, err := c.rdb.ZRange(ctx, allKey, 0, -1).Result()
	if err != nil {
		return nil, err
	}
	var (
		xr  *redis.XMessageSliceCmd
		tls = map[string]*redis.StringSliceCmd{}
		tz  *redis.ZSliceCmd
		inf *redis.StringSliceCmd
		due *redis.MapStringStringCmd
	)
	_, err = c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		xr = p.XRange(ctx, outboxKey, "-", "+")
		for _, id := range ids {
			tls[id] = p.LRange(ctx, timelineKey(id), 0, -1)
		}
		tz = p.ZRangeWithScores(ctx, timersKey, 0, -1)
		inf = p.ZRange(ctx, inflightKey, 0, -1)
		due = p.HGetAll(ctx, dueKey)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if at.IsZero() {
		at = c.clock.now()
	}
	s := &snapshot{at: at, events: map[string][]qunsu.Event{}, timers: map[string]time.Time{}, inflight: map[string]bool{}}
	if s.outbox, err = decodeOutbox(xr.Val()); err != nil {
		return nil, err
	}
	for id, cmd := range tls {
		for _, raw := range cmd.Val() {
			var e qunsu.Event
			if err := json.Unmarshal([]byte(raw), &e); err != nil {
				return nil, fmt.Errorf("timeline %s: %w", id, err)
			}
			s.events[id] = append(s.events[id], e)
		}
	}
	for _, z := range tz.Val() {
		m := z.Member.(string)
		if at := time.UnixMilli(int64(z.Score)); strings.HasPrefix(m, "task|") && !at.After(s.at) {
			s.timers[m] = at
		}
	}
	for _, m := range inf.Val() {
		var ms int64
		fmt.Sscan(due.Val()[m], &ms)
		if strings.HasPrefix(m, "task|") {
			s.timers[m], s.inflight[m] = time.UnixMilli(ms), true
		}
	}
	return s, nil
}

func decodeOutbox(msgs []redis.XMessage) ([]entry, error) {
	out := make([]entry, 0, len(msgs))
	for _, x := range msgs {
		var m qunsu.Message
		raw, _ := x.Values["m"].(string)
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return nil, fmt.Errorf("outbox %s: %w", x.ID, err)
		}
		out = append(out, entry{id: x.ID, m: m})
	}
	return out, nil
}

// ledger accounts for a run against what the platforms received.
type ledger struct {
	c      *cluster
	dir    directory
	render *wecom.Adapter // renders WeCom posts as the senders do
	blind  *wecom.Adapter // the same before a team chat's name is remembered
}

func newLedger(c *cluster) (*ledger, error) {
	s, err := config.Default().Tenants[0].Settings()
	if err != nil {
		return nil, err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := wecom.Config{CorpID: wecomfake.CorpID, AgentID: "1000002", Secret: "unused", APIURL: c.wecom.URL}
	render, err := wecom.New(cfg, wecom.Options{Tenant: &s, Memory: c.st, Cache: c.st.SDKCache(tenant), Log: quiet})
	if err != nil {
		return nil, err
	}
	blind, err := wecom.New(cfg, wecom.Options{Tenant: &s, Memory: titleBlind{c.st}, Cache: c.st.SDKCache(tenant), Log: quiet})
	if err != nil {
		return nil, err
	}
	return &ledger{c: c, dir: shippedDirectory(), render: render, blind: blind}, nil
}

// titleBlind is memory that does not know team chats' names, as a message
// delivered before its complaint's chat was created saw it.
type titleBlind struct{ qunsu.Memory }

func (m titleBlind) Recall(ctx context.Context, tenant, key string) (string, bool, error) {
	if strings.HasPrefix(key, "wecom:title:") {
		return "", false, nil
	}
	return m.Memory.Recall(ctx, tenant, key)
}

// delivery is what became of the messages for one platform.
type delivery struct {
	enqueued    int // messages of the snapshot the platform must post (a card once per complaint)
	delivered   int // of those, posted
	duplicated  int // posts beyond the first of any message
	stray       int // posts that match no message
	undelivered []string
	posted      map[string]bool // message keys posted (a card under each of its keys)
	dupes       map[string]int  // extra posts by message key
	dead        int64           // set aside as refused for good
}

// tally is the account of a run.
type tally struct {
	reportsSent, reportsAcked, reportsStored, reportsLost, reportsDoubled int
	storedUnacked                                                         int
	remindersDue, remindersSent, remindersDuplicated, remindersMissed     int
	slack, wecom                                                          delivery
	forgedSent, forgedRefused, forgedStored                               int
	told, retried                                                         int
	copies, copiesAnswered                                                int
	commands, commandsTaken                                               int
	slowAnswers                                                           int
	wecomDropped                                                          int
	waiting                                                               []string // what delivery still waits for
	problems                                                              []string
}

func (t *tally) problem(format string, args ...any) {
	t.problems = append(t.problems, fmt.Sprintf(format, args...))
}

// settled reports whether everything of the snapshot has reached the platforms.
func (t *tally) settled() bool { return len(t.waiting) == 0 }

// ok reports whether nothing was lost, doubled or let in.
func (t *tally) ok() bool {
	return len(t.problems) == 0 && t.reportsLost == 0 && t.reportsDoubled == 0 && t.remindersDuplicated == 0 &&
		t.remindersMissed == 0 && t.slack.duplicated == 0 && t.wecom.duplicated == 0 && t.slack.stray == 0 &&
		t.wecom.stray == 0 && len(t.slack.undelivered) == 0 && len(t.wecom.undelivered) == 0 &&
		t.forgedRefused == t.forgedSent && t.forgedStored == 0 && t.retried == t.told &&
		t.copiesAnswered == t.copies && t.commandsTaken == t.commands && t.wecomDropped == 0
}

var markerPattern = regexp.MustCompile(`chaos ([CF]X\d{4})`)

// account counts everything against the snapshot: the load's requests, the
// complaints stored, the reminders due, the messages and their posts.
func (lg *ledger) account(ctx context.Context, snap *snapshot, requests []request) (*tally, error) {
	t := &tally{}
	lg.countRequests(t, requests)
	if err := lg.countStored(ctx, t, requests); err != nil {
		return nil, err
	}
	// What the platforms hold first, then the outbox: every post is of a
	// message already written.
	slackPosts := lg.slackPosts()
	wecomPosts := lg.wecomPosts()
	xr, err := lg.c.rdb.XRange(ctx, outboxKey, "-", "+").Result()
	if err != nil {
		return nil, err
	}
	after, err := decodeOutbox(xr)
	if err != nil {
		return nil, err
	}
	inSnap := map[string]bool{}
	for _, e := range snap.outbox {
		inSnap[e.id] = true
	}
	lg.matchSlack(t, after, inSnap, slackPosts)
	if err := lg.matchWeCom(ctx, t, after, inSnap, wecomPosts); err != nil {
		return nil, err
	}
	if err := lg.countReminders(ctx, t, snap, after); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		name string
		d    *delivery
	}{{slack.Platform, &t.slack}, {wecom.Platform, &t.wecom}} {
		if p.d.dead, err = lg.c.rdb.LLen(ctx, deadKey(p.name)).Result(); err != nil {
			return nil, err
		}
		if p.d.dead > 0 {
			buried, _ := lg.c.st.Buried(ctx, tenant, p.name)
			t.problem("%s set %d messages aside as refused for good: %v", p.name, p.d.dead, buried)
		}
		for _, u := range p.d.undelivered {
			t.waiting = append(t.waiting, p.name+": "+u)
		}
	}
	if t.wecomDropped = lg.c.wecom.Dropped(); t.wecomDropped > 0 {
		t.problem("WeCom dropped %d deliveries over its per-member limits", t.wecomDropped)
	}
	return t, nil
}

// countRequests counts what the load sent and how it was answered.
func (lg *ledger) countRequests(t *tally, requests []request) {
	acked := map[string]bool{}
	for _, rq := range requests {
		if rq.slow > 0 {
			t.slowAnswers += rq.slow
		}
		if rq.told > 0 && rq.kind != kindForged && !rq.copy {
			t.told++
			if rq.outcome == accepted {
				t.retried++
			}
		}
		switch {
		case rq.kind == kindForged:
			t.forgedSent++
			if rq.outcome == refused {
				t.forgedRefused++
			} else {
				t.problem("forged request (%s) answered %s %d: %v", rq.forgery, rq.outcome, rq.status, rq.ids)
			}
		case rq.copy:
			t.copies++
			if rq.outcome == accepted || rq.outcome == passedOn {
				t.copiesAnswered++
			} else {
				t.problem("platform retry of %s (%s) answered %s %d", rq.marker, rq.via, rq.outcome, rq.status)
			}
		case rq.kind == kindCommand:
			t.commands++
			if rq.outcome == accepted {
				t.commandsTaken++
			} else {
				t.problem("command %q (%s) answered %s %d", rq.text, rq.via, rq.outcome, rq.status)
			}
		default:
			t.reportsSent++
			if rq.outcome == accepted {
				acked[rq.marker] = true
			} else {
				t.problem("report %s (%s) answered %s %d after %d attempts", rq.marker, rq.via, rq.outcome, rq.status, rq.attempts)
			}
		}
	}
	t.reportsAcked = len(acked)
}

// countStored finds the reports in the store by their markers.
func (lg *ledger) countStored(ctx context.Context, t *tally, requests []request) error {
	all, err := lg.c.st.Complaints(ctx, tenant, time.Unix(0, 0), time.Now().AddDate(5, 0, 0), false)
	if err != nil {
		return err
	}
	stored := map[string]int{}
	for _, c := range all {
		if m := markerPattern.FindStringSubmatch(c.Summary); m != nil {
			stored[m[1]]++
		}
	}
	acked := map[string]bool{}
	for _, rq := range requests {
		if rq.kind == kindReport && rq.outcome == accepted {
			acked[rq.marker] = true
		}
	}
	for marker, n := range stored {
		switch {
		case strings.HasPrefix(marker, "F"):
			t.forgedStored += n
			t.problem("forged report %s was stored", marker)
			continue
		case n > 1:
			t.reportsDoubled += n - 1
			t.problem("report %s stored %d times; sent as %s", marker, n, attemptsOf(requests, marker))
		}
		if acked[marker] {
			t.reportsStored++
		} else {
			t.storedUnacked++
			t.problem("report %s was stored though every attempt was told it was not taken; sent as %s", marker, attemptsOf(requests, marker))
		}
	}
	for marker := range acked {
		if stored[marker] == 0 {
			t.reportsLost++
			t.problem("report %s was acknowledged and is not in the store", marker)
		}
	}
	return nil
}

// slackPosts returns the keys of the bot's posts in every channel and direct
// message, counted; a post without a key counts under "".
func (lg *ledger) slackPosts() map[string]int {
	chans := map[string]bool{}
	for _, c := range lg.c.slack.Channels() {
		chans[c.ID] = true
	}
	for _, call := range lg.c.slack.Calls("chat.postMessage") {
		chans[call.Params["channel"]] = true
	}
	data := map[string][]byte{} // file id -> bytes
	for _, f := range lg.c.slack.Files() {
		data[f.ID] = f.Data
	}
	posts := map[string]int{}
	for id := range chans {
		for _, m := range lg.c.slack.Messages(id) {
			if m.User != slackfake.BotUserID {
				continue
			}
			if len(m.Files) > 0 { // a message's files, shared after its text: known by their bytes
				var files [][]byte
				for _, f := range m.Files {
					files = append(files, data[f])
				}
				posts[filesKey(files)]++
				continue
			}
			key, _ := m.MetaPayload["key"].(string)
			posts[key]++
		}
	}
	return posts
}

// filesKey names the post sharing a message's files on Slack, which carries
// no metadata: by the files' bytes.
func filesKey(files [][]byte) string {
	var parts []string
	for _, f := range files {
		parts = append(parts, filePost(f))
	}
	return "files: " + strings.Join(parts, ", ")
}

// matchSlackFiles checks the posts sharing messages' files: one per message
// with files, none more.
func matchSlackFiles(t *tally, after []entry, inSnap map[string]bool, posts map[string]int, known map[string]bool) {
	made, due := map[string]int{}, map[string]int{}
	seen := map[string]bool{}
	for _, e := range after {
		if !wants(slack.Platform, e.m) || len(e.m.Files) == 0 || seen[e.m.Key] {
			continue
		}
		seen[e.m.Key] = true
		var files [][]byte
		for _, f := range e.m.Files {
			files = append(files, f.Data)
		}
		key := filesKey(files)
		known[key] = true
		made[key]++
		if inSnap[e.id] {
			due[key]++
		}
	}
	for key, n := range made {
		switch got := posts[key]; {
		case got > n:
			t.slack.duplicated += got - n
			t.problem("slack: %s shared %d more time(s)", key, got-n)
		case got < due[key]:
			t.problem("slack: %s shared %d time(s), want %d", key, got, due[key])
		}
	}
}

// wants reports whether a platform must post m: an answer goes back to the
// platform the command came from; team, managers' and direct messages go to
// every platform.
func wants(platform string, m qunsu.Message) bool {
	return m.Chat.Kind != qunsu.ChatOrigin || m.Chat.Platform == platform
}

// matchSlack compares the outbox with Slack's posts, by the key each post
// carries in its metadata. A complaint's card is posted once and edited after,
// whichever of its versions came first.
func (lg *ledger) matchSlack(t *tally, after []entry, inSnap map[string]bool, posts map[string]int) {
	d := &t.slack
	d.posted, d.dupes = map[string]bool{}, map[string]int{}
	known := map[string]bool{}
	cards := map[string][]entry{}
	for _, e := range after {
		if !wants(slack.Platform, e.m) {
			continue
		}
		if e.m.Card != "" {
			cards[e.m.Card] = append(cards[e.m.Card], e)
			known[e.m.Key] = true
			continue
		}
		if known[e.m.Key] {
			continue // written twice under one key (a command redelivered): one post
		}
		known[e.m.Key] = true
		n := posts[e.m.Key]
		d.posted[e.m.Key] = n > 0
		if n > 1 {
			d.duplicated += n - 1
			d.dupes[e.m.Key] += n - 1
		}
		if inSnap[e.id] {
			d.enqueued++
			if n > 0 {
				d.delivered++
			} else {
				d.undelivered = append(d.undelivered, describe(e.m))
			}
		}
	}
	for complaint, versions := range cards {
		n := 0
		for _, e := range versions {
			n += posts[e.m.Key]
		}
		for _, e := range versions {
			d.posted[e.m.Key] = n > 0
		}
		if n > 1 {
			d.duplicated += n - 1
			d.dupes["card:"+complaint] += n - 1
			t.problem("slack: the card of %s was posted %d times", complaint, n)
		}
		if inSnap[versions[0].id] {
			d.enqueued++
			if n > 0 {
				d.delivered++
			} else {
				d.undelivered = append(d.undelivered, "the card of "+complaint)
			}
		}
	}
	matchSlackFiles(t, after, inSnap, posts, known)
	for key, n := range posts {
		if !known[key] {
			d.stray += n
			t.problem("slack: %d posts with key %q that no outbox message has", n, key)
		}
	}
}

// wecomPosts returns what WeCom holds, by chat as the sender names them
// (bot.Route's Chat): content -> count.
func (lg *ledger) wecomPosts() map[string]map[string]int {
	out := map[string]map[string]int{}
	add := func(chat, content string) {
		if out[chat] == nil {
			out[chat] = map[string]int{}
		}
		out[chat][content]++
	}
	for _, c := range lg.c.wecom.Chats() {
		for _, m := range c.Messages {
			add("chat:"+c.ChatID, wecomContent(m))
		}
	}
	for _, id := range lg.dir.ids {
		for _, m := range lg.c.wecom.AppMessages(lg.dir.wecom[id]) {
			add("user:"+lg.dir.wecom[id], wecomContent(m))
		}
	}
	for _, m := range lg.c.wecom.RobotMessages(robotKey) {
		add("hook:managers", wecomContent(m))
	}
	return out
}

// wecomContent is what a WeCom post holds: its text, or for a picture or a
// file (a summary's chart) its bytes' filePost.
func wecomContent(m wecomfake.Sent) string {
	if m.File != nil {
		return filePost(m.File.Data)
	}
	return m.Content
}

// filePost stands for a posted file by its bytes: WeCom's picture and file
// posts carry no text to match.
func filePost(data []byte) string {
	sum := sha256.Sum256(data)
	return "file " + hex.EncodeToString(sum[:8])
}

// wecomChat is the chat a message goes to on WeCom, as the sender routes it.
func (lg *ledger) wecomChat(ctx context.Context, m qunsu.Message, teams map[string]string) (string, error) {
	switch m.Chat.Kind {
	case qunsu.ChatOrigin:
		return m.Chat.ID, nil
	case qunsu.ChatDirect:
		return "user:" + lg.dir.wecom[m.Chat.Person], nil
	case qunsu.ChatManagers:
		return "hook:managers", nil
	}
	if id, ok := teams[m.Chat.Complaint]; ok {
		return id, nil
	}
	id, ok, err := lg.c.st.Recall(ctx, tenant, "wecom:team:"+m.Chat.Complaint)
	if err != nil {
		return "", err
	}
	if !ok {
		id = "(no chat yet for " + m.Chat.Complaint + ")"
	}
	teams[m.Chat.Complaint] = "chat:" + id
	return "chat:" + id, nil
}

// matchWeCom compares the outbox with what WeCom holds. WeCom keeps no key
// with a post, so each message is rendered into its posts as the sender
// renders it and they are taken from the chat's posts; what is left over was
// posted twice (or is no message at all). A card is posted once, whichever of
// its versions came first; later versions are not posted.
func (lg *ledger) matchWeCom(ctx context.Context, t *tally, after []entry, inSnap map[string]bool, posts map[string]map[string]int) error {
	d := &t.wecom
	d.posted, d.dupes = map[string]bool{}, map[string]int{}
	teams := map[string]string{}
	owner := map[[2]string]string{} // chat, content -> the message key it belongs to
	type want struct {
		e        entry
		chat     string
		variants [][]string
	}
	var plain []want
	cards := map[string][]want{}
	seen := map[string]bool{}
	for _, e := range after {
		if !wants(wecom.Platform, e.m) || seen[e.m.Key] {
			continue
		}
		seen[e.m.Key] = true
		chat, err := lg.wecomChat(ctx, e.m, teams)
		if err != nil {
			return err
		}
		w := want{e: e, chat: chat}
		a, _ := lg.render.Parts(ctx, chat, e.m)
		b, _ := lg.blind.Parts(ctx, chat, e.m)
		for _, f := range e.m.Files { // each file is a post of its own, after the text
			a, b = append(a, filePost(f.Data)), append(b, filePost(f.Data))
		}
		w.variants = [][]string{a}
		if !slices.Equal(a, b) {
			w.variants = append(w.variants, b)
		}
		key := e.m.Key
		if e.m.Card != "" {
			key = "card:" + e.m.Card
			cards[e.m.Card] = append(cards[e.m.Card], w)
		} else {
			plain = append(plain, w)
		}
		for _, parts := range w.variants {
			for _, p := range parts {
				if _, ok := owner[[2]string{chat, p}]; !ok {
					owner[[2]string{chat, p}] = key
				}
			}
		}
	}
	take := func(chat string, parts []string) bool {
		need := map[string]int{}
		for _, p := range parts {
			need[p]++
		}
		for p, n := range need {
			if posts[chat][p] < n {
				return false
			}
		}
		for p, n := range need {
			posts[chat][p] -= n
		}
		return true
	}
	for _, w := range plain {
		got := false
		for _, parts := range w.variants {
			if got = take(w.chat, parts); got {
				break
			}
		}
		d.posted[w.e.m.Key] = got
		if inSnap[w.e.id] {
			d.enqueued++
			if got {
				d.delivered++
			} else {
				d.undelivered = append(d.undelivered, describe(w.e.m)+" in "+w.chat)
			}
		}
	}
	for complaint, versions := range cards {
		n := 0
		for again := true; again; {
			again = false
			for _, w := range versions {
				for _, parts := range w.variants {
					if take(w.chat, parts) {
						n++
						again = true
						break
					}
				}
			}
		}
		for _, w := range versions {
			d.posted[w.e.m.Key] = n > 0
		}
		if n > 1 {
			t.problem("wecom: the card of %s was posted %d times", complaint, n)
		}
		if inSnap[versions[0].e.id] {
			d.enqueued++
			if n > 0 {
				d.delivered++
			} else {
				d.undelivered = append(d.undelivered, "the card of "+complaint+" in "+versions[0].chat)
			}
		}
		if n > 1 {
			d.duplicated += n - 1
			d.dupes["card:"+complaint] += n - 1
		}
	}
	for chat, contents := range posts {
		for content, n := range contents {
			if n <= 0 {
				continue
			}
			if key, ok := owner[[2]string{chat, content}]; ok {
				d.duplicated += n
				d.dupes[key] += n
				t.problem("wecom: posted %d more time(s) in %s: %.80q", n, chat, content)
			} else {
				d.stray += n
				t.problem("wecom: %d post(s) in %s that no outbox message makes: %.80q", n, chat, content)
			}
		}
	}
	return nil
}

// countReminders: every reminder or escalation the timelines record (one
// team message each, keyed by its timer), and every timer that was due by
// the snapshot and had not fired then, must reach every platform it is for,
// once. A timer still waiting after delivery settled is missed.
func (lg *ledger) countReminders(ctx context.Context, t *tally, snap *snapshot, after []entry) error {
	events := 0
	for _, evs := range snap.events {
		for _, e := range evs {
			if e.Kind == qunsu.EventReminded || e.Kind == qunsu.EventEscalated {
				events++
			}
		}
	}
	byKey := map[string]qunsu.Message{}
	for _, e := range after {
		byKey[e.m.Key] = e.m
	}
	due := map[string]bool{}
	for _, e := range snap.outbox {
		if isReminder(e.m.Key) {
			due[e.m.Key] = true
		}
	}
	if len(due) != events {
		t.problem("the timelines record %d reminders and escalations, the outbox has %d reminder messages", events, len(due))
	}
	// Timers due by the snapshot that had not fired: fired since (a message
	// under their key), fired with nothing to say (their task was done
	// meanwhile), or still waiting: missed.
	still := map[string]bool{}
	zs, err := lg.c.rdb.ZRange(ctx, timersKey, 0, -1).Result()
	if err != nil {
		return err
	}
	inf, err := lg.c.rdb.ZRange(ctx, inflightKey, 0, -1).Result()
	if err != nil {
		return err
	}
	for _, m := range append(zs, inf...) {
		still[m] = true
	}
	missed := 0
	for member, at := range snap.timers {
		switch {
		case byKey[member].Key != "":
			due[member] = true
		case still[member]:
			missed++
			t.waiting = append(t.waiting, fmt.Sprintf("timer %s due %s", member, at.Format("01-02 15:04:05")))
		}
	}
	t.remindersDue = len(due) + missed
	for key := range due {
		m := byKey[key]
		sent := true
		for _, p := range []struct {
			name string
			d    *delivery
		}{{slack.Platform, &t.slack}, {wecom.Platform, &t.wecom}} {
			if wants(p.name, m) && !p.d.posted[key] {
				sent = false
			}
			t.remindersDuplicated += p.d.dupes[key]
		}
		if sent {
			t.remindersSent++
		} else {
			t.waiting = append(t.waiting, "reminder "+key)
		}
	}
	t.remindersMissed = t.remindersDue - t.remindersSent
	return nil
}

// isReminder reports whether a message key is a reminder's team message
// (its timer's member; the escalations' direct messages add "#n").
func isReminder(key string) bool {
	return strings.HasPrefix(key, "task|") && !strings.Contains(key, "#")
}

func describe(m qunsu.Message) string {
	text := m.Text
	if r := []rune(text); len(r) > 40 {
		text = string(r[:40]) + "…"
	}
	return fmt.Sprintf("%s (%s %s%s%s) %q", m.Key, m.Chat.Kind, m.Chat.Platform, m.Chat.Complaint, m.Chat.Person, text)
}

// attemptsOf describes the requests that carried a marker.
func attemptsOf(requests []request, marker string) string {
	var out []string
	for _, rq := range requests {
		if rq.marker == marker {
			out = append(out, fmt.Sprintf("[%s id %s: %d attempts, %d told to retry, %d unanswered, %s %d, ids %v]",
				rq.via, rq.id, rq.attempts, rq.told, rq.unanswered, rq.outcome, rq.status, rq.ids))
		}
	}
	return strings.Join(out, " ")
}
