package bench

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu/internal/serveproc"
	"qunsu/internal/wecomfake"
)

// The floor: the least a server must do to acknowledge what qunsu
// acknowledges. It checks the same signatures (Slack's v0 HMAC of a slash
// command; WeCom's msg_signature and AES-CBC seal with the corp id), makes
// one Redis round trip (SET NX EX of the request's id, so a replay is
// refused), and answers with the empty 200 qunsu answers. It runs as a
// process of its own, as qunsu does: the test binary started again with
// -test.run=^TestFloorServer$ and its settings in floorEnv.

const floorEnv = "QUNSU_BENCH_FLOOR"

// floorConfig is what the floor process is started with.
type floorConfig struct {
	Addr, RedisURL             string
	SlackSecret                string
	WeComToken, WeComAES, Corp string
}

// TestFloorServer is the floor process; it serves until SIGTERM. Without
// floorEnv (any ordinary test run) it skips.
func TestFloorServer(t *testing.T) {
	raw := os.Getenv(floorEnv)
	if raw == "" {
		t.Skip("the floor server of the ack benchmark: started by it, as a process of its own")
	}
	var cfg floorConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	f, err := newFloor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer f.rdb.Close()
	l, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	// The HTTP server's settings are qunsu serve's.
	srv := &http.Server{Handler: f.routes(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	go func() {
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		t.Fatal(err)
	}
}

type floor struct {
	cfg    floorConfig
	rdb    *redis.Client
	aesKey []byte
}

func newFloor(cfg floorConfig) (*floor, error) {
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(cfg.WeComAES + "=")
	if err != nil || len(key) != 32 {
		return nil, errors.New("floor: bad EncodingAESKey")
	}
	return &floor{cfg: cfg, rdb: redis.NewClient(opts), aesKey: key}, nil
}

func (f *floor) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("POST /slack/commands", f.slackCommand)
	mux.HandleFunc("POST /wecom/callback", f.wecomCallback)
	return mux
}

// seenFor is how long the floor remembers an id, as qunsu does.
const seenFor = 24 * time.Hour

// take remembers a request's id and answers: 200 the first time, 409 after.
func (f *floor) take(w http.ResponseWriter, r *http.Request, id string) {
	first, err := f.rdb.SetNX(r.Context(), "floor:seen:"+id, "1", seenFor).Result()
	switch {
	case err != nil:
		http.Error(w, "try again", http.StatusServiceUnavailable)
	case !first:
		http.Error(w, "replayed", http.StatusConflict)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// slackCommand checks Slack's v0 signature (HMAC-SHA256 of "v0:ts:body",
// ts within five minutes), reads the trigger id and takes it.
func (f *floor) slackCommand(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	ts := r.Header.Get("X-Slack-Request-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		http.Error(w, "stale", http.StatusUnauthorized)
		return
	}
	mac := hmac.New(sha256.New, []byte(f.cfg.SlackSecret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	want := "v0=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Slack-Signature"))) {
		http.Error(w, "signature", http.StatusUnauthorized)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("trigger_id") == "" {
		http.Error(w, "malformed", http.StatusBadRequest)
		return
	}
	f.take(w, r, "cmd:"+form.Get("trigger_id"))
}

// wecomCallback checks msg_signature over the ciphertext, opens the AES-CBC
// seal (padding, length, corp id), reads the MsgId and takes it.
func (f *floor) wecomCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ts, nonce, sig := q.Get("timestamp"), q.Get("nonce"), q.Get("msg_signature")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 10*time.Minute {
		http.Error(w, "stale", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	var env struct {
		Encrypt string `xml:"Encrypt"`
	}
	if err := xml.Unmarshal(body, &env); err != nil || env.Encrypt == "" {
		http.Error(w, "malformed", http.StatusBadRequest)
		return
	}
	parts := []string{f.cfg.WeComToken, ts, nonce, env.Encrypt}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	if subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(sig)) != 1 {
		http.Error(w, "signature", http.StatusUnauthorized)
		return
	}
	plain, err := f.open(env.Encrypt)
	if err != nil {
		http.Error(w, "seal", http.StatusUnauthorized)
		return
	}
	var msg struct {
		MsgID string `xml:"MsgId"`
	}
	if err := xml.Unmarshal(plain, &msg); err != nil || msg.MsgID == "" {
		http.Error(w, "malformed", http.StatusBadRequest)
		return
	}
	f.take(w, r, "msg:"+msg.MsgID)
}

// open decrypts WeCom's seal: random(16) + length(4) + message + corp id,
// PKCS#7 padded to 32 bytes, AES-256-CBC with the key's first 16 bytes as IV.
func (f *floor) open(sealed string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(raw) == 0 || len(raw)%aes.BlockSize != 0 {
		return nil, errors.New("not whole blocks of base64")
	}
	block, err := aes.NewCipher(f.aesKey)
	if err != nil {
		return nil, err
	}
	cipher.NewCBCDecrypter(block, f.aesKey[:aes.BlockSize]).CryptBlocks(raw, raw)
	pad := int(raw[len(raw)-1])
	if pad < 1 || pad > 32 || pad > len(raw) || !bytes.Equal(raw[len(raw)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, errors.New("bad padding")
	}
	raw = raw[:len(raw)-pad]
	if len(raw) < 20 {
		return nil, errors.New("too short")
	}
	n := uint64(binary.BigEndian.Uint32(raw[16:20]))
	if n > uint64(len(raw)-20) || string(raw[20+n:]) != f.cfg.Corp {
		return nil, errors.New("not for us")
	}
	return raw[20 : 20+n], nil
}

// floorProc is the floor server running as a process of its own.
type floorProc struct {
	addr string
	cmd  *exec.Cmd
	done chan struct{}
}

// startFloor starts the floor process on a free address, with the rig's
// Redis and secrets, and waits until it answers.
func startFloor(t *testing.T, r *rig) *floorProc {
	addr := serveproc.FreeAddr(t)
	raw, err := json.Marshal(floorConfig{Addr: addr, RedisURL: r.redis.URL(), SlackSecret: slackSecret,
		WeComToken: wecomToken, WeComAES: wecomAES, Corp: wecomfake.CorpID})
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(r.dir, "floor.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFloorServer$", "-test.count=1", "-test.timeout=2h")
	cmd.Env = append(serveproc.Environ(floorEnv), floorEnv+"="+string(raw))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatal(err)
	}
	p := &floorProc{addr: addr, cmd: cmd, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-p.done
		}
	})
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-p.done:
			t.Fatalf("the floor server ended while starting:\n%s", serveproc.Tail(logPath, 20))
		default:
		}
		if res, err := http.Get("http://" + addr + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
	}
	t.Fatalf("the floor server did not answer within 30 s:\n%s", serveproc.Tail(logPath, 20))
	return nil
}

func (p *floorProc) pid() int { return p.cmd.Process.Pid }
