package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"qunsu/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// play runs the real main wiring on a script and returns what it printed.
func play(t *testing.T, now, script string) string {
	t.Helper()
	var out bytes.Buffer
	// The charts the console posts go to the test's own directory.
	if err := run(context.Background(), []string{"--now", now, "--files", t.TempDir()}, strings.NewReader(script), &out, false); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	return out.String()
}

func count(out, pattern string) int {
	return len(regexp.MustCompile(pattern).FindAllStringIndex(out, -1))
}

func mustContain(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
		}
	}
}

// One complaint through two simulated weeks on a real Redis: report, pings,
// acks, reminders, escalation of a missed deadline, an upgrade with media, a
// meeting cadence, the daily summary, close, case write-up, dissolution.
func TestConsole_TwoWeeksOfOneGroupComplaint(t *testing.T) {
	twoWeeksOfOneGroupComplaint(t, redistest.StartServer(t).URL())
}

// twoWeeksOfOneGroupComplaint plays the two weeks on the Redis at url, which
// holds nothing of the demo tenant yet.
func twoWeeksOfOneGroupComplaint(t *testing.T, url string) {
	t.Setenv("QUNSU_REDIS_URL", url)
	out := play(t, "2026-11-22T09:00:00+08:00", `
上报 项目=翡翠湾 户数=35 行为=拉横幅 类别=交付 描述=业主13812345678在3栋2单元1201室聚集 发生=08:30
as 刘洋: 收到 QS-20261122-001
as 李强: 收到 QS-20261122-001
完成 QS-20261122-001 报备总部
:advance 4h
as 赵敏: 更新 QS-20261122-001 户数=62 行为=+媒体,打砸
as 孙浩: 完成 QS-20261122-001 media_takeover
开会 QS-20261122-001 首次专题会，确定方案
:advance 2d
as nobody: 上报 翡翠湾 10户
上报 项目=翡翠湾 户数=abc
更新 QS-20261122-999 户数=70
:advance 12d
查看 QS-20261122-001
结案 QS-20261122-001 已签补偿协议
完成 QS-20261122-001 案例总结
列表
:quit
`)
	// Report: id, grade with reason and clause, the team chat and its people, masked data.
	mustContain(t, out,
		"（已创建群聊「群诉 QS-20261122-001 翡翠湾」",
		"重大群诉 — 35户(21–50户) + 拉横幅(过度维权行为)，依据《群诉处理指引》3.2",
		"· 客户关系部负责人（牵头）：@张伟",
		"☐ 报备总部客户关系部 — 11-22 14:30",
		"138****5678", "3栋***")
	if strings.Contains(out, "13812345678") || strings.Contains(out, "1201室") {
		t.Error("personal data posted unmasked")
	}
	// Missing acks are chased, then escalated.
	mustContain(t, out, "[群诉 QS-20261122-001] ⏰ 请确认 QS-20261122-001", "已升级至客户关系部负责人")
	// Upgrade: new grade, new people, special meeting, safety protocol, media head.
	mustContain(t, out,
		"🔺 形势转变 QS-20261122-001：重大群诉 → 危机群诉",
		"新加入应对小组：总部客户关系部 @郭欣",
		"🛑 安全须知", "📰 媒体已介入：请媒介负责人 @孙浩",
		"[私信 郭欣] 📨 知会总部客户关系部")
	// A missed deadline climbs the chain to the GM, by direct message too.
	mustContain(t, out, "「首次决策及危机方案（报总经理审批）」已于 11-23 08:30 到期", "已升级至总经理：@王芳", "[私信 王芳] 🔴 逾期")
	// The daily summary reaches the managers each evening.
	for _, day := range []string{"2026-11-22", "2026-11-23", "2026-12-05"} {
		if n := count(out, `\[管理层\] 📊 示例地产 每日群诉汇总 `+day); n != 1 {
			t.Errorf("daily summary of %s sent %d times", day, n)
		}
	}
	// Meetings: after the first, the cadence asks for the next within 3.5 days.
	mustContain(t, out, "⏰ 到期 QS-20261122-001：「例行专题会」")
	// Bad input: a clear message, nothing changes.
	mustContain(t, out,
		"⚠️ 通讯录中没有「nobody」",
		"⚠️ 「户数/households」的值「abc」不是正整数",
		"⚠️ 找不到群诉 QS-20261122-999")
	if strings.Contains(out, "QS-20261122-002") {
		t.Error("a refused report was stored")
	}
	// Close → aftercare → write-up done → team dissolved; nothing left open.
	mustContain(t, out, "🏁 QS-20261122-001 已结案", "[管理层] 🏁 结案：QS-20261122-001",
		"👋 QS-20261122-001 善后完成，应对小组解散", "目前没有进行中的群诉。")
	// Each reminder is one message: nothing doubled.
	if n := count(out, `⏰ 提醒 QS-20261122-001：「收集投诉人信息并初判类型与诉求」`); n != 1 {
		t.Errorf("before-reminder posted %d times", n)
	}
}

