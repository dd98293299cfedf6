#!/bin/sh
# run_fuzz.sh EXE SEED_DIR RUNS [MAX_SECONDS]: a fixed-size libFuzzer run over
# the seed corpus; new inputs go to a scratch dir so the repository stays
# untouched.  Long campaign: run_fuzz.sh EXE SEED_DIR 10000000 36000
set -eu
exe=$1 seeds=$2 runs=$3 secs=${4:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$exe" -runs="$runs" -max_total_time="$secs" -rss_limit_mb=4096 \
  -print_final_stats=1 "$work" "$seeds" 2>&1 | tail -n 12
