package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu"
)

// inboxGroup is the consumer group of the engine's workers on every inbox.
const inboxGroup = "engine"

// seenTTL is how long an inbound message's id is remembered: longer than any
// platform retries (Slack: up to 5 minutes; WeCom: 3 tries in 15 seconds) or a
// signed request stays fresh.
const seenTTL = 24 * time.Hour

// Accept queues an inbound message unless its platform and id were seen.
func (s *Store) Accept(ctx context.Context, in qunsu.Inbound) (bool, error) {
	keys, js, err := acceptArgs(in)
	if err != nil {
		return false, err
	}
	n, err := acceptScript.Run(ctx, s.rdb, keys, js, int(seenTTL.Seconds())).Int()
	if err != nil {
		return false, fmt.Errorf("store: accept: %w", err)
	}
	return n == 1, nil
}

// acceptArgs returns the keys of an inbound message's accept scripts (its seen
// mark, its tenant's inbox) and the message as queued.
func acceptArgs(in qunsu.Inbound) (keys []string, js []byte, err error) {
	key := qunsu.InboundKey(in)
	if key == "" {
		return nil, nil, fmt.Errorf("store: accept: an inbound message needs its platform's id")
	}
	if js, err = json.Marshal(in); err != nil {
		return nil, nil, fmt.Errorf("store: accept: %w", err)
	}
	return []string{seenKey(in.Tenant, key), inboxKey(in.Tenant)}, js, nil
}

// AcceptTaking is Accept that also gives the next new inbox entry (the one
// just queued, unless older ones wait) to consumer, as a read would: the entry
// is the consumer's until it is done, or taken over after it idles. taken is
// nil when nothing was given, and also when the entry given is an older one
// that cannot be decoded: that one is left to idle, and the reader that takes
// it over sets it aside.
func (s *Store) AcceptTaking(ctx context.Context, in qunsu.Inbound, consumer string) (queued bool, taken *qunsu.InboundEnvelope, err error) {
	keys, js, err := acceptArgs(in)
	if err != nil {
		return false, nil, err
	}
	reply, err := acceptTakeScript.Run(ctx, s.rdb, keys, js, int(seenTTL.Seconds()), inboxGroup, consumer).Slice()
	if err != nil {
		return false, nil, fmt.Errorf("store: accept: %w", err)
	}
	if len(reply) < 2 {
		return len(reply) == 1 && reply[0] == int64(1), nil, nil
	}
	id, _ := reply[1].(string)
	got := in // the one queued, unless an older one waited
	if len(reply) > 2 {
		raw, _ := reply[2].(string)
		got = qunsu.Inbound{}
		if json.Unmarshal([]byte(raw), &got) != nil {
			return true, nil, nil
		}
	}
	got.Fresh = true // given out for the first time
	return true, &qunsu.InboundEnvelope{ID: id, Inbound: got}, nil
}

// inboxTries is how many times an inbox entry is given out unfinished before
// it is set aside: one whose handling fails or crashes the process every time
// would otherwise be taken over after every idle period, forever.
const inboxTries = 5

// ReceiveInbound returns queued inbound messages for the engine (see
// readGroup). An entry that cannot be decoded, or that was given out
// inboxTries times without being finished, is returned with SetAside, to be
// set aside (SetAsideInbound) instead of acted on.
func (s *Store) ReceiveInbound(ctx context.Context, tenant, consumer string, max int, idle, block time.Duration) ([]qunsu.InboundEnvelope, error) {
	msgs, again, err := s.readGroup(ctx, inboxKey(tenant), inboxGroup, consumer, max, idle, block)
	if err != nil {
		return nil, fmt.Errorf("store: inbox: %w", err)
	}
	given, err := s.timesGiven(ctx, tenant, consumer, msgs[:again])
	if err != nil {
		return nil, fmt.Errorf("store: inbox: %w", err)
	}
	out := make([]qunsu.InboundEnvelope, 0, len(msgs))
	for i, m := range msgs {
		raw, _ := m.Values["m"].(string)
		var in qunsu.Inbound
		decodeErr := json.Unmarshal([]byte(raw), &in)
		var aside string
		switch n := given[m.ID]; {
		case n > inboxTries:
			aside = fmt.Sprintf("given out %d times without being finished", n-1)
		case decodeErr != nil:
			aside = "does not decode: " + decodeErr.Error()
		}
		if aside != "" {
			out = append(out, qunsu.InboundEnvelope{ID: m.ID, Inbound: in, SetAside: aside})
			continue
		}
		// Accept queues a platform's message once, so an entry read for the
		// first time cannot have been acted on.
		in.Fresh = i >= again
		out = append(out, qunsu.InboundEnvelope{ID: m.ID, Inbound: in})
	}
	return out, nil
}

// timesGiven returns how many times each of msgs, just taken over by
// consumer, has been given out, this time included.
func (s *Store) timesGiven(ctx context.Context, tenant, consumer string, msgs []redis.XMessage) (map[string]int64, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.XPendingExtCmd, len(msgs))
	for i, m := range msgs {
		cmds[i] = pipe.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: inboxKey(tenant), Group: inboxGroup,
			Start: m.ID, End: m.ID, Count: 1, Consumer: consumer})
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("times given: %w", err)
	}
	given := make(map[string]int64, len(msgs))
	for _, c := range cmds {
		for _, p := range c.Val() {
			given[p.ID] = p.RetryCount
		}
	}
	return given, nil
}

// SetAsideInbound moves an entry ReceiveInbound gave with SetAside to the
// inbox's dead-letter list, `{t:X}:inbox:dead` (JSON: at, entry, reason, and
// m, the inbound JSON as queued), so that what was said is kept but given out
// no more. It reports false, and keeps nothing, when the entry was finished
// meanwhile by a worker that was only slow.
func (s *Store) SetAsideInbound(ctx context.Context, tenant string, env qunsu.InboundEnvelope) (bool, error) {
	keys := []string{inboxDeadKey(tenant), inboxKey(tenant), handledKey(tenant, qunsu.InboundKey(env.Inbound))}
	n, err := setAsideInboundScript.Run(ctx, s.rdb, keys, inboxGroup, env.ID, env.SetAside, time.Now().Format(time.RFC3339)).Int()
	if err != nil {
		return false, fmt.Errorf("store: inbox set aside: %w", err)
	}
	return n == 1, nil
}

// DoneInbound acknowledges inbox entries and deletes them: the inbox holds only
// what is not yet acted on, so what people said (with customers' personal
// data) does not pile up there; the complaint keeps what matters.
func (s *Store) DoneInbound(ctx context.Context, tenant string, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, 0, 1+len(ids))
	args = append(args, inboxGroup)
	for _, id := range ids {
		args = append(args, id)
	}
	// Through the batcher: under load the workers' acknowledgements share
	// round trips.
	if err := s.batch.script(ctx, doneInboundScript, []string{inboxKey(tenant)}, args...).Err(); err != nil {
		return fmt.Errorf("store: inbox ack: %w", err)
	}
	return nil
}
