package qunsu

import (
	"context"
	"time"
)

// Clock tells the time. Tests and the console use a simulated one.
type Clock interface {
	Now() time.Time
}

// PacedClock is a simulated clock that runs Rate times as fast as the wall
// clock; waits and leases measured on it are that much shorter in wall time.
type PacedClock interface {
	Clock
	Rate() float64
}

// SteppedClock is a simulated clock moved by hand: Moved is closed the next
// time it moves, so that whoever waits for a time on it looks again.
type SteppedClock interface {
	Clock
	Moved() <-chan struct{}
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
	Once string
	// Handles, if set, names the inbound message this change acts on
	// (InboundKey): a second change for the same message is refused with
	// ErrHandled and writes nothing, so a command redelivered after a crash acts
	// once.
	Handles  string
	Messages []Message
	// Roles are directory changes made by command, appended in order.
	Roles []RoleChange
	// Finishes, if set, is the id of the tenant's inbox entry this change is
	// the last step of: it is acknowledged and deleted in the same write,
	// whenever Commit returns nil (see EntryHandler).
	Finishes string
}

// Store keeps complaints and everything written with them.
type Store interface {
	// NextSeq returns the next number of a tenant's day (YYYYMMDD), from 1.
	NextSeq(ctx context.Context, tenant, day string) (int, error)
	// Complaint returns a stored complaint, or an ENOTFOUND error.
	Complaint(ctx context.Context, tenant, id string) (*Complaint, error)
	// Load returns the stored complaints among ids, read in one round trip;
	// ids not stored are left out.
	Load(ctx context.Context, tenant string, ids []string) ([]*Complaint, error)
	// Complaints returns a tenant's complaints reported in [from, to), oldest first;
	// with openOnly, only those not dissolved, whenever reported.
	Complaints(ctx context.Context, tenant string, from, to time.Time, openOnly bool) ([]*Complaint, error)
	// OpenOrReported returns, each once, the complaints reported in [from, to),
	// oldest first, then the others not dissolved, oldest first, then the
	// others closed in [from, to): what a summary of the period covers. They
	// come Partial (without team, origin and grading reasons), never to be
	// saved.
	OpenOrReported(ctx context.Context, tenant string, from, to time.Time) ([]*Complaint, error)
	// ClosedIn returns the complaints closed in [from, to) and not reopened
	// since, by close time: the cases of a monthly report.
	ClosedIn(ctx context.Context, tenant string, from, to time.Time) ([]*Complaint, error)
	// Timeline returns a complaint's events, oldest first.
	Timeline(ctx context.Context, tenant, id string) ([]Event, error)
	// Commit writes a change atomically. It returns ErrConflict when the complaint
	// changed since it was read, ErrHandled when its inbound message was acted on.
	Commit(ctx context.Context, ch Change) error
	// Handled reports whether a change for an inbound message (InboundKey) was committed.
	Handled(ctx context.Context, tenant, inbound string) (bool, error)
	// RoleChanges returns the directory changes made by command (Change.Roles), oldest first.
	RoleChanges(ctx context.Context, tenant string) ([]RoleChange, error)
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
	// Elsewhere is set, and Message left empty, for a message that is
	// another platform's only (Chat.OnlyOn): Receive acknowledged it unread.
	Elsewhere bool
}

// SendState is what a sender finds when it is about to post a message.
type SendState int

const (
	SendFresh   SendState = iota // never tried: post it
	SendResumed                  // tried before with no known outcome: look on the platform first
	SendDone                     // posted already: skip it
	SendBusy                     // another sender is posting it now: leave it
)

// Outbox holds messages until every platform has accepted them. Each platform
// reads it as its own consumer group, so each gets every message.
type Outbox interface {
	// Subscribe starts platform's reading at the end of the outbox, unless it
	// reads it already: a platform switched on later gets only what comes after.
	Subscribe(ctx context.Context, tenant, platform string) error
	// Receive returns up to max messages for platform, first those another
	// consumer left unfinished for longer than idle, then new ones. It waits up
	// to block for new ones (0: no wait). Another platform's messages it
	// acknowledges itself, and returns as Elsewhere.
	Receive(ctx context.Context, tenant, platform, consumer string, max int, idle, block time.Duration) ([]Envelope, error)
	// Done marks entries as handled by platform without posting them.
	Done(ctx context.Context, tenant, platform string, ids ...string) error
	// BeginSend claims the posting of the message with key for sender, for
	// lease, and says what was done with it before; for SendResumed, tried is
	// when the first attempt began. The sender holding the claim may call it
	// again to extend it.
	BeginSend(ctx context.Context, tenant, platform, key, sender string, lease time.Duration) (state SendState, tried time.Time, err error)
	// FinishSend records that platform posted the message with key and marks
	// its entry handled; sender's claim ends.
	FinishSend(ctx context.Context, tenant, platform, key, sender, id string) error
	// Bury sets aside a message the platform refused for good, with the reason,
	// and marks its entry handled: it stays on record, it is not retried.
	Bury(ctx context.Context, tenant, platform, sender, id string, m Message, reason string) error
	// Entry reads a pending entry's message again, by its id; ok is false when
	// it is gone.
	Entry(ctx context.Context, tenant, id string) (m Message, ok bool, err error)
	// Trim deletes the entries written before before that every platform has
	// finished with, and returns how many went.
	Trim(ctx context.Context, tenant string, before time.Time) (int64, error)
}

