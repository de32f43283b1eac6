package slackfake_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"qunsu/internal/slackfake"
)

func newClient(s *slackfake.Server) *slack.Client {
	return slack.New(slackfake.BotToken, slack.OptionAPIURL(s.APIURL()))
}

// slackErr returns the Slack error code of err, "" when it is not a Slack error answer.
func slackErr(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

func section(text string) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)
}

func TestAuth(t *testing.T) {
	s := slackfake.New(t)
	res, err := newClient(s).AuthTest()
	if err != nil {
		t.Fatal(err)
	}
	if res.UserID != slackfake.BotUserID || res.TeamID != slackfake.TeamID || res.BotID == "" {
		t.Fatalf("auth.test = %+v", res)
	}
	if _, err := slack.New("xoxb-wrong", slack.OptionAPIURL(s.APIURL())).AuthTest(); slackErr(err) != "invalid_auth" {
		t.Fatalf("wrong token: %v", err)
	}
	if _, err := slack.New("", slack.OptionAPIURL(s.APIURL())).AuthTest(); slackErr(err) != "not_authed" {
		t.Fatalf("no token: %v", err)
	}
	// slack-go sends form methods with the token as a form field.
	if c := s.Calls("auth.test")[0]; c.Params["token"] != slackfake.BotToken || c.Status != 200 || c.Error != "" {
		t.Fatalf("call = %+v", c)
	}
	if got := len(s.Calls("auth.test")); got != 3 {
		t.Fatalf("%d auth.test calls recorded, want 3", got)
	}

	resp, err := http.Post(s.APIURL()+"no.such.method", "application/x-www-form-urlencoded", strings.NewReader("token="+slackfake.BotToken))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || body["error"] != "unknown_method" {
		t.Fatalf("unknown method: %d %v", resp.StatusCode, body)
	}
}

