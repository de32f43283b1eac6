// Package console is a chat platform in a terminal: it reads commands from a
// reader and prints every message the bot posts, with the chat it goes to. Its
// clock is simulated, so days of a complaint play out in seconds.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"qunsu"
)

// Platform is the console's name in Inbound and chat references.
const Platform = "console"

// Stepper fires timers: the scheduler's poller.
type Stepper interface {
	Next(ctx context.Context) (time.Time, bool, error)
	RunDue(ctx context.Context) (int, error)
}

// Console is one terminal session of one tenant.
type Console struct {
	Tenant  *qunsu.Settings
	Handler qunsu.InboundHandler
	Outbox  qunsu.Outbox
	Memory  qunsu.Memory // which complaint cards were shown
	Timers  Stepper
	Clock   *SimClock
	Out     io.Writer
	Speaker string // the default speaker's id
	Echo    bool   // print each command before running it (demo, piped input)
	Prompt  bool   // print a prompt (interactive terminal)
	// Files is the directory the files posted (charts, reports) are written
	// to, their paths printed; default DefaultFiles().
	Files    string
	chats    map[string]*teamChat // team chats created so far
	inbound  int
	consumer string
}

// Chat is the console's own chat, where commands are typed and answered.
var Chat = qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: Platform, ID: "console", Name: "控制台"}

