package slackfake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"qunsu/internal/slackfake"
)

// slack-go's three-step upload: the fake keeps the bytes, shares the file in
// one message, and conversations.history shows the message with the file.
func TestFileUploadAndShare(t *testing.T) {
	s := slackfake.New(t)
	s.AddChannel("C0REPORTS", "reports", false, slackfake.BotUserID)
	api := newClient(s)
	data := []byte("\x89PNG\r\n\x1a\n not really")
	f, err := api.UploadFileContext(context.Background(), slack.UploadFileParameters{Filename: "chart.png", FileSize: len(data),
		Reader: bytes.NewReader(data), Title: "汇总", Channel: "C0REPORTS"})
	if err != nil {
		t.Fatal(err)
	}
	files := s.Files()
	if len(files) != 1 || files[0].ID != f.ID || !bytes.Equal(files[0].Data, data) || !files[0].Completed ||
		files[0].Title != "汇总" || files[0].Channel != "C0REPORTS" || files[0].Length != len(data) {
		t.Fatalf("files %+v", files)
	}
	hist, err := api.GetConversationHistoryContext(context.Background(), &slack.GetConversationHistoryParameters{ChannelID: "C0REPORTS"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.Messages) != 1 || len(hist.Messages[0].Files) != 1 || hist.Messages[0].Files[0].ID != f.ID ||
		hist.Messages[0].Files[0].Mimetype != "image/png" || hist.Messages[0].Files[0].Title != "汇总" {
		t.Errorf("history %+v", hist.Messages)
	}

	// Sharing it again, or a file never uploaded, is refused.
	_, err = api.CompleteUploadExternalContext(context.Background(), slack.CompleteUploadExternalParameters{
		Files: []slack.FileSummary{{ID: f.ID}}, Channel: "C0REPORTS"})
	if slackErr(err) != "file_not_found" {
		t.Errorf("sharing a shared file again: %v", err)
	}
	u, err := api.GetUploadURLExternalContext(context.Background(), slack.GetUploadURLExternalParameters{FileName: "a.csv", FileSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	_, err = api.CompleteUploadExternalContext(context.Background(), slack.CompleteUploadExternalParameters{
		Files: []slack.FileSummary{{ID: u.FileID}}, Channel: "C0REPORTS"})
	if slackErr(err) != "file_not_found" {
		t.Errorf("sharing a file whose bytes never came: %v", err)
	}
	if err := api.UploadToURL(context.Background(), slack.UploadToURLParameters{UploadURL: u.UploadURL, Content: "a,b", Filename: "a.csv"}); err != nil {
		t.Fatal(err)
	}
	_, err = api.CompleteUploadExternalContext(context.Background(), slack.CompleteUploadExternalParameters{
		Files: []slack.FileSummary{{ID: u.FileID}}, Channel: "C0NOWHERE"})
	if slackErr(err) != "channel_not_found" {
		t.Errorf("sharing to a channel that does not exist: %v", err)
	}
}

// files.getUploadURLExternal wants a name and a length, as Slack does.
func TestUploadURLNeedsNameAndLength(t *testing.T) {
	s := slackfake.New(t)
	res, err := http.PostForm(s.APIURL()+"files.getUploadURLExternal", url.Values{"token": {slackfake.BotToken}, "filename": {"a.png"}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var ans struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(body, &ans); err != nil || ans.OK || ans.Error != "invalid_arguments" {
		t.Errorf("answer %s", body)
	}
	// An upload URL takes raw bytes too, and answers as Slack does.
	u, err := newClient(s).GetUploadURLExternalContext(context.Background(), slack.GetUploadURLExternalParameters{FileName: "b.bin", FileSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	up, err := http.Post(u.UploadURL, "application/octet-stream", strings.NewReader("hi"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(up.Body)
	up.Body.Close()
	if up.StatusCode != http.StatusOK || string(b) != "OK - 2" || string(s.Files()[0].Data) != "hi" {
		t.Errorf("raw upload: %d %q", up.StatusCode, b)
	}
}
