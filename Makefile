# ferry: the two commands that matter are `make run` (demo) and `make test`.
GO      ?= go
BIN     := bin/ferry
PKGS    := ./...
# Packages whose goroutines share state; run under the race detector in `make test`.
RACE_PKGS := ./internal/bus/... ./internal/ledger/... ./internal/worker/... ./dispatcher/... ./watcher/...

.PHONY: all build run test test-short test-race vet bench bench-scale rclone fuzz clean

all: build

# ferry --version and ferry_build_info{version,revision}: from git when built
# in a checkout (GOFLAGS=-buildvcs=false would hide it from Go's own stamp).
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS  := -X github.com/ferrydata/ferry/internal/metrics.version=$(VERSION) -X github.com/ferrydata/ferry/internal/metrics.revision=$(REVISION)

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/ferry

## run: a demo on the embedded JetStream: a fake Heritrix writes .open files and
## renames them, ferry moves and verifies them into demo/destination.
run: build
	./scripts/demo.sh

## test: vet, the full suite (integration tests start their own servers), and
## the race detector over the packages that share state.
test: vet
	./scripts/install-test-deps.sh
	$(GO) test -count=1 -timeout 30m $(PKGS)
	$(GO) test -count=1 -race -short -timeout 20m $(RACE_PKGS)

## test-short: the quick loop (no integration tests).
test-short:
	$(GO) test -short -count=1 $(PKGS)

vet:
	$(GO) vet $(PKGS)

.PHONY: test-faults soak

## test-faults: the fault campaign in its CI form (at least 30 faults over 300
## files) and the bad-input suite, run against the ferry binary, printing the
## campaign's figures; then the fuzz targets' seed corpora. `make test` runs
## the same tests quietly through ./...; FERRY_FAULTS_KNOWN_BUGS=1 turns the
## bugs they report into failures.
test-faults:
	$(GO) test -count=1 -v -timeout 30m ./faults/
	$(GO) test -count=1 -run '^Fuzz' ./watcher/ ./internal/bus/

## soak: the long campaign (at least 200 faults over 2,000 files).
soak:
	FERRY_SOAK=1 $(GO) test -count=1 -v -timeout 90m -run '^TestFaultCampaign$$' ./faults/

## rclone: the rclone CLI at the version in go.mod, the peer `make bench`
## measures ferry against. Built from rclone's own module, as its releases
## are (ferry's go.sum lacks the CLI's extra dependencies); kept while its
## version matches.
RCLONE_VERSION = $(shell $(GO) list -m -f '{{.Version}}' github.com/rclone/rclone)
rclone:
	@bin/rclone version 2>/dev/null | grep -q '^rclone $(RCLONE_VERSION)' || \
		GOBIN=$(CURDIR)/bin $(GO) install github.com/rclone/rclone@$(RCLONE_VERSION)

## bench: upload-only rclone copy, the recipe and `ferry run --once` side by
## side on each workload (the shaped link needs root), the latency on an idle
## `ferry run`, a backlog of 20,000 files; markdown as in bench/RESULTS.md.
## BENCH_FLAGS adds flags, e.g. BENCH_FLAGS="-n 5 -only link".
BENCH_FLAGS ?=
bench: build rclone
	$(GO) run ./bench $(BENCH_FLAGS)

## bench-scale: the backlog benchmark at 100,000 and 1,000,000 waiting files.
bench-scale: build rclone
	$(GO) run ./bench -only backlog -backlog 100000,1000000 $(BENCH_FLAGS)

clean:
	rm -rf bin demo
