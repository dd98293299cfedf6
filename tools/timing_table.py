#!/usr/bin/python3
"""Runs kantor eval --player for the issue-22 players and prints markdown tables.
usage: timing_table.py KANTOR SET
env: KANTOR_DATA (the corpus), KANTOR_MODEL_L0 / KANTOR_MODEL_L4 (a --model for
that lookahead instead of the embedded one: for quick tuning runs only)"""
import json, os, subprocess, sys
K, SET = sys.argv[1], sys.argv[2]
D = os.environ.get("KANTOR_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "bach-370-chorales"))
players = [('exact', 'exact'), ('jitter sd 15', 'jitter=15,seed=1'), ('jitter sd 30', 'jitter=30,seed=1'),
           ('20 ms early', 'late=-20,seed=1'), ('16 ms late', 'late=16,seed=1'), ('32 ms late', 'late=32,seed=1'),
           ('64 ms late', 'late=64,seed=1'), ('16 late, sd 15', 'late=16,jitter=15,seed=1'),
           ('32 late, sd 30', 'late=32,jitter=30,seed=1'), ('64 late, sd 30', 'late=64,jitter=30,seed=1')]
for L in (0, 4):
    cols = []
    for name, spec in players:
        model = os.environ.get(f'KANTOR_MODEL_L{L}')
        out = subprocess.run([K, 'eval', '--data', D, '--split', D + '/split.tsv', '--set', SET,
                              '--lookahead', str(L), '--json', '--player', spec] +
                             (['--model', model] if model else []),
                             capture_output=True, text=True, check=True).stdout
        p = json.loads(out)['player']
        cols.append((name, p))
    model = os.environ.get(f'KANTOR_MODEL_L{L}')
    print(f'\n**L{L}** (`--lookahead {L}`, `--set {SET}`' + (f', `--model {model}`' if model else '') + ')\n')
    print('| player | ' + ' | '.join(n for n, _ in cols) + ' |')
    print('|---' * (len(cols) + 1) + '|')
    def row(label, f):
        print(f'| {label} | ' + ' | '.join(f(p) for _, p in cols) + ' |')
    row('accuracy vs Bach (exact render)', lambda p: f"{p['played']['acc_mean']:.3f} ({p['exact']['acc_mean']:.3f})")
    row('accuracy vs the exact render', lambda p: f"{p['played']['acc_vs_exact']:.3f}")
    row('chord slices %', lambda p: f"{p['played']['chord_pct']:.1f}")
    row('onsets with a melody onset: within 10 ms', lambda p: f"**{p['played']['within_10ms_pct']:.1f} %** of {p['played']['with_onset']}")
    row('held-note onsets: offset mean / sd ms', lambda p: f"{p['played']['held_offset_ms']['mean']:.1f} / {p['played']['held_offset_ms']['sd']:.1f}")
    row('… max dev / steady (within 10 ms of the piece median)', lambda p: f"{p['played']['held_offset_ms']['max_dev']:.1f} / {p['played']['held_offset_ms']['steady_pct']:.1f} %")
    row('harmony notes < 40 ms', lambda p: f"{p['played']['shorter_than_40ms']} ({p['played']['shorter_than_40ms_pct']:.2f} %)")
    row('style: off of 28 vs Bach', lambda p: f"{p['played']['style_off_vs_bach']}")
    sys.stdout.flush()