func TestChannels(t *testing.T) {
	s := slackfake.New(t)
	s.AddUser("U1", "liu", "liu@example.com")
	s.AddUser("U2", "wang", "wang@example.com")
	s.AddChannel("CPUB", "general", false, "U1")
	s.AddChannel("CPRIV", "secret", true, "U1")
	api := newClient(s)

	ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "qs-翡翠湾_1", IsPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ch.ID, "C") || !ch.IsPrivate || ch.Name != "qs-翡翠湾_1" {
		t.Fatalf("created %+v", ch)
	}
	got, ok := s.ChannelByName("qs-翡翠湾_1")
	if !ok || got.ID != ch.ID || len(got.Members) != 1 || got.Members[0] != slackfake.BotUserID {
		t.Fatalf("stored %+v", got)
	}

	for name, want := range map[string]string{
		"":                      "invalid_name_required",
		strings.Repeat("a", 81): "invalid_name_maxlength",
		"Upper":                 "invalid_name_specials",
		"has space":             "invalid_name_specials",
		"has.period":            "invalid_name_specials",
		"qs-翡翠湾_1":              "name_taken",
		"general":               "name_taken",
		strings.Repeat("翠", 80): "",
	} {
		_, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: name})
		if slackErr(err) != want {
			t.Errorf("create %q: %v, want %q", name, err, want)
		}
	}

	if _, err := api.InviteUsersToConversation(ch.ID, "U1", "U2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Channel(ch.ID); strings.Join(got.Members, ",") != "UBOT,U1,U2" {
		t.Fatalf("members %v", got.Members)
	}
	for _, tc := range []struct {
		channel string
		users   []string
		want    string
	}{
		{ch.ID, []string{"U1"}, "already_in_channel"},
		{ch.ID, []string{"U9"}, "user_not_found"},
		{ch.ID, []string{slackfake.BotUserID}, "cant_invite_self"},
		{"CNONE", []string{"U1"}, "channel_not_found"},
		{"CPUB", []string{"U2"}, "not_in_channel"},
	} {
		if _, err := api.InviteUsersToConversation(tc.channel, tc.users...); slackErr(err) != tc.want {
			t.Errorf("invite %v to %s: %v, want %s", tc.users, tc.channel, err, tc.want)
		}
	}

	if _, _, _, err := api.JoinConversation("CPRIV"); slackErr(err) != "method_not_supported_for_channel_type" {
		t.Errorf("join private: %v", err)
	}
	if _, _, _, err := api.JoinConversation("CPUB"); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Channel("CPUB"); strings.Join(c.Members, ",") != "U1,UBOT" {
		t.Fatalf("after join: %v", c.Members)
	}

	// Paging through conversations.list: the private channel the bot is not in stays hidden.
	var ids []string
	cursor := ""
	for range 10 {
		list, next, err := api.GetConversations(&slack.GetConversationsParameters{Types: []string{"public_channel", "private_channel"}, Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range list {
			ids = append(ids, c.ID)
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	if len(ids) != 3 || strings.Contains(strings.Join(ids, ","), "CPRIV") {
		t.Fatalf("listed %v", ids)
	}

	im, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil {
		t.Fatal(err)
	}
	again, _, already, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil || !strings.HasPrefix(im.ID, "D") || again.ID != im.ID || !already {
		t.Fatalf("open: %v %v %v %v", im.ID, again.ID, already, err)
	}
	if _, _, err := api.PostMessage(im.ID, slack.MsgOptionText("hi", false)); err != nil {
		t.Fatal(err)
	}
	// A user id as channel lands in the same direct message, as in Slack.
	if ch, _, err := api.PostMessage("U1", slack.MsgOptionText("again", false)); err != nil || ch != im.ID {
		t.Fatalf("post to user id: %q %v", ch, err)
	}
	if n := len(s.Messages(im.ID)); n != 2 {
		t.Fatalf("%d messages in the direct message", n)
	}
	if _, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U9"}}); slackErr(err) != "user_not_found" {
		t.Fatalf("open unknown: %v", err)
	}
	if n := len(s.Channels()); n != 4 {
		t.Fatalf("%d channels, want 4 (direct messages left out)", n)
	}
}

func TestMessages(t *testing.T) {
	s := slackfake.New(t)
	s.AddChannel("C1", "room", false, slackfake.BotUserID)
	s.AddChannel("C2", "other", false)
	api := newClient(s)

	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "群诉 QS-1", false, false)),
		slack.NewActionBlock("acts",
			slack.NewButtonBlockElement("ack", "QS-1", slack.NewTextBlockObject(slack.PlainTextType, "收到", false, false)),
		),
	}
	meta := slack.SlackMetadata{EventType: "complaint", EventPayload: map[string]any{"id": "QS-1", "households": 35}}
	channel, ts, err := api.PostMessage("C1", slack.MsgOptionText("群诉 QS-1", false), slack.MsgOptionBlocks(blocks...), slack.MsgOptionMetadata(meta))
	if err != nil {
		t.Fatal(err)
	}
	if channel != "C1" || ts == "" {
		t.Fatalf("posted %q %q", channel, ts)
	}
	call := s.Calls("chat.postMessage")[0]
	if !strings.HasPrefix(call.Params["blocks"], `[{"type":"header"`) || !strings.Contains(call.Params["metadata"], `"event_type":"complaint"`) {
		t.Fatalf("params %v", call.Params)
	}
	msgs := s.Messages("C1")
	if len(msgs) != 1 || msgs[0].User != slackfake.BotUserID || msgs[0].MetaType != "complaint" || msgs[0].MetaPayload["id"] != "QS-1" || msgs[0].Blocks == nil {
		t.Fatalf("stored %+v", msgs)
	}

	hist, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C1", IncludeAllMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.Messages) != 1 || hist.Messages[0].Metadata.EventType != "complaint" || hist.Messages[0].Metadata.EventPayload["households"] != float64(35) {
		t.Fatalf("history with metadata: %+v", hist.Messages)
	}
	if len(hist.Messages[0].Blocks.BlockSet) != 2 {
		t.Fatalf("blocks read back: %+v", hist.Messages[0].Blocks)
	}
	hist, err = api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	if hist.Messages[0].Metadata.EventType != "" {
		t.Fatalf("metadata without include_all_metadata: %+v", hist.Messages[0].Metadata)
	}

	if err := api.AddPin("C1", slack.NewRefToMessage("C1", ts)); err != nil {
		t.Fatal(err)
	}
	if err := api.AddPin("C1", slack.NewRefToMessage("C1", ts)); slackErr(err) != "already_pinned" {
		t.Fatalf("second pin: %v", err)
	}
	if err := api.AddPin("C1", slack.NewRefToMessage("C1", "1.000001")); slackErr(err) != "message_not_found" {
		t.Fatalf("pin unknown: %v", err)
	}
	if c, _ := s.Channel("C1"); len(c.Pins) != 1 || c.Pins[0] != ts {
		t.Fatalf("pins %v", c.Pins)
	}

	if _, _, _, err := api.UpdateMessage("C1", ts, slack.MsgOptionText("已结案", false), slack.MsgOptionBlocks()); err != nil {
		t.Fatal(err)
	}
	m := s.Messages("C1")[0]
	if m.Text != "已结案" || m.Blocks != nil || m.Edits != 1 || m.MetaType != "complaint" {
		t.Fatalf("after update %+v", m)
	}
	if _, _, _, err := api.UpdateMessage("C1", "1.000001", slack.MsgOptionText("x", false)); slackErr(err) != "message_not_found" {
		t.Fatalf("update unknown: %v", err)
	}

	if _, _, err := api.PostMessage("C2", slack.MsgOptionText("x", false)); slackErr(err) != "not_in_channel" {
		t.Fatalf("not a member: %v", err)
	}
	if _, _, err := api.PostMessage("CNONE", slack.MsgOptionText("x", false)); slackErr(err) != "channel_not_found" {
		t.Fatalf("unknown channel: %v", err)
	}
	if _, _, err := api.PostMessage("C1"); slackErr(err) != "no_text" {
		t.Fatalf("empty: %v", err)
	}

	// Paging, newest first; timestamps strictly increase.
	for i := range 3 {
		if _, _, err := api.PostMessage("C1", slack.MsgOptionText(string(rune('a'+i)), false)); err != nil {
			t.Fatal(err)
		}
	}
	page, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C1", Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !page.HasMore || page.Messages[0].Text != "c" || page.Messages[2].Text != "a" || page.ResponseMetaData.NextCursor == "" {
		t.Fatalf("page 1: %+v", page)
	}
	page, err = api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C1", Limit: 3, Cursor: page.ResponseMetaData.NextCursor})
	if err != nil || page.HasMore || len(page.Messages) != 1 || page.Messages[0].Timestamp != ts {
		t.Fatalf("page 2: %+v %v", page, err)
	}
	all := s.Messages("C1")
	for i := 1; i < len(all); i++ {
		if all[i].TS <= all[i-1].TS {
			t.Fatalf("ts not increasing: %s then %s", all[i-1].TS, all[i].TS)
		}
	}
}

