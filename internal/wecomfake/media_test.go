package wecomfake

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

var pngBytes = []byte("\x89PNG\r\n\x1a\n and the rest of a picture")

// upload posts a multipart body with a "media" part, as WeCom's example has
// it (filelength < 0: none).
func upload(t *testing.T, u, field, name string, data []byte, filelength int) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	cd := fmt.Sprintf(`form-data; name="%s"; filename="%s"`, field, name)
	if filelength >= 0 {
		cd += fmt.Sprintf("; filelength=%d", filelength)
	}
	h.Set("Content-Disposition", cd)
	h.Set("Content-Type", "application/octet-stream")
	p, _ := w.CreatePart(h)
	p.Write(data)
	w.Close()
	res, err := http.Post(u, w.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("answer %s: %v", body, err)
	}
	return m
}

// media/upload takes images (JPG, PNG) and files within their sizes and
// answers a media_id; image and file messages carry it, and the fake keeps
// what was sent.
func TestMediaUploadAndSend(t *testing.T) {
	s := New(t)
	clock := newClock(s)
	s.AddUser("alice", "Alice")
	tok := getToken(t, s)
	up := func(kind string) string { return api(s, "/cgi-bin/media/upload", tok) + "&type=" + kind }

	img := upload(t, up("image"), "media", "汇总.png", pngBytes, len(pngBytes))
	wantCode(t, img, 0)
	if img["type"] != "image" || img["media_id"] == "" {
		t.Fatalf("answer %v", img)
	}
	if _, ok := img["created_at"].(string); !ok {
		t.Errorf("created_at is not a string, as WeCom sends it: %v", img["created_at"])
	}
	wantCode(t, upload(t, up("gif"), "media", "a.gif", pngBytes, -1), 40004)
	wantCode(t, upload(t, up("image"), "media", "a.png", []byte("GIF89a not a png"), -1), 40005)
	wantCode(t, upload(t, up("file"), "media", "a.txt", []byte("abc"), -1), 40006)
	wantCode(t, upload(t, up("file"), "media", "a.txt", []byte("abcdef"), 7), 40006)
	wantCode(t, upload(t, up("file"), "other", "a.txt", []byte("abcdef"), -1), 44001)
	wantCode(t, upload(t, api(s, "/cgi-bin/media/upload", "nope")+"&type=file", "media", "a.txt", []byte("abcdef"), -1), 40014)

	// The SDK's own multipart upload is read the same way.
	util.SetURIModifier(s.Redirect)
	t.Cleanup(func() { util.SetURIModifier(nil) })
	raw, err := util.PostFileByStream("media", "月报.xlsx", "https://qyapi.weixin.qq.com/cgi-bin/media/upload?type=file&access_token="+tok, []byte("PK\x03\x04 workbook"))
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]any
	json.Unmarshal(raw, &file)
	wantCode(t, file, 0)

	send := api(s, "/cgi-bin/message/send", tok)
	wantCode(t, call(t, http.MethodPost, send, map[string]any{"touser": "alice", "agentid": AgentID, "msgtype": "image",
		"image": map[string]any{"media_id": img["media_id"]}}), 0)
	wantCode(t, call(t, http.MethodPost, send, map[string]any{"touser": "alice", "agentid": AgentID, "msgtype": "file",
		"file": map[string]any{"media_id": file["media_id"]}}), 0)
	wantCode(t, call(t, http.MethodPost, send, map[string]any{"touser": "alice", "agentid": AgentID, "msgtype": "image",
		"image": map[string]any{"media_id": file["media_id"]}}), 40007) // a file is not an image
	wantCode(t, call(t, http.MethodPost, send, map[string]any{"touser": "alice", "agentid": AgentID, "msgtype": "file",
		"file": map[string]any{"media_id": "3nope"}}), 40007)
	got := s.AppMessages("alice")
	if len(got) != 2 || got[0].MsgType != "image" || !bytes.Equal(got[0].File.Data, pngBytes) || got[0].File.Name != "汇总.png" ||
		got[1].MsgType != "file" || got[1].File.Name != "月报.xlsx" || string(got[1].File.Data) != "PK\x03\x04 workbook" {
		t.Errorf("delivered %+v", got)
	}
	if m := s.Media(); len(m) != 2 {
		t.Errorf("%d media kept, want 2", len(m))
	}

	// A media_id lasts three days.
	clock.Advance(3*24*time.Hour + time.Second)
	tok = getToken(t, s)
	wantCode(t, call(t, http.MethodPost, api(s, "/cgi-bin/message/send", tok), map[string]any{"touser": "alice", "agentid": AgentID,
		"msgtype": "image", "image": map[string]any{"media_id": img["media_id"]}}), 40007)
}

// A group robot takes a picture inline (base64 with its md5, at most 2 MB)
// and a file uploaded with its own key.
func TestRobotImageAndFile(t *testing.T) {
	s := New(t)
	s.AddRobot("k1")
	hook := s.URL + "/cgi-bin/webhook/send?key=k1"
	sum := md5.Sum(pngBytes)
	image := func(data []byte, md5hex string) map[string]any {
		return map[string]any{"msgtype": "image", "image": map[string]any{"base64": base64.StdEncoding.EncodeToString(data), "md5": md5hex}}
	}
	wantCode(t, call(t, http.MethodPost, hook, image(pngBytes, hex.EncodeToString(sum[:]))), 0)
	wantCode(t, call(t, http.MethodPost, hook, image(pngBytes, strings.Repeat("0", 32))), 40058)
	big := append(append([]byte{}, pngBytes...), make([]byte, 2<<20)...)
	bigSum := md5.Sum(big)
	wantCode(t, call(t, http.MethodPost, hook, image(big, hex.EncodeToString(bigSum[:]))), 40009)

	up := upload(t, s.URL+"/cgi-bin/webhook/upload_media?key=k1&type=file", "media", "月报.xlsx", []byte("PK workbook"), 11)
	wantCode(t, up, 0)
	wantCode(t, upload(t, s.URL+"/cgi-bin/webhook/upload_media?key=k1&type=image", "media", "a.png", pngBytes, -1), 40004)
	wantCode(t, upload(t, s.URL+"/cgi-bin/webhook/upload_media?key=nope&type=file", "media", "a.txt", []byte("abcdef"), -1), 93000)
	wantCode(t, call(t, http.MethodPost, hook, map[string]any{"msgtype": "file", "file": map[string]any{"media_id": up["media_id"]}}), 0)

	got := s.RobotMessages("k1")
	if len(got) != 2 || got[0].MsgType != "image" || !bytes.Equal(got[0].File.Data, pngBytes) ||
		got[1].MsgType != "file" || got[1].File.Name != "月报.xlsx" {
		t.Errorf("robot got %+v", got)
	}
}
