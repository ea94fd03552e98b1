package faults

import (
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/testkit"
)

var (
	campaignLong = flag.Bool("campaign.long", false, "run the long fault campaign (as FERRY_SOAK=1 does)")
	campaignSeed = flag.Uint64("campaign.seed", 0, "seed of the fault campaign; 0 draws one from the clock")
)

// scale sizes a campaign.
type scale struct {
	name      string
	files     int           // closed files the crawler produces
	faults    int           // faults injected, at least
	writers   int           // WARCs written at once
	pause     time.Duration // between WARCs of one writer, at most
	once      time.Duration // the final `ferry run --once --timeout`
	tmpfs     int64         // size of the destination's file system
	giveUpGen time.Duration // the load and faults must be done by then
}

var (
	ciScale   = scale{"CI", 300, 30, 3, 1200 * time.Millisecond, 4 * time.Minute, 512 << 20, 8 * time.Minute}
	longScale = scale{"long", 2000, 200, 4, 1000 * time.Millisecond, 15 * time.Minute, 2 << 30, 40 * time.Minute}
)

// campaign is one run of the fault campaign.
type campaign struct {
	t   *testing.T
	s   *site
	h   *heritrix
	a   *auditor
	d   *daemons
	rng *rand.Rand

	faults      map[string]int  // injected, by kind
	notes       map[string]int  // what faults were seen to do
	unavailable map[string]bool // kinds this machine cannot inject
	heals       []heal
	outage      bool   // the destination is out of place
	full        bool   // the ballast fills the destination's file system
	ballast     string // where the ballast goes; "" without a tmpfs
	start       time.Time
}

func (c *campaign) logf(format string, args ...any) {
	c.t.Helper()
	c.t.Logf("[%6.1fs] %s", time.Since(c.start).Seconds(), fmt.Sprintf(format, args...))
}

// TestFaultCampaign runs a fake Heritrix under ferry while injecting faults
// at random moments, audits the invariant all along, then removes the faults,
// runs one `ferry run --once --timeout`, and audits every byte: no source
// deleted without an identical copy, no file stranded, no untouchable file
// touched. The seed is printed; -campaign.seed replays a campaign's choices
// (not its timing).
func TestFaultCampaign(t *testing.T) {
	skipShort(t)
	sc := ciScale
	if *campaignLong || os.Getenv("FERRY_SOAK") == "1" {
		sc = longScale
	}
	seed := *campaignSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("%s campaign, seed %d (replay: go test ./faults -run TestFaultCampaign -v -campaign.seed=%d)", sc.name, seed, seed)
	c := newCampaign(t, sc, seed)
	c.inject(sc)
	c.finish(sc)
}

// newCampaign sets up a site whose destination is a tmpfs when one can be
// mounted (for destination-full faults), the load, the auditor and the daemons.
func newCampaign(t *testing.T, sc scale, seed uint64) *campaign {
	c := &campaign{t: t, rng: rand.New(rand.NewPCG(seed, 0)), faults: map[string]int{}, notes: map[string]int{},
		unavailable: map[string]bool{}, start: time.Now()}
	fsDir := filepath.Join(t.TempDir(), "dstfs")
	opt := siteOptions{
		batch:      "{files: 10, bytes: 4MiB, max_wait: 1s}",
		retry:      "{max_attempts: 5, ack_wait: 15s, backoff: [1s, 2s, 4s]}",
		minAge:     "2s",
		rescan:     "3s",
		staleAfter: "40s",
	}
	if testkit.MountTmpfs(t, fsDir, sc.tmpfs) {
		opt.dstDir = filepath.Join(fsDir, "destination")
		c.ballast = filepath.Join(fsDir, "ballast")
	} else {
		c.unavailable[faultDestFull] = true
	}
	c.s = newSite(t, opt)
	c.h = newHeritrix(t, c.s.src, c.s.mkdir, genConfig{files: sc.files, writers: sc.writers, pause: sc.pause, seed: seed})
	c.a = newAuditor(t, c.h, c.s.src, func() string {
		if c.outage {
			return c.s.dst + ".away"
		}
		return c.s.dst
	})
	c.d = newDaemons(t, c.s)
	c.d.during = func() string {
		if c.outage {
			return " (destination unreachable)"
		}
		return ""
	}
	return c
}

// inject runs the load and injects faults every 0.5 to 2.5 seconds, auditing
// every 3, until the load is done and enough faults were injected; then it
// removes the faults and stops every daemon.
func (c *campaign) inject(sc scale) {
	c.d.start(topoRun)
	c.h.start()
	lastAudit := time.Now()
	for !c.h.done() || c.total() < sc.faults {
		if time.Since(c.start) > sc.giveUpGen {
			c.t.Fatalf("campaign still running after %s: %d files closed, %d faults", sc.giveUpGen, c.h.count(), c.total())
		}
		c.wait(500*time.Millisecond + c.pause(2*time.Second))
		c.injectOne()
		if time.Since(lastAudit) > 3*time.Second {
			c.a.check()
			lastAudit = time.Now()
		}
	}
	c.h.stop()
	c.logf("load done: %d files closed, %d faults; removing the faults", c.h.count(), c.total())
	c.runHeals(true)
	c.d.supervise()
	c.d.killAll()
	c.a.check()
}

