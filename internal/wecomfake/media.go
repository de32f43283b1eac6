package wecomfake

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"io"
	"mime"
	"mime/multipart"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Media files, as WeCom takes them: the app uploads a file with
// media/upload (multipart, field "media") and sends its media_id in an image
// or file message; a group robot takes a picture inline (base64 and md5) and
// any other file through webhook/upload_media. Limits from /90253 and /99110.
const (
	mediaTTL      = 3 * 24 * time.Hour // a media_id is good for three days
	minMedia      = 5                  // bytes, every type
	maxImage      = 10 << 20           // image: JPG or PNG
	maxFile       = 20 << 20           // file
	maxVoice      = 2 << 20            // voice: AMR
	maxVideo      = 10 << 20           // video: MP4
	maxRobotImage = 2 << 20            // a robot's inline picture, before base64
)

// media is an uploaded file.
type media struct {
	id, kind, name string
	data           []byte
	expires        time.Time
	robot          string // the webhook key it was uploaded with, "" for the app
}

// Media is a file as uploaded, or as a robot's inline picture.
type Media struct {
	ID, Type, Name string // Type: image, voice, video or file
	Data           []byte
}

// mediaRef is {"media_id": …} as image and file messages carry it.
type mediaRef struct {
	MediaID string `json:"media_id"`
}

// mediaUpload answers POST /cgi-bin/media/upload?access_token&type.
func (s *Server) mediaUpload(r request) reply {
	return s.upload(r, r.query.Get("type"), "")
}

// webhookUploadMedia answers POST /cgi-bin/webhook/upload_media?key&type
// (file or voice only), for a robot's file message.
func (s *Server) webhookUploadMedia(r request) reply {
	key := r.query.Get("key")
	if s.robots[key] == nil {
		return s.failReply(93000, "")
	}
	kind := r.query.Get("type")
	if kind != "file" && kind != "voice" {
		return s.failReply(40004, "")
	}
	return s.upload(r, kind, key)
}

// upload checks and keeps a multipart upload. WeCom answers 40004 for an
// unknown type, 40005 for a file its type does not take (an image that is
// not JPG or PNG), 40006 for a size out of bounds and 44001 for no file.
// The docs do not say what a filelength that does not match the bytes gets;
// 40006 is the code that fits.
func (s *Server) upload(r request, kind, robot string) reply {
	limit := map[string]int{"image": maxImage, "voice": maxVoice, "video": maxVideo, "file": maxFile}[kind]
	if limit == 0 {
		return s.failReply(40004, "")
	}
	name, declared, data, ok := mediaPart(r)
	if !ok || len(data) == 0 {
		return s.failReply(44001, "")
	}
	if len(data) < minMedia || len(data) > limit || (declared >= 0 && declared != len(data)) {
		return s.failReply(40006, "")
	}
	if kind == "image" && !isPNG(data) && !isJPEG(data) {
		return s.failReply(40005, "")
	}
	m := &media{id: s.randomID("3", 60), kind: kind, name: name, data: data, expires: r.now.Add(mediaTTL), robot: robot}
	s.media = append(s.media, m)
	if _, taken := s.mediaByID[m.id]; !taken { // the first upload of an id is the one found
		s.mediaByID[m.id] = m
	}
	return okReply(kv{"type", kind}, kv{"media_id", m.id}, kv{"created_at", strconv.FormatInt(r.now.Unix(), 10)})
}

// mediaPart reads the "media" part of a multipart body: its file name, the
// filelength it declares (-1 when none) and its bytes.
func mediaPart(r request) (name string, declared int, data []byte, ok bool) {
	ct, ps, err := mime.ParseMediaType(r.ctype)
	if err != nil || ct != "multipart/form-data" || r.method != "POST" {
		return "", 0, nil, false
	}
	mr := multipart.NewReader(bytes.NewReader(r.raw), ps["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			return "", 0, nil, false
		}
		if part.FormName() != "media" {
			continue
		}
		declared = -1
		if _, cd, err := mime.ParseMediaType(part.Header.Get("Content-Disposition")); err == nil && cd["filelength"] != "" {
			if declared, err = strconv.Atoi(cd["filelength"]); err != nil {
				declared = -2
			}
		}
		data, err := io.ReadAll(part)
		return part.FileName(), declared, data, err == nil
	}
}

func isPNG(b []byte) bool  { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) }
func isJPEG(b []byte) bool { return bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}) }

// mediaMessage checks an image or file message: its media_id must be one
// uploaded by the app, of the message's type (an image message takes an
// image; a file message any type), and not expired: 40007 otherwise.
func (s *Server) mediaMessage(msgtype string, ref *mediaRef, now time.Time) (Sent, reply, bool) {
	if ref == nil || ref.MediaID == "" {
		return Sent{}, s.failReply(40007, "media_id missing"), false
	}
	m := s.findMedia(ref.MediaID)
	if m == nil || m.robot != "" || !now.Before(m.expires) || (msgtype == "image" && m.kind != "image") {
		return Sent{}, s.failReply(40007, ""), false
	}
	return Sent{MsgType: msgtype, Content: m.name, File: m.public()}, reply{}, true
}

func (s *Server) findMedia(id string) *media { return s.mediaByID[id] }

func (m *media) public() *Media {
	return &Media{ID: m.id, Type: m.kind, Name: m.name, Data: slices.Clone(m.data)}
}

// robotImage is a group robot's inline picture.
type robotImage struct {
	Base64 string `json:"base64"`
	MD5    string `json:"md5"`
}

// robotMedia checks a robot's image (base64 of a JPG or PNG of at most 2 MB,
// with the md5 of its bytes) or file message (a media_id the robot
// uploaded). The docs do not name the codes for a bad picture: 40009
// (invalid image size) for one too large, 40058 for the rest.
func (s *Server) robotMedia(key, msgtype string, img *robotImage, file *mediaRef, now time.Time) (Sent, reply, bool) {
	if msgtype == "file" {
		if file == nil || file.MediaID == "" {
			return Sent{}, s.failReply(40007, "media_id missing"), false
		}
		m := s.findMedia(file.MediaID)
		if m == nil || m.robot != key || !now.Before(m.expires) {
			return Sent{}, s.failReply(40007, ""), false
		}
		return Sent{MsgType: "file", Content: m.name, File: m.public()}, reply{}, true
	}
	if img == nil || img.Base64 == "" || img.MD5 == "" {
		return Sent{}, s.failReply(40058, "image.base64 and image.md5 required"), false
	}
	data, err := base64.StdEncoding.DecodeString(img.Base64)
	if err != nil {
		return Sent{}, s.failReply(40058, "image.base64 invalid"), false
	}
	if len(data) > maxRobotImage {
		return Sent{}, s.failReply(40009, ""), false
	}
	sum := md5.Sum(data)
	if !strings.EqualFold(hex.EncodeToString(sum[:]), img.MD5) {
		return Sent{}, s.failReply(40058, "image.md5 does not match"), false
	}
	if !isPNG(data) && !isJPEG(data) {
		return Sent{}, s.failReply(40005, ""), false
	}
	return Sent{MsgType: "image", File: &Media{Type: "image", Data: data}}, reply{}, true
}

// Media returns what was uploaded (media/upload and webhook/upload_media), in order.
func (s *Server) Media() []Media {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Media, 0, len(s.media))
	for _, m := range s.media {
		out = append(out, *m.public())
	}
	return out
}
