package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/config"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// The helper processes below run inside network namespaces when the link
// benchmark re-executes this test binary; otherwise they skip.

func TestHelperS3Server(t *testing.T) {
	dir := os.Getenv("FERRY_HELPER_S3_DIR")
	if dir == "" {
		t.Skip("helper process for BenchmarkLink")
	}
	transfertest.ServeS3(t, dir, os.Getenv("FERRY_HELPER_S3_ADDR"), "benchkey", "benchsecret")
	fmt.Println("serving")
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}

func TestHelperRecipe(t *testing.T) {
	src := os.Getenv("FERRY_HELPER_RECIPE_SRC")
	if src == "" {
		t.Skip("helper process for BenchmarkLink")
	}
	transfertest.Init(t)
	if err := transfertest.Recipe(context.Background(), src, os.Getenv("FERRY_HELPER_RECIPE_DST"), config.DefaultInclude()); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkLink moves 16 x 25 MB over a 200 Mbit/s full-duplex link between
// two network namespaces (veth, tc tbf), to `rclone serve s3` on the far
// side: the setting of the peer figure (recipe: 33.9 s, 47 % of the link).
// Needs root and ip/tc; skipped otherwise.
func BenchmarkLink(b *testing.B) {
	if os.Geteuid() != 0 || ferryBin == "" {
		b.Skip("needs root (network namespaces) and the ferry binary (not -short)")
	}
	for _, tool := range []string{"ferry", "recipe"} {
		b.Run(tool, func(b *testing.B) {
			const files, size = 16, 25_000_000
			data := randomBytes(b, size)
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				cli, srvAddr := shapedLink(b, "200mbit")
				storage := b.TempDir()
				if err := os.Mkdir(filepath.Join(storage, "bucket"), 0o755); err != nil {
					b.Fatal(err)
				}
				server := exec.Command("ip", "netns", "exec", cli+"s", os.Args[0], "-test.short", "-test.run=^TestHelperS3Server$")
				server.Env = append(os.Environ(), "FERRY_HELPER_S3_DIR="+storage, "FERRY_HELPER_S3_ADDR="+srvAddr+":9000")
				out := &strings.Builder{}
				server.Stdout, server.Stderr = out, out
				if err := server.Start(); err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = server.Process.Signal(syscall.SIGTERM); _ = server.Wait() })
				waitFor(b, 30*time.Second, "the S3 server", func() bool { return strings.Contains(out.String(), "serving") })
				env := []string{"RCLONE_CONFIG_LINK_TYPE=s3", "RCLONE_CONFIG_LINK_PROVIDER=Rclone",
					"RCLONE_CONFIG_LINK_ENDPOINT=http://" + srvAddr + ":9000",
					"RCLONE_CONFIG_LINK_ACCESS_KEY_ID=benchkey", "RCLONE_CONFIG_LINK_SECRET_ACCESS_KEY=benchsecret"}
				s := newSite(b, siteOptions{dst: "link:bucket", batch: "{files: 4, max_wait: 1s}"})
				for i := range files {
					data[0] = byte(i)
					s.write(fmt.Sprintf("job/warcs/WEB-%05d.warc.gz", i), data)
				}
				var cmd *exec.Cmd
				if tool == "ferry" {
					cmd = exec.Command("ip", "netns", "exec", cli, ferryBin, "--log-level", "warn", "--config", s.config, "run", "--once")
				} else {
					cmd = exec.Command("ip", "netns", "exec", cli, os.Args[0], "-test.short", "-test.run=^TestHelperRecipe$")
					env = append(env, "FERRY_HELPER_RECIPE_SRC="+s.src, "FERRY_HELPER_RECIPE_DST=link:bucket")
				}
				cmd.Env = append(os.Environ(), env...)
				cmd.Dir = s.dir
				b.StartTimer()
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%s: %v\n%s", tool, err, out)
				}
				b.StopTimer()
				if left := tree(b, s.src); len(left) != 0 {
					b.Fatalf("%d sources left", len(left))
				}
				b.StartTimer()
			}
			secs := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(files*size)/1e6/secs, "MB/s")
			b.ReportMetric(float64(files*size)*8/200e6/secs*100, "%link")
		})
	}
}

// shapedLink makes two namespaces, NAME (client) and NAMEs (server), joined
// by a veth pair shaped to rate in each direction; it returns the client
// namespace and the server's address.
func shapedLink(b *testing.B, rate string) (string, string) {
	b.Helper()
	ns := fmt.Sprintf("fb%d", os.Getpid()%100000)
	run := func(args ...string) {
		b.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	for _, n := range []string{ns, ns + "s"} {
		_ = exec.Command("ip", "netns", "del", n).Run()
		run("ip", "netns", "add", n)
		b.Cleanup(func() { _ = exec.Command("ip", "netns", "del", n).Run() })
		run("ip", "-n", n, "link", "set", "lo", "up")
	}
	run("ip", "link", "add", ns+"c", "netns", ns, "type", "veth", "peer", "name", ns+"v", "netns", ns+"s")
	run("ip", "-n", ns, "addr", "add", "10.214.0.2/24", "dev", ns+"c")
	run("ip", "-n", ns+"s", "addr", "add", "10.214.0.1/24", "dev", ns+"v")
	for _, side := range [][2]string{{ns, ns + "c"}, {ns + "s", ns + "v"}} {
		run("ip", "-n", side[0], "link", "set", side[1], "up")
		run("ip", "netns", "exec", side[0], "tc", "qdisc", "add", "dev", side[1], "root", "tbf",
			"rate", rate, "burst", "256kb", "latency", "50ms")
	}
	return ns, "10.214.0.1"
}
