package transfertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"

	"github.com/rclone/rclone/fs/config"
)

// Requests counts the S3 requests that pass through a proxy in front of a
// server, by method: what one step costs in round trips.
type Requests struct {
	Remote string // "name:bucket", through the proxy
	mu     sync.Mutex
	counts map[string]int
}

// CountRequests puts a counting proxy in front of s and returns a remote
// that goes through it. The proxy stops when tb ends.
func CountRequests(tb testing.TB, s *S3) *Requests {
	tb.Helper()
	target, err := url.Parse(s.Endpoint)
	if err != nil {
		tb.Fatal(err)
	}
	r := &Requests{counts: map[string]int{}}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.counts[req.Method]++
		r.mu.Unlock()
		proxy.ServeHTTP(w, req)
	}))
	tb.Cleanup(srv.Close)
	name := fmt.Sprintf("%scounted%d", s.Name, servers.Add(1))
	for key, value := range map[string]string{
		"type":              "s3",
		"provider":          "Rclone",
		"endpoint":          srv.URL,
		"access_key_id":     s.KeyID,
		"secret_access_key": s.Secret,
	} {
		config.FileSetValue(name, key, value)
	}
	r.Remote = name + ":" + s.Bucket
	return r
}

// Take returns the counts since the last Take and starts again from zero.
func (r *Requests) Take() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.counts
	r.counts = map[string]int{}
	return out
}
