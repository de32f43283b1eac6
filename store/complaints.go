package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu"
)

// Store implements qunsu.Store, qunsu.TimerQueue, qunsu.Outbox, qunsu.Inbox and
// qunsu.Memory on Redis.
type Store struct {
	rdb redis.UniversalClient
	// reclaimed is when each stream reader last took over abandoned entries.
	reclaimed sync.Map
}

var (
	_ qunsu.Store      = (*Store)(nil)
	_ qunsu.TimerQueue = (*Store)(nil)
	_ qunsu.Outbox     = (*Store)(nil)
	_ qunsu.Inbox      = (*Store)(nil)
	_ qunsu.Memory     = (*Store)(nil)
)

// New returns a store on rdb.
func New(rdb redis.UniversalClient) *Store { return &Store{rdb: rdb} }

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
	vals, err := s.rdb.HMGet(ctx, complaintKey(tenant, id), "v", "j").Result()
	if err != nil {
		return nil, fmt.Errorf("store: complaint: %w", err)
	}
	if vals[1] == nil {
		return nil, qunsu.Errorf(qunsu.ENOTFOUND, "err.not_found", id)
	}
	return decode(vals[0], vals[1])
}

func decode(v, j any) (*qunsu.Complaint, error) {
	var c qunsu.Complaint
	js, _ := j.(string)
	if err := json.Unmarshal([]byte(js), &c); err != nil {
		return nil, fmt.Errorf("store: decode complaint: %w", err)
	}
	vs, _ := v.(string)
	c.Version, _ = strconv.ParseInt(vs, 10, 64)
	return &c, nil
}

// Complaints returns complaints reported in [from, to), or with openOnly all
// that are not dissolved; oldest first.
func (s *Store) Complaints(ctx context.Context, tenant string, from, to time.Time, openOnly bool) ([]*qunsu.Complaint, error) {
	var ids []string
	var err error
	if openOnly {
		ids, err = s.rdb.ZRange(ctx, openKey(tenant), 0, -1).Result()
	} else {
		ids, err = s.rdb.ZRangeByScore(ctx, allKey(tenant), &redis.ZRangeBy{
			Min: strconv.FormatInt(from.UnixMilli(), 10), Max: "(" + strconv.FormatInt(to.UnixMilli(), 10)}).Result()
	}
	if err != nil {
		return nil, fmt.Errorf("store: complaints: %w", err)
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HMGet(ctx, complaintKey(tenant, id), "v", "j")
	}
	if len(ids) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("store: complaints: %w", err)
		}
	}
	out := make([]*qunsu.Complaint, 0, len(ids))
	for _, cmd := range cmds {
		vals := cmd.Val()
		if len(vals) < 2 || vals[1] == nil {
			continue
		}
		c, err := decode(vals[0], vals[1])
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
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
	JSON       string      `json:"json"`
	ID         string      `json:"id"`
	Score      string      `json:"score"`
	Open       string      `json:"open"`
	Once       string      `json:"once"`
	Handles    string      `json:"handles"`
	Events     []string    `json:"events"`
	Schedule   [][2]string `json:"schedule"`
	Unschedule []string    `json:"unschedule"`
	Claimed    string      `json:"claimed"`
	Messages   [][2]string `json:"messages"`
	Roles      []string    `json:"roles"`
}

// Commit writes a change atomically (see commitScript).
func (s *Store) Commit(ctx context.Context, ch qunsu.Change) error {
	p := payload{Has: "0", Once: "0", Handles: "0", Open: "0", Events: []string{}, Schedule: [][2]string{},
		Unschedule: []string{}, Messages: [][2]string{}, Roles: []string{}}
	id := "_"
	if c := ch.Complaint; c != nil {
		id = c.ID
		saved := *c
		saved.Version = c.Version + 1
		js, err := json.Marshal(&saved)
		if err != nil {
			return fmt.Errorf("store: encode complaint: %w", err)
		}
		p.Has, p.Expect, p.JSON, p.ID = "1", strconv.FormatInt(c.Version, 10), string(js), c.ID
		p.Score = strconv.FormatInt(c.ReportedAt.UnixMilli(), 10)
		if c.Status != qunsu.StatusDissolved {
			p.Open = "1"
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
		p.Messages = append(p.Messages, [2]string{m.Key, string(js)})
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
	t := ch.Tenant
	keys := []string{complaintKey(t, id), timelineKey(t, id), allKey(t), openKey(t), timersKey(t),
		inflightKey(t), dueKey(t), outboxKey(t), once, handled, rolesKey(t)}
	res, err := commitScript.Run(ctx, s.rdb, keys, arg, wakeChannel(t)).Text()
	if err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	switch res {
	case "conflict":
		return qunsu.ErrConflict
	case "handled":
		return qunsu.ErrHandled
	}
	return nil
}

var errMalformed = errors.New("malformed reply")

// RoleChanges returns the directory changes made by command, oldest first.
func (s *Store) RoleChanges(ctx context.Context, tenant string) ([]qunsu.RoleChange, error) {
	raw, err := s.rdb.LRange(ctx, rolesKey(tenant), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("store: role changes: %w", err)
	}
	out := make([]qunsu.RoleChange, 0, len(raw))
	for _, r := range raw {
		var ch qunsu.RoleChange
		if err := json.Unmarshal([]byte(r), &ch); err != nil {
			return nil, fmt.Errorf("store: role change: %w", err)
		}
		out = append(out, ch)
	}
	return out, nil
}
