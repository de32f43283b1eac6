package wecom

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/silenceper/wechat/v2/util"
	"github.com/silenceper/wechat/v2/work/appchat"
	"github.com/silenceper/wechat/v2/work/message"

	"qunsu"
	"qunsu/bot"
)

// Files go as WeCom takes them (/90253, /99110): the app uploads a file
// (media/upload, multipart field "media") and sends its media_id in an image
// message (a JPG or PNG of at most 10 MB) or a file message (anything up to
// 20 MB); a group robot takes a picture inline, base64 with its md5 (at most
// 2 MB), and any other file through its own upload (webhook/upload_media).
const (
	mediaUploadURL = "https://qyapi.weixin.qq.com/cgi-bin/media/upload?access_token=%s&type=%s"
	robotUploadURL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/upload_media?key=%s&type=file"

	minMedia      = 5 // bytes
	maxAppImage   = 10 << 20
	maxFile       = 20 << 20
	maxRobotImage = 2 << 20
)

type (
	mediaUploadResponse struct {
		util.CommonError
		Type      string `json:"type"`
		MediaID   string `json:"media_id"`
		CreatedAt string `json:"created_at"`
	}
	mediaField struct {
		MediaID string `json:"media_id"`
	}
	// media is an image or file message's body: one of the two is set.
	media struct {
		Image *mediaField `json:"image,omitempty"`
		File  *mediaField `json:"file,omitempty"`
	}
	appMedia struct {
		*message.SendRequestCommon
		media
	}
	chatMedia struct {
		*appchat.SendRequestCommon
		media
	}
	robotImage struct {
		Base64 string `json:"base64"`
		MD5    string `json:"md5"`
	}
)

// sendFile posts one file where a message goes, within WeCom's limits. A
// speaker who asked through the intelligent robot gets it through the app:
// the robot's response URL takes no files.
func (a *Adapter) sendFile(ctx context.Context, chat string, f qunsu.File) error {
	if len(f.Data) < minMedia || len(f.Data) > maxFile {
		return bot.Permanent(fmt.Errorf("file %s has %d bytes; WeCom takes %d to %d", f.Name, len(f.Data), minMedia, maxFile))
	}
	kind, rest, _ := strings.Cut(chat, ":")
	switch kind {
	case "aibot":
		_, user, _ := strings.Cut(rest, ":")
		if user == "" {
			a.log.Warn("a file for the intelligent robot with no speaker to send it to; left out", "file", f.Name)
			return nil
		}
		rest = user
		fallthrough
	case "user":
		return a.within(ctx, func() error { return a.sendMediaToMember(ctx, rest, f) }, appPerMinute(rest), appPerHour(rest))
	case "chat":
		limits, err := a.chatLimits(ctx, rest)
		if err != nil {
			return err
		}
		return a.within(ctx, func() error { return a.sendMediaToChat(ctx, rest, f) }, limits...)
	case "hook":
		key, ok := a.cfg.Robots[rest]
		if !ok {
			return bot.Permanent(fmt.Errorf("no group robot %q in wecom.robots", rest))
		}
		return a.within(ctx, func() error { return a.sendMediaToRobot(ctx, key, f) }, hookPerMinute(rest))
	}
	return bot.Permanent(fmt.Errorf("unknown chat %q", chat))
}

// isPicture reports whether WeCom shows a file as a picture: a JPG or PNG.
func isPicture(f qunsu.File) bool {
	return f.Type == qunsu.TypePNG || f.Type == "image/jpeg"
}

// appMediaOf uploads a file for the app and makes the message body that
// carries it.
func (a *Adapter) appMediaOf(ctx context.Context, f qunsu.File) (msgtype string, body media, err error) {
	msgtype = "file"
	if isPicture(f) && len(f.Data) <= maxAppImage {
		msgtype = "image"
	}
	token, err := a.token.handle.GetAccessTokenContext(ctx)
	if err != nil {
		return "", media{}, err
	}
	id, err := a.uploadMedia(ctx, fmt.Sprintf(mediaUploadURL, url.QueryEscape(token), msgtype), f, "MediaUpload")
	if msgtype == "image" {
		return msgtype, media{Image: &mediaField{MediaID: id}}, err
	}
	return msgtype, media{File: &mediaField{MediaID: id}}, err
}

// sendMediaToMember sends a file to a member through the app.
func (a *Adapter) sendMediaToMember(ctx context.Context, userID string, f qunsu.File) error {
	msgtype, body, err := a.appMediaOf(ctx, f)
	if err != nil {
		return err
	}
	req := appMedia{SendRequestCommon: &message.SendRequestCommon{ToUser: userID, MsgType: msgtype, AgentID: a.cfg.AgentID}, media: body}
	return a.call(ctx, messageSendURL, req, &message.SendResponse{}, "MessageSendMedia")
}

// sendMediaToChat sends a file to an app group chat.
func (a *Adapter) sendMediaToChat(ctx context.Context, chatID string, f qunsu.File) error {
	msgtype, body, err := a.appMediaOf(ctx, f)
	if err != nil {
		return err
	}
	req := chatMedia{SendRequestCommon: &appchat.SendRequestCommon{ChatID: chatID, MsgType: msgtype}, media: body}
	return a.call(ctx, appChatSendURL, req, &appchat.SendResponse{}, "AppChatSendMedia")
}

// sendMediaToRobot posts a file through a group robot: a picture inline, any
// other file uploaded with the robot's key first.
func (a *Adapter) sendMediaToRobot(ctx context.Context, key string, f qunsu.File) error {
	target := fmt.Sprintf(robotSendURL, url.QueryEscape(key))
	if isPicture(f) && len(f.Data) <= maxRobotImage {
		sum := md5.Sum(f.Data)
		img := &robotImage{Base64: base64.StdEncoding.EncodeToString(f.Data), MD5: hex.EncodeToString(sum[:])}
		return a.post(ctx, target, robotMessage{MsgType: "image", Image: img}, "RobotImage")
	}
	id, err := a.uploadMedia(ctx, fmt.Sprintf(robotUploadURL, url.QueryEscape(key)), f, "RobotUploadMedia")
	if err != nil {
		return err
	}
	return a.post(ctx, target, robotMessage{MsgType: "file", File: &mediaField{MediaID: id}}, "RobotFile")
}

// uploadMedia posts a file as WeCom's uploads take it and returns its media_id.
func (a *Adapter) uploadMedia(ctx context.Context, target string, f qunsu.File, apiName string) (string, error) {
	body, contentType, err := mediaForm(f)
	if err != nil {
		return "", err
	}
	data, err := util.HTTPPostContext(ctx, target, body, map[string]string{"Content-Type": contentType})
	if err != nil {
		return "", err
	}
	res := &mediaUploadResponse{}
	if err := util.DecodeWithError(data, res, apiName); err != nil {
		return "", err
	}
	return res.MediaID, nil
}

// mediaForm is the multipart body of an upload: one part named "media" with
// the file's name and length, as WeCom's example has it.
func mediaForm(f qunsu.File) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	name := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "").Replace(f.Name)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="media"; filename="%s"; filelength=%d`, name, len(f.Data)))
	h.Set("Content-Type", "application/octet-stream")
	part, err := w.CreatePart(h)
	if err == nil {
		_, err = part.Write(f.Data)
	}
	if err == nil {
		err = w.Close()
	}
	return buf.Bytes(), w.FormDataContentType(), err
}