// InboundEnvelope is an inbound message read from the inbox.
type InboundEnvelope struct {
	ID      string // the inbox entry id
	Inbound Inbound
	// SetAside, when not empty, says why the entry is to be set aside
	// (Inbox.SetAsideInbound) instead of acted on: it could not be decoded,
	// or it was given out too often without being finished (its handler
	// fails or crashes the process every time).
	SetAside string
}

// Inbox holds what people said until the engine has acted on it, so a platform
// can acknowledge at once and nothing is lost when a process dies.
type Inbox interface {
	// Accept queues in unless a message with its platform and ID was accepted
	// before (a platform's retry, or a replay); it reports whether it queued it.
	Accept(ctx context.Context, in Inbound) (bool, error)
	// ReceiveInbound returns up to max queued messages, first those a consumer
	// left unfinished for longer than idle; it waits up to block for new ones.
	// An entry given with SetAside is not to be acted on but set aside.
	ReceiveInbound(ctx context.Context, tenant, consumer string, max int, idle, block time.Duration) ([]InboundEnvelope, error)
	// DoneInbound marks entries as handled.
	DoneInbound(ctx context.Context, tenant string, ids ...string) error
	// SetAsideInbound keeps an entry given with SetAside where it is given out
	// no more; false if it was finished meanwhile (and nothing was kept).
	SetAsideInbound(ctx context.Context, tenant string, env InboundEnvelope) (bool, error)
}

// Accepter is what a platform adapter needs of the inbox: a place to put
// what people said.
type Accepter interface {
	Accept(ctx context.Context, in Inbound) (bool, error)
}

// TakingInbox is an inbox that can give the entry it queues straight to a
// consumer in the same step (see bot.Intake.Accept).
type TakingInbox interface {
	Inbox
	// AcceptTaking is Accept that also gives the next new entry (the one
	// queued, unless older ones wait) to consumer, as a read would; taken is
	// nil when nothing was given, or when what was given cannot be decoded
	// (it idles until a reader takes it over and sets it aside).
	AcceptTaking(ctx context.Context, in Inbound, consumer string) (queued bool, taken *InboundEnvelope, err error)
}

// InboundKey names an inbound message across platforms (Change.Handles); ""
// for one without an id, which nothing can recognise again.
func InboundKey(in Inbound) string {
	if in.ID == "" {
		return ""
	}
	return in.Platform + ":" + in.ID
}

// Memory keeps small facts a platform adapter learns, per tenant: which channel
// belongs to which complaint, cached user ids.
type Memory interface {
	// Recall returns the value remembered under key.
	Recall(ctx context.Context, tenant, key string) (string, bool, error)
	// RecallAll returns what is remembered under each of keys, in one round
	// trip; keys with nothing remembered are left out.
	RecallAll(ctx context.Context, tenant string, keys ...string) (map[string]string, error)
	// Remember keeps value under key, for ttl (0: for good).
	Remember(ctx context.Context, tenant, key, value string, ttl time.Duration) error
	// RememberFirst keeps value under key unless something is kept there
	// already, and returns what is kept there now: value if it was first.
	// Processes racing for the same thing agree on one of them.
	RememberFirst(ctx context.Context, tenant, key, value string, ttl time.Duration) (string, error)
	// Forget drops what is kept under keys.
	Forget(ctx context.Context, tenant string, keys ...string) error
}

// TimerHandler acts on a due timer; the scheduler calls it.
type TimerHandler interface {
	Fire(ctx context.Context, tenant string, t Scheduled) error
}

// InboundHandler handles what people say; the engine implements it for every platform.
type InboundHandler interface {
	Handle(ctx context.Context, in Inbound) error
}

// EntryHandler is an InboundHandler that can finish the inbox entry a
// message came in, in its own last write (Change.Finishes), saving the inbox
// a write of its own. It reports whether it did; if not, the caller marks the
// entry done. Its store and the caller's inbox must be the same.
type EntryHandler interface {
	InboundHandler
	HandleEntry(ctx context.Context, in Inbound, entry string) (finished bool, err error)
}

// SetAsideTeller is an InboundHandler that can tell the person who said
// something that the inbox set it aside unacted (InboundEnvelope.SetAside).
type SetAsideTeller interface {
	InboundHandler
	TellSetAside(ctx context.Context, in Inbound) error
}

// Limit is a platform's rate limit on our side: at most Max uses of Key in any
// Window.
type Limit struct {
	Key    string
	Max    int
	Window time.Duration
}

// Quota counts uses against limits shared by every process, for platforms that
// drop what exceeds their limits instead of refusing it (WeCom).
type Quota interface {
	// Take uses every limit once at now, all or none. It returns a receipt
	// when it took them, else how long until all would allow it.
	Take(ctx context.Context, tenant string, now time.Time, limits ...Limit) (receipt string, wait time.Duration, err error)
	// Settle moves a receipt's uses to at, when the platform had the message
	// (it counts from its arrival, which may come well after Take), or gives
	// them back when it did not take it.
	Settle(ctx context.Context, tenant, receipt string, at time.Time, taken bool, limits ...Limit) error
}
