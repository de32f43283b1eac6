package wecom

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/util"
	"github.com/silenceper/wechat/v2/work/appchat"
	"github.com/silenceper/wechat/v2/work/message"

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

	mu      sync.Mutex
	dropped time.Time // when a refused token was last dropped
}

// drop forgets the token WeCom refused and reports whether this is the first
// refusal in a while: then the message is tried again at once; a token that
// keeps being refused (a proxy that loses the query string, say) is backed
// off like any failure.
func (t *tokens) drop() (first bool, err error) {
	t.mu.Lock()
	first = time.Since(t.dropped) > 30*time.Second
	t.dropped = time.Now()
	t.mu.Unlock()
	return first, t.cache.Delete(t.key)
}

// WeCom's error codes, and what they mean for a message.
var (
	// the access token: fetch a new one
	tokenCodes = map[int64]bool{40014: true, 42001: true, 41001: true}
	// busy, too frequent: back off
	transientCodes = map[int64]bool{-1: true, 45009: true, 45033: true}
	// the app's set-up (secret, corp id, visibility, trusted IPs): wait for it to be mended
	setupCodes = map[int64]bool{40001: true, 40013: true, 60011: true, 48002: true, 60020: true, 40056: true, 301002: true}
	// a userid WeCom does not take
	memberCodes = map[int64]bool{86216: true, 86007: true, 40003: true, 60111: true, 81013: true}
)

// tokenRefusal is how the SDK reports gettoken's refusals: as text.
var tokenRefusal = regexp.MustCompile(`get access_token error : errcode=(-?\d+)`)

// errcode returns the WeCom error code of err, if it is one.
func errcode(err error) (int64, bool) {
	var ce *util.CommonError
	if errors.As(err, &ce) {
		return ce.ErrCode, true
	}
	if err != nil {
		if m := tokenRefusal.FindStringSubmatch(err.Error()); m != nil {
			code, _ := strconv.ParseInt(m[1], 10, 64)
			return code, true
		}
	}
	return 0, false
}

var _ bot.ErrorCoder = (*Adapter)(nil)

// ErrorCode names a WeCom error for monitoring: its errcode ("45009"), or ""
// for an error that is not WeCom's (a network failure).
func (a *Adapter) ErrorCode(err error) string {
	if code, ok := errcode(err); ok {
		return strconv.FormatInt(code, 10)
	}
	return ""
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
		first, derr := a.token.drop()
		if derr != nil {
			a.log.Warn("dropping the access token failed", "err", derr)
		}
		if first {
			return &bot.RetryAfter{Wait: 10 * time.Millisecond, Err: err}
		}
		return err
	case transientCodes[code]:
		return err
	case setupCodes[code]:
		return fmt.Errorf("WeCom refused the app (errcode %d): check the corp id, secret, the app's visibility and trusted IPs: %w", code, err)
	}
	return bot.Permanent(err)
}

// The SDK keeps the access token and the request and answer types; the calls
// are written here in its style, each bound to its context (the SDK's own
// send calls take none, and it has no appchat create, update or get).
const (
	appChatCreateURL = "https://qyapi.weixin.qq.com/cgi-bin/appchat/create?access_token=%s"
	appChatUpdateURL = "https://qyapi.weixin.qq.com/cgi-bin/appchat/update?access_token=%s"
	appChatGetURL    = "https://qyapi.weixin.qq.com/cgi-bin/appchat/get?access_token=%s&chatid=%s"
	appChatSendURL   = "https://qyapi.weixin.qq.com/cgi-bin/appchat/send?access_token=%s"
	messageSendURL   = "https://qyapi.weixin.qq.com/cgi-bin/message/send?access_token=%s"
	userGetURL       = "https://qyapi.weixin.qq.com/cgi-bin/user/get?access_token=%s&userid=%s"
)

type (
	// appChatCreateRequest 创建群聊会话请求
	appChatCreateRequest struct {
		Name     string   `json:"name"`            // 群聊名，最多50个utf8字符
		Owner    string   `json:"owner,omitempty"` // 群主id
		UserList []string `json:"userlist"`        // 群成员id列表，至少2人，至多2000人
		ChatID   string   `json:"chatid"`          // 群聊id，最长32个字符，只允许0-9及a-zA-Z
	}
	// appChatUpdateRequest 修改群聊会话请求
	appChatUpdateRequest struct {
		ChatID      string   `json:"chatid"`
		AddUserList []string `json:"add_user_list,omitempty"`
	}
	// appChatGetResponse 获取群聊会话响应
	appChatGetResponse struct {
		util.CommonError
		ChatInfo struct {
			ChatID   string   `json:"chatid"`
			Name     string   `json:"name"`
			Owner    string   `json:"owner"`
			UserList []string `json:"userlist"`
		} `json:"chat_info"`
	}
	commonResponse struct{ util.CommonError }
)

