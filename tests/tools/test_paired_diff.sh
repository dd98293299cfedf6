#!/bin/sh
# tests/tools/test_paired_diff.sh -- tools/paired_diff.py on two canned
# `kantor eval --json` runs of 3 pieces: the weighted difference is
# acc_mean(B) - acc_mean(A), the interval holds it and is the same for the
# same seed, the counts of better / worse pieces; runs that do not pair
# exit 2.  No corpus needed.
set -u
S=${1:?usage: test_paired_diff.sh PAIRED_DIFF_PY}
T=$(mktemp -d "${TMPDIR:-/tmp}/kt_paired_diff_XXXXXX")
trap 'rm -rf "$T"' EXIT
fail=0
# A: 0.4 0.5 0.6 over 100 100 200 slices -> 0.525; B: 0.5 0.5 0.5 -> 0.5
run() { # NAME ACC_MEAN A1 A2 A3
  printf '{"kantor": {"acc_mean": %s}, "pieces": [
 {"name": "x", "acc_mean": %s, "cmp_slices": 100},
 {"name": "y", "acc_mean": %s, "cmp_slices": 100},
 {"name": "z", "acc_mean": %s, "cmp_slices": 200}]}\n' "$2" "$3" "$4" "$5" \
    >"$T/$1.json"
}
run a 0.525 0.4 0.5 0.6
run b 0.5 0.5 0.5 0.5
P="/usr/bin/python3 $S"
if ! $P "$T/a.json" "$T/b.json" --boot 2000 --seed 3 >"$T/out"; then
  echo "FAIL: paired_diff.py did not run"; exit 1
fi
cat "$T/out"
grep -q "weighted by slices: -0.025000, 95 % bootstrap interval \[-0\.[0-9]*, +0\.[0-9]*\]" "$T/out" ||
  { echo "FAIL: weighted difference or interval"; fail=1; }
grep -q "plain mean over pieces: +0.000000" "$T/out" ||
  { echo "FAIL: plain mean"; fail=1; }
grep -q "better / worse / equal: 1 / 1 / 1" "$T/out" ||
  { echo "FAIL: counts"; fail=1; }
$P "$T/a.json" "$T/b.json" --boot 2000 --seed 3 | cmp -s - "$T/out" ||
  { echo "FAIL: not reproducible for one seed"; fail=1; }
# pieces that do not pair, a file that is not a run, usage
printf '{"kantor": {"acc_mean": 0.5}, "pieces": [{"name": "x", "acc_mean": 0.5, "cmp_slices": 100}]}\n' >"$T/c.json"
$P "$T/a.json" "$T/c.json" >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && grep -q "do not hold the same pieces" "$T/err" ||
  { echo "FAIL: unpaired runs: exit $rc"; fail=1; }
echo '{}' >"$T/d.json"
$P "$T/a.json" "$T/d.json" >/dev/null 2>"$T/err"
rc=$?
[ $rc -ne 0 ] && grep -q "d.json: not a kantor eval --json run" "$T/err" ||
  { echo "FAIL: not a run: exit $rc"; fail=1; }
$P "$T/a.json" >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: one file: not exit 2"; fail=1; }
[ $fail -eq 0 ] && echo "ok: paired_diff.py"
exit $fail
