package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu/internal/slackfake"
	"qunsu/internal/wecomfake"
)

// selfCheck spoils the record on purpose once the replicas are stopped (a
// post made twice on each platform, an acknowledged report that is not
// stored, a timer left to fire that never will) and accounts again: the
// ledger must find each of them, or its all-clear would mean nothing.
func selfCheck(ctx context.Context, c *cluster, lg *ledger, snap *snapshot, base *tally, requests []request) error {
	var key, text string
	for _, m := range c.slack.Messages(reportsChan) {
		if k, _ := m.MetaPayload["key"].(string); k != "" {
			key, text = k, m.Text
		}
	}
	if key == "" {
		return fmt.Errorf("no post in #%s to post again", reportsChan)
	}
	meta, _ := json.Marshal(map[string]any{"event_type": "qunsu_message", "event_payload": map[string]string{"key": key}})
	res, err := http.PostForm(c.slack.APIURL()+"chat.postMessage", url.Values{"token": {slackfake.BotToken},
		"channel": {reportsChan}, "text": {text}, "metadata": {string(meta)}})
	if err != nil {
		return err
	}
	res.Body.Close()

	var chatID, content string
	for _, ch := range c.wecom.Chats() {
		if n := len(ch.Messages); n > 0 {
			chatID, content = ch.ChatID, ch.Messages[n-1].Content
		}
	}
	if chatID == "" {
		return fmt.Errorf("no WeCom group chat with a post to post again")
	}
	if err := wecomPostAgain(c.wecom.URL, chatID, content); err != nil {
		return err
	}

	requests = append(requests, request{kind: kindReport, via: slackCommand, marker: "CX9999", outcome: accepted})
	ids, err := c.rdb.ZRange(ctx, allKey, 0, 0).Result()
	if err != nil || len(ids) == 0 {
		return fmt.Errorf("no complaint to set a timer for: %v", err)
	}
	never := "task|" + ids[0] + "|hq_report|99|0"
	due := snap.at.Add(-time.Hour)
	if err := c.rdb.ZAdd(ctx, timersKey, redis.Z{Score: float64(due.UnixMilli()), Member: never}).Err(); err != nil {
		return err
	}
	defer c.rdb.ZRem(ctx, timersKey, never)
	spoiled := *snap
	spoiled.timers = maps.Clone(snap.timers)
	spoiled.timers[never] = due
	t, err := lg.account(ctx, &spoiled, requests)
	if err != nil {
		return err
	}
	if t.slack.duplicated-base.slack.duplicated != 1 || t.wecom.duplicated-base.wecom.duplicated != 1 ||
		t.reportsLost-base.reportsLost != 1 || t.remindersMissed-base.remindersMissed != 1 || t.ok() {
		return fmt.Errorf("the ledger missed what was spoiled on purpose: slack doubled %d, wecom doubled %d, reports lost %d, reminders missed %d (want one more each than %d, %d, %d, %d)",
			t.slack.duplicated, t.wecom.duplicated, t.reportsLost, t.remindersMissed,
			base.slack.duplicated, base.wecom.duplicated, base.reportsLost, base.remindersMissed)
	}
	return nil
}

// wecomPostAgain posts content to a group chat through WeCom's API, as a
// sender that had forgotten it posted it would.
func wecomPostAgain(base, chatID, content string) error {
	res, err := http.Get(base + "/cgi-bin/gettoken?corpid=" + wecomfake.CorpID + "&corpsecret=" + url.QueryEscape(wecomfake.Secret))
	if err != nil {
		return err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]any{"chatid": chatID, "msgtype": "markdown", "markdown": map[string]string{"content": content}})
	res, err = http.Post(base+"/cgi-bin/appchat/send?access_token="+tok.AccessToken, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	var ans struct {
		ErrCode int `json:"errcode"`
	}
	err = json.NewDecoder(res.Body).Decode(&ans)
	res.Body.Close()
	if err == nil && ans.ErrCode != 0 {
		err = fmt.Errorf("appchat/send answered errcode %d", ans.ErrCode)
	}
	return err
}