// createAppChat creates an app group chat.
func (a *Adapter) createAppChat(ctx context.Context, req appChatCreateRequest) error {
	return a.call(ctx, appChatCreateURL, req, &commonResponse{}, "AppChatCreate")
}

// addToAppChat adds members to an app group chat.
func (a *Adapter) addToAppChat(ctx context.Context, chatID string, users []string) error {
	return a.call(ctx, appChatUpdateURL, appChatUpdateRequest{ChatID: chatID, AddUserList: users}, &commonResponse{}, "AppChatUpdate")
}

// getAppChat reads an app group chat: its name and members.
func (a *Adapter) getAppChat(ctx context.Context, chatID string) (*appChatGetResponse, error) {
	res := &appChatGetResponse{}
	return res, a.get(ctx, func(token string) string {
		return fmt.Sprintf(appChatGetURL, url.QueryEscape(token), url.QueryEscape(chatID))
	}, res, "AppChatGet")
}

// memberExists reports whether WeCom knows a userid (读取成员). The app sees
// every member: its visibility is the root department, as app group chats
// require.
func (a *Adapter) memberExists(ctx context.Context, userID string) (bool, error) {
	err := a.get(ctx, func(token string) string {
		return fmt.Sprintf(userGetURL, url.QueryEscape(token), url.QueryEscape(userID))
	}, &commonResponse{}, "UserGet")
	if code, ok := errcode(err); ok && memberCodes[code] {
		return false, nil
	}
	return err == nil, err
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

// get reads a JSON answer from the URL built with the access token.
func (a *Adapter) get(ctx context.Context, build func(token string) string, res any, apiName string) error {
	token, err := a.token.handle.GetAccessTokenContext(ctx)
	if err != nil {
		return err
	}
	data, err := util.HTTPGetContext(ctx, build(token))
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
		Image    *robotImage    `json:"image,omitempty"`
		File     *mediaField    `json:"file,omitempty"`
	}
	robotText struct {
		Content       string   `json:"content"`
		MentionedList []string `json:"mentioned_list,omitempty"`
	}
)

// sendToMember sends markdown to a member through the app (应用消息). WeCom's
// duplicate check is left off: it compares whole messages, so it would
// swallow a second, identical answer meant to be seen.
func (a *Adapter) sendToMember(ctx context.Context, userID, content string) error {
	req := appMarkdown{SendRequestCommon: &message.SendRequestCommon{ToUser: userID, MsgType: "markdown", AgentID: a.cfg.AgentID},
		Markdown: markdownField{content}}
	return a.call(ctx, messageSendURL, req, &message.SendResponse{}, "MessageSendMarkdown")
}

// sendToChat sends markdown to an app group chat.
func (a *Adapter) sendToChat(ctx context.Context, chatID, content string) error {
	req := chatMarkdown{SendRequestCommon: &appchat.SendRequestCommon{ChatID: chatID, MsgType: "markdown"}, Markdown: markdownField{content}}
	return a.call(ctx, appChatSendURL, req, &appchat.SendResponse{}, "AppChatSendMarkdown")
}

// sendToRobot posts through a group robot: text when someone is to be @-ed
// (mentioned_list), else markdown.
func (a *Adapter) sendToRobot(ctx context.Context, key, content string, mentioned []string) error {
	msg := robotMessage{MsgType: "markdown", Markdown: &markdownField{content}}
	if len(mentioned) > 0 {
		msg = robotMessage{MsgType: "text", Text: &robotText{Content: content, MentionedList: mentioned}}
	}
	return a.post(ctx, fmt.Sprintf(robotSendURL, url.QueryEscape(key)), msg, "RobotBroadcast")
}

// robotSendURL is the group robots' webhook (群机器人).
const robotSendURL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=%s"

// post posts JSON to a URL that carries its own credential (a webhook, a
// response URL) and decodes WeCom's answer.
func (a *Adapter) post(ctx context.Context, target string, req any, apiName string) error {
	data, err := util.PostJSONContext(ctx, target, req)
	if err != nil {
		return err
	}
	return util.DecodeWithCommonError(data, apiName)
}
