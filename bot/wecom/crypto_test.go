package wecom

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

const testKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C" // 43 characters, as WeCom issues them

func TestSealOpenRoundTrip(t *testing.T) {
	k, err := parseKey(testKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, receiveID := range []string{"ww0000000000test", ""} { // an app's corp id; an intelligent robot's ""
		for _, msg := range []string{"", "收到 QS-20261122-001", strings.Repeat("长", 1000)} {
			sealed, err := k.seal([]byte(msg), receiveID)
			if err != nil {
				t.Fatal(err)
			}
			got, err := k.open(sealed, receiveID)
			if err != nil || string(got) != msg {
				t.Errorf("receive id %q, %d bytes: got %d bytes, %v", receiveID, len(msg), len(got), err)
			}
		}
	}
}

func TestOpenRefusesWhatIsNotOurs(t *testing.T) {
	k, _ := parseKey(testKey)
	sealed, _ := k.seal([]byte("<xml/>"), "ww0000000000test")
	if _, err := k.open(sealed, "wwFOREIGNcorp000"); !errors.Is(err, errForeign) {
		t.Errorf("another corp's message: %v", err)
	}
	if _, err := k.open(sealed, ""); err == nil {
		t.Error("an app's message opened as the robot's")
	}
	raw, _ := base64.StdEncoding.DecodeString(sealed)
	raw[len(raw)-1] ^= 1 // tampered on the way
	if _, err := k.open(base64.StdEncoding.EncodeToString(raw), "ww0000000000test"); err == nil {
		t.Error("a tampered message opened")
	}
	other, _ := parseKey(strings.Repeat("A", 43))
	if _, err := other.open(sealed, "ww0000000000test"); err == nil {
		t.Error("opened with another key")
	}
	if _, err := k.open("not base64!", ""); err == nil {
		t.Error("garbage opened")
	}
	if _, err := parseKey("short"); err == nil {
		t.Error("a 5-character key accepted")
	}
}

func TestSignatureSortsItsParts(t *testing.T) {
	a := signature("QDG6eK", "1409659589", "263014780", "P9nAzCzy")
	if a != signature("QDG6eK", "1409659589", "263014780", "P9nAzCzy") || len(a) != 40 {
		t.Fatalf("signature %q", a)
	}
	if !signed(strings.ToUpper(a), "QDG6eK", "1409659589", "263014780", "P9nAzCzy") {
		t.Error("hex case matters")
	}
	if signed(a, "QDG6eK", "1409659590", "263014780", "P9nAzCzy") {
		t.Error("a changed timestamp still verifies")
	}
}
