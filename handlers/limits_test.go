package handlers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/store"
)

func TestMain(m *testing.M) { redistest.Main(m) }

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// limitRig runs commands through the engine on a real store, as the speaker
// zhangwei on the console, and reads what the engine answered.
type limitRig struct {
	t   *testing.T
	e   *Engine
	s   *qunsu.Settings
	st  *store.Store
	now time.Time
	n   int
}

func newLimitRig(t *testing.T) *limitRig {
	s := settings(t)
	s.Tenant = redistest.Tenant(t)
	st := store.New(redistest.Client(t))
	if err := st.Subscribe(context.Background(), s.Tenant, "console"); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, s.Location)
	e := &Engine{Store: st, Clock: fixedClock{now}, Tenants: map[string]*qunsu.Settings{s.Tenant: s}}
	return &limitRig{t: t, e: e, s: s, st: st, now: now}
}

// say runs a command (with a form's fields, if any) and returns the answer
// to the chat it came from.
func (r *limitRig) say(text string, fields map[string]string) string {
	r.t.Helper()
	ctx := context.Background()
	r.n++
	chat := qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "console", ID: "limits"}
	in := qunsu.Inbound{Tenant: r.s.Tenant, Platform: "console", User: "zhangwei", Chat: chat, Text: text,
		Fields: fields, ID: fmt.Sprint("m", r.n), At: r.now}
	if err := r.e.Handle(ctx, in); err != nil {
		r.t.Fatalf("%.40q: %v", text, err)
	}
	got, err := r.st.Receive(ctx, r.s.Tenant, "console", "test", 100, time.Hour, 0)
	if err != nil {
		r.t.Fatal(err)
	}
	var answer []string
	for _, env := range got {
		if env.Message.Chat.Same(chat) {
			answer = append(answer, env.Message.Text)
		}
		r.st.Done(ctx, r.s.Tenant, "console", env.ID)
	}
	return strings.Join(answer, "\n")
}

// complaints returns what the store holds.
func (r *limitRig) complaints() []*qunsu.Complaint {
	r.t.Helper()
	cs, err := r.st.Complaints(context.Background(), r.s.Tenant, r.now.AddDate(-2, 0, 0), r.now.Add(time.Hour), false)
	if err != nil {
		r.t.Fatal(err)
	}
	return cs
}

// Each limit at its boundary: the limit itself is taken, one more is refused
// with a message naming what was wrong and what to type, and nothing is
// stored.
func TestReportLimitsAtTheirBoundaries(t *testing.T) {
	old := now.AddDate(0, 0, -MaxAgeDays)
	words := func(n int) string { // a report of n words after the command word
		return "项目=翡翠湾 户数=35 描述=甲" + strings.Repeat(" 甲", n-3)
	}
	cases := []struct {
		name        string
		ok, refused string
		fields      func(ok bool) map[string]string
		want        string
	}{
		{name: "households", ok: "项目=翡翠湾 户数=100000", refused: "项目=翡翠湾 户数=100001", want: "超出范围"},
		{name: "households, full-width", ok: "项目=翡翠湾 户数=１００", refused: "翡翠湾 １０００００１户", want: "请写 1 到 100000 之间的数"},
		{name: "people", ok: "项目=翡翠湾 户数=5 人数=1000000", refused: "项目=翡翠湾 户数=5 人数=1000001", want: "「人数/people」的值 1000001 超出范围"},
		{name: "amount", ok: "项目=翡翠湾 户数=5 金额=1000000000000", refused: "项目=翡翠湾 户数=5 金额=1000000000001", want: "「金额/amount」的值 1000000000001 超出范围"},
		{name: "amount in 万", ok: "项目=翡翠湾 户数=5 金额=１００００００００万元", refused: "项目=翡翠湾 户数=5 金额=100000000.0001万", want: "超出范围"},
		{name: "summary", ok: "项目=翡翠湾 户数=5 描述=" + strings.Repeat("长", MaxSummaryRunes),
			refused: "项目=翡翠湾 户数=5 描述=" + strings.Repeat("长", MaxSummaryRunes+1), want: "「描述/summary」有 1001 字，超过上限 1000 字"},
		{name: "project", ok: "项目=" + strings.Repeat("苑", MaxProjectRunes) + " 户数=5",
			refused: "项目=" + strings.Repeat("苑", MaxProjectRunes+1) + " 户数=5", want: "「项目/project」有 51 字，超过上限 50 字"},
		{name: "words", ok: words(MaxWords), refused: words(MaxWords + 1), want: "这条命令有 301 个词，超过上限 300 个"},
		{name: "occurred", ok: "项目=翡翠湾 户数=5 发生=" + old.Format("2006-01-02 15:04"),
			refused: "项目=翡翠湾 户数=5 发生=" + old.Add(-time.Minute).Format("2006-01-02 15:04"), want: "早于 366 天前"},
		{name: "form field", fields: func(ok bool) map[string]string {
			n := MaxProjectRunes
			if !ok {
				n++
			}
			return map[string]string{"项目": strings.Repeat("湾", n), "户数": "35"}
		}, want: "「项目/project」有 51 字"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newLimitRig(t)
			var okFields, badFields map[string]string
			if tc.fields != nil {
				okFields, badFields = tc.fields(true), tc.fields(false)
				tc.ok, tc.refused = "form", "form"
			}
			if got := r.say("上报 "+tc.ok, okFields); strings.HasPrefix(got, "⚠️") || len(r.complaints()) != 1 {
				t.Fatalf("at the limit: refused %q", got)
			}
			got := r.say("上报 "+tc.refused, badFields)
			if !strings.HasPrefix(got, "⚠️") || !strings.Contains(got, tc.want) || !strings.Contains(got, "未作任何记录") {
				t.Errorf("over the limit: answered %q, want %q", got, tc.want)
			}
			if n := len(r.complaints()); n != 1 {
				t.Errorf("over the limit: %d complaints stored", n)
			}
		})
	}
}

