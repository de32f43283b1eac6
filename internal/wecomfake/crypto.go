package wecomfake

import (
	"qunsu/internal/fakeapi"

	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// WeCom's callback encryption (加解密方案, /90968 and /101033): AES-256-CBC
// with the key Base64(EncodingAESKey+"="), IV the key's first 16 bytes,
// plaintext random(16) + msg_len(4, big-endian) + msg + receiveid, padded
// PKCS#7 to a multiple of 32 bytes (not 16). receiveid is the CorpID for an
// app and "" for an aibot.

const padBlock = 32

func decodeAESKey(encodingAESKey string) ([]byte, error) {
	if len(encodingAESKey) != 43 {
		return nil, fmt.Errorf("wecomfake: EncodingAESKey must be 43 characters, got %d", len(encodingAESKey))
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil {
		return nil, fmt.Errorf("wecomfake: EncodingAESKey: %w", err)
	}
	if len(key) != 32 {
		return nil, errors.New("wecomfake: EncodingAESKey does not decode to 32 bytes")
	}
	return key, nil
}

// Encrypt encrypts plaintext as WeCom does and returns the base64 text.
func Encrypt(aesKey, receiveID string, plaintext []byte) (string, error) {
	key, err := decodeAESKey(aesKey)
	if err != nil {
		return "", err
	}
	buf := make([]byte, 20, 20+len(plaintext)+len(receiveID)+padBlock)
	if _, err := rand.Read(buf[:16]); err != nil {
		return "", err
	}
	binary.BigEndian.PutUint32(buf[16:20], uint32(len(plaintext)))
	buf = append(buf, plaintext...)
	buf = append(buf, receiveID...)
	pad := padBlock - len(buf)%padBlock
	buf = append(buf, bytes.Repeat([]byte{byte(pad)}, pad)...)

	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	cipher.NewCBCEncrypter(block, key[:aes.BlockSize]).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf), nil
}

// Decrypt reverses Encrypt, checking the padding, the length field and that
// the message was meant for receiveID.
func Decrypt(aesKey, receiveID, ciphertext string) ([]byte, error) {
	key, err := decodeAESKey(aesKey)
	if err != nil {
		return nil, err
	}
	buf, err := base64.StdEncoding.DecodeString(ciphertext)
	if err != nil {
		return nil, fmt.Errorf("wecomfake: ciphertext is not base64: %w", err)
	}
	if len(buf) == 0 || len(buf)%aes.BlockSize != 0 {
		return nil, errors.New("wecomfake: ciphertext is not whole AES blocks")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(buf))
	cipher.NewCBCDecrypter(block, key[:aes.BlockSize]).CryptBlocks(out, buf)

	pad := int(out[len(out)-1])
	if pad < 1 || pad > padBlock || pad > len(out) || !bytes.Equal(out[len(out)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, errors.New("wecomfake: bad padding")
	}
	out = out[:len(out)-pad]
	if len(out) < 20 {
		return nil, errors.New("wecomfake: plaintext too short")
	}
	n := int(binary.BigEndian.Uint32(out[16:20]))
	if n > len(out)-20 {
		return nil, errors.New("wecomfake: bad message length")
	}
	if got := string(out[20+n:]); got != receiveID {
		return nil, fmt.Errorf("wecomfake: receiveid %q, want %q", got, receiveID)
	}
	return out[20 : 20+n], nil
}

// Signature is msg_signature: the hex SHA-1 of the four strings sorted and
// joined.
func Signature(token, timestamp, nonce, encrypted string) string {
	parts := []string{token, timestamp, nonce, encrypted}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// AppText is a member's text message to the app, as a callback carries it.
// Zero MsgID, CreateTime and AgentID take a fresh id, now and AgentID.
type AppText struct {
	From, Content string
	MsgID         int64
	CreateTime    int64
	AgentID       int
}

// AppCallback builds the request WeCom sends an app for a text message:
// POST url?msg_signature&timestamp&nonce with
// <xml><ToUserName/><AgentID/><Encrypt/></xml>, encrypted for the CorpID.
// It panics on a malformed url or key, which are mistakes in the test.
func AppCallback(url, token, aesKey string, msg AppText) *http.Request {
	if msg.CreateTime == 0 {
		msg.CreateTime = time.Now().Unix()
	}
	if msg.AgentID == 0 {
		msg.AgentID = AgentID
	}
	if msg.MsgID == 0 {
		msg.MsgID = int64(randomDigits(18))
	}
	plain := "<xml><ToUserName>" + cdata(CorpID) + "</ToUserName>" +
		"<FromUserName>" + cdata(msg.From) + "</FromUserName>" +
		"<CreateTime>" + strconv.FormatInt(msg.CreateTime, 10) + "</CreateTime>" +
		"<MsgType>" + cdata("text") + "</MsgType>" +
		"<Content>" + cdata(msg.Content) + "</Content>" +
		"<MsgId>" + strconv.FormatInt(msg.MsgID, 10) + "</MsgId>" +
		"<AgentID>" + strconv.Itoa(msg.AgentID) + "</AgentID></xml>"
	enc := mustEncrypt(aesKey, CorpID, []byte(plain))
	body := "<xml><ToUserName>" + cdata(CorpID) + "</ToUserName>" +
		"<AgentID>" + cdata(strconv.Itoa(msg.AgentID)) + "</AgentID>" +
		"<Encrypt>" + cdata(enc) + "</Encrypt></xml>"
	ts := strconv.FormatInt(msg.CreateTime, 10)
	req := signedRequest(http.MethodPost, url, token, ts, enc, "", body)
	req.Header.Set("Content-Type", "text/xml")
	return req
}

// VerifyRequest builds the URL-verification GET for an app (receiveID the
// CorpID) or an aibot (receiveID ""): url?msg_signature&timestamp&nonce&echostr
// with echo encrypted. The handler must answer echo, bare.
func VerifyRequest(url, token, aesKey, receiveID, echo string) *http.Request {
	enc := mustEncrypt(aesKey, receiveID, []byte(echo))
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	return signedRequest(http.MethodGet, url, token, ts, enc, enc, "")
}

// AIBotText is a user's text message to an intelligent robot. An empty
// ChatType is "group" with a ChatID and "single" without; a group message's
// Content carries the @mention, as WeCom's does ("@RobotA hello robot").
type AIBotText struct {
	MsgID, AIBotID, ChatID, ChatType, From, ResponseURL, Content string
}

// AIBotCallback builds the request WeCom sends an aibot in API mode: POST
// url?msg_signature&timestamp&nonce with {"encrypt": …}, the JSON of /100719
// encrypted for receiveid "". Only group messages carry chatid.
func AIBotCallback(url, token, aesKey string, msg AIBotText) *http.Request {
	if msg.ChatType == "" {
		msg.ChatType = "single"
		if msg.ChatID != "" {
			msg.ChatType = "group"
		}
	}
	if msg.MsgID == "" {
		msg.MsgID = "CAIQ" + strconv.Itoa(randomDigits(16))
	}
	if msg.AIBotID == "" {
		msg.AIBotID = "aibfake"
	}
	o := obj{{"msgid", msg.MsgID}, {"aibotid", msg.AIBotID}}
	if msg.ChatType == "group" {
		o = append(o, kv{"chatid", msg.ChatID})
	}
	o = append(o, kv{"chattype", msg.ChatType}, kv{"from", obj{{"userid", msg.From}}})
	if msg.ResponseURL != "" {
		o = append(o, kv{"response_url", msg.ResponseURL})
	}
	o = append(o, kv{"msgtype", "text"}, kv{"text", obj{{"content", msg.Content}}})
	plain, err := fakeapi.Marshal(o)
	if err != nil {
		panic(err)
	}
	enc := mustEncrypt(aesKey, "", plain)
	body, err := json.Marshal(map[string]string{"encrypt": enc})
	if err != nil {
		panic(err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req := signedRequest(http.MethodPost, url, token, ts, enc, "", string(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}

// signedRequest adds msg_signature, timestamp, nonce and, for a
// verification, echostr to the url's query. The request is a client
// request, so it can be sent or handed to a handler directly.
func signedRequest(method, rawURL, token, ts, enc, echostr, body string) *http.Request {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(fmt.Sprintf("wecomfake: bad callback url %q: %v", rawURL, err))
	}
	nonce := strconv.Itoa(randomDigits(10))
	q := u.Query()
	q.Set("msg_signature", Signature(token, ts, nonce, enc))
	q.Set("timestamp", ts)
	q.Set("nonce", nonce)
	if echostr != "" {
		q.Set("echostr", echostr)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequest(method, u.String(), strings.NewReader(body))
	if err != nil {
		panic(fmt.Sprintf("wecomfake: %v", err))
	}
	return req
}

func mustEncrypt(aesKey, receiveID string, plain []byte) string {
	enc, err := Encrypt(aesKey, receiveID, plain)
	if err != nil {
		panic(err)
	}
	return enc
}

// cdata wraps s in CDATA, splitting any "]]>" inside it.
func cdata(s string) string {
	return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
}

// randomDigits returns a random number of up to n digits with no leading
// zero, like WeCom's nonces and ids.
func randomDigits(n int) int {
	lo := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n-1)), nil)
	v, err := rand.Int(rand.Reader, new(big.Int).Mul(lo, big.NewInt(9)))
	if err != nil {
		panic(err)
	}
	return int(v.Add(v, lo).Int64())
}
