#!/usr/bin/python3
"""The data-driven chord term's table (dsp/chord_prior.h; issue 23).

Counts, on a development split (train), the chord (quality x the bass's
interval above the root) of every full slice, Bach's and Kantor's own
(`kantor eval --dump --decode light --style SPEC`), for lookahead 0 and 4,
and
writes log(p_Bach / p_Kantor) per cell (add-ALPHA smoothing, clipped to
+-CLIP) as a C table.  The decoder adds chord * that log ratio to an (alto,
tenor, bass) combination's score (kt_decode_style.chord).  Labels are
../shared/style/style.py's chord_of, the same as kt_harmony_style_chord.

usage: tools/chord_table.py [--kantor build/tools/kantor]
         [--data ../shared/data/bach-370-chorales] [--set train]
         [--style-l0 SPEC] [--style-l4 SPEC] [--model-l0|-l4 FILE]
         [--alpha 1] [--clip 3] [-o dsp/chord_prior.h]
The defaults of --style-l0/-l4 are the light weights as they were before
the term (main 1679f0d, the term off; at L4 also before the bass term's
commit changed q_dim and added end).  Each spec is taken over the engine's
light weights of the day and each row counted with the model that shipped
then, so the committed table is what this printed when each row was
counted, not what it prints now (checked 2026-12-05: with no options
both rows differ from the committed ones, the L4 row because L4's light
weights were searched again after it was counted; models/MODEL.md,
"Re-tuning for another model").
Standard library only.
"""
import argparse
import math
import os
import subprocess
import sys

QUALS = ['aug', 'dim', 'dim7', 'dom7', 'hdim7', 'maj', 'maj7', 'min', 'min7']


def load_chord_of(style_dir):
    sys.path.insert(0, style_dir)
    import style  # noqa: E402
    return style.chord_of


def cell(chord_of, s, a, t, b):
    """0 for no chord, else 1 + quality * 12 + (bass - root) mod 12."""
    c = chord_of({s % 12, a % 12, t % 12, b % 12})
    if c is None:
        return 0
    root, q = c
    return 1 + QUALS.index(q) * 12 + (b - root) % 12


def dump_blocks(kantor, data, split_set, la, style, decode='light',
                model=None):
    """Each chorale of `kantor eval --dump` as a list of (S A T B of Bach,
    A T B of Kantor) rows, one a slice (-1 rest)."""
    cmd = [kantor, 'eval', '--data', data, '--split',
           data + '/split.tsv', '--set', split_set, '--lookahead', str(la),
           '--dump', '--decode', decode]
    if style:
        cmd += ['--style', style]
    if model:
        cmd += ['--model', model]
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    blocks, cur = [], None
    for line in r.stderr.splitlines():
        if line.startswith('slice pos'):
            cur = []
            blocks.append(cur)
            continue
        if cur is None:
            continue
        parts = line.split('|')
        if len(parts) != 3:
            cur = None
            continue
        try:
            sb = [int(x.strip('* ')) for x in parts[1].split()]
            g = [int(x.strip('* ')) for x in parts[2].split()]
        except ValueError:
            cur = None
            continue
        if len(sb) != 4 or len(g) != 3:
            cur = None
            continue
        cur.append((sb, g))
    return blocks


def count(a, la):
    style = a.style_l4 if la else a.style_l0
    chord_of = load_chord_of(a.style_dir)
    n = len(QUALS) * 12 + 1
    bach, gen = [0] * n, [0] * n
    model = a.model_l4 if la else a.model_l0
    for block in dump_blocks(a.kantor, a.data, a.set, la, style,
                             model=model):
        for sb, g in block:
            if min(sb) >= 0:
                bach[cell(chord_of, *sb)] += 1
            sg = [sb[0]] + g
            if min(sg) >= 0:
                gen[cell(chord_of, *sg)] += 1
    return bach, gen


