#!/bin/sh
# run_fuzz.sh EXE SEED_DIR RUNS [MAX_SECONDS [WORK_DIR]]
# A libFuzzer run of RUNS executions (or MAX_SECONDS, default 300; 0 = no
# limit) over the seed corpus.  New inputs and crash reproducers go to
# WORK_DIR (default: a scratch dir removed afterwards), never into the
# repository.  An input running over 60 s is a hang (a failure).  Prints
# libFuzzer's last lines: executions, exec/s, coverage (cov: edges, ft:
# features), corpus size, peak RSS.
# Long campaign (README.md in this folder):
#   nice -n 19 tests/fuzz/run_fuzz.sh build-fuzz/tests/fuzz/fuzz_engine \
#     tests/fuzz/corpus/engine 10000000 0 /tmp/fuzz-engine
set -eu
exe=$1 seeds=$2 runs=$3 secs=${4:-300} work=${5:-}
if [ -z "$work" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/corpus" "$work/artifacts"
# Symbolized stacks in reports (clang-22's own symbolizer may be missing).
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
  ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer-22 ||
    command -v llvm-symbolizer || true)
  export ASAN_SYMBOLIZER_PATH
fi
start=$(date +%s)
status=0
"$exe" -runs="$runs" -max_total_time="$secs" -rss_limit_mb=4096 -timeout=60 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
  "$work/corpus" "$seeds" >"$work/log" 2>&1 || status=$?
tail -n 14 "$work/log"
echo "wall time: $(($(date +%s) - start)) s"
if [ "$status" -ne 0 ]; then
  grep -m 20 -E 'ERROR|SUMMARY|runtime error|Base64' "$work/log" >&2 || true
  echo "run_fuzz.sh: $exe failed (exit $status); reproducer in" \
    "$work/artifacts (kept)" >&2
  trap - EXIT
fi
exit "$status"
