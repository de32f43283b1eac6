package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"qunsu"
	"qunsu/render"
)

// commitLog is a Store that keeps one complaint and records what a command
// commits. Fuzzing runs thousands of commands a second, which a Redis round
// trip per call would not allow; the limits tests run on the real store. It
// keeps the complaint as JSON, as the store does, so a command's changes to
// what it read do not leak into the next.
type commitLog struct {
	id      string
	stored  []byte
	seq     int
	commits []qunsu.Change
}

func (s *commitLog) NextSeq(ctx context.Context, tenant, day string) (int, error) {
	s.seq++
	return s.seq, nil
}

func (s *commitLog) Complaint(ctx context.Context, tenant, id string) (*qunsu.Complaint, error) {
	if id != s.id || s.stored == nil {
		return nil, qunsu.Errorf(qunsu.ENOTFOUND, "err.not_found", id)
	}
	var c qunsu.Complaint
	if err := json.Unmarshal(s.stored, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

func (s *commitLog) Complaints(ctx context.Context, tenant string, from, to time.Time, openOnly bool) ([]*qunsu.Complaint, error) {
	c, err := s.Complaint(ctx, tenant, s.id)
	if err != nil {
		return nil, nil
	}
	return []*qunsu.Complaint{c}, nil
}

func (s *commitLog) Load(ctx context.Context, tenant string, ids []string) ([]*qunsu.Complaint, error) {
	var out []*qunsu.Complaint
	for _, id := range ids {
		if c, err := s.Complaint(ctx, tenant, id); err == nil {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *commitLog) OpenOrReported(ctx context.Context, tenant string, from, to time.Time) ([]*qunsu.Complaint, error) {
	return s.Complaints(ctx, tenant, from, to, false)
}

func (s *commitLog) ClosedIn(ctx context.Context, tenant string, from, to time.Time) ([]*qunsu.Complaint, error) {
	return s.Complaints(ctx, tenant, from, to, false)
}

func (s *commitLog) Timeline(ctx context.Context, tenant, id string) ([]qunsu.Event, error) {
	return []qunsu.Event{{At: now, By: "zhangwei", Kind: qunsu.EventReported}}, nil
}

func (s *commitLog) Commit(ctx context.Context, ch qunsu.Change) error {
	s.commits = append(s.commits, ch)
	return nil
}

func (s *commitLog) RoleChanges(ctx context.Context, tenant string) ([]qunsu.RoleChange, error) {
	return nil, nil
}

func (s *commitLog) Handled(ctx context.Context, tenant, inbound string) (bool, error) {
	return false, nil
}

// fuzzCase is what one fuzzed command needs: the tenant and a complaint to
// act on, QS-20261122-001, a crisis with a team and open tasks.
type fuzzCase struct {
	s      *qunsu.Settings
	stored []byte
}

func newFuzzCase(t testing.TB) fuzzCase {
	s := settings(t)
	s.Tenant = "fuzz"
	log := &commitLog{}
	e := &Engine{Store: log, Clock: fixedClock{now}, Tenants: map[string]*qunsu.Settings{s.Tenant: s}}
	r := &Request{E: e, S: s, Lang: s.Lang, Now: now,
		In: qunsu.Inbound{Tenant: s.Tenant, Platform: "console", User: "zhangwei", Text: "上报 项目=翡翠湾 户数=62 行为=拉横幅,媒体 类别=交付 描述=延期交付 发生=08:00", ID: "seed"}}
	if err := r.run(context.Background()); err != nil || len(log.commits) != 1 {
		t.Fatalf("the complaint to act on: %v", err)
	}
	c := log.commits[0].Complaint
	c.Version = 1
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return fuzzCase{s: s, stored: js}
}

// FuzzCommand runs a line of text through the engine's path from text to a
// parsed command and its effect, as a known speaker. Whatever the line:
// nothing panics; a refusal is a user's error (never internal) whose text
// exists and renders in Chinese and English, and nothing is written with it;
// what is written keeps every limit.
func FuzzCommand(f *testing.F) {
	for _, seed := range []string{
		"上报 项目=翡翠湾 户数=35 行为=拉横幅,媒体 类别=交付 描述=延期交付三个月 发生=2026-11-22 08:30",
		"上报 翡翠湾 35户 12人 5000元 拉横幅 交付延期",
		"report project=Emerald households=8 actions=banner category=sales summary=late keys",
		"/上报 项目＝翡翠湾 户数：３５ 行为=横幅、记者 描述=业主　聚集",
		"上报 项目=翡翠湾 户数=99999999999999999999999",
		"上报 项目=翡翠湾 户数=5 金额=NaN",
		"上报 项目=翡翠湾 户数=5 金额=0.5",
		"上报 项目=翡翠湾 户数=5 金额=1e400万",
		"上报 项目= 户数=",
		"上报 项目=翡翠湾 户数=5 发生=0001-01-01 00:00",
		"上报 项目=翡翠湾 户数=5 发生=13月45日 25:61",
		"更新 QS-20261122-001 户数=80 行为=+打砸 描述=有人受伤",
		"更新 qs-20261122-001 62户 +媒体",
		"降级 QS-20261122-001 一般 原因=业主已接受方案",
		"downgrade QS-20261122-001 general reason=accepted",
		"收到 QS-20261122-001",
		"完成 QS-20261122-001 报备总部",
		"done QS-20261122-001 hq_report",
		"开会 QS-20261122-001 确定赔偿方案",
		"回复时间 QS-20261122-001 2026-11-23 18:00",
		"结案 QS-20261122-001 已完成整改",
		"重开 QS-20261122-001 业主再次聚集",
		"查看 QS-20261122-001", "进展 QS-20261122-001", "列表 翡翠湾 重大", "汇总 本周", "角色 翡翠湾 媒介负责人",
		"帮助", "?", "", "   ", "／", "QS-20261122-001", "上报 =", "上报 ：：", "上报 项目=@{wangfang} 户数=9",
		"上报 项目=翡翠湾 户数=5 描述=" + strings.Repeat("长", MaxSummaryRunes+1),
		"开会 QS-20261122-001 " + strings.Repeat("x ", MaxWords),
		"更新 QS-99999999-999 户数=1",
		"上报 \xff\xfe 户数=5",
		"月报 2026-11", "月报", "monthly 2026/13", "月报 ２０２６年１１月", "总结 QS-20261122-001 原因=交付延期 措施=提前告知",
		"结案 QS-20261122-001 已完成整改 原因=交付延期 措施=", "writeup QS-20261122-001 cause：x prevention：y z",
	} {
		f.Add(seed)
	}
	fc := newFuzzCase(f)
	f.Fuzz(func(t *testing.T, text string) {
		log := &commitLog{id: "QS-20261122-001", stored: fc.stored}
		e := &Engine{Store: log, Clock: fixedClock{now}, Tenants: map[string]*qunsu.Settings{fc.s.Tenant: fc.s}}
		in := qunsu.Inbound{Tenant: fc.s.Tenant, Platform: "console", User: "zhangwei", Text: text, ID: "f1",
			Chat: qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "console", ID: "fuzz"}}
		r := &Request{E: e, S: fc.s, In: in, Lang: fc.s.Lang, Now: now}
		err := r.run(context.Background())
		if err != nil {
			checkRefusal(t, text, err)
			if len(log.commits) != 0 {
				t.Fatalf("%q: refused (%v) but wrote %+v", text, err, log.commits)
			}
			return
		}
		for _, ch := range log.commits {
			if ch.Complaint != nil {
				checkLimits(t, text, ch.Complaint)
			}
		}
	})
}

// checkRefusal asserts that err is a user's error whose text renders.
func checkRefusal(t *testing.T, text string, err error) {
	t.Helper()
	var e *qunsu.Error
	if !errors.As(err, &e) || (e.Code != qunsu.EINVALID && e.Code != qunsu.ENOTFOUND) {
		t.Fatalf("%q: refused with %v, want a user's error", text, err)
	}
	if utf8.RuneCountInString(strings.TrimSpace(text)) > MaxLineRunes && e.Key != "err.text_too_long" {
		t.Fatalf("%q: a line over the limit refused with %s", text, e.Key)
	}
	// The arguments echo what was typed, which may hold "%!" itself: the
	// check renders with plain strings in their place, so that it sees the
	// text's verbs meet the arguments' number and types.
	args := append([]any(nil), e.Args...)
	for i, a := range args {
		if _, ok := a.(string); ok {
			args[i] = "x"
		}
	}
	for _, lang := range []qunsu.Lang{qunsu.LangZH, qunsu.LangEN} {
		got := render.T(lang, e.Key, args...)
		if got == e.Key || strings.Contains(got, "%!") {
			t.Fatalf("%q: %s renders in %s as %q", text, e.Key, lang, got)
		}
	}
}

// checkLimits asserts that a complaint written keeps every limit.
func checkLimits(t *testing.T, text string, c *qunsu.Complaint) {
	t.Helper()
	runes := utf8.RuneCountInString
	rep := c.Report
	switch {
	case rep.Households < 1 || rep.Households > MaxHouseholds,
		rep.People < 0 || rep.People > MaxPeople,
		rep.Amount < 0 || rep.Amount > MaxAmount,
		runes(rep.Project) < 1 || runes(rep.Project) > MaxProjectRunes,
		runes(rep.Summary) > MaxSummaryRunes,
		runes(c.CloseNote) > MaxSummaryRunes,
		runes(c.Cause) > MaxSummaryRunes, runes(c.Prevention) > MaxSummaryRunes,
		rep.OccurredAt.After(now) || rep.OccurredAt.Before(now.AddDate(0, 0, -MaxAgeDays)):
		t.Fatalf("%q: wrote a complaint beyond the limits: %+v", text, rep)
	}
	for _, m := range c.Meetings {
		if runes(m.Notes) > MaxSummaryRunes {
			t.Fatalf("%q: meeting notes of %d characters", text, runes(m.Notes))
		}
	}
	for _, g := range c.Changes {
		if runes(g.Reason) > MaxSummaryRunes {
			t.Fatalf("%q: a reason of %d characters", text, runes(g.Reason))
		}
	}
}
