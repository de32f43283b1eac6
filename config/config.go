// Package config reads qunsu's configuration: a YAML file (the shipped default
// when none is given) with environment overrides, checked with errors that name
// the file, line and key.
package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
	_ "time/tzdata" // time zones without the system's zoneinfo

	"gopkg.in/yaml.v3"

	"qunsu"
)

//go:embed default.yaml
var defaultYAML []byte

// Config is the whole configuration.
type Config struct {
	RedisURL string   `yaml:"redis_url"`
	HTTPAddr string   `yaml:"http_addr"`
	LogLevel string   `yaml:"log_level"`
	Slack    Slack    `yaml:"slack"`
	WeCom    WeCom    `yaml:"wecom"`
	Tenants  []Tenant `yaml:"tenants"`

	LogFormat string `yaml:"log_format"` // "text" (the default, also when empty) or "json"
	// DebugAddr, if set, is where serve answers Go's profiler (/debug/pprof/),
	// apart from the platforms' port. Profiles show code and data: keep it on
	// loopback.
	DebugAddr string `yaml:"debug_addr"`

	file  string     // where it was read from, for error messages
	root  *yaml.Node // the parsed document, for line numbers
	lines int        // how many lines the file has
}

// Tenant is one company or city subsidiary.
type Tenant struct {
	ID          string               `yaml:"id"`
	Name        string               `yaml:"name"`
	Lang        qunsu.Lang           `yaml:"lang"`
	Timezone    string               `yaml:"timezone"`
	SummaryCron string               `yaml:"summary_cron"`
	Managers    map[string]string    `yaml:"managers"`
	Policy      qunsu.Policy         `yaml:"policy"`
	Team        []qunsu.TeamRule     `yaml:"team"`
	Tasks       []qunsu.TaskRule     `yaml:"tasks"`
	Reminders   qunsu.ReminderPolicy `yaml:"reminders"`
	Meetings    qunsu.MeetingCadence `yaml:"meetings"`
	Penalties   []qunsu.Penalty      `yaml:"penalties"`
	People      []qunsu.Person       `yaml:"people"`
	Directory   []qunsu.Assignment   `yaml:"directory"`
	// Access names the roles that may close, downgrade, reopen, change the
	// directory and see personal data in full (admins may do all).
	Access map[qunsu.Permission][]qunsu.Role `yaml:"access"`
	// Calendar is the company's own days on top of China's statutory holidays.
	Calendar Calendar `yaml:"calendar"`
}

// Calendar lists a company's extra days off and extra working days, written
// 2006-01-02; they win over the statutory holidays and make-up days.
type Calendar struct {
	Holidays []string `yaml:"holidays"`
	Workdays []string `yaml:"workdays"`
}

// Default returns the shipped configuration.
func Default() *Config {
	c, err := parse("default.yaml", defaultYAML)
	if err != nil {
		panic("config: the shipped default.yaml is broken: " + err.Error())
	}
	return c
}

