package qunsu

import (
	"context"
	"time"
)

// Clock tells the time. Tests and the console use a simulated one.
type Clock interface {
	Now() time.Time
}

// Change is one atomic write: a complaint with its new timeline entries, the
// timers it adds and removes, and the messages it sends. Either all of it is
// stored or none.
type Change struct {
	Tenant string
	// Complaint, if set, is saved only if the stored version still equals
	// Complaint.Version (0 for a new complaint); it is stored with Version+1.
	Complaint  *Complaint
	Events     []Event
	Schedule   []Scheduled
	Unschedule []Timer
	// Claimed, if set, is an in-flight timer this change finishes.
	Claimed *Timer
	// Once, if set, is a key that lets the messages and events through once only
	// (e.g. one daily summary per day, whichever replica gets there first).
	Once     string
	Messages []Message
}

// Store keeps complaints and everything written with them.
type Store interface {
	// NextSeq returns the next number of a tenant's day (YYYYMMDD), from 1.
	NextSeq(ctx context.Context, tenant, day string) (int, error)
	// Complaint returns a stored complaint, or an ENOTFOUND error.
	Complaint(ctx context.Context, tenant, id string) (*Complaint, error)
	// Complaints returns a tenant's complaints reported in [from, to), oldest first;
	// with openOnly, only those not dissolved, whenever reported.
	Complaints(ctx context.Context, tenant string, from, to time.Time, openOnly bool) ([]*Complaint, error)
	// Timeline returns a complaint's events, oldest first.
	Timeline(ctx context.Context, tenant, id string) ([]Event, error)
	// Commit writes a change atomically. It returns ErrConflict when the complaint
	// changed since it was read.
	Commit(ctx context.Context, ch Change) error
}

// TimerQueue is the deadline queue. Claimed timers are leased: one that is not
// finished (Change.Claimed) before its lease ends is claimed again.
type TimerQueue interface {
	// Claim takes up to max timers due at now, leasing them until now+lease.
	Claim(ctx context.Context, tenant string, now time.Time, lease time.Duration, max int) ([]Scheduled, error)
	// Next returns the earliest due time in the queue (including leases), if any.
	Next(ctx context.Context, tenant string) (time.Time, bool, error)
	// Schedule adds or moves timers outside a complaint change (recurring jobs).
	Schedule(ctx context.Context, tenant string, timers ...Scheduled) error
	// Due returns the due time of a timer, if it is queued.
	Due(ctx context.Context, tenant string, t Timer) (time.Time, bool, error)
}

// Envelope is a message read from the outbox.
type Envelope struct {
	ID      string // the outbox entry id
	Message Message
}

// Outbox holds messages until a platform has accepted them.
type Outbox interface {
	// Receive returns up to max messages for the consumer group, first those
	// another consumer of the group left unfinished for longer than idle, then new
	// ones. It waits up to block for new ones (0: no wait).
	Receive(ctx context.Context, tenant, group, consumer string, max int, idle, block time.Duration) ([]Envelope, error)
	// Done marks messages as handled by the group.
	Done(ctx context.Context, tenant, group string, ids ...string) error
	// Sent reports whether platform already posted the message with key.
	Sent(ctx context.Context, tenant, platform, key string) (bool, error)
	// MarkSent records that platform posted the message with key.
	MarkSent(ctx context.Context, tenant, platform, key string) error
}

// TimerHandler acts on a due timer; the scheduler calls it.
type TimerHandler interface {
	Fire(ctx context.Context, tenant string, t Scheduled) error
}

// InboundHandler handles what people say; the engine implements it for every platform.
type InboundHandler interface {
	Handle(ctx context.Context, in Inbound) error
}
