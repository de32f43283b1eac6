package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	slackgo "github.com/slack-go/slack"

	"qunsu"
)

// formCallback marks qunsu's modals.
const formCallback = "qunsu_form"

// formRef travels in a modal's private_metadata: where the form was opened and
// which form it is, so the submission can be turned into a command.
type formRef struct {
	Channel  string     `json:"c"`
	Button   string     `json:"b,omitempty"` // the key of the button that opened it
	Report   bool       `json:"r,omitempty"` // the report form
	Lang     qunsu.Lang `json:"l,omitempty"`
	ReplyURL string     `json:"u,omitempty"`
}

// interaction is the part of an interactivity payload qunsu reads.
type interaction struct {
	Type        string `json:"type"`
	TriggerID   string `json:"trigger_id"`
	ResponseURL string `json:"response_url"`
	User        struct {
		ID string `json:"id"`
	} `json:"user"`
	Container struct {
		ChannelID string `json:"channel_id"`
	} `json:"container"`
	Channel struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"channel"`
	Actions []struct {
		ActionID string `json:"action_id"`
		Value    string `json:"value"`
	} `json:"actions"`
	View struct {
		ID              string             `json:"id"`
		CallbackID      string             `json:"callback_id"`
		PrivateMetadata string             `json:"private_metadata"`
		State           *slackgo.ViewState `json:"state"`
	} `json:"view"`
}

// serveInteraction takes button clicks and form submissions.
func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request) {
	body, verified := a.verified(w, r)
	if !verified {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		a.write(w, r, bad("interaction without payload", err))
		return
	}
	a.write(w, r, a.takeInteraction(r.Context(), []byte(form.Get("payload"))))
}

func (a *Adapter) takeInteraction(ctx context.Context, payload []byte) answer {
	var it interaction
	if err := json.Unmarshal(payload, &it); err != nil {
		return bad("malformed interaction", err)
	}
	if it.User.ID == "" {
		return bad("interaction without user", nil)
	}
	switch it.Type {
	case "block_actions":
		return a.takeClick(ctx, it)
	case "view_submission":
		if it.View.CallbackID == formCallback {
			return a.takeSubmission(ctx, it)
		}
	}
	return ok
}

// takeClick runs a card button's command, or opens its form first.
func (a *Adapter) takeClick(ctx context.Context, it interaction) answer {
	channel := it.Container.ChannelID
	if channel == "" {
		channel = it.Channel.ID
	}
	if len(it.Actions) == 0 || channel == "" || it.TriggerID == "" {
		return bad("click without action, channel or trigger", nil)
	}
	key := it.Actions[0].Value
	b, found, err := a.button(ctx, key)
	if err != nil {
		return answer{status: http.StatusServiceUnavailable, why: "memory unavailable", err: err}
	}
	if !found {
		a.log.Warn("a button nobody knows was clicked (expired or not ours)", "key", key)
		return ok
	}
	if b.Form != nil {
		return a.openForm(ctx, it.TriggerID, *b.Form, formRef{Channel: channel, Button: key, Lang: a.tenant.Lang, ReplyURL: it.ResponseURL})
	}
	in := qunsu.Inbound{ID: "act:" + it.TriggerID, User: it.User.ID, Text: b.Command,
		Chat: qunsu.Chat{ID: channel, Name: it.Channel.Name, ReplyURL: it.ResponseURL}}
	return a.take(ctx, in, false)
}

// takeSubmission turns a submitted form into the command it stands for.
func (a *Adapter) takeSubmission(ctx context.Context, it interaction) answer {
	var ref formRef
	if err := json.Unmarshal([]byte(it.View.PrivateMetadata), &ref); err != nil || ref.Channel == "" || it.View.ID == "" {
		return bad("form submission without its origin", err)
	}
	var f qunsu.Form
	switch {
	case ref.Report && a.reportForm != nil:
		f = a.reportForm(ref.Lang)
	case ref.Button != "":
		b, found, err := a.button(ctx, ref.Button)
		if err != nil {
			return answer{status: http.StatusServiceUnavailable, why: "memory unavailable", err: err}
		}
		if !found || b.Form == nil {
			return bad("form of an unknown button", nil)
		}
		f = *b.Form
	default:
		return bad("form submission of an unknown form", nil)
	}
	line, fields := f.Answer(answers(f, it.View.State, a.tenant.Location))
	in := qunsu.Inbound{ID: "view:" + it.View.ID, User: it.User.ID, Text: line, Fields: fields,
		Chat: qunsu.Chat{ID: ref.Channel, ReplyURL: ref.ReplyURL}}
	return a.take(ctx, in, false)
}

// answers reads a submitted form's values, field by field.
func answers(f qunsu.Form, state *slackgo.ViewState, loc *time.Location) [][]string {
	out := make([][]string, len(f.Fields))
	if state == nil {
		return out
	}
	for i, field := range f.Fields {
		v, ok := state.Values[blockID(i)][valueAction]
		if !ok {
			continue
		}
		switch field.Kind {
		case qunsu.FieldChoice:
			out[i] = []string{v.SelectedOption.Value}
		case qunsu.FieldChoices:
			for _, o := range v.SelectedOptions {
				out[i] = append(out[i], o.Value)
			}
		case qunsu.FieldTime:
			if v.SelectedDateTime > 0 {
				out[i] = []string{time.Unix(v.SelectedDateTime, 0).In(loc).Format("2006-01-02 15:04")}
			}
		default:
			out[i] = []string{v.Value}
		}
	}
	return out
}

// Each field is an input block "f<i>" whose element is "value".
const valueAction = "value"

func blockID(i int) string { return "f" + strconv.Itoa(i) }

// openForm shows a form as a modal. It must happen within Slack's 3 seconds of
// the click, so it is done here, not through the outbox.
func (a *Adapter) openForm(ctx context.Context, trigger string, f qunsu.Form, ref formRef) answer {
	view, err := formView(f, ref)
	if err == nil {
		_, err = a.api.OpenViewContext(ctx, trigger, view)
	}
	if err != nil {
		a.log.Error("opening a form failed", "form", f.Title, "err", err)
		text := "⚠️ " + f.Title
		if a.unavailable != nil {
			text = a.unavailable(ref.Lang)
		}
		// Seen by the one who asked (slash commands show it; clicks ignore it).
		return answer{status: http.StatusOK, body: map[string]string{"response_type": "ephemeral", "text": text}}
	}
	return ok
}

// formView lays a form out as a Slack modal.
func formView(f qunsu.Form, ref formRef) (slackgo.ModalViewRequest, error) {
	meta, err := json.Marshal(ref)
	if err != nil {
		return slackgo.ModalViewRequest{}, err
	}
	plain := func(s string, max int) *slackgo.TextBlockObject {
		return slackgo.NewTextBlockObject(slackgo.PlainTextType, clip(s, max), false, false)
	}
	var blocks []slackgo.Block
	for i, field := range f.Fields {
		var elem slackgo.BlockElement
		options := func() []*slackgo.OptionBlockObject {
			var out []*slackgo.OptionBlockObject
			for _, o := range field.Options {
				out = append(out, slackgo.NewOptionBlockObject(clip(o.Value, 150), plain(o.Label, 75), nil))
			}
			return out
		}
		switch field.Kind {
		case qunsu.FieldLongText:
			e := slackgo.NewPlainTextInputBlockElement(nil, valueAction)
			e.Multiline = true
			elem = e
		case qunsu.FieldNumber:
			e := slackgo.NewNumberInputBlockElement(nil, valueAction, false)
			e.MinValue = "1"
			elem = e
		case qunsu.FieldChoice:
			elem = slackgo.NewOptionsSelectBlockElement(slackgo.OptTypeStatic, nil, valueAction, options()...)
		case qunsu.FieldChoices:
			elem = slackgo.NewOptionsMultiSelectBlockElement(slackgo.MultiOptTypeStatic, nil, valueAction, options()...)
		case qunsu.FieldTime:
			elem = slackgo.NewDateTimePickerBlockElement(valueAction)
		case qunsu.FieldText:
			elem = slackgo.NewPlainTextInputBlockElement(nil, valueAction)
		default:
			return slackgo.ModalViewRequest{}, fmt.Errorf("form %q: field kind %q", f.Title, field.Kind)
		}
		var hint *slackgo.TextBlockObject
		if field.Hint != "" {
			hint = plain(field.Hint, 2000)
		}
		in := slackgo.NewInputBlock(blockID(i), plain(field.Label, 2000), hint, elem)
		in.Optional = field.Optional
		blocks = append(blocks, in)
	}
	return slackgo.ModalViewRequest{Type: slackgo.VTModal, Title: plain(f.Title, 24), Submit: plain(f.Submit, 24),
		Blocks: slackgo.Blocks{BlockSet: blocks}, PrivateMetadata: string(meta), CallbackID: formCallback}, nil
}