// Load reads the file at path, or the default when path is "". Tenants inherit
// from the default tenant whatever procedure they leave out, so a company may
// write only its people and directory.
func Load(path string) (*Config, error) {
	if path == "" {
		return Default(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := parse(path, b)
	if err != nil {
		return nil, err
	}
	base := Default().Tenants[0]
	for i := range c.Tenants {
		c.Tenants[i].inherit(base)
	}
	return c, nil
}

func parse(file string, b []byte) (*Config, error) {
	c := &Config{file: file, root: &yaml.Node{}, lines: lineCount(b)}
	if err := yaml.Unmarshal(b, c.root); err != nil {
		return nil, readError(file, b, nil, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) { // an empty file is an empty config
		return nil, readError(file, b, c.root, err)
	}
	return c, nil
}

func (t *Tenant) inherit(base Tenant) {
	if t.Lang == "" {
		t.Lang = base.Lang
	}
	if t.Timezone == "" {
		t.Timezone = base.Timezone
	}
	if t.SummaryCron == "" {
		t.SummaryCron = base.SummaryCron
	}
	if len(t.Policy.Levels) == 0 && len(t.Policy.Rules) == 0 {
		t.Policy = base.Policy
	}
	if t.Team == nil {
		t.Team = base.Team
	}
	if t.Tasks == nil {
		t.Tasks = base.Tasks
	}
	if t.Reminders.Chain == nil && t.Reminders.Before == nil && t.Reminders.OverdueEvery == 0 {
		t.Reminders = base.Reminders
	}
	if t.Meetings == (qunsu.MeetingCadence{}) {
		t.Meetings = base.Meetings
	}
	if t.Penalties == nil {
		t.Penalties = base.Penalties
	}
	if t.Access == nil {
		t.Access = base.Access
	}
}

// FromEnv applies environment overrides: QUNSU_REDIS_URL, QUNSU_HTTP_ADDR,
// QUNSU_LOG_LEVEL, QUNSU_LOG_FORMAT, QUNSU_DEBUG_ADDR, QUNSU_SLACK_BOT_TOKEN, QUNSU_SLACK_SIGNING_SECRET,
// QUNSU_SLACK_APP_TOKEN, QUNSU_SLACK_API_URL, and QUNSU_WECOM_* for the
// wecom section. (QUNSU_CONFIG names the file;
// the caller reads it.) Secrets are best given this way, not in the file.
func FromEnv(c *Config) {
	for env, field := range map[string]*string{
		"QUNSU_REDIS_URL": &c.RedisURL, "QUNSU_HTTP_ADDR": &c.HTTPAddr, "QUNSU_LOG_LEVEL": &c.LogLevel, "QUNSU_LOG_FORMAT": &c.LogFormat,
		"QUNSU_DEBUG_ADDR":      &c.DebugAddr,
		"QUNSU_SLACK_BOT_TOKEN": &c.Slack.BotToken, "QUNSU_SLACK_SIGNING_SECRET": &c.Slack.SigningSecret,
		"QUNSU_SLACK_APP_TOKEN": &c.Slack.AppToken, "QUNSU_SLACK_API_URL": &c.Slack.APIURL,
		"QUNSU_WECOM_CORP_ID": &c.WeCom.CorpID, "QUNSU_WECOM_AGENT_ID": &c.WeCom.AgentID, "QUNSU_WECOM_SECRET": &c.WeCom.Secret,
		"QUNSU_WECOM_TOKEN": &c.WeCom.Token, "QUNSU_WECOM_AES_KEY": &c.WeCom.AESKey, "QUNSU_WECOM_API_URL": &c.WeCom.APIURL,
		"QUNSU_WECOM_AIBOT_TOKEN": &c.WeCom.AIBot.Token, "QUNSU_WECOM_AIBOT_AES_KEY": &c.WeCom.AIBot.AESKey,
	} {
		if v := os.Getenv(env); v != "" { // set but empty (as in an env file's blank lines) keeps the file's value
			*field = v
		}
	}
}

// Settings builds the engine's view of a tenant. The caller adds the calendar
// and the summary schedule, which need packages of their own.
func (t *Tenant) Settings() (qunsu.Settings, error) {
	loc, err := time.LoadLocation(t.Timezone)
	if err != nil {
		return qunsu.Settings{}, fmt.Errorf("config: tenant %s: time zone %q: %w", t.ID, t.Timezone, err)
	}
	lang := t.Lang
	if lang == "" {
		lang = qunsu.LangZH
	}
	return qunsu.Settings{
		Tenant: t.ID, Name: t.Name, Lang: lang, Location: loc,
		Policy: t.Policy, Team: t.Team, Tasks: t.Tasks, Reminders: t.Reminders, Meetings: t.Meetings,
		Penalties: t.Penalties, Directory: qunsu.Directory{People: t.People, Assignments: t.Directory},
		Managers: t.Managers, SummaryCron: t.SummaryCron, Access: qunsu.Access(t.Access),
	}, nil
}
