package bot

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A burst of posts reuses its connections: Go's default client keeps two
// idle per host and opened a new one for nearly every post of a burst.
func TestHTTPClientKeepsAConnectionPerPostUnderWay(t *testing.T) {
	var opened atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond) // long enough for the burst's posts to overlap
		io.WriteString(w, `{"ok":true}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	client := NewHTTPClient(5 * time.Second)
	for range 10 { // ten bursts of as many posts as a sender has under way
		var wg sync.WaitGroup
		for range postingDefault {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := client.Post(srv.URL, "application/json", nil)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}()
		}
		wg.Wait()
	}
	if n := opened.Load(); n > 2*postingDefault {
		t.Errorf("%d posts opened %d connections, want at most %d", 10*postingDefault, n, 2*postingDefault)
	}
}
