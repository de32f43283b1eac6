package qunsu

import "time"

// TeamRule adds roles to a complaint's team when it holds: every field that is set
// must match. Notify roles are informed but not asked to acknowledge.
type TeamRule struct {
	Roles      []Role   `yaml:"roles"`
	Grades     []Grade  `yaml:"grades,omitempty"`
	MinGrade   Grade    `yaml:"min_grade,omitempty"`
	Categories []string `yaml:"categories,omitempty"`
	Actions    []Action `yaml:"actions,omitempty"`
	Notify     bool     `yaml:"notify,omitempty"`
}

// MeetingCadence is how often the team meets in phase 3 (G §6.3-1): PerWeekEarly
// times a week during the first EarlyWeeks weeks from T0, then PerWeekLater.
type MeetingCadence struct {
	EarlyWeeks   int `yaml:"early_weeks"`
	PerWeekEarly int `yaml:"per_week_early"`
	PerWeekLater int `yaml:"per_week_later"`
}

// Interval returns the longest gap allowed after a meeting held at `at`.
func (m MeetingCadence) Interval(t0, at time.Time) time.Duration {
	week := 7 * 24 * time.Hour
	per := m.PerWeekLater
	if at.Before(t0.Add(time.Duration(m.EarlyWeeks) * week)) {
		per = m.PerWeekEarly
	}
	if per <= 0 {
		per = 1
	}
	return week / time.Duration(per)
}

// Calendar knows which days are working days.
type Calendar interface {
	// AddWorkingDays returns the end of the n-th working day after t's day.
	AddWorkingDays(t time.Time, n int) time.Time
}

// Penalty is recorded against roles of the subsidiary when a grade is reached (G §7).
type Penalty struct {
	Grade   Grade  `yaml:"grade"`
	Measure Text   `yaml:"measure"`
	Roles   []Role `yaml:"roles"`
}

// Settings is everything the engine needs to know about one tenant.
type Settings struct {
	Tenant    string
	Name      string
	Lang      Lang
	Location  *time.Location
	Policy    Policy
	Team      []TeamRule
	Tasks     []TaskRule
	Reminders ReminderPolicy
	Meetings  MeetingCadence
	Penalties []Penalty
	Directory Directory
	// Access names the roles that may close, downgrade, reopen, change the
	// directory and see personal data; nil or a missing permission: DefaultAccess.
	Access Access
	// Managers is the managers' chat, by platform (console name, Slack channel id,
	// WeCom chat id or robot key).
	Managers map[string]string
	// SummaryCron is when the daily summary goes out, in cron syntax, in Location.
	SummaryCron string
	// NextSummary returns the first summary time after a moment (from SummaryCron);
	// nil turns the daily summary off.
	NextSummary func(after time.Time) time.Time
	Calendar    Calendar
}

// JobDailySummary is the recurring job that sends the daily summary.
const JobDailySummary = "daily_summary"

// GradeAtLeast reports whether g ranks at or above min under the policy.
func (s *Settings) GradeAtLeast(g, min Grade) bool {
	return s.Policy.Rank(g) >= s.Policy.Rank(min)
}
