#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in BUILD_DIR and fuzzes the authz body
# decoding for SECONDS, starting from the seed corpus; fails on any crash, sanitizer report or
# exception. Usage: tests/fuzz/run.sh SOURCE_DIR BUILD_DIR SECONDS
set -euo pipefail
source=${1:?usage: run.sh SOURCE_DIR BUILD_DIR SECONDS}
build=${2:?usage: run.sh SOURCE_DIR BUILD_DIR SECONDS}
seconds=${3:?usage: run.sh SOURCE_DIR BUILD_DIR SECONDS}
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$source" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBULKHEAD_FUZZ=ON \
    -DCMAKE_CXX_COMPILER=clang++ "-DCMAKE_CXX_FLAGS=$flags" >/dev/null
fi
cmake --build "$build" --target authz_body_fuzzer >/dev/null
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp "$source"/tests/fuzz/corpus/* "$corpus/"
UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=0 \
  "$build/tests/fuzz/authz_body_fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
  -dict="$source/tests/fuzz/docker.dict" -print_final_stats=1 "$corpus" 2>&1 | tail -n 12
