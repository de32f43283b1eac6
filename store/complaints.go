package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"sync"
	"time"
	"unsafe"

	fastjson "github.com/goccy/go-json"
	"github.com/redis/go-redis/v9"

	"qunsu"
)

// Store implements qunsu.Store, qunsu.TimerQueue, qunsu.Outbox, qunsu.Inbox and
// qunsu.Memory on Redis.
type Store struct {
	rdb redis.UniversalClient
	// batch sends the small commands of concurrent callers together (see
	// batcher): claims and marks of posts, complaint reads and commits.
	batch *batcher
	// reclaimed is when each stream reader last took over abandoned entries.
	reclaimed sync.Map
	// flowing holds the outbox readers whose last read found new entries
	// (see Receive).
	flowing sync.Map
	roles   roleCache
	// closedBuilt holds the tenants whose closed index this process has seen
	// built (see buildClosed).
	closedBuilt sync.Map
}

var (
	_ qunsu.Store       = (*Store)(nil)
	_ qunsu.TimerQueue  = (*Store)(nil)
	_ qunsu.Outbox      = (*Store)(nil)
	_ qunsu.Inbox       = (*Store)(nil)
	_ qunsu.TakingInbox = (*Store)(nil)
	_ qunsu.Memory      = (*Store)(nil)
)

// New returns a store on rdb.
func New(rdb redis.UniversalClient) *Store { return &Store{rdb: rdb, batch: newBatcher(rdb)} }

// NextSeq returns the next number of a tenant's day, from 1.
func (s *Store) NextSeq(ctx context.Context, tenant, day string) (int, error) {
	key := seqKey(tenant, day)
	pipe := s.rdb.TxPipeline()
	incr := pipe.Incr(ctx, key)
	pipe.Expire(ctx, key, 3*24*time.Hour)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("store: next seq: %w", err)
	}
	return int(incr.Val()), nil
}

// Complaint returns a stored complaint.
func (s *Store) Complaint(ctx context.Context, tenant, id string) (*qunsu.Complaint, error) {
	cmd := redis.NewSliceCmd(ctx, "hmget", complaintKey(tenant, id), "v", "j")
	if err := s.batch.do(ctx, cmd); err != nil {
		return nil, fmt.Errorf("store: complaint: %w", err)
	}
	vals := cmd.Val()
	if vals[1] == nil {
		return nil, qunsu.Errorf(qunsu.ENOTFOUND, "err.not_found", id)
	}
	return decode(vals[0], vals[1])
}

func decode(v, j any) (*qunsu.Complaint, error) {
	js, _ := j.(string)
	return decodeJSON(v, readOnly(js))
}

// readOnly returns s's bytes without copying them, for goccy/go-json's
// Unmarshal only: it copies its input before it decodes, and never writes to
// it. A copy here would be a second one of every message and complaint read.
func readOnly(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// decoder decodes a complaint's JSON and version.
type decoder func(v any, js []byte) (*qunsu.Complaint, error)

// decodeJSON decodes a complaint's JSON and version.
func decodeJSON(v any, js []byte) (*qunsu.Complaint, error) {
	var c qunsu.Complaint
	if err := fastjson.Unmarshal(js, &c); err != nil {
		return nil, fmt.Errorf("store: decode complaint: %w", err)
	}
	vs, _ := v.(string)
	c.Version, _ = strconv.ParseInt(vs, 10, 64)
	return &c, nil
}

// forReport decodes a complaint without what no summary or report shows: its
// team, the chat it came from and the reasons of its grade. Ten thousand open
// complaints read for a summary take that much less memory.
type forReport struct {
	*qunsu.Complaint
	unread
}

// unread names the fields a report leaves out a second time: goccy/go-json
// drops a key that two tagged fields share (as encoding/json does for two at
// one depth, as these are), so it skips those values as unknown, without
// decoding or copying them.
type unread struct {
	Team       struct{} `json:"team"`
	Origin     struct{} `json:"origin"`
	Assessment struct{} `json:"assessment"`
}

// decodeForReport decodes a complaint for a report (forReport); it is marked
// Partial, so that it can never be saved.
func decodeForReport(v any, js []byte) (*qunsu.Complaint, error) {
	r := forReport{Complaint: &qunsu.Complaint{}}
	if err := fastjson.Unmarshal(js, &r); err != nil {
		return nil, fmt.Errorf("store: decode complaint: %w", err)
	}
	vs, _ := v.(string)
	r.Version, _ = strconv.ParseInt(vs, 10, 64)
	r.Partial = true
	detach(reflect.ValueOf(r.Complaint).Elem())
	return r.Complaint, nil
}

// detach copies the strings of v out of the buffer they were decoded from:
// goccy/go-json's strings point into its copy of the whole JSON, which stays
// in memory while any one of them does, and a report holds thousands of
// complaints. They are copied into one buffer of their own, the size of the
// strings only: one allocation per complaint, not one per string, for the
// collector to make and mark. Maps are left alone: the only ones, texts, are
// shared (qunsu.Text), so each keeps one buffer at most.
func detach(v reflect.Value) {
	n := 0
	walkStrings(v, func(s reflect.Value) { n += s.Len() })
	buf := make([]byte, 0, n)
	walkStrings(v, func(s reflect.Value) {
		if s.Len() == 0 {
			s.SetString("") // an empty string too may point into the decoder's buffer
			return
		}
		at := len(buf)
		buf = append(buf, s.String()...)
		s.SetString(unsafe.String(&buf[at], len(buf)-at)) // buf never grows: it was made to size
	})
}

// walkStrings calls f with every settable string in v, outside maps.
func walkStrings(v reflect.Value, f func(reflect.Value)) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			f(v)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			walkStrings(v.Elem(), f)
		}
	case reflect.Struct:
		for _, i := range stringFields(v.Type()) {
			walkStrings(v.Field(i), f)
		}
	case reflect.Slice, reflect.Array:
		if holdsStrings(v.Type().Elem()) {
			for i := range v.Len() {
				walkStrings(v.Index(i), f)
			}
		}
	}
}

