// Package bot is the engine's edge that every chat platform shares: the intake
// feeds what people said, from the inbox, to the engine; the sender delivers the
// outbox to one platform, in order per chat, within the platform's rate limits,
// retrying what can be retried and posting nothing twice. Platform packages
// (bot/slack, bot/console) supply only what is their own.
package bot

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"time"
)

// NewHTTPClient returns a client for a platform's API that keeps a
// connection open for each post a sender may have under way: Go's default
// keeps two per host, so a burst of posts opened (over TLS, handshook) and
// closed a connection for nearly every one.
func NewHTTPClient(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 4 * postingDefault // posts, and routes found meanwhile (which may call the API too)
	return &http.Client{Timeout: timeout, Transport: t}
}

// Consumer names this process in consumer groups: host and pid, so a restarted
// process takes over what it left behind like any other would.
func Consumer(role string) string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%s-%d", role, host, os.Getpid())
}

// RetryAfter is an error that asks to try again after Wait (a platform's rate
// limit); the message was not taken.
type RetryAfter struct {
	Wait time.Duration
	Err  error
}

func (e *RetryAfter) Error() string { return fmt.Sprintf("retry after %s: %v", e.Wait, e.Err) }
func (e *RetryAfter) Unwrap() error { return e.Err }

// permanent marks an error that retrying cannot mend.
type permanent struct{ err error }

func (e permanent) Error() string { return e.err.Error() }
func (e permanent) Unwrap() error { return e.err }

// Permanent marks err as one retrying cannot mend (a chat that does not exist, a
// token without the scope): the message is set aside with the reason.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// Backoff is how long to wait between tries of a failing call: Initial, then
// doubling up to Max, each with up to a fifth more at random so that senders
// do not retry in step. The defaults, a quarter second doubling to a minute,
// let a passing hiccup (a busy server, a token fetched anew) clear at once
// and reach a platform's one-minute blocks (WeCom's 45009) in nine tries.
type Backoff struct {
	Initial, Max time.Duration
}

// Wait returns the wait before try n (from 0).
func (b Backoff) Wait(n int) time.Duration {
	if b.Initial <= 0 {
		b.Initial = 250 * time.Millisecond
	}
	if b.Max <= 0 {
		b.Max = time.Minute
	}
	d := b.Initial
	for i := 0; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	return d + time.Duration(rand.Int64N(int64(d)/5+1))
}

// sleep waits d or until done is closed; it reports whether d passed.
func sleep(done <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return false
	case <-t.C:
		return true
	}
}
