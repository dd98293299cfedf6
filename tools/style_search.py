#!/usr/bin/python3
"""Greedy coordinate search over the guard's style terms (dsp/decode.h) on a
development split: minimizes the statistics off (kantor eval's "off N of
28") plus their |z| beyond 0.25 (each capped at 3), subject to exact
accuracy no lower than the classic guard's on the same chorales.  This is
how the light weights (kt_engine_style_light, models/MODEL.md "Light style
weights") were found.  Tune on train/valid only, never on test.

usage: tools/style_search.py [--kantor build/tools/kantor]
         [--data ../shared/data/bach-370-chorales] [--set valid]
         [--lookahead 0|4] [--model FILE] [--only chorNNN,...]
         [--passes 2] [--start name=value,...] [--floor ACC]
Prints one line per run (accuracy, off, parallels, final triad, root
position, the statistics off) and the best SPEC last; use it with
`kantor eval|render --style SPEC`.  Standard library only.
"""
import argparse
import json
import subprocess
import sys

TERMS = dict(par=1, hold_a=0.2, hold_t=0.2, hold_b=0.2, none=0.2, move_a=0,
             move_t=0, move_b=0, root=0, cad=0, q_min7=0, q_maj7=0,
             q_dom7=0, q_dim=0, q_dim7=0, q_hdim7=0, q_min=0, q_maj=0,
             q_aug=0, chord=0)
GRID = dict(hold_a=[0, 0.05, 0.1, 0.15, 0.2, 0.3],
            hold_t=[0, 0.05, 0.1, 0.15, 0.2, 0.3],
            hold_b=[0, 0.05, 0.1, 0.15, 0.2, 0.3],
            none=[0, 0.05, 0.1, 0.15, 0.2, 0.3],
            move_a=[0, 0.02, 0.05, 0.1, 0.15],
            move_t=[0, 0.02, 0.05, 0.1, 0.15],
            move_b=[0, 0.02, 0.05, 0.08], root=[0, 0.05, 0.1, 0.15, 0.2],
            cad=[0, 0.2, 0.5, 1], q_min7=[0, 0.05, 0.1, 0.2],
            q_maj7=[0, 0.1, 0.2], q_dom7=[0, -0.05, -0.1, -0.2],
            q_dim=[0, -0.05, -0.1, -0.2], q_dim7=[0, -0.2, -0.5, -1],
            q_hdim7=[0, -0.05, -0.1], q_min=[0, 0.05, 0.1],
            q_maj=[0, 0.05, 0.1], chord=[0, 0.02, 0.05, 0.1, 0.2])


def spec_of(st):
    return ','.join(f'{k}={v:g}' for k, v in st.items())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--kantor', default='build/tools/kantor')
    ap.add_argument('--data', default='../shared/data/bach-370-chorales')
    ap.add_argument('--set', default='valid', choices=['train', 'valid'])
    ap.add_argument('--lookahead', default='0')
    ap.add_argument('--model')
    ap.add_argument('--only')
    ap.add_argument('--passes', type=int, default=2)
    ap.add_argument('--start', default='')
    ap.add_argument('--floor', type=float,
                    help='exact accuracy to keep (default: the classic '
                    'guard\'s on the same chorales)')
    a = ap.parse_args()
    base = [a.kantor, 'eval', '--data', a.data, '--split',
            a.data + '/split.tsv', '--set', a.set, '--lookahead',
            a.lookahead, '--json']
    if a.model:
        base += ['--model', a.model]
    if a.only:
        base += ['--only', a.only]
    cache = {}

    def run(extra, label):
        if label in cache:
            return cache[label]
        out = subprocess.run(base + extra, capture_output=True, text=True)
        if out.returncode:
            sys.exit(f'style_search.py: {" ".join(base + extra)}: '
                     f'{out.stderr.strip()}')
        d = json.loads(out.stdout)
        k, y = d['kantor'], d['style']['kantor']
        offs = [n for n, v in y.items() if isinstance(v, dict) and v.get('off')]
        exc = sum(min(3.0, max(0.0, abs(v['z']) - 0.25))
                  for v in y.values()
                  if isinstance(v, dict) and v.get('off') and 'z' in v)
        r = (k['acc_mean'], y['off'], exc)
        cache[label] = r
        print(f"{label}\tacc {r[0]:.6f}\toff {r[1]}\texc {exc:.3f}\t"
              f"par {y['parallels_per_100']['mean']:.2f}\t"
              f"final {y['final_root_triad']['mean']:.1f}\t"
              f"root {y['root_position_pct']['mean']:.1f}\t{','.join(offs)}",
              flush=True)
        return r

    floor = run(['--decode', 'classic'], 'classic')[0]
    if a.floor is not None:
        floor = a.floor
    state = dict(TERMS)
    for kv in filter(None, a.start.split(',')):
        name, v = kv.split('=')
        state[name] = float(v)

    def obj(r):
        return r[1] + r[2] if r[0] >= floor else 1e9 - r[0]

    cur = run(['--style', spec_of(state)], spec_of(state))
    for p in range(a.passes):
        changed = False
        for t, vals in GRID.items():
            for v in vals:
                if v == state[t]:
                    continue
                st = dict(state)
                st[t] = v
                r = run(['--style', spec_of(st)], spec_of(st))
                if obj(r) < obj(cur) - 1e-9:
                    state, cur, changed = st, r, True
                    print(f'# take {t}={v:g}: objective {obj(cur):.3f}',
                          flush=True)
        print(f'# pass {p} done', flush=True)
        if not changed:
            break
    print(f'best\t{spec_of(state)}\tacc {cur[0]:.6f} (classic {floor:.6f})'
          f'\toff {cur[1]}', flush=True)


if __name__ == '__main__':
    main()
