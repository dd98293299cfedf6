#!/usr/bin/python3
"""The issue-22 criteria over seeds x players x lookahead x tempo, worst figure each.

usage: timing_sweep.py KANTOR [SET [SEEDS [BPMS]]]
  SET   valid (default; tune on train/valid only)
  SEEDS 1-6 (default) or a comma list, e.g. 1,4
  BPMS  100 (default) or a comma list, e.g. 72,100,132
env: KANTOR_DATA (the corpus), KANTOR_MODEL_L0 / KANTOR_MODEL_L4 (a --model
for that lookahead instead of the embedded one), KANTOR_DECODE (a --decode
for every run: plain, balanced or bach; unset: the engine's default),
JOBS (parallel runs, 1)

Runs `kantor eval --data D --split D/split.tsv --set SET --lookahead L --bpm B
--json --player SPEC` for every player of the table but the exact one (with
each seed; a player without jitter once: it makes no draws) and prints, per
lookahead, each run's figures and the worst over all runs of: within 10 ms (>= 95 %), held-note onsets steady (>= 95 %),
accuracy gap to the exact render (<= 0.01), notes < 40 ms (<= 0.5 %); then per lookahead and tempo
how many runs miss any of them, and which."""
import json, os, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

K = sys.argv[1]
SET = sys.argv[2] if len(sys.argv) > 2 else 'valid'


def ints(s):
    if '-' in s:
        a, b = s.split('-')
        return list(range(int(a), int(b) + 1))
    return [int(x) for x in s.split(',')]


SEEDS = ints(sys.argv[3]) if len(sys.argv) > 3 else list(range(1, 7))
BPMS = [float(x) for x in sys.argv[4].split(',')] if len(sys.argv) > 4 else [100.0]
D = os.environ.get('KANTOR_DATA', os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                '..', '..', 'shared', 'data', 'bach-370-chorales'))
PLAYERS = ['jitter=15', 'jitter=30', 'late=-20', 'late=16', 'late=64', 'late=16,jitter=15',
           'late=32,jitter=30', 'late=64,jitter=30']


def run(L, bpm, spec):
    model = os.environ.get(f'KANTOR_MODEL_L{L}')
    cmd = [K, 'eval', '--data', D, '--split', D + '/split.tsv', '--set', SET, '--lookahead', str(L),
           '--bpm', f'{bpm:g}', '--json', '--player', spec] + (['--model', model] if model else [])
    if os.environ.get('KANTOR_DECODE'):
        cmd += ['--decode', os.environ['KANTOR_DECODE']]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    p = json.loads(out)['player']
    pl = p['played']
    return {
        'within': pl['within_10ms_pct'],
        'steady': pl['held_offset_ms']['steady_pct'],
        'gap': abs(p['exact']['acc_mean'] - pl['acc_mean']),
        'short': pl['shorter_than_40ms_pct'],
        'held': pl['held_offset_ms']['mean'],
    }


# a player without jitter makes no draws: one seed is enough
jobs = [(L, bpm, f'{pl},seed={s}') for L in (0, 4) for bpm in BPMS for pl in PLAYERS
        for s in (SEEDS if 'jitter' in pl else SEEDS[:1])]
with ThreadPoolExecutor(int(os.environ.get('JOBS', '1'))) as ex:
    res = dict(zip(jobs, ex.map(lambda j: run(*j), jobs)))

crit = [('within 10 ms %', 'within', min, 95.0), ('steady %', 'steady', min, 95.0),
        ('acc gap to exact', 'gap', max, 0.01), ('notes < 40 ms %', 'short', max, 0.5)]
print(f'set {SET}, seeds {",".join(map(str, SEEDS))}, bpm {",".join(f"{b:g}" for b in BPMS)}')
for L in (0, 4):
    print(f'\nL{L}: bpm player: within% steady% gap short% held-ms')
    for (l, bpm, spec), r in res.items():
        if l == L:
            print(f"  {bpm:g} {spec}: {r['within']:.1f} {r['steady']:.1f} {r['gap']:.4f} "
                  f"{r['short']:.2f} {r['held']:.1f}")
for L in (0, 4):
    print(f'\n**L{L}** worst over {len(PLAYERS)} players x {len(SEEDS)} seeds x {len(BPMS)} tempi '
          f'({sum(1 for j in jobs if j[0] == L)} runs):')
    for name, key, f, target in crit:
        rs = [(r[key], j) for j, r in res.items() if j[0] == L]
        v, j = f(rs, key=lambda x: x[0])
        ok = v >= target if f is min else v <= target
        print(f"  {name}: {v:.4g} ({'met' if ok else 'NOT met'}, target {target:g}) at bpm {j[1]:g} {j[2]}")
print('\nruns failing (any criterion; unrounded figures), per lookahead and tempo:')
for L in (0, 4):
    for bpm in BPMS:
        rs = [(j, r) for j, r in res.items() if j[0] == L and j[1] == bpm]
        bad = [(j, [name for name, key, f, target in crit
                    if (r[key] < target if f is min else r[key] > target)])
               for j, r in rs]
        bad = [(j, b) for j, b in bad if b]
        print(f'  L{L} {bpm:g} BPM: {len(bad)} of {len(rs)}' +
              ''.join(f"\n    {j[2]}: {', '.join(b)}" for j, b in bad))
sys.stdout.flush()
