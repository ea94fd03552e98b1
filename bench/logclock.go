package main

import (
	"bytes"
	"strings"
	"sync"
	"time"
)

// logClock timestamps the log lines a child writes, as it writes them: for
// each key, how many lines held it and when the first and the latest came
// (since start), and the first such line. It keeps only the tail of the
// output, for error messages.
type logClock struct {
	mu      sync.Mutex
	start   time.Time
	keys    []string
	partial []byte
	count   map[string]int
	first   map[string]time.Duration
	latest  map[string]time.Duration
	line    map[string]string // the first line that held each key
	tail    []byte
}

const tailBytes = 16 << 10

func newLogClock(keys ...string) *logClock {
	return &logClock{start: time.Now(), keys: keys,
		count: map[string]int{}, first: map[string]time.Duration{}, latest: map[string]time.Duration{}, line: map[string]string{}}
}

func (c *logClock) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Since(c.start)
	c.tail = append(c.tail, p...)
	if len(c.tail) > 2*tailBytes {
		c.tail = append([]byte(nil), c.tail[len(c.tail)-tailBytes:]...)
	}
	c.partial = append(c.partial, p...)
	for {
		i := bytes.IndexByte(c.partial, '\n')
		if i < 0 {
			break
		}
		line := string(c.partial[:i])
		c.partial = c.partial[i+1:]
		for _, k := range c.keys {
			if !strings.Contains(line, k) {
				continue
			}
			if c.count[k] == 0 {
				c.first[k], c.line[k] = now, line
			}
			c.count[k]++
			c.latest[k] = now
		}
	}
	return len(p), nil
}

// seen returns how many lines held key, and when the first and the latest came.
func (c *logClock) seen(key string) (n int, first, latest time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count[key], c.first[key], c.latest[key]
}

// firstLine returns the first line that held key, or "".
func (c *logClock) firstLine(key string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.line[key]
}

func (c *logClock) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.tail)
}
