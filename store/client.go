// Package store keeps qunsu's state in Redis: complaints and their timelines,
// the deadline queue and the outbox. It works on a single server, Sentinel or
// Cluster through redis.UniversalClient.
package store

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// urlForms is what Open takes, said in its errors.
const urlForms = `want redis://[user:password@]host:port[/db], ` +
	`redis+cluster://[user:password@]host:port,host:port,... or ` +
	`redis+sentinel://[user:password@]host:port,host:port,.../master[/db] ` +
	`(rediss… for TLS; go-redis options as ?name=value)`

// Open connects to Redis. The URL's scheme says which deployment:
//
//	redis://[user:password@]host:port[/db]                      one server
//	redis+cluster://[user:password@]host:port,host:port         Redis Cluster
//	redis+sentinel://[user:password@]host:port,host:port/master[/db]
//
// For Cluster the addresses are seeds: the client learns every node from any
// of them. For Sentinel they are the sentinels', the path names the master
// they watch, and user and password are the master's; sentinels that want a
// password of their own take ?sentinel_password= (and ?sentinel_username=).
// rediss, rediss+cluster and rediss+sentinel use TLS. Any other query
// parameter is a go-redis option (dial_timeout=3s, pool_size=20, …).
func Open(raw string) (redis.UniversalClient, error) {
	rdb, err := open(raw)
	if err != nil {
		return nil, fmt.Errorf("store: redis URL %s: %w", RedactURL(raw), hidePassword(err, raw))
	}
	return rdb, nil
}

func open(raw string) (redis.UniversalClient, error) {
	scheme, rest, _ := strings.Cut(raw, "://")
	switch scheme {
	case "redis", "rediss", "unix":
		opts, err := redis.ParseURL(raw)
		if err != nil {
			return nil, err
		}
		return redis.NewClient(opts), nil
	case "redis+cluster", "rediss+cluster":
		opts, err := clusterOptions(strings.TrimSuffix(scheme, "+cluster"), rest)
		if err != nil {
			return nil, err
		}
		return redis.NewClusterClient(opts), nil
	case "redis+sentinel", "rediss+sentinel":
		opts, err := sentinelOptions(strings.TrimSuffix(scheme, "+sentinel"), rest)
		if err != nil {
			return nil, err
		}
		return redis.NewFailoverClient(opts), nil
	}
	return nil, errors.New(urlForms)
}

// addresses is the part of a URL after the scheme, with several hosts.
type addresses struct {
	user  *url.Userinfo
	hosts []string
	path  []string // non-empty segments
	query url.Values
}

func splitAddresses(base, rest string) (addresses, error) {
	var a addresses
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		u, err := url.Parse(base + "://" + authority[:i+1] + "localhost")
		if err != nil {
			return a, err
		}
		a.user, authority = u.User, authority[i+1:]
	}
	for _, h := range strings.Split(authority, ",") {
		if !isHostPort(h) {
			return a, fmt.Errorf("address %q is not host:port; %s", h, urlForms)
		}
		a.hosts = append(a.hosts, h)
	}
	path, query, _ := strings.Cut(tail, "?")
	for _, seg := range strings.Split(path, "/") {
		if seg != "" {
			a.path = append(a.path, seg)
		}
	}
	var err error
	a.query, err = url.ParseQuery(query)
	return a, err
}

// isHostPort reports whether h is host:port (an IPv6 host in brackets).
func isHostPort(h string) bool {
	u, err := url.Parse("redis://" + h)
	return err == nil && u.Host == h && u.Hostname() != "" && u.Port() != ""
}

// goRedisURL is the form go-redis's cluster and failover parsers take: the
// first host in the URL, the others as addr parameters.
func (a addresses) goRedisURL(base string, user *url.Userinfo, path string) string {
	q := url.Values{}
	for k, v := range a.query {
		q[k] = v
	}
	q["addr"] = append(a.hosts[1:len(a.hosts):len(a.hosts)], q["addr"]...)
	u := url.URL{Scheme: base, User: user, Host: a.hosts[0], Path: path, RawQuery: q.Encode()}
	return u.String()
}

