package bench

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"qunsu/internal/redistest"
)

var pprofDir = flag.String("bench.pprof", "", "a directory for CPU profiles of a qunsu process under load (go tool pprof reads them)")

var only = flag.String("bench.only", "", "run only these steps, comma-separated (e.g. catch-up); for profiling one at a time")

// runs reports whether a step is to run (see -bench.only).
func runs(step string) bool {
	return *only == "" || slices.Contains(strings.Split(*only, ","), step)
}

var full = flag.Bool("bench.full", false, "run at full scale (make bench): a million pending deadlines, minutes of load")

var busy = flag.Bool("bench.busy", false, "keep one core busy with a spinning process during the ack step, as a noisy machine would")

var ackRates = flag.String("bench.rates", "", "offer only these request rates to the ack step, comma-separated (e.g. 1000); for profiling one rate")

func TestMain(m *testing.M) { redistest.Main(m) }

// scale is how big a run is.
type scale struct {
	name string
	// Ack latency: offered request rates, and how long each is offered.
	ackRates []int
	ackFor   float64 // seconds per rate
	// Reminders: deadlines pending in all, how many fall due within dueWindow
	// seconds, and how many complaints carry those.
	pending, due int
	dueWindow    float64
	// kill is whether one of the three processes is SIGKILLed halfway (the
	// small scale leaves it out: what it left behind is taken back after
	// leases of 30 s, which would double the run).
	kill bool
	// Idle cost: how long the idle process is watched (seconds).
	idleFor float64
	// Summaries: open complaints, over how many projects.
	complaints, projects int
	// Downtime: how long everything is down while deadlines pass (seconds).
	downFor float64
}

var (
	smallScale = scale{name: "small", ackRates: []int{100}, ackFor: 2, pending: 20_000, due: 300, dueWindow: 6, kill: false,
		idleFor: 3, complaints: 300, projects: 20, downFor: 10}
	fullScale = scale{name: "full", ackRates: []int{200, 1000, 3000}, ackFor: 10, pending: 1_000_000, due: 10_000, dueWindow: 60, kill: true,
		idleFor: 60, complaints: 10_000, projects: 200, downFor: 600}
)

// currentScale is the scale the flags ask for, or an error saying what to
// type instead.
func currentScale() (scale, error) {
	sc := smallScale
	if *full {
		sc = fullScale
	}
	if *ackRates != "" {
		sc.ackRates = nil
		for _, f := range strings.Split(*ackRates, ",") {
			rate, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || rate <= 0 {
				return scale{}, fmt.Errorf("-bench.rates: %q is not a rate; give requests per second, e.g. -bench.rates=200,1000", f)
			}
			sc.ackRates = append(sc.ackRates, rate)
		}
	}
	return sc, nil
}

// table is one part of the report.
type table struct {
	title string
	head  []string
	rows  [][]string
	notes []string
}

func (tb *table) add(cells ...string) { tb.rows = append(tb.rows, cells) }
func (tb *table) note(format string, args ...any) {
	tb.notes = append(tb.notes, fmt.Sprintf(format, args...))
}
func newTable(title string, head ...string) *table { return &table{title: title, head: head} }

// String lays the table out in columns (CJK characters count double).
func (tb *table) String() string {
	widths := make([]int, len(tb.head))
	for _, row := range append([][]string{tb.head}, tb.rows...) {
		for i, c := range row {
			if i < len(widths) {
				widths[i] = max(widths[i], width(c))
			}
		}
	}
	var b strings.Builder
	b.WriteString("## " + tb.title + "\n\n")
	for _, row := range append([][]string{tb.head}, tb.rows...) {
		for i, c := range row {
			pad := ""
			if i < len(widths) {
				pad = strings.Repeat(" ", widths[i]-width(c))
			}
			if i == 0 {
				b.WriteString(c + pad)
			} else {
				b.WriteString("  " + pad + c)
			}
		}
		b.WriteString("\n")
	}
	for _, n := range tb.notes {
		b.WriteString("  " + n + "\n")
	}
	return b.String()
}

func width(s string) int {
	w := 0
	for _, r := range s {
		if utf8.RuneLen(r) >= 3 {
			w += 2
		} else {
			w++
		}
	}
	return w
}

// report collects the tables of a run and prints them at the end.
var report struct {
	mu     sync.Mutex
	tables []*table
}

func publish(tables ...*table) {
	report.mu.Lock()
	defer report.mu.Unlock()
	report.tables = append(report.tables, tables...)
}

// TestBench runs every part in turn, on a machine otherwise as quiet as the
// caller keeps it, and prints the report.
func TestBench(t *testing.T) {
	sc, err := currentScale()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("scale %s", sc.name)
	defer func() {
		report.mu.Lock()
		defer report.mu.Unlock()
		fmt.Fprintf(os.Stdout, "\n# qunsu benchmarks (%s scale)\n\n%s\n", sc.name, machine())
		for _, tb := range report.tables {
			fmt.Fprintln(os.Stdout, tb.String())
		}
	}()
	for _, part := range parts {
		if !runs(part.name) && !slices.ContainsFunc(part.steps, runs) {
			continue
		}
		if !t.Run(part.name, func(t *testing.T) { part.run(t, sc) }) {
			return
		}
	}
}

// part is a section of the report.
type part struct {
	name  string
	run   func(t *testing.T, sc scale)
	steps []string // what -bench.only may name of it besides its name
}

// parts are the report's sections, in the order they run.
var parts = []part{
	{"ack", benchAck, nil},
	{"timers", benchTimers, []string{"reminders", "asynq", "idle", "catch-up"}},
	{"summary", benchSummary, nil},
}
