package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/ledger"
)

// ledgerFillers write records at once, as the pipeline's roles do.
const ledgerFillers = 8

// ledgerState measures what the bus keeps in memory per moved file, without
// the pipeline's files and transfers: an embedded JetStream (as in `ferry
// run`) takes, for n files, the ledger writes a moved file costs (announced
// in batches of 100, copied and moved in jobs of 20) and their arrival
// events; every tenth of n, the heap in use after a GC is read. A heap that
// grows with n is state held per file (the server's per-subject index of
// ledger keys, the per-record TTLs), whatever the backlog's speed.
// Opt-in (-only ledger-state): it runs minutes per 100,000 files.
func ledgerState(o options, out io.Writer, n int) error {
	dir, err := os.MkdirTemp(o.tmp, "bench-ledger-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := bus.StartServer(bus.ServerConfig{Name: "bench", StoreDir: filepath.Join(dir, "state")})
	if err != nil {
		return err
	}
	defer srv.Stop()
	ctx := context.Background()
	b, err := bus.Connect(ctx, bus.ConnConfig{Server: srv}, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer b.Close()
	l := ledger.New(b.Ledger())
	fmt.Fprintf(out, "### Ledger state: %d moved files' ledger writes and events in one embedded JetStream\n\n", n)
	fmt.Fprintln(out, "Growth per file = the heap's growth since the first step, over the files written since.")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| files | heap in use MB | growth per file, bytes | state_dir MB | s for the step |")
	fmt.Fprintln(out, "|---:|---:|---:|---:|---:|")
	step := max(n/10, 100) / 100 * 100
	var first uint64
	for done := 0; done < n; done += step {
		o.progress("ledger-state: %d of %d files", done, n)
		start := time.Now()
		if err := fillLedger(ctx, l, b, done, min(done+step, n)); err != nil {
			return err
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		state, err := diskUsage(filepath.Join(dir, "state"))
		if err != nil {
			return err
		}
		files, growth := min(done+step, n), "n/a"
		if done == 0 {
			first = ms.HeapInuse
		} else {
			growth = fmt.Sprintf("%.0f", (float64(ms.HeapInuse)-float64(first))/float64(files-step))
		}
		fmt.Fprintf(out, "| %d | %.0f | %s | %.1f | %.1f |\n", files, float64(ms.HeapInuse)/1e6, growth,
			float64(state)/1e6, time.Since(start).Seconds())
	}
	fmt.Fprintln(out)
	return nil
}

// fillLedger writes the records of files [from, to) through every state a
// small moved file's record takes, ledgerFillers chunks of 100 at once.
func fillLedger(ctx context.Context, l *ledger.Ledger, b *bus.Bus, from, to int) error {
	var wg sync.WaitGroup
	errs := make([]error, ledgerFillers)
	for w := range ledgerFillers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := from + w*100; i < to && errs[w] == nil; i += 100 * ledgerFillers {
				errs[w] = moveChunk(ctx, l, b, i, min(i+100, to))
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func moveChunk(ctx context.Context, l *ledger.Ledger, b *bus.Bus, from, to int) error {
	const route, host = "warcs", "bench"
	files := make([]bus.File, 0, to-from)
	for i := from; i < to; i++ {
		files = append(files, bus.File{Path: fmt.Sprintf("job%04d/warcs/WEB-%07d.warc.gz", i/1000, i),
			Size: backlogFileSize, ModTime: int64(i), Ino: uint64(i + 1), CTime: 1})
	}
	if _, err := l.AnnounceAll(ctx, route, host, files, ledger.Policy{StaleAfter: time.Hour, DeletesSource: true}); err != nil {
		return err
	}
	for len(files) > 0 {
		job := files[:min(20, len(files))]
		files = files[len(job):]
		events := make([]bus.MovedEvent, len(job))
		for i := range job {
			job[i].Hash = "d41d8cd98f00b204e9800998ecf8427e"
			events[i] = bus.MovedEvent{Route: route, Host: host, Job: "bench", Path: job[i].Path,
				Destination: "/destination/" + job[i].Path, Size: job[i].Size, ModTime: job[i].ModTime,
				HashType: "md5", Hash: job[i].Hash, SourceDeleted: true, Time: time.Now()}
		}
		for _, state := range []ledger.State{ledger.Copied, ledger.Moved} {
			for _, err := range l.SetAll(ctx, route, host, job, state, nil) {
				if err != nil {
					return err
				}
			}
		}
		if err := b.PublishMoved(ctx, events); err != nil {
			return err
		}
	}
	return nil
}
