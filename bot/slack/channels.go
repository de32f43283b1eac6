package slack

import (
	"context"
	"sync"
	"time"
)

// Which channels are complaints' own is asked of the store once per channel
// for a while, not on every command: a burst of commands in one channel
// would otherwise cost every acknowledgement a round trip. A channel's answer
// can change only when qunsu makes it a complaint's, and the channels it makes
// are new (this process learns of its own at once); only a channel that
// existed before and is taken over by name (see createChannel) may be seen as
// an ordinary one for up to channelsFor.
const (
	channelsFor = 10 * time.Second
	channelsMax = 10000 // channels remembered; beyond, all are forgotten
)

type channels struct {
	mu   sync.Mutex
	seen map[string]channelOf
}

// channelOf is the complaint a channel belongs to ("" for none), as read at.
type channelOf struct {
	complaint string
	at        time.Time
}

// complaintOf returns the complaint whose channel this is, if any.
func (a *Adapter) complaintOf(ctx context.Context, channel string) (string, bool) {
	now := time.Now()
	a.channels.mu.Lock()
	c, ok := a.channels.seen[channel]
	a.channels.mu.Unlock()
	if ok && now.Sub(c.at) < channelsFor {
		return c.complaint, c.complaint != ""
	}
	complaint, found, err := a.memory.Recall(ctx, a.tenant.Tenant, channelKey(channel))
	if err != nil {
		return "", false // not remembered: asked again next time
	}
	if !found {
		complaint = ""
	}
	a.channels.learn(channel, complaint, now)
	return complaint, found
}

func (c *channels) learn(channel, complaint string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil || len(c.seen) >= channelsMax {
		c.seen = map[string]channelOf{}
	}
	c.seen[channel] = channelOf{complaint: complaint, at: at}
}
