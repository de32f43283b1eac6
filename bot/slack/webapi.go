package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"
)

// webAPI makes the two calls the transport makes for every message,
// chat.postMessage and chat.update, byte for byte as slack-go sends them (a
// url-encoded form with the token in it), but reads only what the adapter uses
// of the answer: Slack echoes the whole message back, blocks and all, and
// decoding it was the larger part of slack-go's work for a post. Errors are
// slack-go's own types, built as slack-go builds them, so classify and
// ErrorCode read them alike. The other methods go through slack-go.
type webAPI struct {
	url   string // the Web API's base URL, ending in "/"
	token string
	http  *http.Client
}

// newWebAPI calls the Web API at cfg's URL (Slack's when empty, as for
// slack-go) with cfg's bot token, through the HTTP client slack-go uses.
func newWebAPI(cfg Config, client *http.Client) *webAPI {
	url := cfg.APIURL
	if url == "" {
		url = slackgo.APIURL
	}
	return &webAPI{url: url, token: cfg.BotToken, http: client}
}

// postMessage posts p to a channel with metadata; it returns the channel and
// the ts Slack answers.
func (w *webAPI) postMessage(ctx context.Context, channel string, p post, meta slackgo.SlackMetadata) (string, string, error) {
	blocks, err := blocksJSON(p.blocks)
	if err != nil {
		return "", "", err
	}
	metadata, err := json.Marshal(meta)
	if err != nil {
		return "", "", err
	}
	// Keys in sorted order, as url.Values.Encode writes them.
	f := make([]byte, 0, formSize(len(blocks), len(channel), len(metadata), len(p.text), len(w.token)))
	f = appendField(f, "blocks", blocks)
	f = appendField(f, "channel", channel)
	f = appendField(f, "metadata", metadata)
	f = appendField(f, "text", p.text)
	f = appendField(f, "token", w.token)
	return w.call(ctx, "chat.postMessage", f)
}

// updateMessage replaces the text and blocks of the message at ts.
func (w *webAPI) updateMessage(ctx context.Context, channel, ts string, p post) (string, string, error) {
	blocks, err := blocksJSON(p.blocks)
	if err != nil {
		return "", "", err
	}
	f := make([]byte, 0, formSize(len(blocks), len(channel), len(p.text), len(w.token), len(ts)))
	f = appendField(f, "blocks", blocks)
	f = appendField(f, "channel", channel)
	f = appendField(f, "text", p.text)
	f = appendField(f, "token", w.token)
	f = appendField(f, "ts", ts)
	return w.call(ctx, "chat.update", f)
}

// blocksJSON is the blocks field: no blocks are sent as [] (which clears an
// edited message's blocks), as slack-go's MsgOptionBlocks does.
func blocksJSON(blocks []slackgo.Block) ([]byte, error) {
	if len(blocks) == 0 {
		return []byte("[]"), nil
	}
	return json.Marshal(blocks)
}

// chatAnswer is what the adapter reads of a chat.* answer.
type chatAnswer struct {
	OK      bool   `json:"ok"`
	Error   string `json:"error"`
	Channel string `json:"channel"`
	TS      string `json:"ts"`
}

// call posts the form to a method and reads the answer the way slack-go does:
// the status first (a 429 with Retry-After is a RateLimitedError, any other
// status but 200 a StatusCodeError, the body unread), then the JSON, then ok.
func (w *webAPI) call(ctx context.Context, method string, form []byte) (string, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url+method, bytes.NewReader(form))
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := w.http.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	if err := statusError(resp); err != nil {
		return "", "", err
	}
	a, err := readAnswer(resp)
	if err != nil {
		return "", "", err
	}
	// Like slack-go, an answer without ok and without an error is no error.
	if !a.OK && strings.TrimSpace(a.Error) != "" {
		return a.Channel, a.TS, slackgo.SlackErrorResponse{Err: a.Error}
	}
	return a.Channel, a.TS, nil
}

// readAnswer reads an answer to its end (so that the connection serves the
// next call) and decodes it in one pass, or, for one that is not a JSON value
// alone, as slack-go does: with a json.Decoder over the body, which stops at
// the end of the first value, and whose error is the one slack-go returned.
func readAnswer(resp *http.Response) (chatAnswer, error) {
	var body bytes.Buffer
	if n := resp.ContentLength; n > 0 && n < 16<<20 {
		body.Grow(int(n) + bytes.MinRead)
	}
	_, readErr := body.ReadFrom(resp.Body)
	var a chatAnswer
	if readErr == nil && json.Unmarshal(body.Bytes(), &a) == nil {
		return a, nil
	}
	var r io.Reader = &body
	if readErr != nil {
		r = io.MultiReader(r, failing{readErr})
	}
	a = chatAnswer{}
	err := json.NewDecoder(r).Decode(&a)
	return a, err
}

// failing is a reader that fails as the body did, after what it gave.
type failing struct{ err error }

func (f failing) Read([]byte) (int, error) { return 0, f.err }

// statusError is slack-go's checkStatusCode: a Retry-After that is not a
// number of seconds is an error of its own, and a 429 without it a plain
// StatusCodeError.
func statusError(resp *http.Response) error {
	if retry := resp.Header.Get("Retry-After"); resp.StatusCode == http.StatusTooManyRequests && retry != "" {
		secs, err := strconv.ParseInt(retry, 10, 64)
		if err != nil {
			return err
		}
		return &slackgo.RateLimitedError{RetryAfter: time.Duration(secs) * time.Second}
	}
	if resp.StatusCode != http.StatusOK {
		return slackgo.StatusCodeError{Code: resp.StatusCode, Status: resp.Status}
	}
	return nil
}

// appendField appends a url-encoded key=value to a form, the value escaped as
// url.QueryEscape does: with fields in key order, the form's bytes are those of
// url.Values.Encode, written into one buffer.
func appendField[T string | []byte](b []byte, key string, value T) []byte {
	if len(b) > 0 {
		b = append(b, '&')
	}
	b = append(b, key...)
	b = append(b, '=')
	// Each byte's escape is written whole from a table (two bytes past its
	// end at most), and j advances by its length: no branch per byte.
	j := len(b)
	b = slices.Grow(b, 3*len(value)+2)
	buf := b[:cap(b)]
	for i := 0; i < len(value); i++ {
		e := &escapes[value[i]]
		buf[j], buf[j+1], buf[j+2] = e[0], e[1], e[2]
		j += int(e[3])
	}
	return buf[:j]
}

// formSize is room enough for a form of fields with values this long,
// escaped (3 bytes a byte at most), with their keys.
func formSize(valueLens ...int) int {
	n := 0
	for _, l := range valueLens {
		n += 16 + 3*l
	}
	return n
}

// escapes are the bytes of a query component: a byte kept, '+' for a space,
// or %XX; then their length.
var escapes = func() (e [256][4]byte) {
	const hex = "0123456789ABCDEF"
	for c := range 256 {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			e[c] = [4]byte{byte(c), 0, 0, 1}
		case c == ' ':
			e[c] = [4]byte{'+', 0, 0, 1}
		default:
			e[c] = [4]byte{'%', hex[c>>4], hex[c&15], 3}
		}
	}
	return e
}()
