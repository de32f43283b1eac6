// Package metrics shows what qunsu does to Prometheus: Meter implements
// qunsu.Meter with counters and histograms, reads the outboxes' depth when
// scraped, and serves it all on /metrics.
package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"qunsu"
)

// Late is how long after its due time a fired timer counts as late.
const Late = time.Second

// Outbox is one platform's reading of a tenant's outbox.
type Outbox struct{ Tenant, Platform string }

// DepthReader reads how far a platform is behind on a tenant's outbox.
type DepthReader interface {
	OutboxDepth(ctx context.Context, tenant, platform string) (lag, pending int64, err error)
}

// Options says what a Meter needs beyond its counters.
type Options struct {
	// CommandName names a command by any of its words ("上报" and "report" are
	// "report"), or returns "" for a word that is no command. Command labels
	// are these names, so that what people type cannot grow the label set;
	// without it every command counts as "unknown".
	CommandName func(word string) string
	// Depths reads the depth of each of Outboxes when scraped.
	Depths   DepthReader
	Outboxes []Outbox
	// Log gets what goes wrong in a scrape (a depth that could not be read).
	Log *slog.Logger
}

// Meter counts what qunsu does, for Prometheus.
type Meter struct {
	reg         *prometheus.Registry
	log         *slog.Logger
	commandName func(string) string

	commands       *prometheus.CounterVec
	due, sent      prometheus.Counter
	late           prometheus.Counter
	lateness       prometheus.Histogram
	retries        *prometheus.CounterVec
	results        *prometheus.CounterVec
	platformErrors *prometheus.CounterVec
	beats          *prometheus.GaugeVec
}

var _ qunsu.Meter = (*Meter)(nil)

// New returns a Meter with a registry of its own (the process's Go and
// process metrics included), so that several can live in one process.
func New(o Options) *Meter {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	m := &Meter{reg: prometheus.NewRegistry(), log: o.Log, commandName: o.CommandName,
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "qunsu_commands_total",
			Help: "Commands handled, by command and outcome (ok, invalid, forbidden, not_found, conflict, internal)."},
			[]string{"command", "outcome"}),
		due: prometheus.NewCounter(prometheus.CounterOpts{Name: "qunsu_reminders_due_total",
			Help: "Timers (reminders, escalations, recurring jobs) the poller claimed as due."}),
		sent: prometheus.NewCounter(prometheus.CounterOpts{Name: "qunsu_reminders_sent_total",
			Help: "Timers fired."}),
		late: prometheus.NewCounter(prometheus.CounterOpts{Name: "qunsu_reminders_late_total",
			Help: fmt.Sprintf("Timers fired more than %s after their due time.", Late)}),
		lateness: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "qunsu_reminder_lateness_seconds",
			Help:    "Time from a timer's due time to its firing.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900}}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "qunsu_sender_retries_total",
			Help: "Attempts to reach a platform that failed and were to be made again, by platform."},
			[]string{"platform"}),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "qunsu_sender_results_total",
			Help: "What became of outgoing messages, by platform and result (posted, duplicate, skipped, buried)."},
			[]string{"platform", "result"}),
		platformErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "qunsu_platform_errors_total",
			Help: "Errors platforms answered, by platform and the platform's code (Slack's error string, WeCom's errcode)."},
			[]string{"platform", "code"}),
		beats: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "qunsu_runner_heartbeat_timestamp_seconds",
			Help: "When a runner's loop last went round (Unix time)."}, []string{"runner"}),
	}
	m.reg.MustRegister(m.commands, m.due, m.sent, m.late, m.lateness, m.retries, m.results, m.platformErrors, m.beats,
		&depths{reader: o.Depths, outboxes: o.Outboxes},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics. A scrape goes on past a part that fails (a
// depth Redis did not answer): the rest is served, and the failure logged.
func (m *Meter) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: printer{m.log},
		ErrorHandling: promhttp.ContinueOnError, Timeout: 10 * time.Second})
}

func (m *Meter) Beat(runner, _ string) { m.beats.WithLabelValues(runner).SetToCurrentTime() }

func (m *Meter) Command(word string, err error) {
	name := ""
	if m.commandName != nil {
		name = m.commandName(word)
	}
	if name == "" {
		name = "unknown"
	}
	outcome := "ok"
	if err != nil {
		outcome = qunsu.ErrorCode(err)
	}
	m.commands.WithLabelValues(name, outcome).Inc()
}

func (m *Meter) TimersClaimed(n int) { m.due.Add(float64(n)) }

func (m *Meter) TimerFired(late time.Duration) {
	late = max(late, 0)
	m.sent.Inc()
	m.lateness.Observe(late.Seconds())
	if late > Late {
		m.late.Inc()
	}
}

func (m *Meter) SendRetried(platform string) { m.retries.WithLabelValues(platform).Inc() }

func (m *Meter) SendResult(platform, result string) {
	m.results.WithLabelValues(platform, result).Inc()
}

func (m *Meter) PlatformError(platform, code string) {
	m.platformErrors.WithLabelValues(platform, code).Inc()
}

// depths reads the outboxes' depth at scrape time, from Redis: a gauge kept
// up to date by the senders would be wrong for every process but one.
type depths struct {
	reader   DepthReader
	outboxes []Outbox
}

var (
	depthDesc = prometheus.NewDesc("qunsu_outbox_depth",
		"Outgoing messages a platform has not finished: not yet read (lag) plus read and not yet posted (pending).",
		[]string{"tenant", "platform"}, nil)
	pendingDesc = prometheus.NewDesc("qunsu_outbox_pending",
		"Outgoing messages a platform has read and not yet posted (being posted, or left by a process that died).",
		[]string{"tenant", "platform"}, nil)
)

func (d *depths) Describe(ch chan<- *prometheus.Desc) {
	ch <- depthDesc
	ch <- pendingDesc
}

func (d *depths) Collect(ch chan<- prometheus.Metric) {
	if d.reader == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, o := range d.outboxes {
		lag, pending, err := d.reader.OutboxDepth(ctx, o.Tenant, o.Platform)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(depthDesc, fmt.Errorf("outbox depth of %s for %s: %w", o.Tenant, o.Platform, err))
			continue
		}
		ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(lag+pending), o.Tenant, o.Platform)
		ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(pending), o.Tenant, o.Platform)
	}
}

// printer logs promhttp's errors.
type printer struct{ log *slog.Logger }

func (p printer) Println(v ...any) { p.log.Warn("metrics: " + fmt.Sprint(v...)) }
