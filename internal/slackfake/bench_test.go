package slackfake

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// BenchmarkPostAndUpdate is one chat.postMessage and one chat.update, as the
// bench's load generator makes them, while 10,000 channels exist: the fake's
// cost per round is charged to the machine being measured.
func BenchmarkPostAndUpdate(b *testing.B) {
	const channels = 10000
	s := New(b)
	ids := make([]string, channels)
	for i := range ids {
		ids[i] = fmt.Sprintf("C%08d", i)
		s.AddChannel(ids[i], fmt.Sprintf("complaint-%d", i), true, BotUserID)
	}
	blocks := `[{"type": "section", "text": {"type": "mrkdwn", "text": "群诉 <#C1|room> & 1 unhandled"}},
	 {"type": "actions", "elements": [{"type": "button", "action_id": "take", "text": {"type": "plain_text", "text": "Take"}, "value": "c-1"}]}]`
	call := func(method string, form url.Values) []byte {
		form.Set("token", BotToken)
		r := httptest.NewRequest(http.MethodPost, "/api/"+method, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		s.serveAPI(w, r)
		return w.Body.Bytes()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ch := ids[i%channels]
		out := call("chat.postMessage", url.Values{"channel": {ch}, "text": {"新群诉 <b> & more"}, "blocks": {blocks},
			"metadata": {`{"event_type":"complaint","event_payload":{"id":"c-1"}}`}})
		ts := out[strings.Index(string(out), `"ts":"`)+6:]
		ts = ts[:strings.IndexByte(string(ts), '"')]
		out = call("chat.update", url.Values{"channel": {ch}, "ts": {string(ts)}, "text": {"已认领"}, "blocks": {blocks}})
		if !strings.HasPrefix(string(out), `{"ok":true`) {
			b.Fatalf("chat.update: %s", out)
		}
	}
}
