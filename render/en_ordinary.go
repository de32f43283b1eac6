package render

// Texts of ordinary complaints (DOMAIN §7): complex and repair fields, the
// promised feedback date, the upgrade to a major complaint.
func init() {
	add(en, map[string]string{
		"report.new_ordinary":   "📝 New complaint filed (ordinary: no team chat; tracked against the complaint deadlines)",
		"yes":                   "yes",
		"no":                    "no",
		"card.complex":          "complex complaint",
		"card.repair":           "repair: %s",
		"card.promise":          "Feedback promised by: %s (moved %d of %d times, %s)",
		"change.complex":        "complex %s→%s",
		"change.repair":         "repair %s",
		"err.bad_complex":       "\"%s\" is not a value of complex; nothing was recorded. Write complex=yes (feedback within 7 working days) or complex=no (3).",
		"err.bad_repair":        "\"%s\" is not a kind of repair; nothing was recorded. Write repair=single (one trade), repair=multi (several trades) or repair=none.",
		"err.promise_usage":     "Write the feedback time promised to the customer: %s %s 11-26 18:00 (a date alone means 23:59 that day); when moving it add reason=…",
		"err.promise_past":      "%s has passed; nothing was recorded. Write a time ahead, e.g. %s %s 11-26 18:00",
		"err.no_promise_task":   "%s has no task carrying a promised feedback date (an ordinary complaint's \"Feedback to the customer\"). For a group complaint set the customer-reply time with \"reply-by %[1]s <time>\".",
		"err.promise_done":      "%s: the customer was given feedback at %s; no date to promise.",
		"err.promise_same":      "%s: the promised feedback date is already %s; nothing changed.",
		"err.promise_reason":    "Moving the promised feedback date of %s needs a reason (agree the new date with the customer before the old one passes; %d move(s) left, %s); nothing changed. E.g. %s %[1]s 11-28 18:00 reason=parts on order, customer agreed",
		"err.promise_exhausted": "The promised feedback date of %s has been moved %d times: under %s it may not be moved more than %[5]d times, so nothing changed (still %[4]s). Give the customer the handling opinion by %[4]s; if it cannot be resolved, escalate (customer-relations VP → GM), and once handled \"close %[1]s <note>\".",
		"err.reply_use_promise": "%s is an ordinary complaint: set the feedback date promised to the customer with \"promise %[1]s <time>\" (after the first setting it may move twice at most, %s).",
		"err.task_by_bot":       "\"%s\" is done by the bot when it falls due; nothing to complete by hand.",
		"promise.set":           "🤝 %s: feedback promised to the customer by %s (set by %s); give the handling opinion by then. It may be moved %d more times, each with a reason (%s).",
		"promise.moved":         "🤝 %s: promised feedback date moved from %s to %s (move %d of %d, %s) — %s: %s",
		"promise.answer":        "✅ %s: feedback promised by %s (moved %d of %d times).",
		"promise.beyond":        "⚠️ Later than the deadline of %s (%s): make sure the customer agreed.",
		"upgrade.team":          "🔺 %s was received %s and is still unresolved a month later: %s raised to %s under %s.\n%s acknowledge and act now: a major complaint is reported to the GM and deputy GM, who draw up measures. If it is not the company's fault, the head of customer relations may \"downgrade %s %s reason=…\".",
		"upgrade.joined":        "🔺 %s (%s) is unresolved a month after receipt and is now a %s under %s. You join as %s: reply \"ack %[1]s\".",
		"upgrade.informed":      "📨 For your information (%s): %s (%s) is unresolved a month after receipt and is now a %s under %s.",
		"upgrade.managers":      "🔺 Raised: %s %s (%s → %s) — unresolved a month after receipt, %s",
		"event.promised":        "promised feedback date set",
		"event.promise_moved":   "promised feedback date moved",
		"help.promise":          "· promise — feedback date promised to the customer of an ordinary complaint (after the first setting, two moves at most, each with a reason): promise QS-20261122-001 11-26 18:00 reason=parts on order; report/update take complex=yes (7 working days) and repair=single|multi",
	})
}
