package handlers

import (
	"context"
	"testing"

	"qunsu"
)

func TestReplyTimeAlreadyPassedIsRefused(t *testing.T) {
	r := newOrdinaryRig(t) // 2026-11-23 10:00
	id := r.report("上报 翡翠湾 35户 拉横幅 类别=交付 描述=交付延期")
	before := r.complaint(id).Version

	mustHave(t, "a time of this morning", r.answer("回复时间 "+id+" 08:00"),
		"回复时间 11-23 08:00 已过", "未作任何记录", "回复时间 "+id+" 11-24 18:00")
	if c := r.complaint(id); c.Version != before {
		t.Errorf("a refused reply time changed the complaint: version %d, was %d", c.Version, before)
	}
	events, err := r.st.Timeline(context.Background(), r.s.Tenant, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if e.Kind == qunsu.EventReplySet {
			t.Errorf("a refused reply time is on the timeline: %+v", e)
		}
	}

	mustHave(t, "a time ahead", r.answer("回复时间 "+id+" 18:00"), "18:00")
	if c := r.complaint(id); c.Version == before {
		t.Error("a reply time ahead was not recorded")
	}
}
