package qunsu

import "testing"

func TestFormAnswer(t *testing.T) {
	f := Form{Command: "上报", Fields: []Field{
		{Key: "项目", Kind: FieldText}, {Key: "户数", Kind: FieldNumber},
		{Key: "行为", Kind: FieldChoices}, {Key: "发生", Kind: FieldTime, Optional: true},
		{Key: "描述", Kind: FieldLongText},
	}}
	line, fields := f.Answer([][]string{{"翡翠湾"}, {"35"}, {"banner", "media"}, nil, {"延期交付\n三个月  户数：80 a=b"}})
	if want := "上报 项目=翡翠湾 户数=35 行为=banner,media 描述=延期交付 三个月 户数：80 a=b"; line != want {
		t.Errorf("line %q\nwant %q", line, want)
	}
	want := map[string]string{"项目": "翡翠湾", "户数": "35", "行为": "banner,media", "描述": "延期交付 三个月 户数：80 a=b"}
	if len(fields) != len(want) {
		t.Errorf("fields %v", fields)
	}
	for k, v := range want {
		if fields[k] != v {
			t.Errorf("%s: %q, want %q", k, fields[k], v)
		}
	}
	note := Form{Command: "开会 QS-20261122-001", Fields: []Field{{Label: "纪要", Kind: FieldLongText}}}
	if line, fields := note.Answer([][]string{{"确定方案"}}); line != "开会 QS-20261122-001 确定方案" || fields != nil {
		t.Errorf("positional answer: %q %v", line, fields)
	}
}

func TestChatSame(t *testing.T) {
	team := Chat{Kind: ChatTeam, Complaint: "QS-20261122-001", Name: "翡翠湾"}
	if !team.Same(Chat{Kind: ChatTeam, Complaint: "QS-20261122-001"}) {
		t.Error("team chats of one complaint differ")
	}
	if team.Same(Chat{Kind: ChatTeam, Complaint: "QS-20261122-002"}) {
		t.Error("team chats of two complaints are the same")
	}
	a := Chat{Kind: ChatOrigin, Platform: "slack", ID: "C1", ReplyURL: "https://x"}
	if !a.Same(Chat{Kind: ChatOrigin, Platform: "slack", ID: "C1"}) || a.Same(Chat{Kind: ChatOrigin, Platform: "wecom", ID: "C1"}) {
		t.Error("origin chats compare by platform and id")
	}
}

func TestRenderChatLinks(t *testing.T) {
	got := RenderChatLinks("见 "+ChatLink("QS-20261122-001")+" 与 "+Mention("zhangwei"), func(id string) string { return "<#C1|" + id + ">" })
	if got != "见 <#C1|QS-20261122-001> 与 @{zhangwei}" {
		t.Errorf("got %q", got)
	}
}
