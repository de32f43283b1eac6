package console

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"qunsu"
)

// print writes a message with the chat it goes to, rendering mentions as @name.
// A team chat is "created" the first time it is posted to, and people new to it
// are "invited", as a real platform would do.
func (c *Console) print(m qunsu.Message) {
	d := &c.Tenant.Directory
	name := func(id string) string {
		if p, ok := d.Person(id); ok {
			return p.Name
		}
		return id
	}
	prefix := c.chatLabel(m.Chat, name)
	if m.Chat.Kind == qunsu.ChatTeam {
		chat, known := c.chats[m.Chat.Complaint]
		if !known {
			chat = &teamChat{title: m.Title}
			c.chats[m.Chat.Complaint] = chat
		}
		var added []string
		for _, id := range m.Members {
			if !contains(chat.members, id) {
				added = append(added, name(id))
				chat.members = append(chat.members, id)
			}
		}
		switch {
		case !known:
			fmt.Fprintf(c.Out, "%s （已创建群聊「%s」，成员：%s）\n", prefix, m.Title, strings.Join(added, "、"))
		case len(added) > 0:
			fmt.Fprintf(c.Out, "%s （已邀请入群：%s）\n", prefix, strings.Join(added, "、"))
		}
	}
	text := qunsu.RenderMentions(m.Text, func(id string) string { return "@" + name(id) })
	text = qunsu.RenderChatLinks(text, func(id string) string {
		if chat, ok := c.chats[id]; ok {
			return "「" + chat.title + "」"
		}
		return "「" + id + "」"
	})
	for _, line := range strings.Split(text, "\n") {
		fmt.Fprintf(c.Out, "%s %s\n", prefix, line)
	}
	for _, f := range m.Files {
		path, err := c.save(f)
		if err != nil {
			fmt.Fprintf(c.Out, "%s 📎 %s 未能保存：%v\n", prefix, f.Name, err)
			continue
		}
		fmt.Fprintf(c.Out, "%s 📎 %s：%s\n", prefix, caption(f), path)
	}
}

// DefaultFiles is where the console writes files unless told: qunsu-files in the
// system's temporary directory.
func DefaultFiles() string { return filepath.Join(os.TempDir(), "qunsu-files") }

// save writes a posted file into the files directory under its own name; a
// name taken already (the summary asked for twice in a day) gets a number.
func (c *Console) save(f qunsu.File) (string, error) {
	dir := c.Files
	if dir == "" {
		dir = DefaultFiles()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	name := filepath.Base(strings.ReplaceAll(f.Name, "\\", "/"))
	if name == "." || name == "/" || name == ".." {
		name = "file"
	}
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for n := 1; n < 1000; n++ {
		path := filepath.Join(dir, name)
		if n > 1 {
			path = filepath.Join(dir, fmt.Sprintf("%s-%d%s", stem, n, ext))
		}
		out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		_, err = out.Write(f.Data)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		return path, err
	}
	return "", fmt.Errorf("too many files named %s in %s", name, dir)
}

// caption is what a file is called in the chat: its title, else its name.
func caption(f qunsu.File) string {
	if f.Title != "" {
		return f.Title
	}
	return f.Name
}

// teamChat is a complaint's team chat as the console shows it.
type teamChat struct {
	title   string
	members []string
}

func (c *Console) chatLabel(chat qunsu.Chat, name func(string) string) string {
	switch chat.Kind {
	case qunsu.ChatTeam:
		return "[群诉 " + chat.Complaint + "]"
	case qunsu.ChatManagers:
		if label := c.Tenant.Managers[Platform]; label != "" {
			return "[" + label + "]"
		}
		return "[管理层]"
	case qunsu.ChatDirect:
		return "[私信 " + name(chat.Person) + "]"
	}
	return "[" + chat.Name + "]"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