// The whole line: at its limit it is read, one character more is refused
// before anything else. (The engine checks it before it reads the command
// word, so the answer is in the tenant's language.)
func TestLineLimit(t *testing.T) {
	r := newLimitRig(t)
	pad := func(word string, total int) string { // word and x's, total characters
		return word + " " + strings.Repeat("x", total-utf8.RuneCountInString(word)-1)
	}
	if got := r.say(pad("help", MaxLineRunes), nil); strings.HasPrefix(got, "⚠️") {
		t.Errorf("at the limit: %q", got)
	}
	got := r.say(pad("帮助", MaxLineRunes+1), nil)
	if !strings.Contains(got, "内容有 2001 字，超过上限 2000 字，未作任何记录。") {
		t.Errorf("over the limit: %q", got)
	}
	got = r.say("上报 项目=翡翠湾 户数=35 描述="+strings.Repeat("长", MaxLineRunes), nil)
	if !strings.Contains(got, "超过上限 2000 字，未作任何记录") || len(r.complaints()) != 0 {
		t.Errorf("a long report: %q, %d stored", got, len(r.complaints()))
	}
}

// Notes and reasons on a complaint: the limit is taken, one more is refused,
// and the complaint stays as it was.
func TestNoteLimitsLeaveTheComplaintAsItWas(t *testing.T) {
	r := newLimitRig(t)
	r.say("上报 项目=翡翠湾 户数=35 行为=拉横幅", nil)
	cs := r.complaints()
	if len(cs) != 1 {
		t.Fatalf("%d complaints", len(cs))
	}
	id := cs[0].ID
	version := func() int64 {
		c, err := r.st.Complaint(context.Background(), r.s.Tenant, id)
		if err != nil {
			t.Fatal(err)
		}
		return c.Version
	}
	for _, tc := range []struct{ cmd, want string }{
		{"开会 " + id + " ", "内容有 1001 字，超过上限 1000 字"},
		{"降级 " + id + " 一般 原因=", "「原因/reason」有 1001 字，超过上限 1000 字"},
		{"更新 " + id + " 描述=", "「描述/summary」有 1001 字"},
		{"结案 " + id + " ", "内容有 1001 字"},
	} {
		before := version()
		got := r.say(tc.cmd+strings.Repeat("记", MaxSummaryRunes+1), nil)
		if !strings.Contains(got, tc.want) || version() != before {
			t.Errorf("%s…: answered %q; version %d → %d", tc.cmd, got, before, version())
		}
		if got := r.say(tc.cmd+strings.Repeat("记", MaxSummaryRunes), nil); strings.HasPrefix(got, "⚠️") || version() == before {
			t.Errorf("%s… at the limit: %q", tc.cmd, got)
		}
	}
	// Closed now: reopening takes a reason of up to the limit.
	before := version()
	if got := r.say("重开 "+id+" "+strings.Repeat("因", MaxSummaryRunes+1), nil); !strings.Contains(got, "内容有 1001 字") || version() != before {
		t.Errorf("reopen over the limit: %q", got)
	}
	if got := r.say("重开 "+id+" "+strings.Repeat("因", MaxSummaryRunes), nil); strings.HasPrefix(got, "⚠️") || version() == before {
		t.Errorf("reopen at the limit: %q", got)
	}
}
