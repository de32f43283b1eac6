package wecom

import (
	"bytes"
	"testing"
	"time"

	"qunsu"
	"qunsu/internal/fakeapi"
	"qunsu/internal/wecomfake"
)

// A message's files follow its text: through the group robot a picture goes
// inline and a spreadsheet through the robot's upload; through the app both
// are uploaded (type image, type file) and sent as image and file messages;
// in a group chat too. WeCom's -1 on an upload is retried; nothing is sent
// twice.
func TestFilesFollowTheTextOnEveryRoute(t *testing.T) {
	r := newRig(t)
	chart := qunsu.File{Name: "群诉汇总-2026-11-23.png", Type: qunsu.TypePNG, Title: "群诉汇总", Data: fakeapi.SamplePNG(t)}
	report := qunsu.File{Name: "月报-2026-11.xlsx", Type: qunsu.TypeXLSX, Title: "11月月报", Data: []byte("PK\x03\x04 a workbook")}
	r.fake.FailNext("/cgi-bin/media/upload", 1, -1)
	r.fake.FailNext("/cgi-bin/webhook/upload_media", 1, -1)
	team := qunsu.Chat{Kind: qunsu.ChatTeam, Complaint: "QS-20261122-001", Name: "翡翠湾"}
	stop := r.send(
		qunsu.Message{Chat: qunsu.Chat{Kind: qunsu.ChatManagers}, Text: "📊 汇总", Files: []qunsu.File{chart, report}, Key: "summary"},
		qunsu.Message{Chat: qunsu.Chat{Kind: qunsu.ChatDirect, Person: "zhangwei"}, Text: "📈 月报", Files: []qunsu.File{report, chart}, Key: "direct"},
		qunsu.Message{Chat: team, Title: "群诉 QS-20261122-001 翡翠湾", Members: []string{"zhangwei", "liqiang"}, Owner: "zhangwei",
			Text: "📊 本群", Files: []qunsu.File{chart}, Key: "team"},
	)
	defer stop()
	chatID := chatIDOf(r.tenant.Tenant, "QS-20261122-001")
	if !r.fake.WaitFor(10*time.Second, func() bool {
		c, _ := r.fake.Chat(chatID)
		return len(r.fake.RobotMessages(managerKey)) >= 3 && len(r.fake.AppMessages("ZhangWei")) >= 3 && len(c.Messages) >= 2
	}) {
		c, _ := r.fake.Chat(chatID)
		t.Fatalf("robot %+v\napp %+v\nchat %+v", r.fake.RobotMessages(managerKey), r.fake.AppMessages("ZhangWei"), c.Messages)
	}
	time.Sleep(300 * time.Millisecond) // anything doubled would have come by now

	check := func(where string, got []wecomfake.Sent, want ...string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: %d messages, want %d: %+v", where, len(got), len(want), got)
			return
		}
		for i, w := range want {
			g := got[i]
			switch w {
			case "chart":
				if g.MsgType != "image" || g.File == nil || !fakeapi.IsSamplePNG(g.File.Data) {
					t.Errorf("%s #%d: want the chart as an image, got %s %+v", where, i, g.MsgType, g.File)
				}
			case "report":
				if g.MsgType != "file" || g.File == nil || g.File.Name != report.Name || !bytes.Equal(g.File.Data, report.Data) {
					t.Errorf("%s #%d: want the report as a file, got %s %+v", where, i, g.MsgType, g.File)
				}
			default:
				if g.MsgType != "markdown" || g.Content != w {
					t.Errorf("%s #%d: want %q, got %s %q", where, i, w, g.MsgType, g.Content)
				}
			}
		}
	}
	check("robot", r.fake.RobotMessages(managerKey), "📊 汇总", "chart", "report")
	check("app", r.fake.AppMessages("ZhangWei"), "📈 月报", "report", "chart")
	c, _ := r.fake.Chat(chatID)
	check("group chat", c.Messages, "📊 本群", "chart")

	var images, files int
	for _, m := range r.fake.Media() {
		switch m.Type {
		case "image":
			images++
		case "file":
			files++
		}
	}
	if images != 2 || files != 2 { // app: chart twice, report once; robot: report once (its chart went inline)
		t.Errorf("uploaded %d images and %d files, want 2 and 2", images, files)
	}
	if n := len(r.fake.Calls("/cgi-bin/media/upload")); n != 4 { // one refused with -1
		t.Errorf("%d app uploads, want 4", n)
	}
	if n := len(r.fake.Calls("/cgi-bin/webhook/upload_media")); n != 2 { // one refused with -1
		t.Errorf("%d robot uploads, want 2", n)
	}
}

// A file for someone who asked through the intelligent robot goes to them
// through the app: the robot's response URL takes no files.
func TestFilesForTheRobotGoThroughTheApp(t *testing.T) {
	r := newRig(t)
	chat := qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: Platform, ID: robotChat("wrGroup1", "LiQiang"), ReplyURL: r.fake.NewResponseURL()}
	chart := qunsu.File{Name: "群诉汇总-2026-11-23.png", Type: qunsu.TypePNG, Data: fakeapi.SamplePNG(t)}
	stop := r.send(qunsu.Message{Chat: chat, Text: "📊 汇总", Files: []qunsu.File{chart}, Key: "robot"})
	defer stop()
	if !r.fake.WaitFor(5*time.Second, func() bool { return len(r.fake.AppMessages("LiQiang")) == 2 }) {
		t.Fatalf("app messages %+v", r.fake.AppMessages("LiQiang"))
	}
	got := r.fake.AppMessages("LiQiang")
	if got[0].Content != "📊 汇总" || got[1].MsgType != "image" || got[1].File == nil || !fakeapi.IsSamplePNG(got[1].File.Data) {
		t.Errorf("to LiQiang: %+v", got)
	}
}
