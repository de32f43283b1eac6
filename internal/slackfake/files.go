package slackfake

import (
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Files, as Slack takes them since files.upload was retired: the app asks
// files.getUploadURLExternal for an upload URL and a file id, posts the bytes
// to the URL, then shares the files with files.completeUploadExternal, which
// posts one message carrying them to the channel.

// maxUpload is the largest file the fake takes (Slack's limit is 1 GB).
const maxUpload = 32 << 20

// upload is a file from files.getUploadURLExternal on.
type upload struct {
	id, name, title, altText string
	length                   int    // as declared to files.getUploadURLExternal
	data                     []byte // as posted to the upload URL
	uploaded, completed      bool
	channel, ts              string // where completeUploadExternal shared it
}

func (s *Server) filesGetUploadURLExternal(p params) reply {
	name := p["filename"]
	length, err := strconv.Atoi(p["length"])
	if name == "" || p["length"] == "" || err != nil || length <= 0 {
		return invalidArguments([]string{"filename and length (a positive number of bytes) are required"})
	}
	if length > maxUpload {
		return failReply("file_too_large")
	}
	s.seq++
	f := &upload{id: "F0" + pad8(s.seq), name: name, length: length, altText: p["alt_txt"]}
	s.uploads = append(s.uploads, f)
	// Slack's upload URLs are on its own host, which slack-go trusts with the
	// token; here it is the host the call came to, which slack-go trusts as the
	// API's.
	return okReply(kv{"upload_url", s.base + "/upload/v1/" + f.id}, kv{"file_id", f.id})
}

// serveUpload takes a file's bytes at its upload URL, raw or as a multipart
// form, as Slack does, and answers "OK - <bytes>".
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/v1/")
	data, err := uploadBody(r)
	s.mu.Lock()
	fault := s.takeFault("upload")
	f := s.upload(id)
	status := http.StatusOK
	switch {
	case fault != nil && fault.Status != 0:
		status = fault.Status
	case r.Method != http.MethodPost:
		status = http.StatusMethodNotAllowed
	case f == nil || f.completed:
		status = http.StatusNotFound
	case err != nil:
		status = http.StatusBadRequest
	default:
		f.data, f.uploaded = data, true
	}
	s.calls = append(s.calls, Call{Method: "upload", Params: map[string]string{"file_id": id, "bytes": strconv.Itoa(len(data))},
		At: time.Now(), Status: status})
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain")
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	if status == http.StatusOK {
		_, _ = io.WriteString(w, "OK - "+strconv.Itoa(len(data)))
	}
}

// uploadBody reads the bytes posted to an upload URL: the first file of a
// multipart form, or the whole body.
func uploadBody(r *http.Request) ([]byte, error) {
	body := io.LimitReader(r.Body, maxUpload+1)
	ct, ps, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		return io.ReadAll(body)
	}
	mr := multipart.NewReader(body, ps["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			return nil, err
		}
		if part.FileName() != "" {
			return io.ReadAll(part)
		}
	}
}

func (s *Server) filesCompleteUploadExternal(p params) reply {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(p["files"]), &files); err != nil || len(files) == 0 {
		return invalidArguments([]string{"files must be a JSON array of {\"id\", \"title\"}"})
	}
	var ups []*upload
	for _, f := range files {
		u := s.upload(f.ID)
		if u == nil || !u.uploaded || u.completed {
			return failReply("file_not_found")
		}
		ups = append(ups, u)
	}
	target := p["channel_id"]
	if target == "" {
		target = p["channels"]
	}
	var c *channel
	if target != "" {
		if c = s.channel(target); c == nil {
			return failReply("channel_not_found")
		}
		if !c.isMember(BotUserID) {
			return failReply("not_in_channel")
		}
	}
	var m *message
	if c != nil {
		m = &message{channel: c.id, ts: s.nextTS(), text: p["initial_comment"], user: BotUserID, threadTS: p["thread_ts"]}
		if m.text == "" {
			m.blocks = rawOrNil(p["blocks"])
		}
		s.msgs[c.id] = append(s.msgs[c.id], m)
	}
	out := make([]obj, 0, len(files))
	for i, u := range ups {
		u.completed, u.title = true, files[i].Title
		if u.title == "" {
			u.title = u.name
		}
		if m != nil {
			u.channel, u.ts = m.channel, m.ts
			m.files = append(m.files, u.id)
		}
		out = append(out, obj{{"id", u.id}, {"title", u.title}})
	}
	return okReply(kv{"files", out})
}

// json is a file as messages carry it.
func (u *upload) json() obj {
	return obj{{"id", u.id}, {"created", time.Now().Unix()}, {"name", u.name}, {"title", u.title},
		{"mimetype", mime.TypeByExtension(extOf(u.name))}, {"filetype", strings.TrimPrefix(extOf(u.name), ".")},
		{"user", BotUserID}, {"size", len(u.data)}, {"is_external", false}}
}

func extOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return strings.ToLower(name[i:])
	}
	return ""
}

// upload finds a file by id; s.mu held.
func (s *Server) upload(id string) *upload {
	for _, u := range s.uploads {
		if u.id == id {
			return u
		}
	}
	return nil
}

// File is a file the app uploaded, as it stands.
type File struct {
	ID, Name, Title string
	Length          int    // declared to files.getUploadURLExternal
	Data            []byte // posted to the upload URL
	Completed       bool   // shared with files.completeUploadExternal
	Channel, TS     string // the message that carries it, once shared to a channel
}

// Files returns the files uploaded, in the order their upload began.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]File, 0, len(s.uploads))
	for _, u := range s.uploads {
		out = append(out, File{ID: u.id, Name: u.name, Title: u.title, Length: u.length, Data: slices.Clone(u.data),
			Completed: u.completed, Channel: u.channel, TS: u.ts})
	}
	return out
}
