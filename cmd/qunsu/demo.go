package main

import (
	"io"
	"strings"
)

// demoScript plays a group complaint from report to close in simulated time.
func demoScript() io.Reader {
	return strings.NewReader(`# 业主聚集：35户，拉横幅
上报 项目=翡翠湾 户数=35 行为=拉横幅 类别=交付 描述=延期交付三个月，业主王先生13812345678（3栋2单元1201室）牵头 发生=08:30
as 刘洋: 收到 QS-20261122-001
:advance 1h
as 王芳: 收到 QS-20261122-001
完成 QS-20261122-001 报备总部
# 情况升级：户数增加，记者到场
:advance 2h
as 赵敏: 更新 QS-20261122-001 户数=62 行为=+媒体
:advance 3h
开会 QS-20261122-001 确定赔偿方案与对客口径
回复时间 QS-20261122-001 11-23 18:00
# 无人处理首次决策，逾期升级
:advance 12h
查看 QS-20261122-001
:advance 2d
汇总 今日
结案 QS-20261122-001 已与业主签订补偿协议，交付时间确定
进展 QS-20261122-001
:quit
`)
}
