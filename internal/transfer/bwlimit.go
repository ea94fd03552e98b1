package transfer

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/rclone/rclone/fs"
	"golang.org/x/time/rate"
)

// Tuning is a route's transfer knobs.
type Tuning struct {
	// Transfers is how many files of one job are copied or verified at
	// once (rclone's --transfers); 0 leaves it to the worker's default.
	Transfers int
	// BwLimit limits the route's uploads and read-backs; nil is no limit.
	BwLimit *BwLimit
	// UploadWindow bounds the bytes a mover uploads at once for the
	// route; 0 is no bound.
	UploadWindow int64
}

// BwLimit is a bandwidth timetable in rclone's --bwlimit syntax, applied
// to one route's uploads and read-backs. rclone's own limiter is global to
// the process (accounting.TokenBucket, read from the config at Init), so
// ferry limits the readers it hands rclone instead: uploads by the
// timetable's upload rate, read-backs by its download rate, each direction
// on its own (a full-duplex link), shared by every transfer of the route in
// this process.
type BwLimit struct {
	tt   fs.BwTimetable
	text string

	mu       sync.Mutex
	slot     time.Time // the minute the limiters were made for
	up, down *rate.Limiter
}

// ParseBwLimit reads a timetable: "10M", "10M:100M" (upload:download),
// "08:00,20M 19:00,off", "Mon-08:00,512k Sat-00:00,off". Units are rclone's
// (K, M, G: binary, bytes per second). "" and "off" mean no limit (nil).
func ParseBwLimit(s string) (*BwLimit, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "off" {
		return nil, nil
	}
	var tt fs.BwTimetable
	if err := tt.Set(s); err != nil {
		return nil, fmt.Errorf("couldn't parse bwlimit %q (want rclone's syntax, e.g. \"20M\" or \"08:00,20M 19:00,off\"): %v: %w",
			s, err, fault.ErrInvalid)
	}
	return &BwLimit{tt: tt, text: s}, nil
}

// String is the timetable as given.
func (l *BwLimit) String() string {
	if l == nil {
		return "off"
	}
	return l.text
}

// At returns the upload and download limits in bytes per second at t; 0
// is no limit.
func (l *BwLimit) At(t time.Time) (up, down int64) {
	if l == nil {
		return 0, 0
	}
	bw := l.tt.LimitAt(t).Bandwidth
	return max(int64(bw.Tx), 0), max(int64(bw.Rx), 0)
}

// limiter returns the limiter of one direction now, nil for none. The
// timetable is looked at once a minute, as rclone does.
func (l *BwLimit) limiter(upload bool) *rate.Limiter {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if slot := now.Truncate(time.Minute); !slot.Equal(l.slot) {
		up, down := l.At(now)
		if l.slot.IsZero() || l.rate(l.up) != up {
			l.up = newLimiter(up)
		}
		if l.slot.IsZero() || l.rate(l.down) != down {
			l.down = newLimiter(down)
		}
		l.slot = slot
	}
	if upload {
		return l.up
	}
	return l.down
}

func (l *BwLimit) rate(lim *rate.Limiter) int64 {
	if lim == nil {
		return 0
	}
	return int64(lim.Limit())
}

// maxBurst is rclone's: larger than any single read, small enough to keep
// the rate within a few seconds.
const maxBurst = 4 << 20

// newLimiter makes an empty bucket of bps bytes per second, nil for none.
func newLimiter(bps int64) *rate.Limiter {
	if bps <= 0 {
		return nil
	}
	burst := int(max(bps/64, maxBurst)) // rclone's: bigger buckets above 2 Gbit/s
	lim := rate.NewLimiter(rate.Limit(bps), burst)
	lim.AllowN(time.Now(), burst) // start empty: no burst at the start
	return lim
}

// reader limits r to the route's rate in one direction; r itself for none.
func (l *BwLimit) reader(ctx context.Context, r io.Reader, upload bool) io.Reader {
	if l == nil {
		return r
	}
	return &limitedReader{ctx: ctx, r: r, l: l, upload: upload}
}

type limitedReader struct {
	ctx    context.Context
	r      io.Reader
	l      *BwLimit
	upload bool
}

// Read waits for the bytes it read, as rclone's accounting does.
func (lr *limitedReader) Read(b []byte) (int, error) {
	lim := lr.l.limiter(lr.upload)
	if lim != nil && len(b) > lim.Burst() {
		b = b[:lim.Burst()]
	}
	n, err := lr.r.Read(b)
	if lim != nil && n > 0 {
		if werr := lim.WaitN(lr.ctx, n); werr != nil && err == nil {
			err = fmt.Errorf("couldn't wait for the bandwidth limit: %w", werr)
		}
	}
	return n, err
}