func TestInvalidBlocks(t *testing.T) {
	s := slackfake.New(t)
	s.AddChannel("C1", "room", false, slackfake.BotUserID)
	api := newClient(s)
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	button := func(id string) slack.BlockElement { return slack.NewButtonBlockElement(id, "v", plain("ok")) }
	many := make([]slack.Block, 51)
	for i := range many {
		many[i] = slack.NewDividerBlock()
	}
	opts := make([]*slack.OptionBlockObject, 101)
	for i := range opts {
		opts[i] = slack.NewOptionBlockObject("v", plain("o"), nil)
	}
	for name, blocks := range map[string][]slack.Block{
		"header of 151 characters": {slack.NewHeaderBlock(plain(strings.Repeat("群", 151)))},
		"section of 3001":          {section(strings.Repeat("x", 3001))},
		"51 blocks":                many,
		"duplicate action_id":      {slack.NewActionBlock("", button("a")), slack.NewActionBlock("", button("a"))},
		"button text of 76":        {slack.NewActionBlock("", slack.NewButtonBlockElement("b", "v", plain(strings.Repeat("x", 76))))},
		"101 options":              {slack.NewActionBlock("", slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("pick"), "sel", opts...))},
		"confirm without deny": {slack.NewActionBlock("", slack.NewButtonBlockElement("b", "v", plain("ok")).
			WithConfirm(&slack.ConfirmationBlockObject{Title: plain("t"), Text: plain("x"), Confirm: plain("y")}))},
	} {
		_, _, err := api.PostMessage("C1", slack.MsgOptionText("x", false), slack.MsgOptionBlocks(blocks...))
		var se slack.SlackErrorResponse
		if !errors.As(err, &se) || se.Err != "invalid_blocks" || len(se.ResponseMetadata.Messages) == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := len(s.Messages("C1")); n != 0 {
		t.Fatalf("%d refused messages stored", n)
	}
	// Exactly at the limits is fine.
	if _, _, err := api.PostMessage("C1", slack.MsgOptionBlocks(slack.NewHeaderBlock(plain(strings.Repeat("群", 150))))); err != nil {
		t.Fatal(err)
	}
}

