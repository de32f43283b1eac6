package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	fastjson "github.com/goccy/go-json"
	"github.com/redis/go-redis/v9"

	"qunsu"
)

// How long a platform's marks are kept: the sent mark stops a message being
// posted twice; the try mark tells a sender that resumes after a crash to look
// on the platform before posting again.
const (
	sentTTL = 14 * 24 * time.Hour
	tryTTL  = 14 * 24 * time.Hour
	deadMax = 10000 // dead letters kept per platform
)

// Subscribe starts platform's consumer group at the end of the outbox, unless
// it has one: a platform switched on later does not post what was written
// before (old reminders, old summaries).
func (s *Store) Subscribe(ctx context.Context, tenant, platform string) error {
	err := s.rdb.XGroupCreateMkStream(ctx, outboxKey(tenant), platform, "$").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("store: subscribe: %w", err)
	}
	return nil
}

// Receive returns outgoing messages for platform's consumer group: first
// those another consumer left unfinished for longer than idle (reclaim), then
// new ones, waiting up to block for those. Another platform's messages are acknowledged here, unread, and
// returned as Elsewhere. While messages keep coming, new ones are read
// through receiveScript, which acknowledges another platform's in Redis and
// returns only their ids: each platform's sender would otherwise read, parse
// and acknowledge every answer of the other's. A read that finds nothing new
// waits for the next message with a blocking read, as an idle reader should.
func (s *Store) Receive(ctx context.Context, tenant, platform, consumer string, max int, idle, block time.Duration) ([]qunsu.Envelope, error) {
	key := outboxKey(tenant)
	msgs, err := s.reclaimOrCreate(ctx, key, platform, consumer, max, idle)
	if err != nil {
		return nil, fmt.Errorf("store: outbox: %w", err)
	}
	out, others, err := envelopes(msgs, platform, make([]qunsu.Envelope, 0, len(msgs)), nil)
	if err != nil {
		return nil, err
	}
	reader := readerKey(key, platform, consumer)
	if len(out) < max {
		var fresh []qunsu.Envelope
		if _, flowing := s.flowing.Load(reader); flowing {
			if fresh, err = s.receiveNew(ctx, key, platform, consumer, max-len(out)); err != nil {
				return nil, fmt.Errorf("store: outbox: %w", err)
			}
			out = append(out, fresh...)
		}
		if len(fresh) == 0 {
			msgs, err := s.readNew(ctx, key, platform, consumer, max-len(out), block)
			if err != nil {
				return nil, fmt.Errorf("store: outbox: %w", err)
			}
			if len(msgs) > 0 {
				s.flowing.Store(reader, true)
			} else {
				s.flowing.Delete(reader)
			}
			if out, others, err = envelopes(msgs, platform, out, others); err != nil {
				return nil, err
			}
		}
	}
	s.ackOthers(ctx, key, platform, others)
	return out, nil
}

// envelopes appends entries read whole to out, and the ids of those that are
// another platform's to others.
func envelopes(msgs []redis.XMessage, platform string, out []qunsu.Envelope, others []string) ([]qunsu.Envelope, []string, error) {
	for _, m := range msgs {
		only, _ := m.Values["p"].(string)
		raw, _ := m.Values["m"].(string)
		mine := only == "" || only == platform
		env, err := envelope(m.ID, raw, mine)
		if err != nil {
			return nil, nil, err
		}
		if !mine {
			others = append(others, m.ID)
		}
		out = append(out, env)
	}
	return out, others, nil
}

// envelope is an outbox entry as Receive returns it: decoded if it is the
// platform's, else its id only.
func envelope(id, raw string, mine bool) (qunsu.Envelope, error) {
	if !mine {
		return qunsu.Envelope{ID: id, Elsewhere: true}, nil
	}
	msg, err := decodeMessage(id, raw)
	return qunsu.Envelope{ID: id, Message: msg}, err
}

// ackOthers acknowledges another platform's entries read whole. A failure
// is not the read's: the entries stay pending, and the next read that takes
// them over, after idle, acknowledges them.
func (s *Store) ackOthers(ctx context.Context, key, platform string, ids []string) {
	if len(ids) > 0 {
		_ = s.rdb.XAck(ctx, key, platform, ids...).Err()
	}
}

// receiveNew reads up to max new entries through receiveScript, without
// waiting.
func (s *Store) receiveNew(ctx context.Context, key, platform, consumer string, max int) ([]qunsu.Envelope, error) {
	reply, err := s.batch.script(ctx, receiveScript, []string{key}, platform, consumer, max).Slice()
	if isNoGroup(err) {
		s.lostGroup(key, platform, consumer)
	}
	if err != nil && err != redis.Nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	out := make([]qunsu.Envelope, 0, len(reply)/2)
	for i := 0; i+1 < len(reply); i += 2 {
		id, _ := reply[i].(string)
		raw, mine := reply[i+1].(string) // false: another platform's
		env, err := envelope(id, raw, mine)
		if err != nil {
			return nil, err
		}
		out = append(out, env)
	}
	return out, nil
}

