package main

import (
	"strings"
	"testing"

	"qunsu/internal/redistest"
)

// Who may do what (issue: access control): anyone in the directory reports and
// acknowledges; closing, downgrading, reopening and changing the directory need
// the configured roles or an admin; personal data goes in full only to
// authorised roles, by direct message; a directory change by command takes
// effect at once and is kept in Redis.
func TestConsole_AccessControl(t *testing.T) {
	t.Setenv("QUNSU_REDIS_URL", redistest.StartServer(t).URL())
	out := play(t, "2026-11-22T09:00:00+08:00", `
上报 项目=翡翠湾 户数=35 行为=拉横幅 描述=业主13812345678在3栋2单元1201室聚集 发生=08:30
as 刘洋: 结案 QS-20261122-001 已签协议
as 刘洋: 降级 QS-20261122-001 一般 原因=已沟通
as 刘洋: 查看 QS-20261122-001 完整
as nobody: 上报 翡翠湾 10户
as 李强: 查看 QS-20261122-001 完整
as 刘洋: 角色 设置 公司法务 刘洋 项目=翡翠湾
角色 设置 公司法务 刘洋 项目=翡翠湾
角色 设置 公司法务 刘洋 项目=翡翠湾
as 刘洋: 进展 QS-20261122-001 完整
as 刘洋: export QS-20261122-001 csv
导出 QS-20261122-001 json
as 郭欣: 降级 QS-20261122-001 一般 原因=业主已接受方案
:quit
`)
	refusals := strings.Count(out, "你没有权限执行")
	if refusals != 4 {
		t.Errorf("%d refusals, want 4 (close, downgrade, full view, directory change by 刘洋)", refusals)
	}
	mustContain(t, out,
		"你没有权限执行「结案」：需要客户关系部负责人或管理员。",
		"你没有权限执行「查看」：需要客户关系部负责人、客关分管领导、总经理、公司法务或管理员。",
		"你没有权限执行「角色」：需要管理员。")
	if strings.Contains(out, "已结案") {
		t.Errorf("a refused close acted:\n%s", out)
	}
	if n := strings.Count(out, "原因：已沟通"); n != 0 {
		t.Errorf("a refused downgrade acted:\n%s", out)
	}
	mustContain(t, out, "原因：业主已接受方案") // the admin's downgrade went through
	mustContain(t, out,
		"通讯录中没有「nobody」",
		"[私信 李强]", "🔒 含客户个人信息的完整内容已私信发给你。",
		"✅ 已设置：刘洋 担任「公司法务」（范围：翡翠湾 / —）",
		"刘洋 已担任「公司法务」（范围：翡翠湾 / —），无需设置",
		"[私信 刘洋] 🕘 QS-20261122-001 翡翠湾 进展：",
		"张伟（控制台） 上报",
		"[私信 刘洋] 📄 QS-20261122-001 full record (CSV", "at,by,name,platform,kind,detail",
		"[私信 张伟] 📄 QS-20261122-001 完整记录（JSON", `"households": 35`,
	)
	// Full data only in direct messages: every line with the number is a DM's.
	for _, block := range strings.Split(out, "\n[") {
		if strings.Contains(block, "13812345678") && !strings.HasPrefix(block, "私信 ") {
			t.Errorf("personal data in full outside a direct message:\n[%s", block)
		}
	}
	if !strings.Contains(out, "13812345678") {
		t.Error("authorised people never got the full text")
	}
}

// Typed text cannot ping or link: "@{wangfang}" in a description is shown as
// typed, while the bot's own mentions still render.
func TestConsole_TypedMentionsStayText(t *testing.T) {
	t.Setenv("QUNSU_REDIS_URL", redistest.StartServer(t).URL())
	out := play(t, "2026-11-22T09:00:00+08:00", `
上报 项目=翡翠湾 户数=35 行为=拉横幅 描述=请@{wangfang}和#{QS-20261122-001}处理
:quit
`)
	mustContain(t, out, "请@｛wangfang}和#｛QS-20261122-001}处理", "@张伟")
	if strings.Contains(out, "请@王芳") {
		t.Errorf("a typed mention was rendered:\n%s", out)
	}
}

// Reasons people type for a downgrade or a reopen are posted masked, like
// every other note.
func TestConsole_ReasonsAreMasked(t *testing.T) {
	t.Setenv("QUNSU_REDIS_URL", redistest.StartServer(t).URL())
	out := play(t, "2026-11-22T09:00:00+08:00", `
上报 项目=翡翠湾 户数=35 行为=拉横幅 发生=08:30
降级 QS-20261122-001 一般 原因=业主13912345678已接受
结案 QS-20261122-001 已签协议
重开 QS-20261122-001 业主13812345678在3栋2单元1201室再次聚集
:quit
`)
	mustContain(t, out, "业主139****5678已接受", "业主138****5678在3栋***再次聚集")
	if strings.Contains(out, "13912345678") || strings.Contains(out, "13812345678") {
		t.Errorf("a reason was posted unmasked:\n%s", out)
	}
}
