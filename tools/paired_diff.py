#!/usr/bin/python3
"""tools/paired_diff.py -- the paired per-piece difference in exact accuracy
between two `kantor eval --json` runs of the same set (B minus A).

    /usr/bin/python3 tools/paired_diff.py A.json B.json [--boot N] [--seed S]

Each run's `pieces` list gives every chorale's acc_mean and cmp_slices (the
slices compared).  The difference reported is the set's: the pieces'
differences weighted by cmp_slices, which equals acc_mean(B) - acc_mean(A).
Its 95 % interval is a percentile bootstrap over the pieces (N resamples of
the pieces with replacement, each its weighted difference; stdlib random
with seed S, so the same inputs print the same interval).  Also: the plain
mean of the per-piece differences and how many pieces are better, worse or
equal.  Exit 2 on a usage error or runs that do not pair (different pieces).
"""
import json
import random
import sys


def load(path):
    try:
        with open(path) as f:
            j = json.load(f)
        pieces = j["pieces"]
        return j, {p["name"]: (p["acc_mean"], p["cmp_slices"]) for p in pieces}
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.exit(f"paired_diff.py: {path}: not a kantor eval --json run with "
                 f"per-piece cmp_slices ({e})")


def weighted(diffs, weights, idx):
    num = sum(diffs[i] * weights[i] for i in idx)
    den = sum(weights[i] for i in idx)
    return num / den if den else 0.0


def main(argv):
    args, boot, seed = [], 10000, 1
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--boot", "--seed") and i + 1 < len(argv):
            try:
                v = int(argv[i + 1])
            except ValueError:
                print(f"paired_diff.py: {a} {argv[i + 1]}: want an integer",
                      file=sys.stderr)
                return 2
            if a == "--boot":
                boot = v
            else:
                seed = v
            i += 2
        elif a.startswith("-"):
            print(__doc__, file=sys.stderr)
            return 2
        else:
            args.append(a)
            i += 1
    if len(args) != 2 or boot < 1:
        print(__doc__, file=sys.stderr)
        return 2
    ja, a = load(args[0])
    jb, b = load(args[1])
    if set(a) != set(b) or not a:
        print(f"paired_diff.py: {args[0]} and {args[1]} do not hold the same "
              f"pieces", file=sys.stderr)
        return 2
    names = sorted(a)
    if any(a[n][1] != b[n][1] for n in names):
        print("paired_diff.py: cmp_slices differ between the runs",
              file=sys.stderr)
        return 2
    d = [b[n][0] - a[n][0] for n in names]
    w = [a[n][1] for n in names]
    n = len(names)
    obs = weighted(d, w, range(n))
    rng = random.Random(seed)
    bs = sorted(weighted(d, w, [rng.randrange(n) for _ in range(n)])
                for _ in range(boot))
    lo, hi = bs[int(0.025 * boot)], bs[min(boot - 1, int(0.975 * boot))]
    better = sum(x > 0 for x in d)
    worse = sum(x < 0 for x in d)
    print(f"A {args[0]}: acc_mean {ja['kantor']['acc_mean']:.6f}")
    print(f"B {args[1]}: acc_mean {jb['kantor']['acc_mean']:.6f}")
    print(f"pieces {n}, slices {sum(w)}")
    print(f"B - A, weighted by slices: {obs:+.6f}, 95 % bootstrap interval "
          f"[{lo:+.6f}, {hi:+.6f}] ({boot} resamples of the pieces, seed "
          f"{seed})")
    print(f"B - A, plain mean over pieces: {sum(d) / n:+.6f}")
    print(f"pieces B better / worse / equal: {better} / {worse} / "
          f"{n - better - worse}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
