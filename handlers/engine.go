// Package handlers turns what people say into domain decisions and replies: one
// file per command, each registering the words it answers to.
package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"qunsu"
	"qunsu/render"
)

// Engine runs commands and timers for every tenant. It holds no state of its own:
// everything lives in the Store.
type Engine struct {
	Store   qunsu.Store
	Clock   qunsu.Clock
	Tenants map[string]*qunsu.Settings
	Log     *slog.Logger
	Meter   qunsu.Meter   // optional: counts commands by word and outcome
	Charter qunsu.Charter // optional: draws the summary's chart
	// Monthly writes the monthly report's files (optional: without it the
	// report is text only).
	Monthly qunsu.MonthlyWriter
}

// Request is one command being handled.
type Request struct {
	E       *Engine
	S       *qunsu.Settings
	In      qunsu.Inbound
	Lang    qunsu.Lang // the speaker's language, from the command word they used
	Speaker qunsu.Person
	Now     time.Time
	Word    string   // the command word as typed
	Words   []string // the words after it
	out     []qunsu.Message
}

var _ qunsu.EntryHandler = (*Engine)(nil)

// Handle runs one inbound command and enqueues its replies.
func (e *Engine) Handle(ctx context.Context, in qunsu.Inbound) error {
	_, err := e.HandleEntry(ctx, in, "")
	return err
}

// HandleEntry is Handle for a message that came in the inbox entry entry:
// when the command's last write is its replies, that write also finishes the
// entry, and finished says so.
func (e *Engine) HandleEntry(ctx context.Context, in qunsu.Inbound, entry string) (finished bool, err error) {
	// A message delivered again after a crash, once acted on, is not run again:
	// its checks would now fail ("already acknowledged") and say so.
	if key := qunsu.InboundKey(in); key != "" && !in.Fresh {
		if done, err := e.Store.Handled(ctx, in.Tenant, key); err != nil || done {
			return false, err
		}
	}
	s, err := e.settings(ctx, in.Tenant)
	if err != nil {
		return false, fmt.Errorf("handle: %w", err)
	}
	r := &Request{E: e, S: s, In: in, Lang: s.Lang, Now: e.Clock.Now()}
	err = r.run(ctx)
	if errors.Is(err, qunsu.ErrHandled) {
		return false, nil // delivered again after a crash: acted on already
	}
	qunsu.MeterOrNop(e.Meter).Command(r.Word, err)
	if err != nil {
		switch qunsu.ErrorCode(err) {
		case qunsu.EINTERNAL:
			e.log().Error("command failed", "tenant", in.Tenant, "platform", in.Platform, "text", qunsu.MaskPII(in.Text), "err", err)
		case qunsu.EFORBIDDEN:
			e.log().Warn("command refused", "tenant", in.Tenant, "platform", in.Platform, "user", in.User,
				"person", r.Speaker.ID, "command", r.Word, "why", err.Error())
		}
		r.reply(render.Error(r.Lang, err))
	}
	if len(r.out) == 0 {
		return false, nil
	}
	if cerr := e.Store.Commit(ctx, qunsu.Change{Tenant: s.Tenant, Messages: r.out, Finishes: entry}); cerr != nil {
		return false, fmt.Errorf("handle: send replies: %w", cerr)
	}
	return entry != "", nil
}

// TellSetAside answers in the chat a message came from that it was set aside
// unacted (qunsu.SetAsideTeller): it failed every time it was tried. Nothing
// of the command is parsed or run again.
func (e *Engine) TellSetAside(ctx context.Context, in qunsu.Inbound) error {
	if in.Chat.ID == "" {
		return nil // nowhere to answer
	}
	s, err := e.settings(ctx, in.Tenant)
	if err != nil {
		return fmt.Errorf("tell set aside: %w", err)
	}
	// A key of its own: an answer the command posted before it failed holds
	// the keys of its replies.
	notice := qunsu.Message{Tenant: s.Tenant, Chat: in.Chat, Text: render.T(s.Lang, "err.set_aside"), At: e.Clock.Now(),
		Key: fmt.Sprintf("in:%s#aside", qunsu.InboundKey(in))}
	if err := e.Store.Commit(ctx, qunsu.Change{Tenant: s.Tenant, Messages: []qunsu.Message{notice}}); err != nil {
		return fmt.Errorf("tell set aside: %w", err)
	}
	return nil
}

