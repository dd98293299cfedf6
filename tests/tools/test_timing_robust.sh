#!/bin/sh
# tests/tools/test_timing_robust.sh -- issue 22's item 2 on the players and
# seeds that the held-offset rule once failed (tools/timing_sweep.py on
# valid, docs/timing.md "Robustness over seeds and tempi"): at 100 BPM
# (and seed 8 at 72 BPM) on the valid split, L0 and L4, each run must have >= 95 % of the harmony
# onsets that belong to a melody onset within 10 ms of it, >= 95 % of the
# held-note onsets within 10 ms of their piece's median offset, accuracy
# within 0.01 of the exact render and <= 0.5 % harmony notes shorter than
# 40 ms; and a steady player 64 ms late at 132 BPM (more than 0.45 of a
# 114 ms slice) is served.  Skips (77) without the corpus.
set -u
K=${1:?usage: test_timing_robust.sh KANTOR}
D=${KANTOR_DATA:-}
if [ ! -f "$D/split.tsv" ]; then
  echo "SKIP: corpus not found at '$D' (set KANTOR_DATA)"
  exit 77
fi
/usr/bin/python3 - "$K" "$D" <<'PY'
import json, subprocess, sys
K, D = sys.argv[1], sys.argv[2]
runs = [(100, p) for p in ('late=64,jitter=30,seed=4', 'late=32,jitter=30,seed=6',
                           'late=16,jitter=15,seed=6', 'late=32,jitter=30,seed=3',
                           'late=64,jitter=30,seed=3', 'jitter=30,seed=4',
                           'late=32,jitter=30,seed=4')] + \
       [(72, 'late=64,jitter=30,seed=8'), (132, 'late=64,seed=1')]
fail = 0
for L in (0, 4):
    for bpm, spec in runs:
        cmd = [K, 'eval', '--data', D, '--split', D + '/split.tsv', '--set', 'valid',
               '--lookahead', str(L), '--bpm', str(bpm), '--json', '--player', spec]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            print(f'FAIL: {" ".join(cmd)}: exit {r.returncode}: {r.stderr.strip()}')
            fail = 1
            continue
        p = json.loads(r.stdout)['player']
        pl = p['played']
        w = pl['within_10ms_pct']
        s = pl['held_offset_ms']['steady_pct']
        g = abs(p['exact']['acc_mean'] - pl['acc_mean'])
        sh = pl['shorter_than_40ms_pct']
        bad = [m for m, ok in (('within', w >= 95.0), ('steady', s >= 95.0),
                               ('accuracy gap', g <= 0.01), ('short notes', sh <= 0.5)) if not ok]
        print(f"{'FAIL' if bad else 'ok'}: L{L} {bpm} BPM {spec}: within {w:.1f} % "
              f"steady {s:.1f} % gap {g:.4f} short {sh:.2f} %" + (f" ({', '.join(bad)})" if bad else ''))
        fail |= bool(bad)
sys.exit(fail)
PY
