package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

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
// it over reports it.
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

// ReceiveInbound returns queued inbound messages for the engine (see readGroup).
func (s *Store) ReceiveInbound(ctx context.Context, tenant, consumer string, max int, idle, block time.Duration) ([]qunsu.InboundEnvelope, error) {
	msgs, again, err := s.readGroup(ctx, inboxKey(tenant), inboxGroup, consumer, max, idle, block)
	if err != nil {
		return nil, fmt.Errorf("store: inbox: %w", err)
	}
	out := make([]qunsu.InboundEnvelope, 0, len(msgs))
	for i, m := range msgs {
		raw, _ := m.Values["m"].(string)
		var in qunsu.Inbound
		if err := json.Unmarshal([]byte(raw), &in); err != nil {
			return nil, fmt.Errorf("store: decode inbound %s: %w", m.ID, err)
		}
		// Accept queues a platform's message once, so an entry read for the
		// first time cannot have been acted on.
		in.Fresh = i >= again
		out = append(out, qunsu.InboundEnvelope{ID: m.ID, Inbound: in})
	}
	return out, nil
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
