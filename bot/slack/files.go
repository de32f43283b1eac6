package slack

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"qunsu"
)

// What the adapter remembers of a message with files, per tenant: that its
// text is posted, and the files uploaded for it ("<unix ms> F1,F2" before they
// are shared, "shared" after). A delivery resumed after a rate limit or a
// crash goes on from there instead of posting the text again.
func textPostedKey(key string) string { return "slack:posted:" + key }
func filesKey(key string) string      { return "slack:files:" + key }

// filesShared marks files shared with the channel.
const filesShared = "shared"

// partsKept is how long the marks are kept: longer than any delivery is retried.
const partsKept = 14 * 24 * time.Hour

// textPosted reports whether a message's text was posted by an earlier attempt.
func (a *Adapter) textPosted(ctx context.Context, m qunsu.Message) (bool, error) {
	if len(m.Files) == 0 {
		return false, nil
	}
	_, ok, err := a.memory.Recall(ctx, a.tenant.Tenant, textPostedKey(m.Key))
	return ok, err
}

// afterText posts a message's files once its text is posted, remembering
// that the text is, so that a failed upload does not post it again.
func (a *Adapter) afterText(ctx context.Context, channel string, m qunsu.Message) error {
	if len(m.Files) == 0 {
		return nil
	}
	if err := a.memory.Remember(context.WithoutCancel(ctx), a.tenant.Tenant, textPostedKey(m.Key), "1", partsKept); err != nil {
		return err
	}
	return a.postFiles(ctx, channel, m)
}

// postFiles uploads a message's files and shares them in one post to the
// channel (files.getUploadURLExternal, the bytes to the upload URL,
// files.completeUploadExternal). The file ids are remembered before they are
// shared: an attempt that does not know whether sharing went through looks
// for them in the channel's history, and shares them if they are not there.
func (a *Adapter) postFiles(ctx context.Context, channel string, m qunsu.Message) error {
	t := a.tenant.Tenant
	state, known, err := a.memory.Recall(ctx, t, filesKey(m.Key))
	if err != nil || state == filesShared {
		return err
	}
	if known {
		at, ids := parseUploaded(state)
		found, err := a.findFiles(ctx, channel, ids, at)
		if err != nil {
			return lookupFailed(err)
		}
		if !found {
			err = a.share(ctx, channel, m, ids)
		}
		if slackError(err) != "file_not_found" { // uploaded long ago and dropped: upload again
			return a.shared(ctx, m, err)
		}
	}
	var ids []string
	for _, f := range m.Files {
		id, err := a.upload(ctx, f)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	mark := strconv.FormatInt(time.Now().UnixMilli(), 10) + " " + strings.Join(ids, ",")
	if err := a.memory.Remember(context.WithoutCancel(ctx), t, filesKey(m.Key), mark, partsKept); err != nil {
		return err
	}
	return a.shared(ctx, m, a.share(ctx, channel, m, ids))
}

// shared records that a message's files are shared, when err says they are.
func (a *Adapter) shared(ctx context.Context, m qunsu.Message, err error) error {
	if err != nil {
		if code := slackError(err); (code == "not_in_channel" || code == "channel_not_found") && m.Chat.ReplyURL != "" {
			// The answer went through the response URL: files cannot follow it.
			a.log.Warn("files cannot be posted where the bot is not; the text went without them", "key", m.Key, "files", len(m.Files))
			return nil
		}
		return err
	}
	return a.memory.Remember(context.WithoutCancel(ctx), a.tenant.Tenant, filesKey(m.Key), filesShared, partsKept)
}

// upload sends one file's bytes to Slack and returns its id.
func (a *Adapter) upload(ctx context.Context, f qunsu.File) (string, error) {
	if len(f.Data) == 0 {
		return "", fmt.Errorf("file %s is empty", f.Name)
	}
	u, err := a.api.GetUploadURLExternalContext(ctx, slackgo.GetUploadURLExternalParameters{FileName: f.Name, FileSize: len(f.Data), AltTxt: f.Title})
	if err != nil {
		return "", err
	}
	err = a.api.UploadToURL(ctx, slackgo.UploadToURLParameters{UploadURL: u.UploadURL, Reader: bytes.NewReader(f.Data), Filename: f.Name})
	return u.FileID, err
}

// share posts uploaded files to the channel, titled.
func (a *Adapter) share(ctx context.Context, channel string, m qunsu.Message, ids []string) error {
	files := make([]slackgo.FileSummary, len(ids))
	for i, id := range ids {
		files[i] = slackgo.FileSummary{ID: id}
		if i < len(m.Files) {
			files[i].Title = m.Files[i].Title
		}
	}
	_, err := a.api.CompleteUploadExternalContext(ctx, slackgo.CompleteUploadExternalParameters{Files: files, Channel: channel})
	return err
}

// parseUploaded reads "<unix ms> F1,F2".
func parseUploaded(v string) (time.Time, []string) {
	ms, ids, _ := strings.Cut(v, " ")
	n, _ := strconv.ParseInt(ms, 10, 64)
	return time.UnixMilli(n), strings.Split(ids, ",")
}

// findFiles looks in a channel's history, since the files were uploaded (with
// a minute for clocks that differ), for a post sharing any of them.
func (a *Adapter) findFiles(ctx context.Context, channel string, ids []string, since time.Time) (bool, error) {
	params := &slackgo.GetConversationHistoryParameters{ChannelID: channel, Limit: 100,
		Oldest: strconv.FormatFloat(float64(since.Add(-time.Minute).UnixMicro())/1e6, 'f', 6, 64)}
	for page := 0; page < 20; page++ {
		res, err := a.api.GetConversationHistoryContext(ctx, params)
		if err != nil {
			return false, err
		}
		for _, msg := range res.Messages {
			for _, f := range msg.Files {
				for _, id := range ids {
					if f.ID == id {
						return true, nil
					}
				}
			}
		}
		if !res.HasMore || res.ResponseMetaData.NextCursor == "" {
			break
		}
		params.Cursor = res.ResponseMetaData.NextCursor
	}
	return false, nil
}