// finish runs one `ferry run --once --timeout` with the faults gone, then
// audits every byte against the dead letters and prints the figures.
func (c *campaign) finish(sc scale) {
	t := c.t
	// With min_age, files a clock jump dated in the future are not closed
	// until then: the run below would rightly leave them be.
	if wait := time.Until(c.h.latestMTime().Add(3 * time.Second)); wait > 0 {
		c.logf("waiting %s for future mtimes to pass", wait.Round(time.Second))
		time.Sleep(wait)
	}
	start := time.Now()
	onceCode, out, onceErr := c.s.ferry(sc.once+time.Minute, "run", "--once", "--timeout", sc.once.String())
	took := time.Since(start)
	c.logf("ferry run --once exited %d after %s:\n%s", onceCode, took.Round(time.Second), out)
	code, deadOut, errOut := c.s.ferry(2*time.Minute, "dead", "list")
	if code != 0 {
		t.Fatalf("ferry dead list exited %d: %s", code, testkit.LastLines(errOut, 20))
	}
	letters := parseDead(t, deadOut)
	outcomes := c.a.final(byPath(letters))
	c.figures(outcomes, letters, took)
	c.checkCorrupted(outcomes)
	switch {
	case onceCode == 0 || onceCode == 1: // 1: some files dead-lettered, which faults cause
	case strings.Contains(onceErr, "still pending") && c.a.count(stranded) == 0:
		knownBug(t, "ferry run --once waits until its timeout for files that are dead-lettered under an older version")
	default:
		t.Errorf("ferry run --once exited %d:\n%s", onceCode, testkit.LastLines(onceErr, 30))
	}
}

// checkCorrupted checks that every file whose copy was corrupted ended in
// the dead letters as a mismatch (the verifier read the bad copy back) or a
// conflict (a retried copy met it after the ledger was lost). Its source is
// kept: the audit already failed otherwise.
func (c *campaign) checkCorrupted(outcomes map[string]outcome) {
	c.t.Helper()
	for rel, f := range c.h.closed {
		o, ok := outcomes[rel]
		if !f.corrupted || !ok {
			continue
		}
		switch o.reason {
		case "mismatch", "conflict":
		case "max_attempts":
			// Its verification kept failing on another fault (the destination
			// away) before it could read the copy back: kept, not verified.
			c.logf("corrupted %s dead-lettered as max_attempts, before a read-back could tell", rel)
		default:
			c.t.Errorf("the corrupted copy of %s ended as %+v, want a mismatch dead letter", rel, o)
		}
	}
}

// figures prints what the campaign did and found.
func (c *campaign) figures(outcomes map[string]outcome, letters []deadLetter, once time.Duration) {
	c.t.Helper()
	h := c.h
	var warcs, logs, corrupted, rewritten, skewed, moved int
	reasons := map[string]int{}
	special := map[string]int{} // outcomes of corrupted and rewritten files
	for rel, f := range h.closed {
		if f.log {
			logs++
		} else {
			warcs++
		}
		o, ok := outcomes[rel]
		result := "violation"
		switch {
		case ok && o.moved:
			moved++
			result = "moved"
		case ok:
			reasons[o.reason]++
			result = "dead-lettered " + o.reason
		}
		if f.corrupted {
			corrupted++
			special["corrupted copy, "+result]++
		}
		if f.rewritten {
			rewritten++
			special["rewritten source, "+result]++
		}
		if f.skewed {
			skewed++
		}
	}
	partials := 0
	_ = filepathWalkFiles(c.s.dst, func(rel string) {
		if isPartial(rel) {
			partials++
		}
	})
	var b strings.Builder
	fmt.Fprintf(&b, "\n==== fault campaign figures (%s) ====\n", time.Since(c.start).Round(time.Second))
	fmt.Fprintf(&b, "files closed:        %d (%d WARCs, %d rotated crawl logs; %d with a skewed clock)\n", len(h.closed), warcs, logs, skewed)
	fmt.Fprintf(&b, "moved:               %d\n", moved)
	fmt.Fprintf(&b, "dead-lettered:       %d %s\n", sum(reasons), sortedCounts(reasons))
	fmt.Fprintf(&b, "dead letters listed: %d\n", len(letters))
	fmt.Fprintf(&b, "special files:       %d corrupted copies, %d rewritten sources %s\n", corrupted, rewritten, sortedCounts(special))
	fmt.Fprintf(&b, "faults injected:     %d %s\n", c.total(), sortedCounts(c.faults))
	if len(c.unavailable) > 0 {
		fmt.Fprintf(&b, "faults unavailable:  %v\n", slices.Sorted(maps.Keys(c.unavailable)))
	}
	fmt.Fprintf(&b, "seen after faults:   %s\n", sortedCounts(c.notes))
	fmt.Fprintf(&b, "unexpected exits:    %d %s\n", sum(c.d.exits), sortedCounts(c.d.exits))
	fmt.Fprintf(&b, "final run --once:    %s\n", once.Round(time.Second))
	fmt.Fprintf(&b, "audits:              %d during the run, 1 final; %d partial uploads left by kills\n", c.a.checks, partials)
	fmt.Fprintf(&b, "sources deleted without an identical copy: %d (must be 0)\n", c.a.count(lost))
	fmt.Fprintf(&b, "files stranded:                            %d (must be 0)\n", c.a.count(stranded))
	fmt.Fprintf(&b, "untouchable files touched:                 %d (must be 0)\n", c.a.count(touched))
	fmt.Fprintf(&b, "closed sources modified:                   %d (must be 0)\n", c.a.count(modified))
	fmt.Fprintf(&b, "unexpected files at the destination:       %d (must be 0)\n", c.a.count(strange))
	c.t.Log(b.String())
	if c.total() < len(faultKinds)-len(c.unavailable) {
		return
	}
	for _, k := range faultKinds {
		if c.faults[k.name] == 0 && !c.unavailable[k.name] {
			c.t.Logf("note: no %s fault was injected in this campaign", k.name)
		}
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func sortedCounts(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// filepathWalkFiles calls fn with every regular file under root, relative.
func filepathWalkFiles(root string, fn func(rel string)) error {
	return filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fn(filepath.ToSlash(rel))
		return nil
	})
}
