#!/usr/bin/python3
"""Bach against Bach: how many style statistics would Bach's *other* harmonization
of the same tunes have off, by issue 23's rule (../shared/style/style_check.py)?

  /usr/bin/python3 tools/bach_twice.py [--data D] [--style S] [--n 36] [--draws 2000]
                                       [--seed 1] [--sets train,valid,test] [--same-melody]
                                       [--json] [--sets-out DIR]

The corpus harmonizes some tunes more than once (split.tsv's split_group holds
every harmonization of one melody). For a draw, N such tunes are chosen at random
(without replacement), and two of each tune's harmonizations at random: one set
plays "Bach", the other "a harmonizer as good as Bach", and the second is held
against the first exactly as `kantor eval` and style_check.py hold Kantor against
Bach: z = (pooled mean - Bach's pooled mean) / (Bach's per-piece p90 - p10),
off when |z| > 0.25 (one-sided statistics only when too many); parallels
<= 0.5 per 100 moves; a root-position final triad in >= 97 % of pieces.

--same-melody keeps only pairs whose sopranos are the same pitches on the same
sixteenths, up to transposition (as the exact-accuracy comparison of two of
Bach's harmonizations needs); there are too few of them for sets of 36, so
then the draws take every such pair.

Prints the distribution of the off count over the draws, and which statistics
are off how often. Standard library only; reads the corpus by path.
"""
import argparse, json, os, random, sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default=os.path.join(HERE, '..', '..', 'shared', 'data', 'bach-370-chorales'))
    ap.add_argument('--style', default=os.path.join(HERE, '..', '..', 'shared', 'style'))
    ap.add_argument('--n', type=int, default=36)
    ap.add_argument('--draws', type=int, default=2000)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--sets', default='train,valid,test')
    ap.add_argument('--same-melody', action='store_true')
    ap.add_argument('--json', action='store_true')
    ap.add_argument('--sets-out', metavar='DIR',
                    help="write the last draw's two sets, a file name a line, to DIR/ref.txt and DIR/other.txt")
    a = ap.parse_args()
    split = os.path.join(a.data, 'split.tsv')
    for p in (split, os.path.join(a.style, 'style.py')):
        if not os.path.exists(p):
            sys.exit(f'bach_twice: {p}: not found (--data / --style)')
    sys.path.insert(0, a.style)
    import kern, style  # noqa: E402  (../shared/style, the reference definitions)
    # style_check.py's STATS and ONE_SIDED, without running its check
    check = os.path.join(a.style, 'style_check.py')
    src = open(check).read()
    if 'b = json.load' not in src:
        sys.exit(f'bach_twice: {check}: no STATS / ONE_SIDED before its check (another version?)')
    defs = {}
    exec(compile(src[:src.index('b = json.load')], check, 'exec'), defs)
    STATS, ONE_SIDED = defs['STATS'], defs['ONE_SIDED']
    if a.n < 1 or a.draws < 1:
        sys.exit('bach_twice: --n and --draws must be at least 1')

    groups = {}
    sets = set(a.sets.split(','))
    with open(split) as f:
        next(f)
        for no, line in enumerate(f, 2):
            fields = line.rstrip('\n').split('\t')
            if len(fields) != 4:
                sys.exit(f'bach_twice: {split}:{no}: {len(fields)} fields, not 4 (file, bwv, split_group, split)')
            file, _bwv, g, s = fields
            if s in sets:
                groups.setdefault(g, []).append(file)
    groups = {g: sorted(fs) for g, fs in groups.items() if len(fs) >= 2}

    piece, sop = {}, {}
    for fs in groups.values():
        for f in fs:
            d = kern.read(os.path.join(a.data, 'kern', f))
            S, A, T, B = d['pitch']
            piece[f] = style.stats(S, A, T, B, d['bars'])
            on = [p for p in S if p >= 0]
            sop[f] = tuple(-1 if p < 0 else p - on[0] for p in S) if on else ()

    pairs = []  # per tune, the pairs a draw may take
    for g, fs in sorted(groups.items()):
        ps = [(x, y) for i, x in enumerate(fs) for y in fs[i + 1:]]
        if a.same_melody:
            ps = [(x, y) for x, y in ps if sop[x] == sop[y]]
        if ps:
            pairs.append(ps)
    if not pairs:
        sys.exit(f'bach_twice: {split}: no tune harmonized twice in sets {a.sets}')
    n = len(pairs) if a.same_melody else min(a.n, len(pairs))

    def pooled(fs, k):
        w = [piece[f]['slices'] for f in fs]
        return sum(piece[f][k] * wi for f, wi in zip(fs, w)) / sum(w)

    zsq = {k: 0.0 for k in STATS}

    def off_of(ref, other):
        off = []
        for k in STATS:
            xs = [piece[f][k] for f in ref]
            spread = max(style.pct(xs, 90) - style.pct(xs, 10), 1e-6)
            z = (pooled(other, k) - pooled(ref, k)) / spread
            zsq[k] += min(z * z, 9.0)  # |z| capped at 3: a spread of 0 makes z huge
            if (z > 0.25) if k in ONE_SIDED else (abs(z) > 0.25):
                off.append(k)
        if pooled(other, 'parallels_per_100') > 0.5:
            off.append('parallels_per_100')
        if pooled(other, 'final_root_triad') < 97:
            off.append('final_root_triad')
        return off

    rng = random.Random(a.seed)
    hist, per = {}, {}
    zstat_zero = 0
    bach_rules = 0
    other_rules = 0
    for _ in range(a.draws):
        chosen = rng.sample(pairs, n)
        ref, other = [], []
        for ps in chosen:
            x, y = rng.choice(ps)
            if rng.random() < 0.5:
                x, y = y, x
            ref.append(x)
            other.append(y)
        off = off_of(ref, other)
        last = (ref, other, off)
        hist[len(off)] = hist.get(len(off), 0) + 1
        for k in off:
            per[k] = per.get(k, 0) + 1
        if not [k for k in off if k in STATS]:
            zstat_zero += 1
        if [k for k in off if k not in STATS]:
            other_rules += 1
        if pooled(ref, 'parallels_per_100') > 0.5 or pooled(ref, 'final_root_triad') < 97:
            bach_rules += 1
    if a.sets_out:
        os.makedirs(a.sets_out, exist_ok=True)
        for name, fs in (('ref', last[0]), ('other', last[1])):
            with open(os.path.join(a.sets_out, name + '.txt'), 'w') as f:
                f.write(''.join(x + '\n' for x in fs))
        with open(os.path.join(a.sets_out, 'off.txt'), 'w') as f:
            f.write(f'{len(last[2])}\n')
    mean = sum(k * v for k, v in hist.items()) / a.draws
    res = {'tunes': len(pairs), 'pieces': len(piece), 'n': n, 'draws': a.draws,
           'same_melody': a.same_melody, 'sets': sorted(sets),
           'mean_off': round(mean, 3),
           'p_zero_off': round(hist.get(0, 0) / a.draws, 4),
           'p_zero_off_z_statistics': round(zstat_zero / a.draws, 4),
           'p_other_fails_rules': round(other_rules / a.draws, 4),
           'p_reference_fails_rules': round(bach_rules / a.draws, 4),
           'z_rms': {k: round((zsq[k] / a.draws) ** 0.5, 4) for k in STATS},
           'off_count': {str(k): hist[k] for k in sorted(hist)},
           'off_rate': {k: round(v / a.draws, 4) for k, v in sorted(per.items(), key=lambda kv: -kv[1])}}
    if a.json:
        print(json.dumps(res))
        return
    print(f"{res['tunes']} tunes harmonized twice or more ({res['pieces']} pieces, sets {a.sets}); "
          f"{a.draws} draws of {n} tunes{' (same melody only)' if a.same_melody else ''}")
    print(f"Bach's other harmonization, off of {len(STATS) + 2}: mean {mean:.2f}; "
          f"none off in {100 * res['p_zero_off']:.1f} % of draws "
          f"(none of the {len(STATS)} z statistics off: {100 * res['p_zero_off_z_statistics']:.1f} %)")
    print("off count: " + ', '.join(f'{k}: {v}' for k, v in res['off_count'].items()))
    print(f"the other set fails the parallels or final-triad rule in "
          f"{100 * res['p_other_fails_rules']:.1f} % of draws,")
    print(f"the reference set itself in "
          f"{100 * res['p_reference_fails_rules']:.1f} % of draws")
    zr = sorted(res['z_rms'].values())
    print(f"z over the draws, root mean square per statistic: median {zr[len(zr) // 2]:.3f}, "
          f"largest {zr[-1]:.3f} ({max(res['z_rms'], key=res['z_rms'].get)})")
    for k, v in res['off_rate'].items():
        print(f'  {k:24s} off in {100 * v:5.1f} % of draws')


if __name__ == '__main__':
    main()
