package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"qunsu/chart"
	"qunsu/internal/slackfake"
	"qunsu/internal/wecomfake"
)

// isChart reports whether data is a PNG of the summary chart's size with
// something drawn on it.
func isChart(t *testing.T, data []byte) bool {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Errorf("the chart does not decode: %v", err)
		return false
	}
	if b := img.Bounds(); b.Dx() != chart.Width || b.Dy() != chart.Height {
		t.Errorf("the chart is %dx%d, want %dx%d", b.Dx(), b.Dy(), chart.Width, chart.Height)
		return false
	}
	title := chart.TitleArea()
	first := img.At(0, 0)
	for y := title.Min.Y; y < title.Max.Y; y++ {
		for x := title.Min.X; x < title.Max.X; x++ {
			if img.At(x, y) != first {
				return true
			}
		}
	}
	t.Error("the chart's title area is blank")
	return false
}

// sharedPNGs returns the PNG files Slack holds shared in a channel.
func sharedPNGs(fake *slackfake.Server, channel string) []slackfake.File {
	var out []slackfake.File
	for _, f := range fake.Files() {
		if f.Completed && f.Channel == channel && bytes.HasPrefix(f.Data, []byte("\x89PNG")) {
			out = append(out, f)
		}
	}
	return out
}

// Through the real serve wiring on Slack: `/qunsu 汇总` answers with the
// summary and its chart uploaded to the channel, and the daily summary at
// 18:00 brings the managers theirs.
func TestServeSlack_SummaryChart(t *testing.T) {
	r := startSlackRig(t)
	r.command("U01ZHANGWEI", reportsChan, "上报 项目=翡翠湾 户数=35 行为=拉横幅 类别=交付 发生=08:30", "trig-report")
	r.waitFor("the card", func() bool { _, ok := r.fake.ChannelByName(complaintChan); return ok })

	r.command("U01ZHANGWEI", reportsChan, "汇总", "trig-summary")
	r.waitFor("the chart in the reports channel", func() bool { return len(sharedPNGs(r.fake, reportsChan)) == 1 })
	f := sharedPNGs(r.fake, reportsChan)[0]
	if f.Name != "群诉汇总-2026-11-22.png" || f.Title != "示例地产 群诉汇总 2026-11-22" || !isChart(t, f.Data) {
		t.Errorf("the chart: %s %q", f.Name, f.Title)
	}
	if len(r.posted(reportsChan, `每日群诉汇总`)) != 1 {
		t.Error("the summary's text is not posted once")
	}

	r.clock.Set(time.Date(2026, 11, 22, 18, 0, 0, 0, shanghai(t)))
	r.waitFor("the daily chart for the managers", func() bool { return len(sharedPNGs(r.fake, managersChan)) == 1 })
	isChart(t, sharedPNGs(r.fake, managersChan)[0].Data)
	r.waitDrained()
	time.Sleep(200 * time.Millisecond)
	if n := len(sharedPNGs(r.fake, reportsChan)) + len(sharedPNGs(r.fake, managersChan)); n != 2 {
		t.Errorf("%d charts shared, want 2", n)
	}
}

// images returns the image messages among msgs.
func images(msgs []wecomfake.Sent) []wecomfake.Sent {
	var out []wecomfake.Sent
	for _, m := range msgs {
		if m.MsgType == "image" && m.File != nil {
			out = append(out, m)
		}
	}
	return out
}

// Through the real serve wiring on WeCom: 汇总 to the app answers with the
// summary and its chart as an image message; the daily summary goes to the
// managers' group robot with its chart inline.
func TestServeWeCom_SummaryChart(t *testing.T) {
	r := startWeComRig(t)
	r.say("ZhangWei", "上报 项目=翡翠湾 户数=35 行为=拉横幅 类别=交付 发生=08:30", 3001)
	r.waitFor("the group chat", func() bool { return len(r.fake.Chats()) == 1 })

	r.say("ZhangWei", "汇总", 3002)
	r.waitFor("the chart to ZhangWei", func() bool { return len(images(r.fake.AppMessages("ZhangWei"))) == 1 })
	img := images(r.fake.AppMessages("ZhangWei"))[0]
	if img.File.Name != "群诉汇总-2026-11-22.png" || !isChart(t, img.File.Data) {
		t.Errorf("the chart: %+v", img.File.Name)
	}

	r.clock.Set(time.Date(2026, 11, 22, 18, 0, 0, 0, shanghai(t)))
	r.waitFor("the daily chart through the robot", func() bool { return len(images(r.fake.RobotMessages(robotKey))) == 1 })
	isChart(t, images(r.fake.RobotMessages(robotKey))[0].File.Data)
	if n := countSent(r.fake.RobotMessages(robotKey), "每日群诉汇总"); n != 1 {
		t.Errorf("the daily summary's text reached the robot %d times", n)
	}
}

// The console writes the summary's chart into its files directory and
// prints the path with the summary.
func TestConsoleSummaryChartFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "charts")
	var out bytes.Buffer
	script := "上报 项目=翡翠湾 户数=35 行为=拉横幅 类别=交付\n汇总\n"
	if err := run(context.Background(), []string{"--now", "2026-11-22T09:00:00+08:00", "--files", dir},
		strings.NewReader(script), &out, false); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	m := regexp.MustCompile(`\[控制台\] 📎 示例地产 群诉汇总 2026-11-22：(\S+)\n`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no chart path printed:\n%s", out.String())
	}
	if want := filepath.Join(dir, "群诉汇总-2026-11-22.png"); m[1] != want {
		t.Errorf("path %s, want %s", m[1], want)
	}
	data, err := os.ReadFile(m[1])
	if err != nil {
		t.Fatal(err)
	}
	isChart(t, data)
}
