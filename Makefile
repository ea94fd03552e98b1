# ferry: the two commands that matter are `make run` (demo) and `make test`.
GO      ?= go
BIN     := bin/ferry
PKGS    := ./...
# Packages whose goroutines share state; run under the race detector in `make test`.
RACE_PKGS := ./internal/bus/... ./internal/ledger/... ./internal/worker/... ./dispatcher/... ./watcher/...

.PHONY: all build run test test-short test-race vet bench fuzz clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/ferry

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

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 -timeout 60m $(PKGS)

clean:
	rm -rf bin demo