func TestFaults(t *testing.T) {
	s := slackfake.New(t)
	s.AddChannel("C1", "room", false, slackfake.BotUserID)
	api := newClient(s)

	s.FailNext("chat.postMessage", 1, slackfake.Fault{Status: 429, RetryAfter: 7})
	_, _, err := api.PostMessage("C1", slack.MsgOptionText("a", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
		t.Fatalf("429: %v", err)
	}

	s.FailNext("chat.postMessage", 1, slackfake.Fault{Error: "fatal_error"})
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("a", false)); slackErr(err) != "fatal_error" {
		t.Fatalf("error fault: %v", err)
	}

	s.FailNext("chat.postMessage", 1, slackfake.Fault{Status: 503})
	var sc slack.StatusCodeError
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("a", false)); !errors.As(err, &sc) || sc.Code != 503 {
		t.Fatalf("503: %v", err)
	}
	if n := len(s.Messages("C1")); n != 0 {
		t.Fatalf("faults stored %d messages", n)
	}

	s.FailNext("chat.postMessage", 1, slackfake.Fault{Drop: true})
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("lost answer", false)); err == nil {
		t.Fatal("dropped answer gave no error")
	}
	if m := s.Messages("C1"); len(m) != 1 || m[0].Text != "lost answer" {
		t.Fatalf("dropped call not carried out: %+v", m)
	}

	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("fine", false)); err != nil {
		t.Fatalf("after faults: %v", err)
	}
	calls := s.Calls("chat.postMessage")
	want := []struct {
		status int
		err    string
	}{{429, "ratelimited"}, {200, "fatal_error"}, {503, "fatal_error"}, {0, ""}, {200, ""}}
	if len(calls) != len(want) {
		t.Fatalf("%d calls", len(calls))
	}
	for i, w := range want {
		if calls[i].Status != w.status || calls[i].Error != w.err {
			t.Errorf("call %d: %d %q, want %d %q", i, calls[i].Status, calls[i].Error, w.status, w.err)
		}
	}
}

func TestLimitPosts(t *testing.T) {
	s := slackfake.New(t)
	s.AddChannel("C1", "room", false, slackfake.BotUserID)
	s.AddChannel("C2", "other", false, slackfake.BotUserID)
	s.LimitPosts(time.Minute)
	api := newClient(s)
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("1", false)); err != nil {
		t.Fatal(err)
	}
	_, _, err := api.PostMessage("C1", slack.MsgOptionText("2", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Fatalf("second post: %v", err)
	}
	if _, _, err := api.PostMessage("C2", slack.MsgOptionText("other channel", false)); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Messages("C1")); n != 1 {
		t.Fatalf("%d messages in C1", n)
	}
}

