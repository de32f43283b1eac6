package main

import (
	"strings"
	"testing"
)

// Access control through WeCom: a stranger is refused politely and the
// refusal logged; a project GM may not close; the VP of customer relations
// gets personal data in full by app message to them alone, while the group
// chat only ever shows it masked.
func TestServeWeCom_AccessControl(t *testing.T) {
	r := startWeComRig(t)
	r.fake.AddUser("WangXiaoer", "王小二") // in the corporation, not in qunsu's directory
	r.say("ZhangWei", "上报 项目=翡翠湾 户数=35 行为=拉横幅 描述=业主13812345678在3栋2单元1201室聚集 发生=08:30", 3001)
	r.waitFor("the group chat", func() bool { return r.chatHas("138****5678") > 0 })

	r.say("WangXiaoer", "上报 翡翠湾 10户", 3002)
	r.waitFor("the stranger's answer", func() bool {
		return countSent(r.fake.AppMessages("WangXiaoer"), "通讯录中没有「WangXiaoer」") == 1
	})

	r.say("LiuYang", "结案 QS-20261122-001 已签协议", 3003)
	r.waitFor("the refusal", func() bool {
		return countSent(r.fake.AppMessages("LiuYang"), "你没有权限执行「结案」：需要客户关系部负责人或管理员") == 1
	})

	r.say("LiQiang", "查看 QS-20261122-001 完整", 3004)
	r.waitFor("the full card", func() bool { return countSent(r.fake.AppMessages("LiQiang"), "13812345678") == 1 })

	if n := r.chatHas("13812345678"); n != 0 {
		t.Errorf("the group chat got personal data in full %d times", n)
	}
	for _, user := range []string{"ZhangWei", "LiuYang", "WangXiaoer"} {
		if n := countSent(r.fake.AppMessages(user), "13812345678"); n != 0 {
			t.Errorf("%s got personal data in full", user)
		}
	}
	if r.chatHas("已结案") != 0 {
		t.Error("a refused close acted")
	}
	logs := r.logs.String()
	for _, want := range []string{"user=WangXiaoer", "user=LiuYang person=liuyang command=结案", "personal data disclosed"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if strings.Count(logs, "command refused") != 2 {
		t.Errorf("want 2 refusals logged:\n%s", logs)
	}
}
