package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode takes what Slack sends over a Socket Mode connection (opened
// with the app-level token) until ctx ends: the same requests as over HTTP,
// handled the same way, each envelope acknowledged. Slack authenticates the
// connection itself, so there is no signature to check.
func (a *Adapter) RunSocketMode(ctx context.Context) error {
	client := socketmode.New(a.api)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt, more := <-client.Events:
				if !more {
					return
				}
				a.onSocketEvent(ctx, client, evt)
			}
		}
	}()
	if err := client.RunContext(ctx); err != nil && ctx.Err() == nil {
		return fmt.Errorf("slack socket mode: %w", err)
	}
	return nil
}

func (a *Adapter) onSocketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		a.log.Info("socket mode connected")
		return
	case socketmode.EventTypeInvalidAuth:
		a.log.Error("socket mode: the app-level token was refused")
		return
	case socketmode.EventTypeSlashCommand, socketmode.EventTypeEventsAPI, socketmode.EventTypeInteractive:
	default:
		return
	}
	req := evt.Request
	var ans answer
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		ans = a.takeCommand(ctx, formOf(req.Payload))
	case socketmode.EventTypeEventsAPI:
		ans = a.takeEvent(ctx, req.Payload)
	case socketmode.EventTypeInteractive:
		ans = a.takeInteraction(ctx, req.Payload)
	}
	if ans.status == http.StatusServiceUnavailable && evt.Type == socketmode.EventTypeEventsAPI {
		return // not acknowledged: Slack sends it again
	}
	if ans.status != http.StatusOK {
		a.log.Warn("socket mode request refused", "type", evt.Type, "why", ans.why, "err", ans.err)
	}
	if err := client.AckCtx(ctx, req.EnvelopeID, ans.body); err != nil {
		a.log.Error("socket mode acknowledgement failed", "err", err)
	}
}

// formOf reads a slash command's Socket Mode payload (a JSON object of the
// fields the HTTP form has).
func formOf(payload json.RawMessage) url.Values {
	var fields map[string]any
	_ = json.Unmarshal(payload, &fields)
	form := url.Values{}
	for k, v := range fields {
		if s, ok := v.(string); ok {
			form.Set(k, s)
		}
	}
	return form
}
