#!/bin/sh
# tests/tools/test_eval_player.sh -- kantor eval --player (tools/player.h,
# docs/timing.md) on 2 test chorales: the exact player's render is the
# exact render (every harmony onset with its melody onset within 10 ms, no
# short note); a late, uneven player is reproducible and the same for any
# block partition, and its JSON block has every figure; the per-piece list
# adds up to the set's accuracy; bad specs exit 2 naming the part.  Skips (77) without the corpus.
set -u
K=${1:?usage: test_eval_player.sh KANTOR}
if [ ! -f "${KANTOR_DATA:-}/split.tsv" ]; then
  echo "SKIP: corpus not found at '${KANTOR_DATA:-}' (set KANTOR_DATA)"
  exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/kt_eval_player_XXXXXX")
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }
E="$K eval --set test --only chor005,chor237 --json"

# the exact player: the played render is the exact one
if $E --player exact >"$T/exact.json"; then ok "eval --player exact"
else bad "eval --player exact: exit $?"; fi
# a late, uneven player, three block partitions, L0 and L4
P=late=32,jitter=30,seed=3
$E --player $P >"$T/p1.json" || bad "eval --player $P"
$E --player $P >"$T/p2.json" || bad "eval --player $P (again)"
$E --player $P --block 64 >"$T/p3.json" || bad "eval --player, block 64"
$E --player $P --random-blocks --block 1024 >"$T/p4.json" ||
  bad "eval --player, random blocks"
for f in p2 p3 p4; do
  cmp -s "$T/p1.json" "$T/$f.json" && ok "$f.json = p1.json" ||
    bad "$f.json differs from p1.json (seed or block partition)"
done
$E --player $P --lookahead 4 >"$T/l4.json" || bad "eval --player, L4"

/usr/bin/python3 - "$T" <<'PY' || fail=1
import json, sys
d = sys.argv[1]
def load(n):
    with open(f"{d}/{n}.json") as f:
        return json.load(f)
bad = 0
def check(c, what):
    global bad
    print(("ok: " if c else "FAIL: ") + what)
    bad |= not c
ex = load("exact")["player"]
for k in ("exact", "played"):
    r = ex[k]
    check(r["within_10ms_pct"] == 100 and r["with_onset"] > 0,
          f"exact player, {k}: every harmony onset with its melody onset "
          f"within 10 ms ({r['within_10ms']} of {r['with_onset']})")
    check(r["shorter_than_40ms"] == 0, f"exact player, {k}: no short note")
    check(r["held_offset_ms"]["max_dev"] == 0,
          f"exact player, {k}: held onsets on the grid")
check(ex["played"]["acc_vs_exact"] == 1 and
      ex["played"]["acc_mean"] == ex["exact"]["acc_mean"],
      "exact player: the played render is the exact render")
check(ex["style_played_vs_exact"]["off_by_z"] == 0,
      "exact player: style equal")
for n in ("p1", "l4"):
    p = load(n)["player"]
    check(p["spec"] == "late=32,jitter=30,seed=3,release=joined",
          f"{n}: spec echoed")
    pl = p["played"]
    for key in ("acc_mean", "acc_vs_exact", "chord_pct", "melody_onsets",
                "harmony_onsets", "with_onset", "with_onset_next_slice",
                "within_10ms", "within_10ms_pct", "with_offset_ms", "held",
                "held_offset_ms", "harmony_notes", "shorter_than_40ms",
                "shorter_than_40ms_pct", "style_off_vs_bach", "style"):
        check(key in pl, f"{n}: played.{key}")
    check(0 <= pl["acc_vs_exact"] < 1, f"{n}: a late player changes the render")
    check(0 <= pl["within_10ms_pct"] < 100 and pl["with_onset"] > 0,
          f"{n}: timing figures in range")
    check(len(pl["style"]) == 32 and "z" in p["style_played_vs_exact"],
          f"{n}: style statistics")
# the per-piece list: weighted by its compared slices, the set's figure
for n in ("exact", "l4"):
    j = load(n)
    ps = j["pieces"]
    tot = sum(p["cmp_slices"] for p in ps)
    w = sum(p["acc_mean"] * p["cmp_slices"] for p in ps) / tot
    check(len(ps) == 2 and all(p["cmp_slices"] > 0 for p in ps) and
          abs(w - j["kantor"]["acc_mean"]) < 1e-5,
          f"{n}: pieces' acc_mean weighted by cmp_slices = acc_mean "
          f"({w:.6f}, {j['kantor']['acc_mean']:.6f})")
sys.exit(1 if bad else 0)
PY

# bad specs: usage errors naming the part
$K eval --player late=16,jiter=3 >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && grep -q "unknown key 'jiter'" "$T/err" &&
  ok "bad --player key: exit 2, named" ||
  { bad "bad --player key: exit $rc"; cat "$T/err"; }
$K eval --player seed=x >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && grep -q "seed=x: want an integer" "$T/err" &&
  ok "bad --player value: exit 2, named" ||
  { bad "bad --player value: exit $rc"; cat "$T/err"; }
$K eval --player late=16 --no-engine >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && ok "--player --no-engine: exit 2" ||
  bad "--player --no-engine: exit $rc"
exit $fail