// Run reads lines until EOF, `:quit` or ctx ends. Timers due at the start time
// (e.g. while the bot was down) fire first.
func (c *Console) Run(ctx context.Context, in io.Reader) error {
	c.chats, c.consumer = map[string]*teamChat{}, "console"
	if err := c.Outbox.Subscribe(ctx, c.Tenant.Tenant, Platform); err != nil {
		return err
	}
	if err := c.step(ctx); err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for {
		if c.Prompt {
			fmt.Fprintf(c.Out, "%s %s> ", c.Clock.Now().In(c.Tenant.Location).Format("01-02 15:04"), c.speakerName())
		}
		if !sc.Scan() {
			return sc.Err()
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if c.Echo {
			fmt.Fprintf(c.Out, "\n%s %s> %s\n", c.Clock.Now().In(c.Tenant.Location).Format("01-02 15:04"), c.speakerName(), line)
		}
		quit, err := c.Line(ctx, line)
		if err != nil {
			fmt.Fprintf(c.Out, "! %v\n", err)
		}
		if quit || ctx.Err() != nil {
			return nil
		}
	}
}

// Line runs one console line: a `:` directive, `as <name>: <command>`, or a command.
func (c *Console) Line(ctx context.Context, line string) (quit bool, err error) {
	switch {
	case line == ":quit" || line == ":q" || line == ":exit":
		return true, nil
	case line == ":now":
		fmt.Fprintln(c.Out, c.Clock.Now().In(c.Tenant.Location).Format("2006-01-02 15:04:05 MST"))
		return false, nil
	case line == ":help":
		fmt.Fprintln(c.Out, consoleHelp)
		return false, nil
	case strings.HasPrefix(line, ":advance"):
		d, err := parseAdvance(strings.TrimSpace(strings.TrimPrefix(line, ":advance")))
		if err != nil {
			return false, err
		}
		return false, c.Advance(ctx, c.Clock.Now().Add(d))
	case strings.HasPrefix(line, ":as "):
		c.Speaker = strings.TrimSpace(strings.TrimPrefix(line, ":as "))
		return false, nil
	case strings.HasPrefix(line, ":"):
		return false, fmt.Errorf("unknown directive %q; try :help", line)
	}
	speaker, text := c.Speaker, line
	if rest, ok := strings.CutPrefix(line, "as "); ok {
		name, cmd, found := strings.Cut(rest, ":")
		if !found {
			name, cmd, found = strings.Cut(rest, "：")
		}
		if !found {
			return false, fmt.Errorf("write: as <name>: <command>")
		}
		speaker, text = strings.TrimSpace(name), strings.TrimSpace(cmd)
	}
	return false, c.Say(ctx, speaker, text)
}

// Say sends a command as a person and prints what the bot posts.
func (c *Console) Say(ctx context.Context, speaker, text string) error {
	c.inbound++
	in := qunsu.Inbound{Tenant: c.Tenant.Tenant, Platform: Platform, Chat: Chat, User: speaker, Text: text,
		At: c.Clock.Now(), ID: fmt.Sprintf("%d-%d", time.Now().UnixNano(), c.inbound)}
	if err := c.Handler.Handle(ctx, in); err != nil {
		return err
	}
	return c.Drain(ctx)
}

// Advance moves the clock to target, firing everything that comes due on the
// way, in time order.
func (c *Console) Advance(ctx context.Context, target time.Time) error {
	for {
		next, ok, err := c.Timers.Next(ctx)
		if err != nil {
			return err
		}
		if !ok || next.After(target) {
			break
		}
		if next.After(c.Clock.Now()) {
			c.Clock.Set(next)
			fmt.Fprintf(c.Out, "── %s ──\n", next.In(c.Tenant.Location).Format("2006-01-02 15:04"))
		}
		if err := c.step(ctx); err != nil {
			return err
		}
	}
	c.Clock.Set(target)
	fmt.Fprintf(c.Out, "── %s ──\n", target.In(c.Tenant.Location).Format("2006-01-02 15:04"))
	return nil
}

// step fires what is due now and prints the result.
func (c *Console) step(ctx context.Context) error {
	if _, err := c.Timers.RunDue(ctx); err != nil {
		return err
	}
	return c.Drain(ctx)
}

// Drain prints every message waiting in the outbox, each once.
func (c *Console) Drain(ctx context.Context) error {
	for {
		batch, err := c.Outbox.Receive(ctx, c.Tenant.Tenant, Platform, c.consumer, 100, time.Minute, 0)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		for _, env := range batch {
			if env.Elsewhere {
				continue // another platform's, acknowledged by Receive
			}
			if err := c.deliver(ctx, env); err != nil {
				return err
			}
		}
	}
}

// deliver prints a message once. A terminal cannot edit what it printed, so a
// complaint's card is shown the first time only; later versions of it are
// what `查看` shows.
func (c *Console) deliver(ctx context.Context, env qunsu.Envelope) error {
	m, tenant := env.Message, c.Tenant.Tenant
	if m.Chat.Kind == qunsu.ChatOrigin && m.Chat.Platform != Platform {
		return c.Outbox.Done(ctx, tenant, Platform, env.ID) // answers to other platforms are theirs to post
	}
	state, _, err := c.Outbox.BeginSend(ctx, tenant, Platform, m.Key, c.consumer, time.Minute)
	if err != nil {
		return err
	}
	if state == qunsu.SendDone || state == qunsu.SendBusy {
		return c.Outbox.Done(ctx, tenant, Platform, env.ID)
	}
	show := true
	if m.Card != "" {
		_, shown, err := c.Memory.Recall(ctx, tenant, "console:card:"+m.Card)
		if err != nil {
			return err
		}
		if show = !shown; show {
			if err := c.Memory.Remember(ctx, tenant, "console:card:"+m.Card, "1", 0); err != nil {
				return err
			}
		}
	}
	if show {
		c.print(m)
	}
	return c.Outbox.FinishSend(ctx, tenant, Platform, m.Key, c.consumer, env.ID)
}

func (c *Console) speakerName() string {
	if p, ok := c.Tenant.Directory.Person(c.Speaker); ok {
		return p.Name
	}
	return c.Speaker
}

// parseAdvance reads "90m", "6h", "2d" or "1d6h".
func parseAdvance(s string) (time.Duration, error) {
	var total time.Duration
	if days, rest, ok := strings.Cut(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf(":advance takes a duration such as 30m, 6h, 2d or 1d6h")
		}
		total, s = time.Duration(n)*24*time.Hour, rest
	}
	if s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return 0, fmt.Errorf(":advance takes a duration such as 30m, 6h, 2d or 1d6h")
		}
		total += d
	}
	if total <= 0 {
		return 0, fmt.Errorf(":advance takes a duration such as 30m, 6h, 2d or 1d6h")
	}
	return total, nil
}

const consoleHelp = `console directives:
  as <name>: <command>   speak as a person of the directory (name or id)
  :as <name>             make that person the default speaker
  :advance 6h | 2d | 90m move the simulated clock, firing what comes due
  :now                   print the simulated time
  :quit                  leave
bot commands: type 帮助 or help`
