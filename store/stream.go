package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// readGroup returns up to max entries of a stream for a consumer group: first
// those another consumer left unfinished for longer than idle (it died), then
// new ones, waiting up to block for those (0: no wait). The first `again` of
// them were given out before. The group is created on
// first use from the start of the stream, so nothing written before is missed.
// An idle reader costs one blocking read per block: unfinished entries are
// looked for a few times per idle only, and the group is created only when a
// read finds it missing.
func (s *Store) readGroup(ctx context.Context, key, group, consumer string, max int, idle, block time.Duration) (msgs []redis.XMessage, again int, err error) {
	msgs, err = s.reclaimOrCreate(ctx, key, group, consumer, max, idle)
	if err != nil {
		return nil, 0, err
	}
	again = len(msgs)
	if len(msgs) >= max {
		return msgs, again, nil
	}
	fresh, err := s.readNew(ctx, key, group, consumer, max-len(msgs), block)
	if err != nil {
		return nil, 0, err
	}
	return append(msgs, fresh...), again, nil
}

// reclaimOrCreate is reclaim that creates the group, from the start of the
// stream, when it is missing.
func (s *Store) reclaimOrCreate(ctx context.Context, key, group, consumer string, max int, idle time.Duration) ([]redis.XMessage, error) {
	msgs, err := s.reclaim(ctx, key, group, consumer, max, idle)
	if isNoGroup(err) {
		if err := s.rdb.XGroupCreateMkStream(ctx, key, group, "0").Err(); err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
			return nil, fmt.Errorf("group: %w", err)
		}
		msgs, err = s.reclaim(ctx, key, group, consumer, max, idle)
	}
	if err != nil {
		return nil, fmt.Errorf("reclaim: %w", err)
	}
	return msgs, nil
}

// readNew returns up to max entries of the stream not given to the group's
// consumers yet, waiting up to block for them (0: no wait).
func (s *Store) readNew(ctx context.Context, key, group, consumer string, max int, block time.Duration) ([]redis.XMessage, error) {
	blockFor := block
	if blockFor <= 0 {
		blockFor = -1 // no BLOCK argument: return at once
	}
	streams, err := s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: consumer,
		Streams: []string{key, ">"}, Count: int64(max), Block: blockFor}).Result()
	if isNoGroup(err) {
		s.lostGroup(key, group, consumer)
	}
	if err != nil && err != redis.Nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	var msgs []redis.XMessage
	for _, st := range streams {
		msgs = append(msgs, st.Messages...)
	}
	return msgs, nil
}

// lostGroup makes the reader's next read create the group again: it was
// deleted since it was last seen.
func (s *Store) lostGroup(key, group, consumer string) {
	s.reclaimed.Delete(readerKey(key, group, consumer))
}

// reclaim takes over the entries of the group left unfinished for longer than
// idle, unless this consumer looked less than idle/4 ago.
func (s *Store) reclaim(ctx context.Context, key, group, consumer string, max int, idle time.Duration) ([]redis.XMessage, error) {
	reader := readerKey(key, group, consumer)
	if last, ok := s.reclaimed.Load(reader); ok && time.Since(last.(time.Time)) < idle/4 {
		return nil, nil
	}
	msgs, _, err := s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: key, Group: group, Consumer: consumer,
		MinIdle: idle, Start: "0", Count: int64(max)}).Result()
	if err == nil {
		s.reclaimed.Store(reader, time.Now())
	}
	return msgs, err
}

func isNoGroup(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "NOGROUP") }

func readerKey(key, group, consumer string) string { return key + "\x00" + group + "\x00" + consumer }
