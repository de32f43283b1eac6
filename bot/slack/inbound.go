package slack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"qunsu"
)

// maxBody bounds a request Slack sends; a bigger one is not Slack's. (The
// largest are form submissions, which carry the whole view: tens of KB.)
const maxBody = 1 << 20

// errReplay is a request whose id was seen: a replay, or a retry.
var errReplay = errors.New("replayed request")

// verified reads a request's body and checks that Slack signed it with the
// signing secret less than five minutes ago. Nothing else is read before.
func (a *Adapter) verified(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if tooLarge := (*http.MaxBytesError)(nil); errors.As(err, &tooLarge) {
		a.refuse(w, r, http.StatusRequestEntityTooLarge, "body over the size limit", err)
		return nil, false
	}
	if err != nil {
		a.refuse(w, r, http.StatusBadRequest, "unreadable body", err)
		return nil, false
	}
	if err := a.verify(r.Header, body); err != nil {
		a.refuse(w, r, http.StatusUnauthorized, "signature check failed", err)
		return nil, false
	}
	return body, true
}

// verify checks Slack's v0 signature: HMAC-SHA256 over "v0:timestamp:body",
// with the timestamp no more than five minutes off either way.
func (a *Adapter) verify(h http.Header, body []byte) error {
	v, err := slackgo.NewSecretsVerifier(h, a.cfg.SigningSecret)
	if err != nil {
		return err
	}
	if _, err := v.Write(body); err != nil {
		return err
	}
	return v.Ensure()
}

func (a *Adapter) refuse(w http.ResponseWriter, r *http.Request, status int, why string, err error) {
	a.log.Warn("request refused", "path", r.URL.Path, "remote", r.RemoteAddr, "status", status, "why", why, "err", err)
	http.Error(w, http.StatusText(status), status)
}

// answer is what an inbound request gets back: an HTTP status and body, or,
// in Socket Mode, the acknowledgement's payload.
type answer struct {
	status int
	body   any // JSON, or nil for an empty 200
	why    string
	err    error
}

var ok = answer{status: http.StatusOK}

func bad(why string, err error) answer {
	return answer{status: http.StatusBadRequest, why: why, err: err}
}

func (a *Adapter) write(w http.ResponseWriter, r *http.Request, ans answer) {
	if ans.status != http.StatusOK {
		a.refuse(w, r, ans.status, ans.why, ans.err)
		return
	}
	if ans.body == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(ans.body)
}

// take queues what someone said. A message seen before is not queued again.
// For events that is a success (Slack resends events, one message may come as
// two, and Slack turns off an app that answers events with errors); slash
// commands and clicks are never resent, so one seen twice is a replay, refused.
func (a *Adapter) take(ctx context.Context, in qunsu.Inbound, event bool) answer {
	in.Tenant, in.Platform, in.At = a.tenant.Tenant, Platform, time.Now()
	if in.Chat.Kind == "" {
		in.Chat = a.chat(ctx, in.Chat.ID, in.Chat.Name, in.Chat.ReplyURL)
	}
	if in.Email == "" {
		in.Email = a.people.emailOf(ctx, in.User)
	}
	queued, err := a.inbox.Accept(ctx, in)
	switch {
	case err != nil:
		a.log.Error("inbox unavailable", "err", err)
		return answer{status: http.StatusServiceUnavailable, why: "inbox unavailable", err: err}
	case !queued && !event:
		return answer{status: http.StatusConflict, why: "replayed", err: errReplay}
	case !queued:
		a.log.Info("event seen before; not acted on again", "id", in.ID)
	}
	return ok
}

// chat is where a message was said: a complaint's own channel is its team
// chat, so that answers there are not posted twice.
func (a *Adapter) chat(ctx context.Context, channel, name, replyURL string) qunsu.Chat {
	if complaint, found := a.complaintOf(ctx, channel); found {
		return qunsu.Chat{Kind: qunsu.ChatTeam, Complaint: complaint}
	}
	return qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: Platform, ID: channel, Name: name, ReplyURL: replyURL}
}

// serveCommand takes a slash command: `/qunsu <command>`.
func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request) {
	body, verified := a.verified(w, r)
	if !verified {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		a.write(w, r, bad("malformed form", err))
		return
	}
	a.write(w, r, a.takeCommand(r.Context(), form))
}

