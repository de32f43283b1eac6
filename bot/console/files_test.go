package console

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"qunsu"
)

// Files posted are written into the files directory and their paths printed
// with the message; a name used twice gets a number, a name with a directory
// in it stays in the files directory.
func TestFilesAreWrittenAndTheirPathsPrinted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "files")
	var out bytes.Buffer
	c := &Console{Tenant: &qunsu.Settings{}, Out: &out, Files: dir, chats: map[string]*teamChat{}}
	png := qunsu.File{Name: "群诉汇总-2026-11-23.png", Type: qunsu.TypePNG, Title: "群诉汇总 2026-11-23", Data: []byte("\x89PNG one")}
	xlsx := qunsu.File{Name: "../月报-2026-11.xlsx", Type: qunsu.TypeXLSX, Data: []byte("PK report")}
	c.print(qunsu.Message{Chat: qunsu.Chat{Kind: qunsu.ChatManagers}, Text: "📊 汇总", Files: []qunsu.File{png, xlsx}})
	png.Data = []byte("\x89PNG two")
	c.print(qunsu.Message{Chat: qunsu.Chat{Kind: qunsu.ChatManagers}, Text: "📊 汇总", Files: []qunsu.File{png}})

	want := []struct{ path, data, line string }{
		{filepath.Join(dir, "群诉汇总-2026-11-23.png"), "\x89PNG one", "[管理层] 📎 群诉汇总 2026-11-23：" + filepath.Join(dir, "群诉汇总-2026-11-23.png")},
		{filepath.Join(dir, "月报-2026-11.xlsx"), "PK report", "[管理层] 📎 ../月报-2026-11.xlsx：" + filepath.Join(dir, "月报-2026-11.xlsx")},
		{filepath.Join(dir, "群诉汇总-2026-11-23-2.png"), "\x89PNG two", "[管理层] 📎 群诉汇总 2026-11-23：" + filepath.Join(dir, "群诉汇总-2026-11-23-2.png")},
	}
	for _, w := range want {
		got, err := os.ReadFile(w.path)
		if err != nil || string(got) != w.data {
			t.Errorf("%s holds %q (%v), want %q", w.path, got, err, w.data)
		}
		if !strings.Contains(out.String(), w.line+"\n") {
			t.Errorf("output lacks %q:\n%s", w.line, out.String())
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("%d files in the directory, want 3", len(entries))
	}
}

// A file that cannot be written is said so; the message is printed all the same.
func TestFileThatCannotBeWritten(t *testing.T) {
	blocked := filepath.Join(t.TempDir(), "blocked")
	if err := os.WriteFile(blocked, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	c := &Console{Tenant: &qunsu.Settings{}, Out: &out, Files: blocked, chats: map[string]*teamChat{}}
	c.print(qunsu.Message{Chat: qunsu.Chat{Kind: qunsu.ChatManagers}, Text: "📊 汇总",
		Files: []qunsu.File{{Name: "a.png", Type: qunsu.TypePNG, Data: []byte("x")}}})
	if s := out.String(); !strings.Contains(s, "📊 汇总") || !strings.Contains(s, "📎 a.png 未能保存") {
		t.Errorf("output:\n%s", s)
	}
}
