package wecom

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/util"
	"github.com/silenceper/wechat/v2/work/appchat"
	"github.com/silenceper/wechat/v2/work/config"
	wctx "github.com/silenceper/wechat/v2/work/context"
	"github.com/silenceper/wechat/v2/work/message"
	"github.com/silenceper/wechat/v2/work/robot"

	"qunsu/bot"
)

// cachePrefix names qunsu's access token in the shared cache.
const cachePrefix = "qunsu_wecom"

// tokens is the app's access token, kept in the shared cache by the SDK. WeCom
// hands out the same token while it is valid, so processes fetching at once
// agree; one WeCom refuses (40014, 42001) is dropped and fetched again.
type tokens struct {
	handle credential.AccessTokenContextHandle
	cache  cache.Cache
	key    string
}

func (t *tokens) drop() error { return t.cache.Delete(t.key) }

// sdk is the SDK's clients on the app's context.
func (a *Adapter) sdk() *wctx.Context {
	return &wctx.Context{Config: &config.Config{CorpID: a.cfg.CorpID, CorpSecret: a.cfg.Secret, AgentID: a.cfg.AgentID,
		Cache: a.token.cache}, AccessTokenHandle: a.token.handle}
}

// WeCom's error codes, and what they mean for a message.
var (
	tokenCodes     = map[int64]bool{40014: true, 42001: true, 41001: true}              // the access token: fetch a new one
	transientCodes = map[int64]bool{-1: true, 45009: true, 45033: true, 45047: true}    // busy, too frequent: back off
	setupCodes     = map[int64]bool{40001: true, 40013: true, 60011: true, 48002: true, // the app's set-up: wait for it to be mended
		60020: true, 40056: true, 301002: true}
)

// errcode returns the WeCom error code of err, if it is one.
func errcode(err error) (int64, bool) {
	var ce *util.CommonError
	if errors.As(err, &ce) {
		return ce.ErrCode, true
	}
	return 0, false
}

// classify says what the sender should do with an error: fetch a token and
// try again at once, back off and try again, wait for the set-up to be
// mended, or set the message aside (any other code: a bad userid, a chat that
// does not exist).
func (a *Adapter) classify(err error) error {
	code, ok := errcode(err)
	switch {
	case err == nil || !ok || bot.IsPermanent(err):
		return err // network errors and timeouts are retried by the sender
	case tokenCodes[code]:
		if derr := a.token.drop(); derr != nil {
			a.log.Warn("dropping the access token failed", "err", derr)
		}
		return &bot.RetryAfter{Wait: 10 * time.Millisecond, Err: err}
	case transientCodes[code]:
		return err
	case setupCodes[code]:
		return fmt.Errorf("WeCom refused the app (errcode %d): check the corp id, secret, the app's visibility and trusted IPs: %w", code, err)
	}
	return bot.Permanent(err)
}

// App group chats (应用群聊): the SDK sends to them; creating and changing
// them is written here in its style.
const (
	appChatCreateURL = "https://qyapi.weixin.qq.com/cgi-bin/appchat/create?access_token=%s"
	appChatUpdateURL = "https://qyapi.weixin.qq.com/cgi-bin/appchat/update?access_token=%s"
)

type (
	// appChatCreateRequest 创建群聊会话请求
	appChatCreateRequest struct {
		Name     string   `json:"name"`            // 群聊名，最多50个utf8字符
		Owner    string   `json:"owner,omitempty"` // 群主id
		UserList []string `json:"userlist"`        // 群成员id列表，至少2人，至多2000人
		ChatID   string   `json:"chatid"`          // 群聊id，最长32个字符，只允许0-9及a-zA-Z
	}
	// appChatCreateResponse 创建群聊会话响应
	appChatCreateResponse struct {
		util.CommonError
		ChatID string `json:"chatid"`
	}
	// appChatUpdateRequest 修改群聊会话请求
	appChatUpdateRequest struct {
		ChatID      string   `json:"chatid"`
		AddUserList []string `json:"add_user_list,omitempty"`
	}
)

// createAppChat creates an app group chat.
func (a *Adapter) createAppChat(ctx context.Context, req appChatCreateRequest) error {
	return a.call(ctx, appChatCreateURL, req, &appChatCreateResponse{}, "AppChatCreate")
}

// addToAppChat adds members to an app group chat.
func (a *Adapter) addToAppChat(ctx context.Context, chatID string, users []string) error {
	return a.call(ctx, appChatUpdateURL, appChatUpdateRequest{ChatID: chatID, AddUserList: users}, &struct{ util.CommonError }{}, "AppChatUpdate")
}

// call posts a JSON request with the access token and decodes the answer.
func (a *Adapter) call(ctx context.Context, urlFormat string, req, res any, apiName string) error {
	token, err := a.token.handle.GetAccessTokenContext(ctx)
	if err != nil {
		return err
	}
	data, err := util.PostJSONContext(ctx, fmt.Sprintf(urlFormat, token), req)
	if err != nil {
		return err
	}
	return util.DecodeWithError(data, res, apiName)
}

// Messages as the SDK sends them.
type (
	markdownField struct {
		Content string `json:"content"`
	}
	appMarkdown struct {
		*message.SendRequestCommon
		Markdown markdownField `json:"markdown"`
	}
	chatMarkdown struct {
		*appchat.SendRequestCommon
		Markdown markdownField `json:"markdown"`
	}
	robotMessage struct {
		MsgType  string         `json:"msgtype"`
		Text     *robotText     `json:"text,omitempty"`
		Markdown *markdownField `json:"markdown,omitempty"`
	}
	robotText struct {
		Content       string   `json:"content"`
		MentionedList []string `json:"mentioned_list,omitempty"`
	}
)

// duplicateWindow is how long WeCom refuses to deliver the same app message to
// the same member again: a message resent after a lost answer is not shown twice.
const duplicateWindow = 4 * 3600

// sendToMember sends markdown to a member through the app (应用消息).
func (a *Adapter) sendToMember(userID, content string) error {
	req := appMarkdown{SendRequestCommon: &message.SendRequestCommon{ToUser: userID, MsgType: "markdown", AgentID: a.cfg.AgentID,
		EnableDuplicateCheck: 1, DuplicateCheckInterval: duplicateWindow}, Markdown: markdownField{content}}
	_, err := message.NewClient(a.sdk()).Send("MessageSendMarkdown", req)
	return err
}

// sendToChat sends markdown to an app group chat.
func (a *Adapter) sendToChat(chatID, content string) error {
	req := chatMarkdown{SendRequestCommon: &appchat.SendRequestCommon{ChatID: chatID, MsgType: "markdown"}, Markdown: markdownField{content}}
	_, err := appchat.NewClient(a.sdk()).Send("AppChatSendMarkdown", req)
	return err
}

// sendToRobot posts through a group robot: text when someone is to be @-ed
// (only text mentions), else markdown.
func (a *Adapter) sendToRobot(key, content string, mentioned []string) error {
	msg := robotMessage{MsgType: "markdown", Markdown: &markdownField{content}}
	if len(mentioned) > 0 {
		msg = robotMessage{MsgType: "text", Text: &robotText{Content: content, MentionedList: mentioned}}
	}
	info, err := robot.NewClient(a.sdk()).RobotBroadcast(key, msg)
	if err == nil && info.ErrCode != 0 {
		err = util.NewCommonError("RobotBroadcast", info.ErrCode, info.ErrMsg)
	}
	return err
}
