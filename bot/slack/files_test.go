package slack_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"qunsu"
	"qunsu/bot/slack"
	"qunsu/internal/fakeapi"
	"qunsu/internal/slackfake"
)

// posted waits until channel has n messages and returns them.
func (r *rig) posted(channel string, n int) []slackfake.Message {
	r.t.Helper()
	if !r.fake.WaitFor(10*time.Second, func() bool { return len(r.fake.Messages(channel)) >= n }) {
		r.t.Fatalf("%s has %d messages, want %d: %+v", channel, len(r.fake.Messages(channel)), n, r.fake.Messages(channel))
	}
	time.Sleep(300 * time.Millisecond) // anything doubled would have come by now
	return r.fake.Messages(channel)
}

// A message's files follow its text in a second post, a picture and a
// spreadsheet alike, each to its chat, once, though Slack refused the first
// try (429 on sharing, 500 on the upload): the text is not posted again.
func TestFilesFollowTheTextOnceAcrossRetries(t *testing.T) {
	r := newRig(t, slack.Config{})
	r.fake.AddChannel("C0MANAGERS", "managers", false, slackfake.BotUserID)
	r.fake.FailNext("files.completeUploadExternal", 1, slackfake.Fault{Status: http.StatusTooManyRequests, RetryAfter: 1})
	r.fake.FailNext("upload", 1, slackfake.Fault{Status: http.StatusInternalServerError})
	chart := qunsu.File{Name: "群诉汇总-2026-11-23.png", Type: qunsu.TypePNG, Title: "群诉汇总 2026-11-23", Data: fakeapi.SamplePNG(t)}
	report := qunsu.File{Name: "月报-2026-11.xlsx", Type: qunsu.TypeXLSX, Title: "11月月报", Data: []byte("PK\x03\x04 a workbook")}
	origin := qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: slack.Platform, ID: "C0REPORTS"}
	msgs := []qunsu.Message{
		{Chat: qunsu.Chat{Kind: qunsu.ChatManagers}, Text: "📊 每日群诉汇总", Files: []qunsu.File{chart}, Key: "summary:2026-11-23"},
		{Chat: origin, Text: "📈 11月月报", Files: []qunsu.File{report}, Key: "in:report#0"},
	}
	if err := r.st.Commit(ctx, qunsu.Change{Tenant: r.tenant.Tenant, Messages: msgs}); err != nil {
		t.Fatal(err)
	}
	stop := r.send()
	defer stop()

	for _, want := range []struct {
		channel, text string
		file          qunsu.File
	}{{"C0MANAGERS", "📊 每日群诉汇总", chart}, {"C0REPORTS", "📈 11月月报", report}} {
		got := r.posted(want.channel, 2)
		if len(got) != 2 || got[0].Text != want.text || len(got[0].Files) != 0 || len(got[1].Files) != 1 {
			t.Fatalf("%s: want the text, then one post with the file; got %+v", want.channel, got)
		}
		var f slackfake.File
		for _, ff := range r.fake.Files() {
			if ff.ID == got[1].Files[0] {
				f = ff
			}
		}
		if !f.Completed || f.Name != want.file.Name || f.Title != want.file.Title || f.Channel != want.channel ||
			f.Length != len(want.file.Data) || !bytes.Equal(f.Data, want.file.Data) {
			t.Errorf("%s: file %+v, want %s (%d bytes)", want.channel, f, want.file.Name, len(want.file.Data))
		}
	}
	var shared int
	for _, f := range r.fake.Files() {
		if f.Completed {
			shared++
			if f.Name == chart.Name {
				if !fakeapi.IsSamplePNG(f.Data) {
					t.Errorf("the uploaded chart does not decode to the picture sent")
				}
			}
		}
	}
	if shared != 2 {
		t.Errorf("%d files shared, want 2: %+v", shared, r.fake.Files())
	}
	refused := func(method string, status int) bool {
		for _, c := range r.fake.Calls(method) {
			if c.Status == status {
				return true
			}
		}
		return false
	}
	if !refused("files.completeUploadExternal", http.StatusTooManyRequests) || !refused("upload", http.StatusInternalServerError) {
		t.Error("the faults were not met: the test proves nothing")
	}
	if n := len(r.fake.Calls("chat.postMessage")); n != 2 {
		t.Errorf("%d chat.postMessage calls, want 2 (the texts, once each)", n)
	}
}

// Sharing that took effect but whose answer was lost is found in the
// channel's history: the files are not posted twice.
func TestFilesSharedBeforeALostAnswerAreNotSharedAgain(t *testing.T) {
	r := newRig(t, slack.Config{})
	r.fake.FailNext("files.completeUploadExternal", 1, slackfake.Fault{Drop: true})
	origin := qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: slack.Platform, ID: "C0REPORTS"}
	file := qunsu.File{Name: "群诉汇总-2026-11-23.png", Type: qunsu.TypePNG, Data: fakeapi.SamplePNG(t)}
	if err := r.st.Commit(ctx, qunsu.Change{Tenant: r.tenant.Tenant, Messages: []qunsu.Message{
		{Chat: origin, Text: "📊 汇总", Files: []qunsu.File{file, file}, Key: "in:x#0"}}}); err != nil {
		t.Fatal(err)
	}
	stop := r.send()
	defer stop()
	r.posted("C0REPORTS", 2)
	if !r.fake.WaitFor(5*time.Second, func() bool { return len(r.fake.Calls("conversations.history")) > 0 }) {
		t.Fatal("the retry did not look in the history")
	}
	time.Sleep(300 * time.Millisecond)
	got := r.fake.Messages("C0REPORTS")
	if len(got) != 2 || len(got[1].Files) != 2 {
		t.Errorf("want the text and one post with both files; got %+v", got)
	}
	if n := len(r.fake.Calls("files.completeUploadExternal")); n != 1 {
		t.Errorf("%d completeUploadExternal calls, want 1", n)
	}
	if n := len(r.fake.Calls("files.getUploadURLExternal")); n != 2 {
		t.Errorf("%d files uploaded, want 2", n)
	}
}
