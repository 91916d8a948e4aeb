# Bulkhead: the two commands a user needs are `make up` and `make test`.
BUILD_DIR   ?= build
ASAN_DIR    ?= build-asan
UP_DIR      ?= /var/tmp/bulkhead-up
JOBS        ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build asan test unit-test asan-test fuzz up down plugins bench format tidy clean

all: build

deps:
	tests/env/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

$(ASAN_DIR)/build.ninja:
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Asan $(CMAKE_FLAGS)

asan: $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR) -j $(JOBS)

# Everything: unit tests (also under ASan/UBSan) and the integration and end-to-end tests, which
# start their own Ceph cluster and Docker engine (see tests/env/up.sh) and stop them afterwards.
test: deps build asan-test
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 1800

unit-test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L unit

asan-test: asan
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -L unit

# A longer libFuzzer run of the authorization body decoding (make test runs 60 s of it).
FUZZ_SECONDS ?= 600
fuzz: deps
	tests/fuzz/run.sh $(CURDIR) $(CURDIR)/build-fuzz $(FUZZ_SECONDS)

# Sets up and runs the suite: local Ceph (unless BULKHEAD_CEPH_* name one) and dockerd (unless
# DOCKER_HOST names one), every plugin installed, and a demo container using them.
up: deps build
	tests/env/up.sh $(UP_DIR)
	tests/env/with-env.sh $(UP_DIR) tests/env/demo.sh $(BUILD_DIR) $(UP_DIR)

down:
	tests/env/down.sh $(UP_DIR)

# Packages and installs every plugin into the engine at DOCKER_HOST.
plugins: build
	docker/build-plugin.sh rbd $(BUILD_DIR)/plugins/rbd/bulkhead-rbd $(PLUGIN_SETTINGS)
	docker/build-plugin.sh logs $(BUILD_DIR)/plugins/logs/bulkhead-logs $(LOGS_PLUGIN_SETTINGS)
	docker/build-plugin.sh secrets $(BUILD_DIR)/plugins/secrets/bulkhead-secrets-plugin $(SECRETS_PLUGIN_SETTINGS)

# Benchmarks against their named baselines, in one run each, on a fresh environment.
BENCH_DIR ?= /var/tmp/bulkhead-bench
bench: deps build
	tests/env/up.sh $(BENCH_DIR)
	tests/env/with-env.sh $(BENCH_DIR) bench/rbd_bench.sh $(BUILD_DIR)/plugins/rbd/bulkhead-rbd && \
	tests/env/with-env.sh $(BENCH_DIR) bench/logs_bench.sh $(BUILD_DIR)/plugins/logs/bulkhead-logs \
	  $(BUILD_DIR)/logs_micro_bench && \
	tests/env/with-env.sh $(BENCH_DIR) bench/secrets_bench.sh \
	  $(BUILD_DIR)/plugins/secrets/bulkhead-secrets-plugin $(BUILD_DIR)/plugins/secrets/bulkhead-secrets \
	  $(BUILD_DIR)/secrets_authz_bench && \
	tests/env/with-env.sh $(BENCH_DIR) bench/lbsync_bench.sh $(BUILD_DIR)/plugins/lbsync/bulkhead-lbsync; \
	  status=$$?; tests/env/down.sh $(BENCH_DIR); exit $$status

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')

tidy: $(BUILD_DIR)/build.ninja
	run-clang-tidy -quiet -p $(BUILD_DIR) '^$(CURDIR)/(common|plugins)/' 

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) build-fuzz