func (r *Request) run(ctx context.Context) error {
	text := qunsu.Inert(strings.TrimSpace(r.In.Text))
	if len(r.In.Fields) > 0 {
		fields := make(map[string]string, len(r.In.Fields))
		for k, v := range r.In.Fields {
			fields[k] = qunsu.Inert(v)
		}
		r.In.Fields = fields
	}
	words := splitWords(strings.TrimLeft(text, "/／"))
	if len(words) == 0 {
		return qunsu.Errorf(qunsu.EINVALID, "err.empty")
	}
	r.Word, r.Words = words[0], words[1:]
	if isASCII(r.Word) {
		r.Lang = qunsu.LangEN
	}
	if err := checkLength(text, MaxLineRunes); err != nil {
		return err
	}
	cmd := lookup(r.Word)
	if cmd == nil {
		return qunsu.Errorf(qunsu.EINVALID, "err.unknown_command", r.Word)
	}
	speaker, known := r.S.Directory.Speaker(r.In)
	if !known && !cmd.Open {
		return qunsu.Errorf(qunsu.EFORBIDDEN, "err.unknown_user", r.In.User)
	}
	r.Speaker = speaker
	return cmd.Run(ctx, r)
}

// reply queues a message, and its files, to the chat the command came from.
func (r *Request) reply(text string, files ...qunsu.File) {
	r.out = append(r.out, qunsu.Message{
		Tenant: r.S.Tenant, Chat: r.In.Chat, Text: text, Files: files, At: r.Now,
		Key: fmt.Sprintf("in:%s#%d", qunsu.InboundKey(r.In), len(r.out)),
	})
}

// takeReplies hands the queued replies to a command that commits them with its
// own change, so they are not committed again.
func (r *Request) takeReplies() []qunsu.Message {
	out := r.out
	r.out = nil
	return out
}

// T renders a text in the speaker's language.
func (r *Request) T(key string, args ...any) string { return render.T(r.Lang, key, args...) }

// settings returns a tenant's settings with the directory as changed by
// command, read afresh so every replica acts on the latest.
func (e *Engine) settings(ctx context.Context, tenant string) (*qunsu.Settings, error) {
	s, ok := e.Tenants[tenant]
	if !ok {
		return nil, fmt.Errorf("unknown tenant %q", tenant)
	}
	changes, err := e.Store.RoleChanges(ctx, tenant)
	if err != nil || len(changes) == 0 {
		return s, err
	}
	live := *s
	live.Directory = s.Directory.WithChanges(changes)
	return &live, nil
}

func (e *Engine) log() *slog.Logger {
	if e.Log == nil {
		return slog.Default()
	}
	return e.Log
}

// mutate loads a complaint, lets change alter it and add events and messages,
// then commits all of it with the matching timer changes in one atomic write. It
// starts over when someone else changed the complaint in the meantime.
func (e *Engine) mutate(ctx context.Context, s *qunsu.Settings, id string, claimed *qunsu.Timer,
	change func(c *qunsu.Complaint, ch *qunsu.Change) error) (*qunsu.Complaint, error) {
	for attempt := 0; attempt < 8; attempt++ {
		var err error
		c := takePreloaded(ctx, s.Tenant, id)
		if c == nil {
			if c, err = e.Store.Complaint(ctx, s.Tenant, id); err != nil {
				return nil, err
			}
		}
		before := c.Timers(s.Reminders)
		ch := qunsu.Change{Tenant: s.Tenant, Complaint: c, Claimed: claimed}
		if err := change(c, &ch); err != nil {
			return nil, err
		}
		finish(&ch, before, s, e.Clock.Now())
		err = e.Store.Commit(ctx, ch)
		if errors.Is(err, qunsu.ErrConflict) {
			continue
		}
		return c, err
	}
	return nil, qunsu.ErrConflict
}

// finish completes a change: the timer diff, the complaint's card as it now
// stands (platforms that can edit it in place do), and the idempotency key,
// tenant and time of each message (unique per complaint version).
func finish(ch *qunsu.Change, before []qunsu.Scheduled, s *qunsu.Settings, now time.Time) {
	c := ch.Complaint
	ch.Schedule, ch.Unschedule = qunsu.DiffTimers(before, c.Timers(s.Reminders))
	switch {
	case hasCard(ch.Messages):
		// A card posted with a lead line: an edit would only drop the line.
		c.CardSum = cardSum(cardMessage(c, s, now, ""))
	case hasTeamChat(c, s) && (len(ch.Messages) > 0 || len(ch.Events) > 0):
		// Edits are rate-limited (Slack: about 50 a minute): one that would
		// show the same card is not made.
		card := cardMessage(c, s, now, "")
		if sum := cardSum(card); sum != c.CardSum {
			ch.Messages = append(ch.Messages, card)
			c.CardSum = sum
		}
	}
	for i := range ch.Messages {
		m := &ch.Messages[i]
		m.Tenant = s.Tenant
		if m.At.IsZero() {
			m.At = now
		}
		if m.Key == "" {
			m.Key = fmt.Sprintf("%s#v%d.%d", c.ID, c.Version+1, i)
		}
	}
}

func hasCard(msgs []qunsu.Message) bool {
	for _, m := range msgs {
		if m.Card != "" {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for _, r := range s {
		if r > 127 {
			return false
		}
	}
	return true
}