func (a *Adapter) takeCommand(ctx context.Context, form url.Values) answer {
	user, channel, trigger := form.Get("user_id"), form.Get("channel_id"), form.Get("trigger_id")
	if user == "" || channel == "" || trigger == "" {
		return bad("slash command without user, channel or trigger", nil)
	}
	text := strings.TrimSpace(form.Get("text"))
	if lang, ok := a.opensForm(text); ok {
		return a.openForm(ctx, trigger, a.reportForm(lang), formRef{Channel: channel, Report: true, Lang: lang})
	}
	if text == "" {
		text = "帮助"
		if a.tenant.Lang == qunsu.LangEN {
			text = "help"
		}
	}
	in := qunsu.Inbound{ID: "cmd:" + trigger, User: user, Text: text,
		Chat: qunsu.Chat{ID: channel, Name: form.Get("channel_name"), ReplyURL: form.Get("response_url")}}
	ans := a.take(ctx, in, false)
	if ans.status == http.StatusServiceUnavailable && a.unavailable != nil {
		// Only the person who typed it sees this; nothing was taken.
		return answer{status: http.StatusOK, body: map[string]string{"response_type": "ephemeral", "text": a.unavailable(a.langOf(text))}}
	}
	return ans
}

// langOf is the language a command is answered in: English for an English
// command word, as the engine does, else the tenant's.
func (a *Adapter) langOf(text string) qunsu.Lang {
	if words := strings.Fields(text); len(words) > 0 && isASCII(words[0]) {
		return qunsu.LangEN
	}
	return a.tenant.Lang
}

// opensForm reports whether a command is a report word alone, which opens the
// report form, and in which language.
func (a *Adapter) opensForm(text string) (qunsu.Lang, bool) {
	word := strings.ToLower(strings.TrimLeft(text, "/／"))
	if a.reportForm == nil || !slices.Contains(a.reportWords, word) {
		return "", false
	}
	return a.langOf(word), true
}

// event is the part of an Events API request qunsu reads.
type event struct {
	Type      string `json:"type"`
	Challenge string `json:"challenge"`
	EventID   string `json:"event_id"`
	Event     struct {
		Type        string `json:"type"`
		Subtype     string `json:"subtype"`
		User        string `json:"user"`
		BotID       string `json:"bot_id"`
		Text        string `json:"text"`
		Channel     string `json:"channel"`
		ChannelType string `json:"channel_type"`
		TS          string `json:"ts"`
	} `json:"event"`
}

// serveEvent takes Events API requests: the URL check, @-mentions and direct messages.
func (a *Adapter) serveEvent(w http.ResponseWriter, r *http.Request) {
	body, verified := a.verified(w, r)
	if !verified {
		return
	}
	a.write(w, r, a.takeEvent(r.Context(), body))
}

var leadingMention = regexp.MustCompile(`^\s*<@[A-Z0-9]+(\|[^>]*)?>[\s:：,，]*`)

func (a *Adapter) takeEvent(ctx context.Context, body []byte) answer {
	var e event
	if err := json.Unmarshal(body, &e); err != nil {
		return bad("malformed event", err)
	}
	switch e.Type {
	case "url_verification":
		return answer{status: http.StatusOK, body: map[string]string{"challenge": e.Challenge}}
	case "event_callback":
	default:
		return ok
	}
	ev := e.Event
	said := ev.Type == "app_mention" || (ev.Type == "message" && ev.ChannelType == "im")
	if !said || ev.BotID != "" || ev.Subtype != "" || ev.User == "" {
		return ok // edits, joins, and the bot's own posts
	}
	if ev.TS == "" || ev.Channel == "" {
		return bad("event without a message ts or channel", nil)
	}
	// One message is one command, whichever events announce it (a mention in
	// a direct message may come as both), and however often Slack retries.
	text := unescape(leadingMention.ReplaceAllString(ev.Text, ""))
	in := qunsu.Inbound{ID: "msg:" + ev.Channel + ":" + ev.TS, User: ev.User, Text: text, Chat: qunsu.Chat{ID: ev.Channel}}
	return a.take(ctx, in, true)
}

// unescape undoes Slack's escaping of typed text and its link markup
// (<mailto:a@b.c|a@b.c>, <http://x|x>), so the engine reads what was typed.
func unescape(s string) string {
	s = linkMarkup.ReplaceAllString(s, "$2")
	return mrkdwnUnescape.Replace(strings.TrimSpace(s))
}

var mrkdwnUnescape = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

var linkMarkup = regexp.MustCompile(`<((?:https?|mailto|tel):[^|>]*)\|([^>]*)>`)

func isASCII(s string) bool {
	for _, r := range s {
		if r > 127 {
			return false
		}
	}
	return true
}
