#!/bin/sh
# tests/tools/test_timing_sweep.sh -- tools/timing_sweep.py against a stand-in
# kantor that prints canned `eval --json` figures: it runs every player at
# each seed (a player without jitter once) and lookahead, passes --bpm, and
# reports the worst figure per criterion with the run that gives it.  No
# corpus needed.
set -u
S=${1:?usage: test_timing_sweep.sh TIMING_SWEEP_PY}
T=$(mktemp -d "${TMPDIR:-/tmp}/kt_timing_sweep_XXXXXX")
trap 'rm -rf "$T"' EXIT
fail=0
# the stand-in: seed 2 at L4 is the worst within 10 ms; 64 ms late the
# least steady; every call logged
cat >"$T/kantor" <<'EOS'
#!/bin/sh
echo "$*" >>"$(dirname "$0")/calls"
within=99.0; steady=100.0; acc=0.395
case "$*" in *"--lookahead 4"*"seed=2"*) within=90.5 ;; esac
case "$*" in *"late=64,seed"*) steady=80.0; acc=0.380 ;; esac
printf '{"player": {"exact": {"acc_mean": 0.4}, "played": {"acc_mean": %s, "within_10ms_pct": %s, "shorter_than_40ms_pct": 0.0, "held_offset_ms": {"mean": 50.0, "steady_pct": %s}}}}\n' "$acc" "$within" "$steady"
EOS
chmod +x "$T/kantor"
if ! KANTOR_DATA="$T" /usr/bin/python3 "$S" "$T/kantor" valid 1,2 72,132 >"$T/out"; then
  echo "FAIL: the sweep did not run"; exit 1
fi
cat "$T/out"
# 2 L x 2 tempi x (5 jittery players x 2 seeds + 3 steady x 1)
n=$(wc -l <"$T/calls")
[ "$n" -eq 52 ] || { echo "FAIL: $n runs, want 52"; fail=1; }
grep -q -- "--bpm 132" "$T/calls" || { echo "FAIL: no --bpm 132"; fail=1; }
grep -q -- "--set valid" "$T/calls" || { echo "FAIL: not on valid"; fail=1; }
grep -q "within 10 ms %: 90.5 (NOT met, target 95) at bpm .*,seed=2" "$T/out" ||
  { echo "FAIL: worst within 10 ms"; fail=1; }
grep -q "steady %: 80 (NOT met, target 95) at bpm .* late=64,seed=1$" "$T/out" ||
  { echo "FAIL: worst steady"; fail=1; }
grep -q "acc gap to exact: 0.02 (NOT met" "$T/out" || { echo "FAIL: worst gap"; fail=1; }
grep -q "notes < 40 ms %: 0 (met" "$T/out" || { echo "FAIL: short notes"; fail=1; }
grep -q "^  L4 72 BPM: 6 of 13$" "$T/out" &&
  grep -q "^    late=64,seed=1: steady %, acc gap to exact$" "$T/out" ||
  { echo "FAIL: runs failing per lookahead and tempo"; fail=1; }
[ $fail -eq 0 ] && echo "ok: timing_sweep.py"
exit $fail