// Entry reads one outbox entry's message again.
func (s *Store) Entry(ctx context.Context, tenant, id string) (qunsu.Message, bool, error) {
	msgs, err := s.rdb.XRangeN(ctx, outboxKey(tenant), id, id, 1).Result()
	if err != nil {
		return qunsu.Message{}, false, fmt.Errorf("store: outbox entry: %w", err)
	}
	if len(msgs) == 0 {
		return qunsu.Message{}, false, nil
	}
	raw, _ := msgs[0].Values["m"].(string)
	m, err := decodeMessage(id, raw)
	return m, err == nil, err
}

// decodeMessage decodes an outbox entry's message (every sender decodes
// every message meant for it, thousands a second under load: with the faster
// decoder; its strings share one buffer, the size of the message).
func decodeMessage(id, raw string) (qunsu.Message, error) {
	var m qunsu.Message
	if err := fastjson.Unmarshal(readOnly(raw), &m); err != nil {
		return qunsu.Message{}, fmt.Errorf("store: decode message %s: %w", id, err)
	}
	return m, nil
}

// Done acknowledges entries for platform.
func (s *Store) Done(ctx context.Context, tenant, platform string, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := s.rdb.XAck(ctx, outboxKey(tenant), platform, ids...).Err(); err != nil {
		return fmt.Errorf("store: outbox ack: %w", err)
	}
	return nil
}

// BeginSend claims the posting of a message (see beginSendScript).
func (s *Store) BeginSend(ctx context.Context, tenant, platform, key, sender string, lease time.Duration) (qunsu.SendState, time.Time, error) {
	keys := []string{sentKey(tenant, platform, key), lockKey(tenant, platform, key), tryKey(tenant, platform, key)}
	res, err := s.batch.script(ctx, beginSendScript, keys, time.Now().UnixMilli(), lease.Milliseconds(), int(tryTTL.Seconds()), sender).StringSlice()
	if err != nil || len(res) != 2 {
		return 0, time.Time{}, fmt.Errorf("store: begin send: %v %w", res, err)
	}
	switch res[0] {
	case "done":
		return qunsu.SendDone, time.Time{}, nil
	case "busy":
		return qunsu.SendBusy, time.Time{}, nil
	case "resumed":
		ms, _ := strconv.ParseInt(res[1], 10, 64)
		return qunsu.SendResumed, time.UnixMilli(ms), nil
	}
	return qunsu.SendFresh, time.Time{}, nil
}

// FinishSend marks a message posted and acknowledges its entry (see finishSendScript).
func (s *Store) FinishSend(ctx context.Context, tenant, platform, key, sender, id string) error {
	keys := []string{sentKey(tenant, platform, key), lockKey(tenant, platform, key), tryKey(tenant, platform, key), outboxKey(tenant)}
	if err := s.batch.script(ctx, finishSendScript, keys, int(sentTTL.Seconds()), sender, platform, id).Err(); err != nil {
		return fmt.Errorf("store: finish send: %w", err)
	}
	return nil
}

// Trim deletes the outbox entries written before before that every
// platform has finished with (see trimScript), and returns how many went.
func (s *Store) Trim(ctx context.Context, tenant string, before time.Time) (int64, error) {
	n, err := trimScript.Run(ctx, s.rdb, []string{outboxKey(tenant)}, fmt.Sprintf("%d-0", before.UnixMilli())).Int64()
	if err != nil {
		return 0, fmt.Errorf("store: trim outbox: %w", err)
	}
	return n, nil
}

// deadLetter is an entry of a platform's dead-letter list.
type deadLetter struct {
	At      time.Time     `json:"at"`
	Reason  string        `json:"reason"`
	Message qunsu.Message `json:"message"`
}

// Bury keeps a refused message on the platform's dead-letter list and
// acknowledges its entry (see buryScript).
func (s *Store) Bury(ctx context.Context, tenant, platform, sender, id string, m qunsu.Message, reason string) error {
	js, err := json.Marshal(deadLetter{At: time.Now(), Reason: reason, Message: m})
	if err != nil {
		return fmt.Errorf("store: bury: %w", err)
	}
	keys := []string{deadKey(tenant, platform), lockKey(tenant, platform, m.Key), outboxKey(tenant)}
	if err := buryScript.Run(ctx, s.rdb, keys, js, deadMax, sender, platform, id).Err(); err != nil {
		return fmt.Errorf("store: bury: %w", err)
	}
	return nil
}

// Buried returns the reasons of a platform's dead letters, newest first.
func (s *Store) Buried(ctx context.Context, tenant, platform string) ([]string, error) {
	raw, err := s.rdb.LRange(ctx, deadKey(tenant, platform), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("store: buried: %w", err)
	}
	out := make([]string, 0, len(raw))
	for _, r := range raw {
		var d deadLetter
		if err := json.Unmarshal([]byte(r), &d); err != nil {
			return nil, fmt.Errorf("store: decode dead letter: %w", err)
		}
		out = append(out, d.Message.Key+": "+d.Reason)
	}
	return out, nil
}
