package ledger

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/ferrydata/ferry/internal/bus"
)

// attempts is what the ledger keeps per job and stage: failures a worker saw.
// Deliveries cut short by a crash never get here, so restarts cost nothing.
type attempts struct {
	Count     int    `json:"count"`
	LastError string `json:"last_error"`
}

// Failure records one failed attempt of a job at a stage and returns how many
// there have been.
func (l *Ledger) Failure(ctx context.Context, stage bus.Stage, jobID string, cause error) (int, error) {
	key := attemptKey(stage, jobID)
	for {
		var a attempts
		val, rev, err := l.kv.Get(ctx, key)
		switch {
		case errors.Is(err, bus.ErrNoKey):
		case err != nil:
			return 0, err
		default:
			if err := json.Unmarshal(val, &a); err != nil {
				return 0, errors.New("couldn't decode attempts of job " + jobID + ": " + err.Error())
			}
		}
		a.Count++
		a.LastError = cause.Error()
		next, _ := json.Marshal(a)
		if rev == 0 {
			_, err = l.kv.Create(ctx, key, next, 0)
		} else {
			_, err = l.kv.Update(ctx, key, next, rev)
		}
		if errors.Is(err, bus.ErrKeyTaken) {
			continue // another worker recorded a failure at the same moment
		}
		return a.Count, err
	}
}

// Attempts returns how many failed attempts a job has had at a stage.
func (l *Ledger) Attempts(ctx context.Context, stage bus.Stage, jobID string) (int, error) {
	val, _, err := l.kv.Get(ctx, attemptKey(stage, jobID))
	if errors.Is(err, bus.ErrNoKey) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var a attempts
	if err := json.Unmarshal(val, &a); err != nil {
		return 0, errors.New("couldn't decode attempts of job " + jobID + ": " + err.Error())
	}
	return a.Count, nil
}

// Forget drops a job's attempt count once the job is done.
func (l *Ledger) Forget(ctx context.Context, stage bus.Stage, jobID string) error {
	return l.kv.Delete(ctx, attemptKey(stage, jobID))
}
