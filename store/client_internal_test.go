package store

import (
	"slices"
	"strings"
	"testing"
)

func TestClusterURLs(t *testing.T) {
	o, err := clusterOptions("rediss", "app:s3cret@10.0.0.1:7000,10.0.0.2:7001,[::1]:7002?dial_timeout=3s")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.Addrs, []string{"10.0.0.1:7000", "10.0.0.2:7001", "[::1]:7002"}) ||
		o.Username != "app" || o.Password != "s3cret" || o.TLSConfig == nil || o.DialTimeout.Seconds() != 3 {
		t.Errorf("options %+v", o)
	}
	if o, err := clusterOptions("redis", "127.0.0.1:7000/0"); err != nil || len(o.Addrs) != 1 || o.TLSConfig != nil {
		t.Errorf("one seed, db 0: %+v %v", o, err)
	}
}

func TestSentinelURLs(t *testing.T) {
	o, err := sentinelOptions("redis", "app:s3cret@10.0.0.1:26379,10.0.0.2:26379/mymaster/2?sentinel_password=watch")
	if err != nil {
		t.Fatal(err)
	}
	if o.MasterName != "mymaster" || o.DB != 2 || !slices.Equal(o.SentinelAddrs, []string{"10.0.0.1:26379", "10.0.0.2:26379"}) ||
		o.Username != "app" || o.Password != "s3cret" || o.SentinelPassword != "watch" || o.SentinelUsername != "" {
		t.Errorf("options %+v", o)
	}
	if o, err := sentinelOptions("redis", "10.0.0.1:26379/mymaster"); err != nil || o.DB != 0 || o.Password != "" || o.SentinelPassword != "" {
		t.Errorf("no passwords, db 0: %+v %v", o, err)
	}
}

// A URL Open cannot read is refused with the forms it takes, and never with
// the password in the message.
func TestOpenRefusesBadURLs(t *testing.T) {
	for _, bad := range []string{
		"localhost:6379",
		"http://localhost:6379",
		"redis+shard://h:1",
		"redis+cluster://h:1/3",
		"redis+cluster://h:1,,h:2",
		"redis+cluster://:p4ss@h",
		"redis+sentinel://h:26379",
		"redis+sentinel://mymaster@h:26379",
		"redis+sentinel://:p4ss@h:26379/m/x",
		"redis+cluster://h:1?no_such_option=1",
		"redis://:p4ss@h:notaport/0",
		"redis+sentinel://h:26379/m/x?sentinel_password=p4ss",
	} {
		_, err := Open(bad)
		if err == nil {
			t.Errorf("%s: accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "p4ss") {
			t.Errorf("%s: the password is in %q", bad, err)
		}
		if !strings.HasPrefix(err.Error(), "store: redis URL ") {
			t.Errorf("%s: %v", bad, err)
		}
	}
	for _, good := range []string{"redis://127.0.0.1:6379/0", "redis+cluster://127.0.0.1:7000,127.0.0.1:7001",
		"redis+sentinel://127.0.0.1:26379/mymaster", "rediss+sentinel://u:p@127.0.0.1:26379/mymaster/1"} {
		rdb, err := Open(good)
		if err != nil {
			t.Errorf("%s: %v", good, err)
			continue
		}
		rdb.Close()
	}
}

// Every password a URL carries is masked where the URL is shown.
func TestRedactURLMasksEveryPassword(t *testing.T) {
	for raw, want := range map[string]string{
		"redis://:p4ss@h:6379/0": "redis://:xxxxx@h:6379/0",
		"redis+sentinel://u:p4ss@h:26379/m?sentinel_password=w4tch&dial_timeout=3s": "redis+sentinel://u:xxxxx@h:26379/m?sentinel_password=xxxxx&dial_timeout=3s",
		"redis://h:6379/0?password=p4ss":                                            "redis://h:6379/0?password=xxxxx",
		"redis://h:6379/0":                                                          "redis://h:6379/0",
	} {
		if got := RedactURL(raw); got != want {
			t.Errorf("RedactURL(%s) = %s, want %s", raw, got, want)
		}
	}
}
