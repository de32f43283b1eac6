package redistest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterTimeout bounds starting a whole cluster: the nodes, redis-cli's
// create, and every node agreeing that the cluster is ok.
const clusterTimeout = 60 * time.Second

var (
	clusterOnce   sync.Once
	sharedCluster *Cluster
	clusterErr    error
)

// Cluster is a local Redis Cluster of three masters and no replicas, each
// master a redis-server on free loopback ports, all in a temporary directory
// of the cluster's own.
type Cluster struct {
	dir   string
	nodes []*Server
}

// NewCluster starts a cluster; Close stops it and removes its files. For
// TestMain, or wherever no testing.TB is at hand.
func NewCluster() (*Cluster, error) {
	dir, err := os.MkdirTemp("", "qunsu-cluster-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir}
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	if err := c.start(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis cluster: %w", err)
	}
	return c, nil
}

// StartCluster starts a cluster of the test's own, closed when the test ends.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	c, err := NewCluster()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// SharedCluster returns the test binary's cluster, starting it on first use;
// Main closes it. Tests on it stay apart by tenant.
func SharedCluster(t testing.TB) *Cluster {
	t.Helper()
	clusterOnce.Do(func() { sharedCluster, clusterErr = NewCluster() })
	if clusterErr != nil {
		t.Fatal(clusterErr)
	}
	return sharedCluster
}

// ClusterURL is the shared cluster's URL (see SharedCluster).
func ClusterURL(t testing.TB) string {
	t.Helper()
	return SharedCluster(t).URL()
}

func (c *Cluster) start(ctx context.Context) error {
	for i := 1; i <= 3; i++ {
		dir := filepath.Join(c.dir, "node"+strconv.Itoa(i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			return err
		}
		// The bus port is chosen too: port+10000 may be taken or out of range.
		bus, err := freePort()
		if err != nil {
			return err
		}
		node, err := launch(dir, func(port int) []string {
			return []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
				"--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(bus),
				"--cluster-config-file", "nodes.conf", "--appendonly", "no", "--save", ""}
		})
		if err != nil {
			return err
		}
		c.nodes = append(c.nodes, node)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("redis-cli --cluster create: %v\n%s", err, out)
	}
	return c.waitOK(ctx)
}

// waitOK waits until every node says cluster_state:ok, that is sees every
// slot served.
func (c *Cluster) waitOK(ctx context.Context) error {
	for _, addr := range c.Addrs() {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		for {
			info, err := rdb.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			select {
			case <-ctx.Done():
				rdb.Close()
				return fmt.Errorf("node %s: cluster not ok: %v %q", addr, ctx.Err(), info)
			case <-time.After(50 * time.Millisecond):
			}
		}
		rdb.Close()
	}
	return nil
}

// Addrs are the masters' host:port.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = n.Addr()
	}
	return out
}

// URL is the cluster's address as store.Open takes it.
func (c *Cluster) URL() string { return "redis+cluster://" + strings.Join(c.Addrs(), ",") }

// Flush empties every master, for a test that needs a cluster with nothing in it.
func (c *Cluster) Flush(t testing.TB) {
	t.Helper()
	for _, addr := range c.Addrs() {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		err := rdb.FlushAll(context.Background()).Err()
		rdb.Close()
		if err != nil {
			t.Fatalf("flush %s: %v", addr, err)
		}
	}
}

// Close kills every node and removes the cluster's files.
func (c *Cluster) Close() {
	for _, n := range c.nodes {
		n.Stop()
	}
	os.RemoveAll(c.dir)
}
