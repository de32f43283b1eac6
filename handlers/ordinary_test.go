package handlers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/render"
	"qunsu/store"
)

// movingClock is a clock the test moves.
type movingClock struct{ t time.Time }

func (c *movingClock) Now() time.Time { return c.t }

// ordinaryRig runs commands and timers through the engine on a real store,
// from one console chat, and reads every message the engine sent.
type ordinaryRig struct {
	t     *testing.T
	e     *Engine
	s     *qunsu.Settings
	st    *store.Store
	clock *movingClock
	chat  qunsu.Chat
	n     int
}

func newOrdinaryRig(t *testing.T) *ordinaryRig {
	s := settings(t)
	s.Tenant = redistest.Tenant(t)
	st := store.New(redistest.Client(t))
	if err := st.Subscribe(t.Context(), s.Tenant, "console"); err != nil {
		t.Fatal(err)
	}
	clock := &movingClock{time.Date(2026, 11, 23, 10, 0, 0, 0, s.Location)} // a Monday
	e := &Engine{Store: st, Clock: clock, Tenants: map[string]*qunsu.Settings{s.Tenant: s}}
	return &ordinaryRig{t: t, e: e, s: s, st: st, clock: clock,
		chat: qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "console", ID: "cs-desk"}}
}

func (r *ordinaryRig) at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, r.s.Location)
	if err != nil {
		r.t.Fatal(err)
	}
	return t
}

// say runs a command as user and returns what the engine sent.
func (r *ordinaryRig) say(user, text string) []qunsu.Message {
	r.t.Helper()
	r.n++
	in := qunsu.Inbound{Tenant: r.s.Tenant, Platform: "console", User: user, Chat: r.chat, Text: text,
		ID: fmt.Sprint("m", r.n), At: r.clock.t}
	if err := r.e.Handle(context.Background(), in); err != nil {
		r.t.Fatalf("%q: %v", text, err)
	}
	return r.sent()
}

// answer runs a command as zhangwei (customer relations) and returns what was
// posted in the chat it came from.
func (r *ordinaryRig) answer(text string) string {
	r.t.Helper()
	return texts(r.say("zhangwei", text), func(m qunsu.Message) bool { return m.Chat.Same(r.chat) })
}

// fire runs every timer due at the clock's time, as the poller would.
func (r *ordinaryRig) fire() []qunsu.Message {
	r.t.Helper()
	ctx := context.Background()
	for range 200 {
		due, err := r.st.Claim(ctx, r.s.Tenant, r.clock.t, time.Minute, 50)
		if err != nil {
			r.t.Fatal(err)
		}
		if len(due) == 0 {
			return r.sent()
		}
		for _, d := range due {
			if err := r.e.Fire(ctx, r.s.Tenant, d); err != nil {
				r.t.Fatalf("fire %s: %v", d.Member(), err)
			}
		}
	}
	r.t.Fatal("timers keep falling due")
	return nil
}

func (r *ordinaryRig) sent() []qunsu.Message {
	r.t.Helper()
	ctx := context.Background()
	var out []qunsu.Message
	for {
		got, err := r.st.Receive(ctx, r.s.Tenant, "console", "test", 500, time.Hour, 0)
		if err != nil {
			r.t.Fatal(err)
		}
		for _, env := range got {
			out = append(out, env.Message)
			r.st.Done(ctx, r.s.Tenant, "console", env.ID)
		}
		if len(got) == 0 {
			return out
		}
	}
}

func (r *ordinaryRig) complaint(id string) *qunsu.Complaint {
	r.t.Helper()
	c, err := r.st.Complaint(context.Background(), r.s.Tenant, id)
	if err != nil {
		r.t.Fatal(err)
	}
	return c
}

// report files a complaint and returns its id.
func (r *ordinaryRig) report(text string) string {
	r.t.Helper()
	got := r.answer(text)
	cs, err := r.st.Complaints(context.Background(), r.s.Tenant, r.clock.t.Add(-time.Hour), r.clock.t.Add(time.Hour), false)
	if err != nil || len(cs) == 0 {
		r.t.Fatalf("%q: nothing stored (%v): %s", text, err, got)
	}
	return cs[len(cs)-1].ID
}

func texts(msgs []qunsu.Message, keep func(qunsu.Message) bool) string {
	var out []string
	for _, m := range msgs {
		if keep(m) {
			out = append(out, m.Text)
		}
	}
	return strings.Join(out, "\n")
}

