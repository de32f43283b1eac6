package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// An open-loop load generator: requests leave on a fixed schedule whatever
// the answers, and each one's latency counts from when it was due to leave,
// so a server that stalls pays for every request it held up (no coordinated
// omission). Requests are built (signed, sealed) before the run, so the
// generator spends the run sending.

// loadOpts bounds a run.
type loadOpts struct {
	rate        int           // requests per second
	timeout     time.Duration // per request, from when it left
	outstanding int           // most requests in flight; one due beyond that is not sent
	// check says what is wrong with an answer, or nil for the right one.
	check func(status int, body []byte) error
}

// answer is what came of one request.
type answer struct {
	latency time.Duration // from when it was due to the end of the answer's body
	late    time.Duration // from when it was due to when it left: the generator's own delay
	shed    bool          // not sent: too many in flight
	err     error         // no answer (timeout, connection), or the wrong one
	status  int
}

// loadResult sums up a run.
type loadResult struct {
	sent, ok, shed, failed, wrong int
	lat                           latencies // of the right answers
	late                          latencies // of every request sent: how late it left
	took                          time.Duration
	firstWrong, firstFailed       string
}

// achieved is the rate of right answers over the run (until the last answer).
func (r loadResult) achieved() float64 {
	if r.took <= 0 {
		return 0
	}
	return float64(r.ok) / r.took.Seconds()
}

// merge adds another run's figures (latencies unsorted until sorted again).
func (r *loadResult) merge(o loadResult) {
	r.sent, r.ok, r.shed, r.failed, r.wrong = r.sent+o.sent, r.ok+o.ok, r.shed+o.shed, r.failed+o.failed, r.wrong+o.wrong
	r.lat, r.late = append(r.lat, o.lat...), append(r.late, o.late...)
	r.took += o.took
	if r.firstWrong == "" {
		r.firstWrong = o.firstWrong
	}
	if r.firstFailed == "" {
		r.firstFailed = o.firstFailed
	}
}

func (r loadResult) errors() int { return r.shed + r.failed + r.wrong }

// newLoadClient is a client with a keep-alive pool as big as the requests in flight.
func newLoadClient(outstanding int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        outstanding,
		MaxIdleConnsPerHost: outstanding,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}}
}

// openLoop sends reqs at opts.rate, each once, and waits for their answers.
func openLoop(ctx context.Context, client *http.Client, reqs []*http.Request, opts loadOpts) loadResult {
	answers := make([]answer, len(reqs))
	slots := make(chan struct{}, opts.outstanding)
	var wg sync.WaitGroup
	start := time.Now().Add(5 * time.Millisecond)
	for i, req := range reqs {
		// Computed from the start, not added up, so that rounding does not drift.
		due := start.Add(time.Duration(int64(i) * int64(time.Second) / int64(opts.rate)))
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		if ctx.Err() != nil {
			answers[i] = answer{shed: true}
			continue
		}
		select {
		case slots <- struct{}{}:
		default:
			answers[i] = answer{shed: true}
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			answers[i] = send(ctx, client, req, due, opts)
		}()
	}
	wg.Wait()
	res := loadResult{took: time.Since(start)}
	for _, a := range answers {
		switch {
		case a.shed:
			res.shed++
			continue
		case a.err != nil && a.status == 0:
			res.failed++
			if res.firstFailed == "" {
				res.firstFailed = a.err.Error()
			}
		case a.err != nil:
			res.wrong++
			if res.firstWrong == "" {
				res.firstWrong = fmt.Sprintf("HTTP %d: %v", a.status, a.err)
			}
		default:
			res.ok++
			res.lat = append(res.lat, a.latency)
		}
		res.sent++
		res.late = append(res.late, a.late)
	}
	res.lat, res.late = res.lat.sorted(), res.late.sorted()
	return res
}

// send makes one request and reads its whole answer.
func send(ctx context.Context, client *http.Client, req *http.Request, due time.Time, opts loadOpts) answer {
	late := time.Since(due)
	ctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()
	res, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return answer{err: err, late: late}
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	lat := time.Since(due)
	if err != nil {
		return answer{err: fmt.Errorf("reading the answer: %w", err), late: late}
	}
	if err := opts.check(res.StatusCode, body); err != nil {
		return answer{err: err, status: res.StatusCode, latency: lat, late: late}
	}
	return answer{latency: lat, late: late, status: res.StatusCode}
}