// Stop with reminders pending, move the clock past them, start again on the same
// Redis: each reminder that came due while down fires exactly once, and the daily
// summary whose time passed is sent on start.
func TestConsole_RestartFiresMissedRemindersOnce(t *testing.T) {
	restartFiresMissedRemindersOnce(t, redistest.StartServer(t).URL())
}

// restartFiresMissedRemindersOnce plays the restart on the Redis at url, which
// holds nothing of the demo tenant yet.
func restartFiresMissedRemindersOnce(t *testing.T, url string) {
	t.Setenv("QUNSU_REDIS_URL", url)
	first := play(t, "2026-11-22T09:00:00+08:00", "上报 项目=云栖苑 户数=12 类别=工程 描述=地下室渗水 发生=08:00\n:quit\n")
	mustContain(t, first, "一般群诉 — 12户(6–20户)")
	if strings.Contains(first, "⏰") {
		t.Fatal("reminders fired before their time")
	}
	// Down from 09:00 until 09:00 the next day.
	second := play(t, "2026-11-23T09:00:00+08:00", ":quit\n")
	wants := map[string]int{
		`⏰ 请确认 QS-20261122-001`:                                   1, // ack due 09:30
		`⏰ 提醒 QS-20261122-001：「报备总部客户关系部」`:                        1, // 13:00
		`⏰ 到期 QS-20261122-001：「报备总部客户关系部」`:                        1, // 14:00
		`\[群诉 QS-20261122-001\] 🔴 逾期 QS-20261122-001：「报备总部客户关系部」`: 3, // 16:00, 18:00, 20:00 up the chain
		`⏰ QS-20261122-001「召开首次专题会」越早越好`:                          1, // report+2h
		`\[管理层\] 📊 示例地产 每日群诉汇总 2026-11-22`:                        1, // 18:00 while down
		`⏰ 到期 QS-20261122-001：「召开首次专题会」`:                          1, // T0+24h = 08:00
	}
	for pattern, want := range wants {
		if got := count(second, pattern); got != want {
			t.Errorf("%s: %d, want %d", pattern, got, want)
		}
	}
	// And once only: a third start at the same time sends nothing again.
	third := play(t, "2026-11-23T09:00:00+08:00", ":quit\n")
	if strings.Contains(third, "⏰") || strings.Contains(third, "🔴") || strings.Contains(third, "📊") {
		t.Errorf("replayed after restart:\n%s", third)
	}
}

// A group complaint downgraded by hand to an ordinary one keeps its team chat:
// the team goes on where it has been talking.
func TestConsole_DowngradedComplaintKeepsItsChat(t *testing.T) {
	t.Setenv("QUNSU_REDIS_URL", redistest.StartServer(t).URL())
	out := play(t, "2026-11-22T09:00:00+08:00", `
上报 项目=云栖苑 户数=12 类别=工程 描述=地下室渗水 发生=08:00
降级 QS-20261122-001 普通客诉 原因=仅两户仍有诉求
as 陈静: 收到 QS-20261122-001
:quit
`)
	mustContain(t, out, "[群诉 QS-20261122-001] 🔻 QS-20261122-001 人工降级：一般群诉 → 普通客诉",
		"[群诉 QS-20261122-001] ✅ 陈静 已确认 QS-20261122-001")
}