func toPerson(p string) func(qunsu.Message) bool {
	return func(m qunsu.Message) bool { return m.Chat.Kind == qunsu.ChatDirect && m.Chat.Person == p }
}

func mustHave(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

func dueOf(t *testing.T, c *qunsu.Complaint, key string) string {
	t.Helper()
	task := c.Task(key)
	if task == nil {
		t.Fatalf("%s has no task %s", c.ID, key)
	}
	return task.Due.In(c.OccurredAt.Location()).Format("2006-01-02 15:04")
}

// A repair complaint reported as an ordinary one: its deadlines with their
// clauses; marked complex, the feedback takes 7 working days; the customer's
// promised date is set, moved twice with reasons, and a third move is refused
// with what to do instead, changing nothing.
func TestOrdinaryComplaintDeadlinesAndPromise(t *testing.T) {
	r := newOrdinaryRig(t)
	id := r.report("上报 翡翠湾 2户 类别=维修 维修=多项 描述=卫生间与厨房渗漏")
	c := r.complaint(id)
	if c.Grade != "ordinary" || c.Repair != qunsu.RepairMulti {
		t.Fatalf("grade %s repair %q", c.Grade, c.Repair)
	}
	for key, want := range map[string]string{"confirm": "2026-11-23 11:00", "plan": "2026-11-25 23:59",
		"feedback": "2026-11-26 23:59", "survey": "2026-11-24 23:59", "repair": "2026-12-02 23:59", "major_upgrade": "2026-12-23 10:00"} {
		if got := dueOf(t, c, key); got != want {
			t.Errorf("%s due %s, want %s", key, got, want)
		}
	}

	got := r.answer("更新 " + id + " 复杂=是")
	mustHave(t, "marked complex", got, "复杂投诉 否→是", "向客户反馈处理结果（复杂投诉）", "12-02 23:59", "客户投诉管理制度 4.1（复杂投诉7个工作日）")
	if due := dueOf(t, r.complaint(id), "feedback"); due != "2026-12-02 23:59" {
		t.Errorf("complex feedback due %s", due)
	}
	if got := r.answer("更新 " + id + " 复杂=也许"); !strings.HasPrefix(got, "⚠️") || !strings.Contains(got, "复杂=是") {
		t.Errorf("a bad value: %q", got)
	}
	got = texts(r.say("zhangwei", "update "+id+" complex=no repair=single"), func(qunsu.Message) bool { return true })
	// English keys; the post is the team's, in the tenant's language.
	mustHave(t, "English keys", got, "复杂投诉 是→否；维修 单工种")
	if c := r.complaint(id); dueOf(t, c, "feedback") != "2026-11-26 23:59" || dueOf(t, c, "repair") != "2026-11-26 23:59" {
		t.Errorf("simple, single trade again: feedback %s, repair %s", dueOf(t, c, "feedback"), dueOf(t, c, "repair"))
	}
	r.answer("更新 " + id + " 复杂=是 维修=多项")
	mustHave(t, "reply-by on an ordinary complaint", r.answer("回复时间 "+id+" 11-27 18:00"), "普通客诉", "承诺 "+id)

	mustHave(t, "promise", r.answer("承诺 "+id+" 11-27 18:00"), "承诺客户的反馈日期定为 11-27 18:00", "最多可变更2次", "金地客户投诉处理程序 7.3.2")
	if due := dueOf(t, r.complaint(id), "feedback"); due != "2026-11-27 18:00" {
		t.Errorf("the promised date is the deadline: %s", due)
	}
	version := r.complaint(id).Version
	if got := r.answer("承诺 " + id + " 11-30"); !strings.Contains(got, "须写原因") || r.complaint(id).Version != version {
		t.Errorf("a move without a reason: %q", got)
	}
	mustHave(t, "first move", r.answer("承诺 "+id+" 11-30 原因=材料待到货，已征得客户同意"), "由 11-27 18:00 改为 11-30 23:59", "第1次变更，最多2次")
	mustHave(t, "second move", r.answer("承诺 "+id+" 12-03 18:00 厂家延期"), "第2次变更", "厂家延期",
		"晚于客户投诉管理制度 4.1（复杂投诉7个工作日）的期限 12-02 23:59")

	version = r.complaint(id).Version
	got = r.answer("承诺 " + id + " 12-04 18:00 原因=再次延期")
	mustHave(t, "third move", got, "⚠️", "已变更2次", "金地客户投诉处理程序 7.3.2", "不得超过2次", "未作任何变更（仍为 12-03 18:00）", "逐级上报", "结案 "+id)
	c = r.complaint(id)
	if c.Version != version || dueOf(t, c, "feedback") != "2026-12-03 18:00" || len(c.Task("feedback").Promise.Moves) != 2 {
		t.Errorf("a refused move changed the complaint: version %d→%d, %+v", version, c.Version, c.Task("feedback").Promise)
	}
	got = texts(r.say("zhangwei", "promise "+id+" 12-05 18:00 reason=again"), func(qunsu.Message) bool { return true })
	mustHave(t, "third move, in English", got, "may not be moved more than 2 times", "nothing changed (still 12-03 18:00)")

	mustHave(t, "show", r.answer("查看 "+id), "承诺反馈：12-03 18:00（已变更2/2次", "复杂投诉", "维修：多工种", "完成维修（多工种）")
	mustHave(t, "timeline", r.answer("进展 "+id), "设定承诺反馈日期", "变更承诺反馈日期", "材料待到货")
}

// A reminder of an ordinary complaint's task goes through the timer path like
// any other: before, at and after the deadline, escalating up the chain; done,
// it stops.
func TestOrdinaryReminderFiresThroughTheTimer(t *testing.T) {
	r := newOrdinaryRig(t)
	filed := r.answer("上报 翡翠湾 1户 类别=交付 描述=交付资料不全")
	mustHave(t, "filed", filed, "新客诉立案（普通客诉")
	if strings.Contains(filed, "群诉立案") {
		t.Errorf("an ordinary complaint is announced as a group complaint:\n%s", filed)
	}
	id := r.complaint(qunsu.ComplaintID(r.clock.t, 1)).ID
	mustHave(t, "an hour before", texts(r.fire(), func(m qunsu.Message) bool { return m.Chat.Same(r.chat) }),
		"提醒 "+id+"：「责任部门确认收到」将于 11-23 11:00 到期", "@{zhengkai}")

	r.clock.t = r.at("2026-11-23 11:00")
	mustHave(t, "at the deadline", texts(r.fire(), func(m qunsu.Message) bool { return m.Chat.Same(r.chat) }),
		"到期 "+id+"：「责任部门确认收到」现在到期")

	r.clock.t = r.at("2026-11-23 13:00")
	sent := r.fire()
	mustHave(t, "overdue", texts(sent, func(m qunsu.Message) bool { return m.Chat.Same(r.chat) }),
		"逾期 "+id+"：「责任部门确认收到」", "已升级至客户关系部负责人")
	mustHave(t, "escalated by direct message", texts(sent, toPerson("zhangwei")), "责任部门确认收到")

	mustHave(t, "done", r.answer("完成 "+id+" 部门确认"), "✅ 任务「责任部门确认收到」")
	r.clock.t = r.at("2026-11-23 17:00")
	if got := texts(r.fire(), func(qunsu.Message) bool { return true }); strings.Contains(got, "责任部门确认收到") {
		t.Errorf("a done task is still reminded of:\n%s", got)
	}
}

// 投诉处理机制 §3.3.2 / 万科 一级投诉: a month after receipt, still open, the
// ordinary complaint becomes a major complaint through the timer; it says why
// with the clause, brings in and pings the escalation roles, and shows in
// show, list and the summary. The upgrade is the bot's: nobody completes it.
func TestOrdinaryComplaintUpgradedAfterAMonth(t *testing.T) {
	r := newOrdinaryRig(t)
	id := r.report("上报 翡翠湾 2户 类别=工程 描述=外墙渗水")
	mustHave(t, "done by hand", r.answer("完成 "+id+" major_upgrade"), "由机器人到期处理")

	r.clock.t = r.at("2026-12-23 10:00")
	sent := r.fire()
	team := texts(sent, func(m qunsu.Message) bool { return m.Chat.Same(r.chat) })
	mustHave(t, "the upgrade", team, "🔺 "+id+" 自 11-23 10:00 受理已满一个月仍未解决，由普通客诉升级为重大投诉",
		"房地产客户投诉处理机制 3.3.2", "万科客户投诉处理流程 3.2.2", "@{liqiang}", "@{liuyang}", "降级 "+id+" 普通客诉 原因=")
	mustHave(t, "the deputy GM is told", texts(sent, toPerson("liqiang")), "升级为重大投诉", "客关分管领导", "收到 "+id)
	mustHave(t, "the GM is informed", texts(sent, toPerson("wangfang")), "知会总经理")
	mustHave(t, "the managers", texts(sent, func(m qunsu.Message) bool { return m.Chat.Kind == qunsu.ChatManagers }),
		"升级："+id+" 翡翠湾（普通客诉 → 重大投诉")

	c := r.complaint(id)
	if c.Grade != "ordinary_major" || len(c.Changes) != 1 || c.Changes[0].By != qunsu.BotID {
		t.Fatalf("grade %s, changes %+v", c.Grade, c.Changes)
	}
	if due := dueOf(t, c, "major_report"); due != "2026-12-23 11:00" {
		t.Errorf("report to the GM due %s", due)
	}
	mustHave(t, "show", r.answer("查看 "+id), "等级：重大投诉 — 已30天(30天及以上)，依据房地产客户投诉处理机制 3.3.2", "上报总经理、副总经理并拟订处理措施")
	mustHave(t, "list", r.answer("列表 重大投诉"), id+" 翡翠湾 · 重大投诉")
	mustHave(t, "summary", r.answer("汇总 今日"), "重大投诉 1", id+" 普通客诉 → 重大投诉")
	if got := texts(r.fire(), func(qunsu.Message) bool { return true }); strings.Contains(got, "由普通客诉升级为重大投诉") {
		t.Errorf("raised twice:\n%s", got)
	}
}

// Resolved in time, or grown into a group complaint, it is not raised.
func TestOrdinaryUpgradeOnlyWhileOpenAndOrdinary(t *testing.T) {
	r := newOrdinaryRig(t)
	closed := r.report("上报 翡翠湾 1户 类别=物业 描述=电梯维修不及时")
	mustHave(t, "close", r.answer("结案 "+closed+" 已修复，客户满意"), "回访 — 11-26 23:59", "投诉处理管理办法 7.2")
	grown := r.report("上报 云栖苑 3户 类别=工程 描述=地库渗水")
	r.answer("更新 " + grown + " 户数=8")
	if g := r.complaint(grown).Grade; g != "general" {
		t.Fatalf("8 households: %s", g)
	}
	r.clock.t = r.at("2026-12-23 10:00")
	sent := r.fire()
	if got := texts(sent, func(qunsu.Message) bool { return true }); strings.Contains(got, "由普通客诉升级为重大投诉") {
		t.Errorf("raised:\n%s", got)
	}
	if g := r.complaint(closed).Grade; g != "ordinary" {
		t.Errorf("closed complaint raised to %s", g)
	}
	// Reopened after the month, it is unresolved still: raised at once.
	r.clock.t = r.at("2026-12-28 09:00")
	r.answer("重开 " + closed + " 业主反映电梯再次故障")
	mustHave(t, "reopened after the month", texts(r.fire(), func(m qunsu.Message) bool { return m.Chat.Same(r.chat) }),
		"🔺 "+closed+" 自 11-23 10:00 受理已满一个月仍未解决，由普通客诉升级为重大投诉")
	if g := r.complaint(closed).Grade; g != "ordinary_major" {
		t.Errorf("reopened: %s", g)
	}
	if c := r.complaint(grown); c.Grade != "general" || c.Task("major_upgrade") != nil {
		t.Errorf("group complaint: %s, upgrade task %+v", c.Grade, c.Task("major_upgrade"))
	}
}

// A list longer than a chat message shows its first lines and counts the
// rest; it suggests narrowing it only while there is something to narrow by.
func TestLongListSuggestsNarrowingOnlyWhileItCan(t *testing.T) {
	r := newOrdinaryRig(t)
	for range render.ListLines + 2 {
		r.report("上报 翡翠湾 1户 类别=物业 描述=电梯维修不及时")
	}
	mustHave(t, "by project", r.answer("列表 翡翠湾"), "… 另有 2 起未列出；可按项目或等级缩小范围")
	narrowed := r.answer("列表 翡翠湾 普通客诉")
	mustHave(t, "by project and grade", narrowed, "… 另有 2 起未列出")
	if strings.Contains(narrowed, "缩小范围") {
		t.Errorf("narrowed by project and grade, the list still suggests narrowing it:\n%s", narrowed)
	}
}
