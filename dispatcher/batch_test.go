package dispatcher

import (
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
)

func TestBatcherAdd(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	lim := Limits{Files: 3, Bytes: 100, MaxWait: 10 * time.Second}
	type add struct {
		route, host, path string
		size              int64
	}
	tests := []struct {
		name     string
		adds     []add
		wantFull []int // sizes (file counts) of groups flushed, in order, over all adds
		wantOpen int   // groups still open
		wantDups int
	}{
		{"below every cap", []add{{"r", "h", "a", 1}, {"r", "h", "b", 1}}, nil, 1, 0},
		{"file cap", []add{{"r", "h", "a", 1}, {"r", "h", "b", 1}, {"r", "h", "c", 1}}, []int{3}, 0, 0},
		{"byte cap flushes before the file that would pass it", []add{{"r", "h", "a", 60}, {"r", "h", "b", 60}}, []int{1}, 1, 0},
		{"exactly the byte cap", []add{{"r", "h", "a", 40}, {"r", "h", "b", 60}}, []int{2}, 0, 0},
		{"a file larger than the cap goes alone", []add{{"r", "h", "a", 10}, {"r", "h", "big", 500}, {"r", "h", "c", 1}}, []int{1, 1}, 1, 0},
		{"hosts are separate", []add{{"r", "h1", "a", 1}, {"r", "h2", "a", 1}, {"r", "h1", "b", 1}}, nil, 2, 0},
		{"routes are separate", []add{{"r1", "h", "a", 1}, {"r2", "h", "a", 1}}, nil, 2, 0},
		{"duplicate path", []add{{"r", "h", "a", 1}, {"r", "h", "a", 1}}, nil, 1, 1},
		{"zero-byte files count as files", []add{{"r", "h", "a", 0}, {"r", "h", "b", 0}, {"r", "h", "c", 0}}, []int{3}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBatcher[int](func(string) Limits { return lim })
			var full []int
			dups := 0
			for i, a := range tt.adds {
				groups, dup := b.add(groupKey{a.route, a.host}, item[int]{file: bus.File{Path: a.path, Size: a.size}, ref: i}, t0)
				if dup {
					dups++
				}
				for _, g := range groups {
					full = append(full, len(g.items))
				}
			}
			if len(full) != len(tt.wantFull) {
				t.Fatalf("flushed groups %v, want %v", full, tt.wantFull)
			}
			for i := range full {
				if full[i] != tt.wantFull[i] {
					t.Fatalf("flushed groups %v, want %v", full, tt.wantFull)
				}
			}
			if len(b.open) != tt.wantOpen || dups != tt.wantDups {
				t.Fatalf("open %d dups %d, want %d %d", len(b.open), dups, tt.wantOpen, tt.wantDups)
			}
		})
	}
}

func TestBatcherDue(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	b := newBatcher[int](func(route string) Limits {
		if route == "slow" {
			return Limits{Files: 20, Bytes: 1 << 30, MaxWait: time.Minute}
		}
		return Limits{Files: 20, Bytes: 1 << 30, MaxWait: 10 * time.Second}
	})
	b.add(groupKey{"fast", "h"}, item[int]{file: bus.File{Path: "a"}}, t0)
	b.add(groupKey{"slow", "h"}, item[int]{file: bus.File{Path: "a"}}, t0)
	if got := b.due(t0.Add(9*time.Second), false); len(got) != 0 {
		t.Fatalf("due before max_wait: %d groups", len(got))
	}
	if got := b.due(t0.Add(10*time.Second), false); len(got) != 1 || got[0].key.route != "fast" {
		t.Fatalf("due at 10s = %v, want the fast route", got)
	}
	if got := b.due(t0.Add(11*time.Second), true); len(got) != 1 || got[0].key.route != "slow" {
		t.Fatalf("due(all) = %v, want the slow route", got)
	}
	if len(b.open) != 0 {
		t.Fatalf("%d groups left open", len(b.open))
	}
}

func TestBatcherIdle(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	idle := func(waiting int) load { return load{Load: bus.Load{Waiting: waiting}} }
	tests := []struct {
		name  string
		loads map[string]load
		want  []string // route/host of the groups taken, oldest first
	}{
		{"no reading: keeps filling", map[string]load{}, nil},
		{"a mover waits", map[string]load{"h1": idle(1)}, []string{"old/h1"}},
		{"two movers wait: both groups of the host", map[string]load{"h1": idle(2)}, []string{"old/h1", "new/h1"}},
		{"every mover busy", map[string]load{"h1": {Load: bus.Load{Running: 2}}}, nil},
		{"jobs queued ahead of the waiting movers", map[string]load{"h1": {Load: bus.Load{Waiting: 2, Queued: 2}}}, nil},
		{"one queued, two waiting: the oldest goes", map[string]load{"h1": {Load: bus.Load{Waiting: 2, Queued: 1}}}, []string{"old/h1"}},
		{"jobs sent since the reading took the movers", map[string]load{"h1": {Load: bus.Load{Waiting: 1}, sent: 1}}, nil},
		{"only the host with a free mover", map[string]load{"h1": idle(0), "h2": idle(1)}, []string{"old/h2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBatcher[int](func(string) Limits { return Limits{Files: 20, Bytes: 1 << 30, MaxWait: time.Minute} })
			b.add(groupKey{"old", "h1"}, item[int]{file: bus.File{Path: "a"}}, t0)
			b.add(groupKey{"new", "h1"}, item[int]{file: bus.File{Path: "b"}}, t0.Add(time.Second))
			b.add(groupKey{"old", "h2"}, item[int]{file: bus.File{Path: "c"}}, t0)
			var got []string
			for _, g := range b.idle(tt.loads) {
				if g.why != "idle" {
					t.Errorf("group flushed as %q, want idle", g.why)
				}
				got = append(got, g.key.route+"/"+g.key.host)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("taken %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("taken %v, want %v", got, tt.want)
				}
				if b.waiting(groupKey{strings.Split(got[i], "/")[0], strings.Split(got[i], "/")[1]}) {
					t.Fatalf("group %s taken but still open", got[i])
				}
			}
			if len(b.open) != 3-len(got) {
				t.Fatalf("%d groups open after taking %d of 3", len(b.open), len(got))
			}
		})
	}
}
