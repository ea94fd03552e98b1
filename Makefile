# ferry: the two commands that matter are `make run` (demo) and `make test`.
GO      ?= go
BIN     := bin/ferry
PKGS    := ./...
# Packages whose goroutines share state; run under the race detector in `make test`.
RACE_PKGS := ./internal/bus/... ./internal/ledger/... ./internal/worker/... ./internal/parallel/... ./dispatcher/... ./watcher/...

.PHONY: all build run test test-short vet lint bench bench-scale rclone clean

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

## test: lint and vet (a style break fails fast), the full suite (integration
## tests start their own servers), the race detector over the packages that
## share state, then test-deploy (which skips, saying why, where it cannot
## boot hosts).
test: lint vet
	./scripts/install-test-deps.sh
	$(GO) test -count=1 -timeout 30m $(PKGS)
	$(GO) test -count=1 -race -short -timeout 20m $(RACE_PKGS)
	./scripts/deploy-test.sh

## test-short: the quick loop (no integration tests).
test-short:
	$(GO) test -short -count=1 $(PKGS)

vet:
	$(GO) vet $(PKGS)

## lint: golangci-lint with .golangci.yml (govet, staticcheck, unused,
## errorlint, ineffassign, gofmt), installed at a pinned version into bin/
## on first use, so a clean clone needs nothing beyond Go.
GOLANGCI_LINT_VERSION := 2.15.0
GOLANGCI_LINT         := bin/golangci-lint
lint:
	@$(GOLANGCI_LINT) version 2>/dev/null | grep -q 'version $(GOLANGCI_LINT_VERSION) ' || \
		GOBIN=$(CURDIR)/bin $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v$(GOLANGCI_LINT_VERSION)
	$(GOLANGCI_LINT) run $(PKGS)

.PHONY: test-faults soak

## test-faults: the fault campaign in its CI form (at least 30 faults over 300
## files) and the bad-input suite, run against the ferry binary, printing the
## campaign's figures; then the fuzz targets' seed corpora. `make test` runs
## the same tests quietly through ./....
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
## side on each workload (the shaped link needs root), the CPU the gzip and
## warc validators add (-only validate), the latency on an idle `ferry run`,
## a backlog of 20,000 files; markdown as in bench/RESULTS.md.
## BENCH_FLAGS adds flags, e.g. BENCH_FLAGS="-n 5 -only link".
BENCH_FLAGS ?=
bench: build rclone
	$(GO) run ./bench $(BENCH_FLAGS)

## bench-scale: the backlog benchmark at 100,000 and 1,000,000 waiting files.
bench-scale: build rclone
	$(GO) run ./bench -only backlog -backlog 100000,1000000 $(BENCH_FLAGS)

clean:
	rm -rf bin demo

.PHONY: dist install test-deploy

## dist: dist/ferry-VERSION-linux-ARCH.tar.gz (a static binary, the systemd
## units and the example configs) and its .sha256, plus the binary's own
## .sha256 inside, which the Ansible role's ferry_binary_sha256 takes.
DIST_VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
DIST_ARCH    := $(shell $(GO) env GOARCH)
DIST_NAME    := ferry-$(DIST_VERSION)-linux-$(DIST_ARCH)
dist:
	rm -rf dist/$(DIST_NAME) dist/$(DIST_NAME).tar.gz*
	mkdir -p dist/$(DIST_NAME)/systemd dist/$(DIST_NAME)/configs
	CGO_ENABLED=0 GOOS=linux $(GO) build -trimpath -ldflags '-s -w' -o dist/$(DIST_NAME)/ferry ./cmd/ferry
	cp systemd/*.service dist/$(DIST_NAME)/systemd/
	cp -r configs/ferry.example.yaml configs/nats configs/prometheus configs/grafana dist/$(DIST_NAME)/configs/
	find dist/$(DIST_NAME)/configs -name '*_test.go' -delete
	cd dist/$(DIST_NAME) && sha256sum ferry > ferry.sha256
	tar -C dist --owner=0 --group=0 --sort=name -czf dist/$(DIST_NAME).tar.gz $(DIST_NAME)
	cd dist && sha256sum $(DIST_NAME).tar.gz > $(DIST_NAME).tar.gz.sha256
	@echo "dist/$(DIST_NAME).tar.gz"

## install: the binary and units on this host (DESTDIR for a staging root);
## the units expect /usr/local/bin/ferry and /etc/ferry. An existing
## ferry.yaml is kept. The user "ferry" is the operator's (or Ansible's).
install: build
	install -D -m 0755 $(BIN) $(DESTDIR)/usr/local/bin/ferry
	install -d -m 0755 $(DESTDIR)/etc/systemd/system
	install -m 0644 systemd/ferry.service systemd/ferry@.service systemd/ferry-nats.service $(DESTDIR)/etc/systemd/system/
	install -d -m 0750 $(DESTDIR)/etc/ferry
	[ -e $(DESTDIR)/etc/ferry/ferry.yaml ] || install -m 0640 configs/ferry.example.yaml $(DESTDIR)/etc/ferry/ferry.yaml
	@[ -n "$(DESTDIR)" ] || ! [ -d /run/systemd/system ] || systemctl daemon-reload
	@echo "installed; next: useradd --system ferry, edit /etc/ferry/ferry.yaml, systemctl enable --now ferry"

## test-deploy: the Ansible role on three Debian hosts booted with
## systemd-nspawn (scripts/deploy-test.sh; root; the root file system is
## built once into $(FERRY_DEPLOY_CACHE), default /var/cache/ferry-deploy).
## `make test` runs it; it skips, saying why, where nspawn cannot run.
test-deploy:
	./scripts/install-test-deps.sh
	./scripts/deploy-test.sh
