#!/bin/sh
# tests/nn/train_cli.sh -- `kantor train` as a command: deterministic bytes
# for a seed, usage errors exit 2, runtime errors exit 1 and never leave a
# half-written output.  Runs on the synthetic fixture (no corpus needed).
# usage: train_cli.sh KANTOR_TRAIN FIXTURE_DIR
set -u
T=$1
FX=$2
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ARGS="--data $FX --window 4 --feedback 2 --hidden 8,8 --epochs 3 --batch 8 --quiet"
"$T" $ARGS --seed 5 -o "$D/a.kmod" --curves "$D/a" >/dev/null || fail "train a"
"$T" $ARGS --seed 5 -o "$D/b.kmod" >/dev/null || fail "train b"
"$T" $ARGS --seed 6 -o "$D/c.kmod" >/dev/null || fail "train c"
"$T" $ARGS --seed 5 --ema 0.9 -o "$D/e.kmod" >/dev/null || fail "train ema"
cmp -s "$D/a.kmod" "$D/e.kmod" && fail "ema has no effect"
cmp -s "$D/a.kmod" "$D/b.kmod" || fail "same seed, different bytes"
cmp -s "$D/a.kmod" "$D/c.kmod" && fail "seed has no effect"
# an ensemble trained in threads gives the same bytes as one net after the
# other, and its members' curves
"$T" $ARGS --seed 5 --ensemble 3 --jobs 1 -o "$D/s1.kmod" >/dev/null || fail "ensemble jobs 1"
"$T" $ARGS --seed 5 --ensemble 3 --jobs 3 -o "$D/s3.kmod" --curves "$D/s" >/dev/null || fail "ensemble jobs 3"
cmp -s "$D/s1.kmod" "$D/s3.kmod" || fail "--jobs 3 and --jobs 1 differ"
cmp -s "$D/a.kmod" "$D/s1.kmod" && fail "ensemble is the single net"
for k in 1 2 3; do [ -s "$D/s-net$k.csv" ] || fail "no curves for net $k"; done
"$T" $ARGS --ensemble 2 --jobs 0 -o "$D/x.kmod" 2>/dev/null; [ $? -eq 2 ] || fail "bad --jobs not exit 2"
[ -s "$D/a.csv" ] && [ -s "$D/a.svg" ] || fail "no learning curves"
grep -q '^epoch,train_loss' "$D/a.csv" || fail "csv header"
grep -q '<svg' "$D/a.svg" || fail "svg"
ls "$D"/*.tmp >/dev/null 2>&1 && fail "temporary file left"
for a in forwardbach forward3bach chord; do
  "$T" --data "$FX" --arch $a --window 8 --hidden 8 --epochs 2 --quiet \
    -o "$D/$a.kmod" >/dev/null || fail "arch $a"
done
"$T" $ARGS --export-data "$D/x1.ktd" >/dev/null || fail "export"
"$T" $ARGS --export-data "$D/x2.ktd" >/dev/null || fail "export again"
cmp -s "$D/x1.ktd" "$D/x2.ktd" || fail "export not deterministic"
head -c 8 "$D/x1.ktd" | grep -q KTTRAIN1 || fail "export magic"
"$T" $ARGS --export-data "$D/nodir/x.ktd" 2>/dev/null; [ $? -eq 1 ] || fail "unwritable export not exit 1"
"$T" --data "$FX" --arch forward3bach --export-data "$D/f3.ktd" 2>/dev/null; [ $? -eq 1 ] || fail "forward3bach export not exit 1"
[ -e "$D/f3.ktd" ] && fail "export written despite the error"
# --near N: the span of augment near, stored as the engine's averaging
"$T" $ARGS --augment near --near 3 --seed 5 -o "$D/n3.kmod" >/dev/null || fail "near 3"
"$T" $ARGS --augment near --seed 5 -o "$D/n2.kmod" >/dev/null || fail "near"
cmp -s "$D/n2.kmod" "$D/n3.kmod" && fail "--near 3 has no effect"
"$T" $ARGS --augment near --near 6 -o "$D/x.kmod" 2>/dev/null; [ $? -eq 2 ] || fail "bad --near not exit 2"
# --distil-from: a student (one net) of the teacher's options, the same
# bytes for a seed; a teacher that feeds back its voices, a missing one and
# a bad weight are refused, and nothing is written
DA="--data $FX --window 4 --feedback 0 --target sound --augment near --hidden 8,8 --epochs 2 --batch 8 --quiet"
"$T" $DA --seed 5 --ensemble 2 --jobs 1 -o "$D/t.kmod" >/dev/null || fail "teacher"
"$T" $DA --seed 7 --distil-from "$D/t.kmod" -o "$D/st1.kmod" >/dev/null || fail "distil"
"$T" $DA --seed 7 --distil-from "$D/t.kmod" --distil-hard 0.3 -o "$D/st2.kmod" >/dev/null || fail "distil hard 0.3"
"$T" $DA --seed 7 --distil-from "$D/t.kmod" -o "$D/st3.kmod" >/dev/null || fail "distil again"
cmp -s "$D/st1.kmod" "$D/st3.kmod" || fail "distil: same seed, different bytes"
cmp -s "$D/st1.kmod" "$D/st2.kmod" && fail "--distil-hard has no effect"
"$T" $DA --distil-from "$D/a.kmod" -o "$D/x.kmod" 2>"$D/err"; [ $? -eq 1 ] || fail "teacher with feedback not exit 1"
grep -q "feeds back" "$D/err" || fail "teacher with feedback: no reason given"
"$T" $DA --distil-from "$D/none.kmod" -o "$D/x.kmod" 2>"$D/err"; [ $? -eq 1 ] || fail "missing teacher not exit 1"
grep -q "none.kmod" "$D/err" || fail "missing teacher: the file is not named"
"$T" $DA --distil-from "$D/t.kmod" --distil-hard 2 -o "$D/x.kmod" 2>/dev/null; [ $? -eq 2 ] || fail "bad --distil-hard not exit 2"
[ -e "$D/x.kmod" ] && fail "output written despite the error"
"$T" $ARGS --epochs abc -o "$D/x.kmod" 2>/dev/null; [ $? -eq 2 ] || fail "bad --epochs not exit 2"
"$T" $ARGS --arch nope -o "$D/x.kmod" 2>/dev/null; [ $? -eq 2 ] || fail "bad --arch not exit 2"
"$T" $ARGS --hidden 8,x -o "$D/x.kmod" 2>/dev/null; [ $? -eq 2 ] || fail "bad --hidden not exit 2"
"$T" $ARGS 2>/dev/null; [ $? -eq 2 ] || fail "missing -o not exit 2"
"$T" $ARGS -o "$D/nodir/x.kmod" 2>/dev/null; [ $? -eq 1 ] || fail "unwritable not exit 1"
"$T" --data "$D/none" -o "$D/y.kmod" 2>"$D/err"; [ $? -eq 1 ] || fail "missing data not exit 1"
grep -q "split.tsv" "$D/err" || fail "missing data message does not name the file"
[ -e "$D/y.kmod" ] && fail "output written despite the error"
exit 0
