package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"qunsu"
	"qunsu/calendar"
	"qunsu/config"
	"qunsu/handlers"
	"qunsu/scheduler"
)

// Seeding for the summary benchmark: complaints reported through the real
// engine, each command run at the moment it was said (a clock per worker,
// moved back in time), so what is stored is exactly what production writes.

// summarySettings are the tenant's settings as `qunsu serve` builds them from
// the configuration file the rig wrote.
func summarySettings(t *testing.T, path string) *qunsu.Settings {
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	s, err := cfg.Tenants[0].Settings()
	if err != nil {
		t.Fatal(err)
	}
	s.Calendar = calendar.Weekdays{Location: s.Location}
	if s.NextSummary, err = scheduler.NextFunc(s.SummaryCron, s.Location); err != nil {
		t.Fatal(err)
	}
	return &s
}

// simClock is simulated time as QUNSU_CLOCK gives it to `qunsu serve`: start
// at origin (wall time), running at the wall clock's pace, so the benchmark
// and the process agree on the time.
type simClock struct{ start, origin time.Time }

func newSimClock(start time.Time) simClock {
	// Whole milliseconds without a monotonic reading: the process reads the
	// same origin from its environment.
	return simClock{start: start, origin: time.UnixMilli(time.Now().UnixMilli())}
}

func (c simClock) Now() time.Time { return c.start.Add(time.Since(c.origin)) }

func (c simClock) env() string {
	return fmt.Sprintf("QUNSU_CLOCK=%s x1 @%d", c.start.Format(time.RFC3339), c.origin.UnixMilli())
}

// stepClock is a worker's clock: set to each command's moment before it runs.
type stepClock struct{ at time.Time }

func (c *stepClock) Now() time.Time { return c.at }

// said is one command said by someone at a moment.
type said struct {
	at   time.Time
	user string // Slack user id
	text string
}

// seedMix is what was seeded, as counted from what the engine stored.
type seedMix struct {
	reports, open, closed   int
	commands, refused       int
	byGrade                 map[qunsu.Grade]int
	acked, members          int
	tasksDone, tasks        int
	meetings, upgrades      int
	firstReport, lastReport time.Time
	took                    time.Duration
	complaintsBytes         int64
}

var (
	seedProjects = []string{"翡翠湾", "云栖苑", "锦绣华府", "滨江壹号", "御景园", "春风里", "紫金城", "海棠湾", "星河湾", "观澜府"}
	seedCats     = []string{"工程质量", "规划设计", "销售", "交付", "物业", "服务", "维修", "外部环境"}
	seedWhat     = []string{"延期交付三个月", "墙面渗漏", "车位价格纠纷", "精装标准不符", "小区环境配套未兑现", "物业费上涨", "维修拖延", "学区承诺未兑现"}
	seedOvert    = []string{"拉横幅", "静坐", "媒体", "上访", "标语"}
)

// planReports draws n reports over projects, made uniformly in the two
// months before now: a mix of grades (about half ordinary, a few crises),
// categories and actions.
func planReports(rng *rand.Rand, n, projects int, people []qunsu.Person, now time.Time, loc *time.Location) []said {
	out := make([]said, 0, n)
	window := 61 * 24 * time.Hour
	for i := 0; i < n; i++ {
		at := now.Add(-time.Duration(rng.Int64N(int64(window)))).Truncate(time.Second)
		k := rng.IntN(projects)
		project := fmt.Sprintf("%s%d期", seedProjects[k%len(seedProjects)], k/len(seedProjects)+1)
		var households int
		var actions []string
		switch g := rng.IntN(100); {
		case g < 48: // ordinary
			households = 1 + rng.IntN(5)
		case g < 78: // general
			households = 6 + rng.IntN(15)
		case g < 88: // general: 21–50 without an overt action
			households = 21 + rng.IntN(30)
		case g < 95: // major
			households = 21 + rng.IntN(30)
			actions = append(actions, seedOvert[rng.IntN(len(seedOvert))])
		case g < 98: // major: 51+ without an overt action
			households = 51 + rng.IntN(150)
		default: // crisis
			households = 51 + rng.IntN(250)
			actions = append(actions, seedOvert[rng.IntN(len(seedOvert))], seedOvert[rng.IntN(len(seedOvert))])
		}
		if rng.IntN(200) == 0 {
			actions = append(actions, "冲突")
		}
		text := fmt.Sprintf("上报 项目=%s 户数=%d 类别=%s 描述=%s", project, households,
			seedCats[rng.IntN(len(seedCats))], seedWhat[rng.IntN(len(seedWhat))])
		if len(actions) > 0 {
			text += " 行为=" + strings.Join(actions, ",")
		}
		if rng.IntN(3) > 0 {
			text += fmt.Sprintf(" 人数=%d", households+rng.IntN(households*2+1))
		}
		if occurred := at.Add(-time.Duration(rng.Int64N(int64(3 * time.Hour)))); rng.IntN(2) == 0 {
			text += " 发生=" + occurred.In(loc).Format("2006-01-02T15:04")
		}
		reporter := people[rng.IntN(len(people))].Slack
		out = append(out, said{at: at, user: reporter, text: text})
	}
	slices.SortFunc(out, func(a, b said) int { return a.at.Compare(b.at) })
	return out
}

