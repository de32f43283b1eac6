package wecom

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
)

// WeCom's callback encryption (加解密方案): msg_signature is the SHA-1 of the
// sorted token, timestamp, nonce and ciphertext; the ciphertext is
// AES-256-CBC under the EncodingAESKey (IV: the key's first 16 bytes) of
// random(16) + length(4, big-endian) + message + receive id, padded PKCS#7 to
// 32 bytes. The receive id is the corp id for an app, "" for the intelligent
// robot — which the SDK's decrypt cannot check, hence this file.

// cipherKey is an EncodingAESKey decoded.
type cipherKey []byte

var (
	errBadKey  = errors.New("an EncodingAESKey is 43 characters of base64")
	errForeign = errors.New("sealed for another receive id")
)

func parseKey(encodingAESKey string) (cipherKey, error) {
	if len(encodingAESKey) != 43 {
		return nil, errBadKey
	}
	k, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(k) != 32 {
		return nil, errBadKey
	}
	return k, nil
}

// signature is msg_signature over the four values.
func signature(token, timestamp, nonce, encrypted string) string {
	parts := []string{token, timestamp, nonce, encrypted}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// signed reports whether sig is msg_signature of the values, in constant time.
func signed(sig, token, timestamp, nonce, encrypted string) bool {
	want := signature(token, timestamp, nonce, encrypted)
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(sig)), []byte(want)) == 1
}

// open decrypts a ciphertext and checks its padding and receive id.
func (k cipherKey) open(encrypted, receiveID string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil {
		return nil, fmt.Errorf("ciphertext is not base64: %w", err)
	}
	if len(raw) == 0 || len(raw)%aes.BlockSize != 0 {
		return nil, errors.New("ciphertext is not whole AES blocks")
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, len(raw))
	cipher.NewCBCDecrypter(block, k[:aes.BlockSize]).CryptBlocks(plain, raw)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > 32 || pad > len(plain) || !bytes.Equal(plain[len(plain)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, errors.New("bad padding: not our key, or tampered")
	}
	plain = plain[:len(plain)-pad]
	if len(plain) < 20 {
		return nil, errors.New("plaintext too short")
	}
	n := uint64(binary.BigEndian.Uint32(plain[16:20]))
	if n > uint64(len(plain)-20) {
		return nil, errors.New("message length beyond the plaintext")
	}
	msg, id := plain[20:20+n], string(plain[20+n:])
	if id != receiveID {
		return nil, fmt.Errorf("%w: %q", errForeign, id)
	}
	return msg, nil
}

// padBlock is the PKCS#7 block WeCom pads to: 32 bytes, not AES's 16.
const padBlock = 32

// seal encrypts a message for receiveID, as WeCom does (and as it expects a
// passive reply to be): the reverse of open.
func (k cipherKey) seal(msg []byte, receiveID string) (string, error) {
	buf := make([]byte, 20, 20+len(msg)+len(receiveID)+padBlock)
	if _, err := rand.Read(buf[:16]); err != nil {
		return "", err
	}
	binary.BigEndian.PutUint32(buf[16:20], uint32(len(msg)))
	buf = append(buf, msg...)
	buf = append(buf, receiveID...)
	pad := padBlock - len(buf)%padBlock
	buf = append(buf, bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, err := aes.NewCipher(k)
	if err != nil {
		return "", err
	}
	cipher.NewCBCEncrypter(block, k[:aes.BlockSize]).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf), nil
}

// nonce returns a random decimal string of ten digits, like WeCom's.
func nonce() string {
	n, err := rand.Int(rand.Reader, big.NewInt(9_000_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail on a supported platform
	}
	return n.Add(n, big.NewInt(1_000_000_000)).String()
}
