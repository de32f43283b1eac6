package qunsu_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"qunsu"
)

// Texts decode as maps of language to wording; equal texts decoded again are
// equal, whether shared or not, and null is no text.
func TestTextDecodes(t *testing.T) {
	for _, js := range []string{`{"zh":"报备总部","en":"Report to HQ"}`, `{"zh":"确认收到"}`, `{}`} {
		var want map[qunsu.Lang]string
		if err := json.Unmarshal([]byte(js), &want); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			var got qunsu.Text
			if err := json.Unmarshal([]byte(js), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(map[qunsu.Lang]string(got), want) {
				t.Errorf("%s decoded as %v (time %d)", js, got, i+1)
			}
		}
	}
	var task qunsu.Task
	if err := json.Unmarshal([]byte(`{"key":"ack","name":null}`), &task); err != nil || task.Name != nil {
		t.Errorf("null name decoded as %v, %v", task.Name, err)
	}
	var bad qunsu.Text
	if err := json.Unmarshal([]byte(`{"zh":1}`), &bad); err == nil {
		t.Errorf("a text of numbers decoded as %v", bad)
	}
}

// Thousands of complaints decoded (a summary) share one map per distinct
// text, as freshly planned tasks share the configuration's.
func TestEqualTextsShareOneMap(t *testing.T) {
	js := []byte(`[{"key":"hq_report","name":{"zh":"报备总部客户关系部","en":"Report to HQ customer relations"}},` +
		`{"key":"hq_report","name":{"zh":"报备总部客户关系部","en":"Report to HQ customer relations"}}]`)
	var tasks []qunsu.Task
	if err := json.Unmarshal(js, &tasks); err != nil {
		t.Fatal(err)
	}
	if reflect.ValueOf(tasks[0].Name).UnsafePointer() != reflect.ValueOf(tasks[1].Name).UnsafePointer() {
		t.Error("two equal names decoded into two maps")
	}
	if tasks[1].Name.In(qunsu.LangEN) != "Report to HQ customer relations" {
		t.Errorf("name decoded as %v", tasks[1].Name)
	}
}