func TestUsers(t *testing.T) {
	s := slackfake.New(t)
	s.AddUser("U1", "刘洋", "liu@example.com")
	api := newClient(s)
	u, err := api.GetUserByEmail("LIU@example.com")
	if err != nil || u.ID != "U1" || u.Profile.Email != "liu@example.com" || u.RealName != "刘洋" {
		t.Fatalf("lookup: %+v %v", u, err)
	}
	if _, err := api.GetUserByEmail("nobody@example.com"); slackErr(err) != "users_not_found" {
		t.Fatalf("unknown email: %v", err)
	}
	if u, err := api.GetUserInfo("U1"); err != nil || u.Name != "刘洋" {
		t.Fatalf("info: %+v %v", u, err)
	}
	if _, err := api.GetUserInfo("U9"); slackErr(err) != "user_not_found" {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestViewsAndResponses(t *testing.T) {
	s := slackfake.New(t)
	api := newClient(s)
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	input := slack.NewInputBlock("desc", plain("描述"), nil, slack.NewPlainTextInputBlockElement(plain("..."), "desc"))
	view := slack.ModalViewRequest{
		Type:   slack.VTModal,
		Title:  plain("上报群诉"),
		Submit: plain("提交"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{input}},
	}
	res, err := api.OpenView("trig-1", view)
	if err != nil || res.View.ID == "" {
		t.Fatalf("open: %+v %v", res, err)
	}
	if c := s.Calls("views.open")[0]; !strings.HasPrefix(c.Params["view"], `{"type":"modal"`) || c.Params["trigger_id"] != "trig-1" {
		t.Fatalf("views.open params %v", c.Params)
	}
	if _, err := api.OpenView("trig-1", view); slackErr(err) != "exchanged_trigger_id" {
		t.Fatalf("trigger reused: %v", err)
	}
	bad := view
	bad.Title = plain(strings.Repeat("长", 25))
	var se slack.SlackErrorResponse
	if _, err := api.OpenView("trig-2", bad); !errors.As(err, &se) || se.Err != "invalid_arguments" || len(se.ResponseMetadata.Messages) == 0 {
		t.Fatalf("long title: %v", err)
	}
	// Modals may reuse an action_id in different input blocks.
	two := view
	two.Blocks = slack.Blocks{BlockSet: []slack.Block{
		slack.NewInputBlock("a", plain("甲"), nil, slack.NewPlainTextInputBlockElement(nil, "value")),
		slack.NewInputBlock("b", plain("乙"), nil, slack.NewPlainTextInputBlockElement(nil, "value")),
	}}
	if _, err := api.OpenView("trig-3", two); err != nil {
		t.Fatalf("reused action_id in a modal: %v", err)
	}
	noSubmit := view
	noSubmit.Submit = nil
	if _, err := api.OpenView("trig-4", noSubmit); slackErr(err) != "invalid_arguments" {
		t.Fatalf("input blocks without submit: %v", err)
	}
	if v := s.Views(); len(v) != 2 || v[0].TriggerID != "trig-1" {
		t.Fatalf("views %+v", v)
	}

	u := s.NewResponseURL()
	if err := slack.PostWebhook(u, &slack.WebhookMessage{Text: "已受理", ResponseType: "ephemeral"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessage("", slack.MsgOptionResponseURL(u, slack.ResponseTypeInChannel), slack.MsgOptionText("公开", false)); err != nil {
		t.Fatal(err)
	}
	r := s.Responses()
	if len(r) != 2 || r[0].URL != u || r[0].Body["text"] != "已受理" || r[1].Body["response_type"] != "in_channel" {
		t.Fatalf("responses %+v", r)
	}
}

func TestSocketMode(t *testing.T) {
	s := slackfake.New(t)
	api := slack.New(slackfake.BotToken, slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken(slackfake.AppToken))
	sm := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = sm.RunContext(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("socket mode client did not stop")
		}
	})

	cmds := make(chan slack.SlashCommand, 1)
	events := make(chan slackevents.EventsAPIEvent, 1)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-sm.Events:
				switch evt.Type {
				case socketmode.EventTypeSlashCommand:
					_ = sm.Ack(*evt.Request, map[string]any{"text": "收到"})
					cmds <- evt.Data.(slack.SlashCommand)
				case socketmode.EventTypeEventsAPI:
					_ = sm.Ack(*evt.Request)
					events <- evt.Data.(slackevents.EventsAPIEvent)
				}
			}
		}
	}()

	if !s.WaitConnected(5 * time.Second) {
		t.Fatal("client did not connect")
	}
	if c := s.Calls("apps.connections.open"); len(c) != 1 || c[0].Error != "" {
		t.Fatalf("apps.connections.open calls %+v", c)
	}

	id := s.SendEnvelope("slash_commands", slackfake.SlashCommandBody("/qs", "上报 项目=翡翠湾", "U1", "C1", "trig", s.NewResponseURL()))
	select {
	case cmd := <-cmds:
		if cmd.Command != "/qs" || cmd.Text != "上报 项目=翡翠湾" || cmd.UserID != "U1" || cmd.TeamID != slackfake.TeamID {
			t.Fatalf("command %+v", cmd)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no slash command arrived")
	}
	if !s.WaitFor(5*time.Second, func() bool { _, ok := s.Acked(id); return ok }) {
		t.Fatal("no ack")
	}
	if p, _ := s.Acked(id); string(p) != `{"text":"收到"}` {
		t.Fatalf("ack payload %s", p)
	}

	// Slack asks for a reconnect; the client comes back and gets the next envelope.
	s.Disconnect()
	if !s.WaitFor(5*time.Second, func() bool { return len(s.Calls("apps.connections.open")) == 2 }) || !s.WaitConnected(5*time.Second) {
		t.Fatal("client did not reconnect")
	}
	id = s.SendEnvelope("events_api", map[string]any{"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "channel": "C1", "ts": "1.000100", "event_ts": "1.000100"})
	select {
	case ev := <-events:
		if ev.Type != slackevents.CallbackEvent || ev.InnerEvent.Type != "app_mention" || ev.TeamID != slackfake.TeamID {
			t.Fatalf("event %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event arrived")
	}
	if !s.WaitFor(5*time.Second, func() bool { p, ok := s.Acked(id); return ok && p == nil }) {
		t.Fatal("no empty ack")
	}
}

func TestSocketModeWrongToken(t *testing.T) {
	s := slackfake.New(t)
	api := slack.New(slackfake.BotToken, slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken(slackfake.BotToken))
	if _, _, err := api.StartSocketModeContext(context.Background()); slackErr(err) != "invalid_auth" {
		t.Fatalf("bot token for apps.connections.open: %v", err)
	}
}

func TestSigning(t *testing.T) {
	// The example from Slack's documentation on verifying requests.
	body := "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	if got := slackfake.Sign("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, []byte(body)); got != "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503" {
		t.Fatalf("Sign = %s", got)
	}

	const secret = "signing-secret"
	s := slackfake.New(t)
	cmd := slackfake.SlashCommandBody("/qs", "上报 户数=35", "U1", "C1", "trig", s.NewResponseURL())
	verify := func(req *http.Request, body []byte) error {
		sv, err := slack.NewSecretsVerifier(req.Header, secret)
		if err != nil {
			return err
		}
		_, _ = sv.Write(body)
		return sv.Ensure()
	}
	req := slackfake.SignedRequest("http://127.0.0.1/slack/commands", secret, time.Now(), "application/x-www-form-urlencoded", cmd)
	if err := verify(req, cmd); err != nil {
		t.Fatalf("signed request does not verify: %v", err)
	}
	if err := verify(req, append(append([]byte{}, cmd...), 'x')); err == nil {
		t.Fatal("tampered body verifies")
	}
	if err := verify(slackfake.SignedRequest("http://127.0.0.1/", "other", time.Now(), "text/plain", cmd), cmd); err == nil {
		t.Fatal("wrong secret verifies")
	}
	parsed, err := slack.SlashCommandParse(req)
	if err != nil || parsed.Command != "/qs" || parsed.Text != "上报 户数=35" || parsed.TeamID != slackfake.TeamID || parsed.TriggerID != "trig" {
		t.Fatalf("parsed %+v %v", parsed, err)
	}

	ev, err := slackevents.ParseEvent(slackfake.EventBody("Ev1", map[string]any{"type": "app_mention", "text": "hi", "user": "U1", "channel": "C1"}), slackevents.OptionNoVerifyToken())
	if err != nil || ev.Type != slackevents.CallbackEvent || ev.InnerEvent.Type != "app_mention" {
		t.Fatalf("event body: %+v %v", ev, err)
	}

	ireq := slackfake.SignedRequest("http://127.0.0.1/", secret, time.Now(), "application/x-www-form-urlencoded",
		slackfake.InteractionBody(map[string]any{"type": "block_actions", "trigger_id": "t1", "user": map[string]any{"id": "U1"}}))
	if err := ireq.ParseForm(); err != nil {
		t.Fatal(err)
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(ireq.PostForm.Get("payload")), &cb); err != nil || cb.Type != slack.InteractionTypeBlockActions || cb.User.ID != "U1" {
		t.Fatalf("interaction %+v %v", cb, err)
	}
}

// TestChannelNames checks lookups by name: the first channel of a name in
// creation order wins, AddChannel may rename a channel, and direct messages
// have no name to be found by.
func TestChannelNames(t *testing.T) {
	s := slackfake.New(t)
	s.AddUser("U1", "liu", "liu@example.com")
	s.AddChannel("C1", "room", false, slackfake.BotUserID)
	s.AddChannel("C2", "room", false, slackfake.BotUserID)
	s.AddChannel("C3", "", false, slackfake.BotUserID)
	api := newClient(s)
	if c, _ := s.ChannelByName("room"); c.ID != "C1" {
		t.Fatalf("room is %s, want the first, C1", c.ID)
	}
	if ch, _, err := api.PostMessage("#room", slack.MsgOptionText("hi", false)); err != nil || ch != "C1" {
		t.Fatalf("post to #room: %q %v", ch, err)
	}

	// Renaming C1 leaves "room" to C2 and gives C1 the new name.
	s.AddChannel("C1", "lobby", false, slackfake.BotUserID)
	if c, _ := s.ChannelByName("room"); c.ID != "C2" {
		t.Fatalf("after the rename room is %s, want C2", c.ID)
	}
	if ch, _, err := api.PostMessage("lobby", slack.MsgOptionText("hi", false)); err != nil || ch != "C1" {
		t.Fatalf("post to lobby: %q %v", ch, err)
	}
	if _, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "lobby"}); slackErr(err) != "name_taken" {
		t.Fatalf("create lobby: %v", err)
	}
	// Renaming it back: C1 was created first, so "room" is C1 again.
	s.AddChannel("C1", "room", false, slackfake.BotUserID)
	if c, _ := s.ChannelByName("room"); c.ID != "C1" {
		t.Fatalf("after renaming back room is %s, want C1", c.ID)
	}
	if _, ok := s.ChannelByName("lobby"); ok {
		t.Fatal("lobby still found after the rename")
	}
	if _, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "lobby"}); err != nil {
		t.Fatalf("create lobby once free: %v", err)
	}

	im, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := s.ChannelByName(""); !ok || c.ID != "C3" {
		t.Fatalf("the unnamed channel is %+v, want C3 (the direct message %s has no name)", c, im.ID)
	}
	if c, ok := s.Channel(im.ID); !ok || c.ID != im.ID {
		t.Fatalf("direct message %s by id: %+v %v", im.ID, c, ok)
	}
}

