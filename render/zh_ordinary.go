package render

// Texts of ordinary complaints (DOMAIN §7): complex and repair fields, the
// promised feedback date, the upgrade to a major complaint.
func init() {
	add(zh, map[string]string{
		"report.new_ordinary":   "📝 新客诉立案（普通客诉，不建群，按投诉处理时限跟进）",
		"yes":                   "是",
		"no":                    "否",
		"card.complex":          "复杂投诉",
		"card.repair":           "维修：%s",
		"card.promise":          "承诺反馈：%s（已变更%d/%d次，%s）",
		"change.complex":        "复杂投诉 %s→%s",
		"change.repair":         "维修 %s",
		"err.bad_complex":       "「复杂/complex」的值「%s」无法识别，未作任何记录。请写 复杂=是（7个工作日内反馈）或 复杂=否（3个工作日）。",
		"err.bad_repair":        "「维修/repair」的值「%s」无法识别，未作任何记录。请写 维修=单项（单工种）、维修=多项（多工种）或 维修=否。",
		"err.promise_usage":     "请写承诺客户的反馈时间：%s %s 11-26 18:00（只写日期则为当天 23:59）；变更时加 原因=…",
		"err.promise_past":      "承诺时间 %s 已过，未作任何记录。请写将来的时间，例如：%s %s 11-26 18:00",
		"err.no_promise_task":   "%s 没有承诺反馈日期的任务（普通客诉的「向客户反馈处理结果」）。群诉的对客回复时间请用「回复时间 %[1]s <时间>」。",
		"err.promise_done":      "%s 已于 %s 向客户反馈，无需再定承诺日期。",
		"err.promise_same":      "%s 的承诺反馈日期已是 %s，未作变更。",
		"err.promise_reason":    "变更 %s 的承诺反馈日期须写原因（须在原定日期前与客户重新约定并取得谅解；还可变更%d次，%s），未作任何变更。例如：%s %[1]s 11-28 18:00 原因=材料待到货，已征得客户同意",
		"err.promise_exhausted": "%s 的承诺反馈日期已变更%d次：依据%s，反馈期限的变更不得超过%[5]d次，本次未作任何变更（仍为 %[4]s）。请在 %[4]s 前向客户通报处理意见；确实无法解决的，请逐级上报（客关分管领导 → 总经理）协调处理，处理完毕后「结案 %[1]s 说明」。",
		"err.reply_use_promise": "%s 是普通客诉：承诺客户的反馈日期请用「承诺 %[1]s <时间>」设定（首次设定后最多变更两次，%s）。",
		"err.task_by_bot":       "「%s」由机器人到期处理，无需手动完成。",
		"promise.set":           "🤝 %s 承诺客户的反馈日期定为 %s（%s 设定），届时须向客户通报处理意见。此后最多可变更%d次，每次须写原因（%s）。",
		"promise.moved":         "🤝 %s 承诺反馈日期由 %s 改为 %s（第%d次变更，最多%d次，%s）— %s：%s",
		"promise.answer":        "✅ %s 的承诺反馈日期：%s（已变更%d/%d次）。",
		"promise.beyond":        "⚠️ 晚于%s的期限 %s：请确认已与客户约定。",
		"upgrade.team":          "🔺 %s 自 %s 受理已满一个月仍未解决，由%s升级为%s，依据%s。\n请 %s 确认并立即处理：重大投诉须及时上报总经理、副总经理，拟订处理措施。如未能解决并非我方原因，客户关系部负责人可「降级 %s %s 原因=…」。",
		"upgrade.joined":        "🔺 %s（%s）受理满一个月仍未解决，已升级为%s，依据%s。你作为%s加入处理，请回复「收到 %[1]s」确认。",
		"upgrade.informed":      "📨 知会%s：%s（%s）受理满一个月仍未解决，已升级为%s，依据%s。",
		"upgrade.managers":      "🔺 升级：%s %s（%s → %s）— 受理满一个月仍未解决，依据%s",
		"event.promised":        "设定承诺反馈日期",
		"event.promise_moved":   "变更承诺反馈日期",
		"help.promise":          "· 承诺 — 普通客诉承诺客户的反馈日期（首次设定后最多变更两次，须写原因）：承诺 QS-20261122-001 11-26 18:00 原因=材料待到货；上报/更新时可写 复杂=是（7个工作日反馈）、维修=单项|多项",
	})
}