// stringFields returns the exported fields of struct type t that can hold a
// string outside a map, worked out once per type: most of a complaint's
// fields (times, numbers, flags) are not walked into at all.
func stringFields(t reflect.Type) []int {
	if fields, ok := stringFieldsOf.Load(t); ok {
		return fields.([]int)
	}
	var fields []int
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && holdsStrings(f.Type) {
			fields = append(fields, i)
		}
	}
	stringFieldsOf.Store(t, fields)
	return fields
}

var stringFieldsOf sync.Map // reflect.Type -> []int

// holdsStrings reports whether a value of type t can hold a string outside a
// map, worked out once per type. A struct type met again while this is worked
// out (one that refers to itself, or appears twice) is taken to: at worst a
// field is walked into for nothing.
func holdsStrings(t reflect.Type) bool {
	if holds, ok := holdsStringsOf.Load(t); ok {
		return holds.(bool)
	}
	holds := holdsStringsSeen(t, map[reflect.Type]bool{})
	holdsStringsOf.Store(t, holds)
	return holds
}

var holdsStringsOf sync.Map // reflect.Type -> bool

func holdsStringsSeen(t reflect.Type, seen map[reflect.Type]bool) bool {
	switch t.Kind() {
	case reflect.String:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return holdsStringsSeen(t.Elem(), seen)
	case reflect.Struct:
		if seen[t] {
			return true
		}
		seen[t] = true
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && holdsStringsSeen(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

// Complaints returns complaints reported in [from, to), or with openOnly all
// that are not dissolved; oldest first.
func (s *Store) Complaints(ctx context.Context, tenant string, from, to time.Time, openOnly bool) ([]*qunsu.Complaint, error) {
	var ids []string
	var err error
	if openOnly {
		ids, err = s.rdb.ZRange(ctx, openKey(tenant), 0, -1).Result()
	} else {
		ids, err = s.rdb.ZRangeByScore(ctx, allKey(tenant), reportedIn(from, to)).Result()
	}
	if err != nil {
		return nil, fmt.Errorf("store: complaints: %w", err)
	}
	return s.Load(ctx, tenant, ids)
}

// OpenOrReported returns, each once, the complaints reported in [from, to)
// (oldest first), then the others that are not dissolved (oldest first), then
// the others closed in [from, to) (dissolved since; by closing time).
func (s *Store) OpenOrReported(ctx context.Context, tenant string, from, to time.Time) ([]*qunsu.Complaint, error) {
	if err := s.buildClosed(ctx, tenant); err != nil {
		return nil, err
	}
	pipe := s.rdb.Pipeline()
	reported := pipe.ZRangeByScore(ctx, allKey(tenant), reportedIn(from, to))
	open := pipe.ZRange(ctx, openKey(tenant), 0, -1)
	closed := pipe.ZRangeByScore(ctx, closedKey(tenant), reportedIn(from, to))
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: complaints: %w", err)
	}
	ids := reported.Val()
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		seen[id] = true
	}
	for _, more := range [][]string{open.Val(), closed.Val()} {
		for _, id := range more {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return s.loadForReport(ctx, tenant, ids)
}

// reportedIn is the score range of [from, to) in an index by time in ms.
func reportedIn(from, to time.Time) *redis.ZRangeBy {
	return &redis.ZRangeBy{Min: strconv.FormatInt(from.UnixMilli(), 10), Max: "(" + strconv.FormatInt(to.UnixMilli(), 10)}
}

// loadBatch is how many complaints are read in one round trip. The next
// batch is read while one is decoded, so the JSON of two batches at most is
// held at a time, however many complaints there are.
const loadBatch = 256

// Load reads complaints by id, in order, in one round trip a batch of
// loadBatch; ids no longer stored are left out. The JSON is decoded on every
// core: with thousands of complaints (a summary) decoding is most of the time
// taken.
func (s *Store) Load(ctx context.Context, tenant string, ids []string) ([]*qunsu.Complaint, error) {
	return s.loadAs(ctx, tenant, ids, decodeJSON)
}

// loadForReport is load for summaries and reports, which read every open
// complaint at once: what none of them shows is left out (decodeForReport).
func (s *Store) loadForReport(ctx context.Context, tenant string, ids []string) ([]*qunsu.Complaint, error) {
	return s.loadAs(ctx, tenant, ids, decodeForReport)
}

// fetched is the reply to one batch's read.
type fetched struct {
	cmds []*redis.SliceCmd
	err  error
}

func (s *Store) loadAs(ctx context.Context, tenant string, ids []string, decode decoder) ([]*qunsu.Complaint, error) {
	// read starts reading the batch at start; Redis and the connection work
	// on it while the batch before is decoded.
	read := func(start int) <-chan fetched {
		ch := make(chan fetched, 1)
		go func() {
			batch := ids[start:min(start+loadBatch, len(ids))]
			pipe := s.rdb.Pipeline()
			cmds := make([]*redis.SliceCmd, len(batch))
			for i, id := range batch {
				cmds[i] = pipe.HMGet(ctx, complaintKey(tenant, id), "v", "j")
			}
			_, err := pipe.Exec(ctx)
			ch <- fetched{cmds, err}
		}()
		return ch
	}
	out := make([]*qunsu.Complaint, 0, len(ids))
	var next <-chan fetched
	if len(ids) > 0 {
		next = read(0)
	}
	for start := 0; start < len(ids); start += loadBatch {
		got := <-next
		if got.err != nil {
			return nil, fmt.Errorf("store: complaints: %w", got.err)
		}
		next = nil
		if after := start + loadBatch; after < len(ids) {
			next = read(after)
		}
		decoded, err := decodeAll(got.cmds, min(runtime.GOMAXPROCS(0), (len(got.cmds)+63)/64), decode)
		if err != nil {
			if next != nil {
				<-next // nothing is left reading on the caller's behalf
			}
			return nil, err
		}
		for _, c := range decoded {
			if c != nil {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// decodeAll decodes HMGET v j replies with workers goroutines (at least
// one); a complaint not found is nil.
func decodeAll(cmds []*redis.SliceCmd, workers int, decode decoder) ([]*qunsu.Complaint, error) {
	out := make([]*qunsu.Complaint, len(cmds))
	errs := make([]error, max(workers, 1))
	var wg sync.WaitGroup
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(cmds); i += len(errs) {
				vals := cmds[i].Val()
				if len(vals) < 2 || vals[1] == nil {
					continue
				}
				js, _ := vals[1].(string)
				if out[i], errs[w] = decode(vals[0], readOnly(js)); errs[w] != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// Timeline returns a complaint's events, oldest first.
func (s *Store) Timeline(ctx context.Context, tenant, id string) ([]qunsu.Event, error) {
	raw, err := s.rdb.LRange(ctx, timelineKey(tenant, id), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("store: timeline: %w", err)
	}
	out := make([]qunsu.Event, 0, len(raw))
	for _, r := range raw {
		var e qunsu.Event
		if err := json.Unmarshal([]byte(r), &e); err != nil {
			return nil, fmt.Errorf("store: decode event: %w", err)
		}
		out = append(out, e)
	}
	return out, nil
}

// Handled reports whether a change for the inbound message was committed.
func (s *Store) Handled(ctx context.Context, tenant, inbound string) (bool, error) {
	n, err := s.rdb.Exists(ctx, handledKey(tenant, inbound)).Result()
	if err != nil {
		return false, fmt.Errorf("store: handled: %w", err)
	}
	return n == 1, nil
}

// payload is commitScript's ARGV[1].
type payload struct {
	Has        string      `json:"has"`
	Expect     string      `json:"expect"`
	ID         string      `json:"id"`
	Score      string      `json:"score"`
	Open       string      `json:"open"`
	Closed     string      `json:"closed"`
	Once       string      `json:"once"`
	Handles    string      `json:"handles"`
	Events     []string    `json:"events"`
	Schedule   [][2]string `json:"schedule"`
	Unschedule []string    `json:"unschedule"`
	Claimed    string      `json:"claimed"`
	Messages   [][2]string `json:"messages"` // key and Chat.OnlyOn; the JSON goes in ARGV 5 on
	Roles      []string    `json:"roles"`
	Finishes   string      `json:"finishes"` // an inbox entry acknowledged and deleted with the change
	InboxGroup string      `json:"inbox_group"`
}

// Commit writes a change atomically (see commitScript).
func (s *Store) Commit(ctx context.Context, ch qunsu.Change) error {
	p := payload{Has: "0", Once: "0", Handles: "0", Open: "0", Events: []string{}, Schedule: [][2]string{},
		Unschedule: []string{}, Messages: [][2]string{}, Roles: []string{}, Finishes: ch.Finishes, InboxGroup: inboxGroup}
	args := []any{"", wakeChannel(ch.Tenant), rolesChannel(ch.Tenant), ""} // the payload and complaint go in 1 and 4
	id := "_"
	if c := ch.Complaint; c != nil {
		if c.Partial {
			return fmt.Errorf("store: commit: complaint %s was read for a report, without its team: not saved", c.ID)
		}
		id = c.ID
		saved := *c
		saved.Version = c.Version + 1
		js, err := json.Marshal(&saved)
		if err != nil {
			return fmt.Errorf("store: encode complaint: %w", err)
		}
		p.Has, p.Expect, p.ID, args[3] = "1", strconv.FormatInt(c.Version, 10), c.ID, js
		p.Score = strconv.FormatInt(c.ReportedAt.UnixMilli(), 10)
		if c.Status != qunsu.StatusDissolved {
			p.Open = "1"
		}
		if !c.ClosedAt.IsZero() {
			p.Closed = closedScore(c.ClosedAt)
		}
	}
	for _, e := range ch.Events {
		js, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("store: encode event: %w", err)
		}
		p.Events = append(p.Events, string(js))
	}
	for _, t := range ch.Schedule {
		p.Schedule = append(p.Schedule, [2]string{t.Member(), strconv.FormatInt(t.Due.UnixMilli(), 10)})
	}
	for _, t := range ch.Unschedule {
		p.Unschedule = append(p.Unschedule, t.Member())
	}
	if ch.Claimed != nil {
		p.Claimed = ch.Claimed.Member()
	}
	for _, m := range ch.Messages {
		js, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("store: encode message: %w", err)
		}
		p.Messages = append(p.Messages, [2]string{m.Key, m.Chat.OnlyOn()})
		args = append(args, js)
	}
	for _, r := range ch.Roles {
		js, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("store: encode role change: %w", err)
		}
		p.Roles = append(p.Roles, string(js))
	}
	once := onceKey(ch.Tenant, "_")
	if ch.Once != "" {
		p.Once, once = "1", onceKey(ch.Tenant, ch.Once)
	}
	handled := handledKey(ch.Tenant, "_")
	if ch.Handles != "" {
		p.Handles, handled = "1", handledKey(ch.Tenant, ch.Handles)
	}
	arg, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("store: encode change: %w", err)
	}
	args[0] = arg
	t := ch.Tenant
	keys := []string{complaintKey(t, id), timelineKey(t, id), allKey(t), openKey(t), timersKey(t),
		inflightKey(t), dueKey(t), outboxKey(t), once, handled, rolesKey(t), closedKey(t), inboxKey(t)}
	res, err := s.batch.script(ctx, commitScript, keys, args...).Text()
	if err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	switch res {
	case "conflict":
		return qunsu.ErrConflict
	case "handled":
		return qunsu.ErrHandled
	}
	if len(ch.Roles) > 0 && res == "ok" {
		s.roles.forget(t)
	}
	return nil
}

var errMalformed = errors.New("malformed reply")