func clusterOptions(base, rest string) (*redis.ClusterOptions, error) {
	a, err := splitAddresses(base, rest)
	if err != nil {
		return nil, err
	}
	if len(a.path) > 1 || (len(a.path) == 1 && a.path[0] != "0") {
		return nil, errors.New("Redis Cluster has database 0 only: leave the path out")
	}
	return redis.ParseClusterURL(a.goRedisURL(base, a.user, ""))
}

func sentinelOptions(base, rest string) (*redis.FailoverOptions, error) {
	a, err := splitAddresses(base, rest)
	if err != nil {
		return nil, err
	}
	if len(a.path) == 0 || len(a.path) > 2 {
		return nil, errors.New("the master's name goes after the sentinels: redis+sentinel://[user:password@]host:port,host:port/master[/db]")
	}
	db := "0"
	if len(a.path) == 2 {
		if _, err := strconv.Atoi(a.path[1]); err != nil {
			return nil, fmt.Errorf("database %q is not a number", a.path[1])
		}
		db = a.path[1]
	}
	// go-redis reads the URL's user as the sentinels'; here it is the master's.
	var sentinelUser *url.Userinfo
	if su, sp := a.query.Get("sentinel_username"), a.query.Get("sentinel_password"); su != "" || sp != "" {
		sentinelUser = url.UserPassword(su, sp)
	}
	a.query.Del("sentinel_username")
	a.query.Del("sentinel_password")
	a.query.Set("master_name", a.path[0])
	opts, err := redis.ParseFailoverURL(a.goRedisURL(base, sentinelUser, "/"+db))
	if err != nil {
		return nil, err
	}
	if a.user != nil {
		opts.Username = a.user.Username()
		opts.Password, _ = a.user.Password()
	}
	return opts, nil
}

// RedactURL is the URL with its passwords masked, for messages and logs: the
// user's, and any query value named like a password (sentinel_password).
func RedactURL(raw string) string {
	if p := urlPassword(raw); p != "" {
		raw = strings.Replace(raw, ":"+p+"@", ":xxxxx@", 1)
	}
	for _, kv := range queryPasswords(raw) {
		k, _, _ := strings.Cut(kv, "=")
		raw = strings.Replace(raw, kv, k+"=xxxxx", 1)
	}
	return raw
}

// hidePassword masks the URL's passwords wherever an error quotes them.
func hidePassword(err error, raw string) error {
	msg := err.Error()
	secrets := []string{urlPassword(raw)}
	for _, kv := range queryPasswords(raw) {
		_, v, _ := strings.Cut(kv, "=")
		secrets = append(secrets, v)
	}
	for _, p := range secrets {
		if p != "" {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}

// queryPasswords returns the key=value parts of the URL's query whose key
// names a password.
func queryPasswords(raw string) []string {
	_, query, ok := strings.Cut(raw, "?")
	if !ok {
		return nil
	}
	var out []string
	for _, kv := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if v != "" && strings.Contains(strings.ToLower(k), "password") {
			out = append(out, kv)
		}
	}
	return out
}

func urlPassword(raw string) string {
	_, rest, _ := strings.Cut(raw, "://")
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return ""
	}
	_, p, _ := strings.Cut(rest[:at], ":")
	return p
}

// Embedded starts an in-process Redis-compatible server (miniredis) and returns
// a client of it and a function that stops both. State is lost at exit: it is
// for the console and demos only.
func Embedded() (redis.UniversalClient, func(), error) {
	srv, err := miniredis.Run()
	if err != nil {
		return nil, nil, fmt.Errorf("store: embedded: %w", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	return rdb, func() { rdb.Close(); srv.Close() }, nil
}
