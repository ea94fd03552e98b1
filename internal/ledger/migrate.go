package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ferrydata/ferry/internal/bus"
)

// MigrateKeys moves every file record stored under another key than
// fileKey gives it today to that key, and returns how many moved.
// Before bus.HostToken was injective, a host whose name holds other bytes
// than [A-Za-z0-9-] had another token: its records are not found until
// moved, and the watcher announces such files again (kept ones are verified
// again). A record's own route, host and path decide its key, so hosts that
// shared a token then are told apart now. A record already at its new key
// was written after the upgrade and wins. It scans the whole bucket: an
// admin's job, run once after the upgrade; running it again moves nothing.
func (l *Ledger) MigrateKeys(ctx context.Context) (int, error) {
	type move struct {
		from, to string
		val      []byte
	}
	var moves []move
	err := l.kv.Scan(ctx, FileKeys(""), func(key string, val []byte) error {
		var r Record
		if err := json.Unmarshal(val, &r); err != nil {
			return nil // not ours to fix; Records reports it
		}
		if to := fileKey(r.Route, r.Host, r.Path); to != key {
			moves = append(moves, move{from: key, to: to, val: val})
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("couldn't scan the ledger: %w", err)
	}
	moved := 0
	for _, m := range moves {
		if _, err := l.kv.Create(ctx, m.to, m.val, 0); err != nil && !errors.Is(err, bus.ErrKeyTaken) {
			return moved, fmt.Errorf("couldn't move ledger record %s: %w", m.from, err)
		}
		if err := l.kv.Delete(ctx, m.from); err != nil {
			return moved, fmt.Errorf("couldn't drop old ledger record %s: %w", m.from, err)
		}
		moved++
	}
	return moved, nil
}
