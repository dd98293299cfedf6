#!/bin/sh
# tests/tools/test_bach_twice.sh -- tools/bach_twice.py (Bach's other
# harmonization held against Bach by issue 23's rule) on the corpus:
# reproducible for a seed, counts that add up, and one draw's verdict equal
# to the reference's own (../shared/style: style.py on each set, then
# style_check.py).  Skips (77) without the corpus, ../shared/style or
# /usr/bin/python3.
set -u
S=${1:?usage: test_bach_twice.sh BACH_TWICE_PY}
D=${KANTOR_DATA:-}
ST="$D/../../style"
if [ -z "$D" ] || [ ! -f "$D/split.tsv" ]; then
  echo "SKIP: no corpus (KANTOR_DATA=$D)"; exit 77
fi
if [ ! -f "$ST/style.py" ] || [ ! -x /usr/bin/python3 ]; then
  echo "SKIP: no $ST/style.py or /usr/bin/python3"; exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/kt_bach_twice_XXXXXX")
trap 'rm -rf "$T"' EXIT
fail=0
P="/usr/bin/python3 $S --data $D --style $ST"
$P --draws 200 --seed 5 --json >"$T/a.json" || { echo "FAIL: did not run"; exit 1; }
$P --draws 200 --seed 5 --json | cmp -s - "$T/a.json" ||
  { echo "FAIL: not reproducible for one seed"; fail=1; }
cat "$T/a.json"
/usr/bin/python3 - "$T/a.json" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
ok = True
def check(c, what):
    global ok
    if not c: print('FAIL:', what); ok = False
check(r['tunes'] >= r['n'] > 0 and r['pieces'] >= 2 * r['tunes'], 'tunes, pieces, n')
check(sum(r['off_count'].values()) == r['draws'] == 200, 'off counts add up to the draws')
check(abs(sum(int(k) * v for k, v in r['off_count'].items()) / 200 - r['mean_off']) < 1e-3, 'mean off')
check(abs(sum(r['off_rate'].values()) - r['mean_off']) < 0.02, 'rates add up to the mean')
for k in ('p_zero_off', 'p_zero_off_z_statistics', 'p_reference_fails_rules'):
    check(0 <= r[k] <= 1, k)
check(r['p_zero_off'] <= r['p_zero_off_z_statistics'], 'none off <= none of the z statistics off')
check(len(r['z_rms']) == 26 and all(0 <= v <= 3 for v in r['z_rms'].values()), 'z_rms')
sys.exit(0 if ok else 1)
PY
$P --same-melody --draws 20 --json >"$T/m.json" || { echo "FAIL: --same-melody"; fail=1; }
/usr/bin/python3 -c "
import json, sys
a, m = (json.load(open(sys.argv[i])) for i in (1, 2))
sys.exit(0 if 0 < m['tunes'] < a['tunes'] and m['n'] == m['tunes'] else 1)" "$T/a.json" "$T/m.json" ||
  { echo "FAIL: --same-melody keeps fewer tunes, all of them"; fail=1; }
# One draw against the reference scripts: each set as a folder of links to
# the kern files, style.py on each, style_check.py other against ref.
for seed in 1 2 3; do
  $P --draws 1 --n 12 --seed $seed --sets-out "$T/s$seed" >/dev/null ||
    { echo "FAIL: --sets-out"; fail=1; continue; }
  for set in ref other; do
    mkdir -p "$T/s$seed/$set"
    while read -r f; do ln -s "$D/kern/$f" "$T/s$seed/$set/$f"; done <"$T/s$seed/$set.txt"
    /usr/bin/python3 "$ST/style.py" "$T/s$seed/$set" >"$T/s$seed/$set.json"
  done
  /usr/bin/python3 "$ST/style_check.py" "$T/s$seed/ref.json" "$T/s$seed/other.json" \
    | tail -1 | sed 's/^off \([0-9]*\) .*/\1/' >"$T/s$seed/ref_off.txt"
  if ! cmp -s "$T/s$seed/off.txt" "$T/s$seed/ref_off.txt"; then
    echo "FAIL: seed $seed: off $(cat "$T/s$seed/off.txt"), style_check.py $(cat "$T/s$seed/ref_off.txt")"
    fail=1
  else
    echo "seed $seed: off $(cat "$T/s$seed/off.txt") as style_check.py"
  fi
done
exit $fail
