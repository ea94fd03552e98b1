#!/usr/bin/env bash
# A demo of ferry on one host with the embedded JetStream server. A fake
# Heritrix writes WARCs as *.open and renames them when complete, and rotates
# crawl.log; ferry moves every closed file to demo/destination, verifies each
# copy by reading it back, and only then deletes the source.
set -euo pipefail
cd "$(dirname "$0")/.."
FERRY=${FERRY:-bin/ferry}
DEMO=${DEMO_DIR:-demo}
rm -rf "$DEMO"
mkdir -p "$DEMO/heritrix/job/20261124093000/warcs" "$DEMO/heritrix/job/20261124093000/logs" "$DEMO/destination"
cat > "$DEMO/ferry.yaml" <<YAML
host: demo-crawler
state_dir: $DEMO/state
metrics: {listen: "127.0.0.1:0"}
rescan_interval: 2s
routes:
  - name: warcs
    source: $DEMO/heritrix
    destination: $DEMO/destination
    batch: {files: 5, max_wait: 1s}
YAML

"$FERRY" --config "$DEMO/ferry.yaml" run 2> "$DEMO/ferry.log" &
ferry_pid=$!
trap 'kill $ferry_pid 2>/dev/null || true' EXIT

job="$DEMO/heritrix/job/20261124093000"
echo "crawl log" > "$job/logs/crawl.log"; touch "$job/logs/crawl.log.lck"
for i in $(seq 1 12); do
  name=$(printf 'WEB-20261124093000-%05d-4242~demo-crawler~8443.warc.gz' "$i")
  head -c $((100000 + i * 1000)) /dev/urandom > "$job/warcs/$name.open"
  sleep 0.2
  mv "$job/warcs/$name.open" "$job/warcs/$name"       # Heritrix closes the WARC
  if [ "$i" = 6 ]; then                                # a checkpoint rotates the log
    mv "$job/logs/crawl.log" "$job/logs/crawl.log.cp00001-20261124093000"
    echo "crawl log" > "$job/logs/crawl.log"
  fi
done
head -c 5000 /dev/urandom > "$job/warcs/WEB-20261124093000-00013-4242~demo-crawler~8443.warc.gz.open"  # still being written

echo "waiting for ferry to move 13 closed files..."
for _ in $(seq 1 60); do
  n=$(find "$DEMO/destination" -type f | wc -l)
  [ "$n" -ge 13 ] && [ "$(find "$job" -type f -name '*.warc.gz' | wc -l)" = 0 ] && break
  sleep 0.5
done
sleep 1
kill -TERM $ferry_pid; wait $ferry_pid || true
trap - EXIT

echo; echo "== left at the source (open, active or lock files only) =="
find "$DEMO/heritrix" -type f | sort
echo; echo "== at the destination =="
find "$DEMO/destination" -type f | sort
echo; echo "== ferry status =="
"$FERRY" --config "$DEMO/ferry.yaml" status 2>/dev/null