// TestAnswerBytes pins how answers are written: keys in Slack's order, <, >
// and & escaped as encoding/json escapes them, blocks compacted.
func TestAnswerBytes(t *testing.T) {
	s := slackfake.New(t)
	s.AddChannel("C1", "room", false, slackfake.BotUserID)
	form := "token=" + slackfake.BotToken + "&channel=C1&text=" + url.QueryEscape("<@U1> & 群诉") +
		"&blocks=" + url.QueryEscape("[ {\"type\": \"section\",\n \"text\": {\"type\": \"mrkdwn\", \"text\": \"a > b\"}} ]")
	resp, err := http.Post(s.APIURL()+"chat.postMessage", "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	msgs := s.Messages("C1")
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	want := `{"ok":true,"channel":"C1","ts":"` + msgs[0].TS + `","message":{"user":"UBOT","type":"message","ts":"` + msgs[0].TS +
		`","bot_id":"BBOT","app_id":"A0TEST","text":"\u003c@U1\u003e \u0026 群诉","team":"T0TEST",` +
		`"bot_profile":{"id":"BBOT","app_id":"A0TEST","name":"bot","deleted":false,"team_id":"T0TEST"},` +
		`"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"a \u003e b"}}]}}`
	if string(body) != want {
		t.Fatalf("answer\n got %s\nwant %s", body, want)
	}
}
