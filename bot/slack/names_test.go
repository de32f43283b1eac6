package slack

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"qunsu"
	"qunsu/bot"
)

func TestChannelNameIsSlackLegal(t *testing.T) {
	cases := map[[2]string]string{
		{"QS-20261122-001", "翡翠湾"}:                    "qs-20261122-001-翡翠湾",
		{"QS-20261122-002", "Jade Bay (Phase II)"}:    "qs-20261122-002-jade-bay-phase-ii",
		{"QS-20261122-003", "云栖苑·二期 3栋"}:              "qs-20261122-003-云栖苑-二期-3栋",
		{"QS-20261122-004", strings.Repeat("长", 100)}: "qs-20261122-004-" + strings.Repeat("长", 80-16),
	}
	for in, want := range cases {
		got := channelName(in[0], in[1])
		if got != want {
			t.Errorf("%v: %q, want %q", in, got, want)
		}
		if n := utf8.RuneCountInString(got); n > 80 {
			t.Errorf("%q is %d characters", got, n)
		}
	}
}

func TestSplitKeepsSectionsWithinSlacksLimit(t *testing.T) {
	line := strings.Repeat("字", 50)
	text := strings.Repeat(line+"\n", 200) // 10,200 characters
	parts := split(text, maxSection)
	if len(parts) < 4 {
		t.Fatalf("%d parts", len(parts))
	}
	var total int
	for _, p := range parts {
		n := utf8.RuneCountInString(p)
		if n > maxSection {
			t.Errorf("part of %d characters", n)
		}
		if strings.HasPrefix(p, "\n") || !strings.HasPrefix(p, "字") {
			t.Errorf("part not cut at a line end: %q…", p[:9])
		}
		total += strings.Count(p, "字")
	}
	if total != 50*200 {
		t.Errorf("lost text: %d characters of %d", total, 50*200)
	}
	if got := split(strings.Repeat("x", 5000), maxSection); len(got) != 2 || len(got[0]) != maxSection {
		t.Errorf("a line longer than a section: %d parts", len(got))
	}
}

func TestUnescapeReadsWhatWasTyped(t *testing.T) {
	cases := map[string]string{
		"更新 QS-20261122-001 描述=a &lt; b &amp; c":  "更新 QS-20261122-001 描述=a < b & c",
		"上报 翡翠湾 35户 描述=见 <https://x.cn/a|x.cn/a>": "上报 翡翠湾 35户 描述=见 x.cn/a",
		"角色 <mailto:a@b.cn|a@b.cn>":               "角色 a@b.cn",
	}
	for in, want := range cases {
		if got := unescape(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
	if got := leadingMention.ReplaceAllString("<@UBOT>： 收到 QS-20261122-001", ""); got != "收到 QS-20261122-001" {
		t.Errorf("mention not stripped: %q", got)
	}
}

// A submitted modal becomes the command line the form stands for.
func TestAnswersOfASubmittedForm(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	f := qunsu.Form{Command: "上报", Fields: []qunsu.Field{
		{Key: "项目", Kind: qunsu.FieldText}, {Key: "户数", Kind: qunsu.FieldNumber},
		{Key: "行为", Kind: qunsu.FieldChoices}, {Key: "类别", Kind: qunsu.FieldChoice},
		{Key: "发生", Kind: qunsu.FieldTime}, {Key: "描述", Kind: qunsu.FieldLongText, Optional: true},
	}}
	at := time.Date(2026, 11, 22, 8, 30, 0, 0, loc)
	state := &slackgo.ViewState{Values: map[string]map[string]slackgo.BlockAction{
		"f0": {valueAction: {Value: "翡翠湾"}},
		"f1": {valueAction: {Value: "35"}},
		"f2": {valueAction: {SelectedOptions: []slackgo.OptionBlockObject{{Value: "banner"}, {Value: "media"}}}},
		"f3": {valueAction: {SelectedOption: slackgo.OptionBlockObject{Value: "delivery"}}},
		"f4": {valueAction: {SelectedDateTime: at.Unix()}},
		"f5": {valueAction: {Value: ""}},
	}}
	got, fields := f.Answer(answers(f, state, loc))
	if want := "上报 项目=翡翠湾 户数=35 行为=banner,media 类别=delivery 发生=2026-11-22 08:30"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if fields["发生"] != "2026-11-22 08:30" || fields["行为"] != "banner,media" || len(fields) != 5 {
		t.Errorf("fields %v", fields)
	}
}

// Slack's errors become the sender's decisions.
func TestClassify(t *testing.T) {
	var ra *bot.RetryAfter
	if !errors.As(classify(&slackgo.RateLimitedError{RetryAfter: 3 * time.Second}), &ra) || ra.Wait != 3*time.Second {
		t.Errorf("429 with Retry-After 3: %v", ra)
	}
	// A channel that is gone or blocks Slack will never take are set aside; a
	// broken installation (revoked token, missing scope) holds every message
	// until it is mended, so it is retried.
	for code, permanent := range map[string]bool{"channel_not_found": true, "invalid_blocks": true, "msg_too_long": true,
		"missing_scope": false, "invalid_auth": false, "token_revoked": false, "internal_error": false, "service_unavailable": false} {
		err := classify(slackgo.SlackErrorResponse{Err: code})
		if got := isPermanent(err); got != permanent {
			t.Errorf("%s: permanent %v, want %v", code, got, permanent)
		}
	}
	if isPermanent(classify(slackgo.StatusCodeError{Code: 503})) {
		t.Error("503 is permanent")
	}
}

func isPermanent(err error) bool { return bot.IsPermanent(err) }