// followUps draws what the team said about a complaint after its report, in
// order: acknowledgements (most on time, some late, some never), tasks done
// (most before or somewhat after their deadline, some left overdue),
// meetings, a few upgrades, and the close of those planned to close. Nothing
// is said after now.
func followUps(rng *rand.Rand, c *qunsu.Complaint, closing bool, s *qunsu.Settings, now time.Time) []said {
	var out []said
	add := func(at time.Time, person, text string) {
		if at.Before(now) && at.After(c.ReportedAt) {
			out = append(out, said{at: at.Truncate(time.Second), user: slackOf(s, person), text: text})
		}
	}
	age := now.Sub(c.ReportedAt)
	for _, person := range c.Unacked() {
		if rng.IntN(100) < 85 {
			add(c.ReportedAt.Add(2*time.Minute+time.Duration(rng.Int64N(int64(50*time.Minute)))), person, "收到 "+c.ID)
		}
	}
	for _, t := range c.Tasks {
		if t.Done() || t.Kind != qunsu.KindDeadline {
			continue
		}
		var at time.Time
		switch {
		case t.Due.Before(now) && rng.IntN(100) < 80:
			at = t.Due.Add(time.Duration(rng.Int64N(int64(5*time.Hour))) - 3*time.Hour)
		case !t.Due.Before(now) && rng.IntN(100) < 30:
			at = c.ReportedAt.Add(time.Duration(rng.Int64N(int64(age))))
		default:
			continue
		}
		if !at.After(c.ReportedAt) {
			at = c.ReportedAt.Add(10 * time.Minute)
		}
		add(at, "zhangwei", "完成 "+c.ID+" "+t.Key)
	}
	if s.Policy.IsGroup(c.Grade) && age > 20*time.Hour && rng.IntN(100) < 70 {
		first := c.ReportedAt.Add(3*time.Hour + time.Duration(rng.Int64N(int64(17*time.Hour))))
		add(first, "zhangwei", "开会 "+c.ID+" 确定处理方案")
		for at := first.Add(72 * time.Hour); at.Before(now) && rng.IntN(100) < 60; at = at.Add(72 * time.Hour) {
			add(at, "zhangwei", "开会 "+c.ID+" 例行专题会")
		}
	}
	if rng.IntN(100) < 6 {
		add(c.ReportedAt.Add(time.Hour+time.Duration(rng.Int64N(int64(29*time.Hour)))), "zhangwei",
			fmt.Sprintf("更新 %s 户数=%d 行为=+媒体", c.ID, c.Households+30))
	}
	slices.SortFunc(out, func(a, b said) int { return a.at.Compare(b.at) })
	if closing {
		at := c.ReportedAt.Add(24*time.Hour + time.Duration(rng.Int64N(int64(9*24*time.Hour))))
		if len(out) > 0 && !at.After(out[len(out)-1].at) {
			at = out[len(out)-1].at.Add(time.Minute)
		}
		if !at.Before(now) {
			at = now.Add(-time.Minute)
		}
		out = append(out, said{at: at, user: slackOf(s, "zhangwei"), text: "结案 " + c.ID + " 已按方案完成整改"})
	}
	return out
}

func slackOf(s *qunsu.Settings, person string) string {
	for _, p := range s.Directory.People {
		if p.ID == person {
			return p.Slack
		}
	}
	return person
}

// seeder runs commands through engines of its own, one per worker.
type seeder struct {
	t       *testing.T
	s       *qunsu.Settings
	store   qunsu.Store
	workers int

	mu              sync.Mutex
	n               int // commands said, for unique message ids
	refused, failed int
}

// run says each list of commands in order, the lists side by side.
func (sd *seeder) run(ctx context.Context, lists [][]said) {
	next := make(chan []said)
	var wg sync.WaitGroup
	for w := 0; w < sd.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			clock := &stepClock{}
			rec := &replies{Store: sd.store}
			e := &handlers.Engine{Store: rec, Clock: clock, Tenants: map[string]*qunsu.Settings{sd.s.Tenant: sd.s}}
			for list := range next {
				for _, cmd := range list {
					sd.say(ctx, e, clock, rec, cmd)
				}
			}
		}()
	}
	for _, l := range lists {
		next <- l
	}
	close(next)
	wg.Wait()
	if sd.failed > 0 {
		sd.t.Fatalf("seeding: %d commands failed", sd.failed)
	}
}

func (sd *seeder) say(ctx context.Context, e *handlers.Engine, clock *stepClock, rec *replies, cmd said) {
	sd.mu.Lock()
	sd.n++
	id := fmt.Sprintf("seed-%d", sd.n)
	sd.mu.Unlock()
	clock.at = cmd.at
	in := qunsu.Inbound{Tenant: sd.s.Tenant, Platform: "slack", User: cmd.user, Text: cmd.text, At: cmd.at, ID: id,
		Chat: qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "slack", ID: reportsChan, Name: "cr-reports"}}
	rec.take()
	err := e.Handle(ctx, in)
	refused := rec.refused()
	sd.mu.Lock()
	defer sd.mu.Unlock()
	if err != nil {
		sd.failed++
		if sd.failed <= 3 {
			sd.t.Errorf("seeding %q: %v", cmd.text, err)
		}
	}
	if refused {
		sd.refused++
	}
}

// replies is the store the engine writes through, keeping the messages of
// the last commit so a refusal can be told from an answer.
type replies struct {
	qunsu.Store
	mu   sync.Mutex
	msgs []qunsu.Message
}

func (r *replies) Commit(ctx context.Context, ch qunsu.Change) error {
	err := r.Store.Commit(ctx, ch)
	if err == nil {
		r.mu.Lock()
		r.msgs = append(r.msgs, ch.Messages...)
		r.mu.Unlock()
	}
	return err
}

// take returns and forgets the messages committed so far.
func (r *replies) take() []qunsu.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.msgs
	r.msgs = nil
	return out
}

// refused reports whether the last command was answered with an error alone
// (one reply, to where it was said, starting with the error mark).
func (r *replies) refused() bool {
	msgs := r.take()
	return len(msgs) == 1 && msgs[0].Chat.Kind == qunsu.ChatOrigin && strings.HasPrefix(msgs[0].Text, "⚠")
}