def ratio(bach, gen, alpha, clip):
    nb, ng, k = sum(bach), sum(gen), len(bach)
    out = []
    for x, y in zip(bach, gen):
        v = math.log((x + alpha) / (nb + alpha * k)) - \
            math.log((y + alpha) / (ng + alpha * k))
        out.append(max(-clip, min(clip, v)))
    return out


def write_table(lines, tabs, per_row, out):
    """Appends the two rows (L0, L4) of floats, per_row a line, closes the
    header begun in lines, and writes it to out (a path) or stdout."""
    for t in tabs:
        lines.append('    {')
        for i in range(0, len(t), per_row):
            lines.append('        ' + ' '.join('%.4ff,' % v
                                              for v in t[i:i + per_row]))
        lines.append('    },')
    lines += ['};', '#endif', '']
    text = '\n'.join(lines)
    if out:
        with open(out, 'w') as f:
            f.write(text)
    else:
        sys.stdout.write(text)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument('--kantor', default='build/tools/kantor')
    ap.add_argument('--data', default='../shared/data/bach-370-chorales')
    ap.add_argument('--style-dir',
                    default=os.path.join(here, '../../shared/style'))
    ap.add_argument('--set', default='train', choices=['train', 'valid'])
    ap.add_argument('--style-l0', default='hold_a=0.15,none=0.05,move_t=0,'
                    'q_min7=0.1,q_hdim7=0,q_min=0,chord=0,end=0',
                    help='--style SPEC over the light weights at L0')
    ap.add_argument('--style-l4', default='q_dim=-0.1,end=0,chord=0',
                    help='--style SPEC over the light weights at L4')
    ap.add_argument('--model-l0', help='a model file for L0 (default: '
                    'the embedded one)')
    ap.add_argument('--model-l4', help='a model file for L4')
    ap.add_argument('--alpha', type=float, default=1.0)
    ap.add_argument('--clip', type=float, default=3.0)
    ap.add_argument('-o', '--out')
    a = ap.parse_args()
    tabs, notes = [], []
    for la in (0, 4):
        bach, gen = count(a, la)
        tabs.append(ratio(bach, gen, a.alpha, a.clip))
        nb, ng = sum(bach), sum(gen)
        rows = []
        for q in range(len(QUALS)):
            for i in range(12):
                c = 1 + q * 12 + i
                if bach[c] + gen[c] >= 0.002 * nb:
                    rows.append('%s/%d bach %.2f%% kantor %.2f%%' % (
                        QUALS[q], i, 100 * bach[c] / nb, 100 * gen[c] / ng))
        rows.append('none bach %.2f%% kantor %.2f%%' % (100 * bach[0] / nb,
                                                         100 * gen[0] / ng))
        notes.append(rows)
        print('lookahead %d: %d Bach slices, %d Kantor slices' % (la, nb, ng),
              file=sys.stderr)
        for r in rows:
            print('  ' + r, file=sys.stderr)
    lines = [
        '/* dsp/chord_prior.h -- generated by tools/chord_table.py; do not edit.',
        ' * log(p_Bach / p_Kantor) per chord cell of a full slice: [0] no chord,',
        ' * [1 + quality * 12 + (bass - root) mod 12] (enum kt_style_quality),',
        ' * counted on the %s split at lookahead 0 ([0]) and 4 ([1]);' % a.set,
        ' * alpha %g, clip %g; the light weights with --style %s (L0),'
        % (a.alpha, a.clip, a.style_l0),
        ' * %s (L4). */' % a.style_l4,
        '#ifndef KT_CHORD_PRIOR_H',
        '#define KT_CHORD_PRIOR_H',
        '#include "decode.h" /* KT_CHORD_PRIOR_N */',
        'static const float kt_chord_prior[2][KT_CHORD_PRIOR_N] = {']
    write_table(lines, tabs, 6, a.out)


if __name__ == '__main__':
    main()
