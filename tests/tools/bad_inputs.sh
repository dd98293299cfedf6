#!/bin/sh
# tests/tools/bad_inputs.sh -- every bad input we know of, through the real
# kantor binary: malformed and truncated MIDI, malformed kern and split
# tables, corrupt, truncated and mismatched model files, missing files,
# unwritable outputs, bad options.  Each must exit 1 (runtime error, the
# message names the file) or 2 (usage error), say something on stderr and
# leave no output file behind.  The table of what the user sees is README.md's
# "Bad input" table: the test fails when they differ.
#
#   bad_inputs.sh KANTOR            the checks + README table comparison
#   bad_inputs.sh KANTOR --print    print the table (paste it into README.md)
#   bad_inputs.sh --host LILV_HOST [--print]
#       the plugin's side: tests/plugin/lilv_host --bad-inputs sends each bad
#       host input (nonsense positions, malformed MIDI, sysex, floods, huge
#       and empty blocks, tiny output buffers, NaN controls, bad model files
#       through patch:Set) and describes what it observed; README.md's second
#       table must be that description (needs LV2_PATH to the built bundle).
#   bad_inputs.sh KANTOR --valgrind [bad|good]  the same runs, and good
#       runs of render (MIDI, SVG, WAV, options), train, eval and corpus,
#       each under valgrind memcheck: any error or definite/indirect leak
#       fails (bad|good: only those runs, so two can run in parallel).
# Env: KANTOR_SRC (source root; default: this file's ../..).
set -u
K=${1:?usage: bad_inputs.sh KANTOR [--print|--valgrind] | --host LILV_HOST}
SRC=${KANTOR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
export KANTOR_SRC=$SRC
# Compare the table on stdin with README.md's section $1 (--print: show it).
# Sizes, offsets and CRCs of the shipped models change with every retrained
# model: long numbers are masked.
mask() { sed -e 's/[0-9a-f]\{8\}/#/g' -e 's/[0-9]\{4,\}/#/g' "$@"; }
check_table() {
  cat >"$T/full"
  if [ "$MODE" = --print ]; then
    cat "$T/full"
    return
  fi
  sed -n "/<!-- $1:begin/,/<!-- $1:end/p" "$SRC/README.md" | grep '^|' \
    >"$T/readme"
  if [ "$(mask "$T/full")" != "$(mask "$T/readme")" ]; then
    echo "FAIL: README.md's table '$1' differs from what happens now:"
    diff "$T/readme" "$T/full"
    echo "(regenerate: tests/tools/bad_inputs.sh $2 --print)"
    fail=1
  else
    echo "ok: README.md's table '$1' is what happens"
  fi
}
if [ "$K" = --host ]; then
  H=${2:?usage: bad_inputs.sh --host LILV_HOST [--print]}
  MODE=${3:-check}
  T=$(mktemp -d "${TMPDIR:-/tmp}/kt_bad_XXXXXX")
  trap 'rm -rf "$T"' EXIT
  fail=0
  "$H" --bad-inputs >"$T/out" || { cat "$T/out"; fail=1; }
  grep '^|' "$T/out" >"$T/rows" # not a pipe: check_table sets fail
  check_table bad-host-inputs "--host build/tests/plugin/lilv_host" \
    <"$T/rows"
  exit $fail
fi
MODE=${2:-check}
PART=${3:-all}
case $K in /*) ;; *) K=$PWD/$K ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/kt_bad_XXXXXX")
trap 'rm -rf "$T"' EXIT
fail=0
VG=
if [ "$MODE" = --valgrind ]; then
  command -v valgrind >/dev/null || { echo "valgrind not installed"; exit 77; }
  VG="valgrind -q --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect --num-callers=30
    --suppressions=$SRC/tests/tools/valgrind.supp"
fi
FX=$SRC/tests/nn/fixtures     # a tiny synthetic corpus (train, eval)
KF=$SRC/tests/fixtures/kern   # malformed kern and split fixtures
MEL=$SRC/demo/melody.mid
cd "$T" || exit 1
mkdir out

short() { sed -e "s|$T/||g" -e "s|$SRC/||g"; }
row() { printf '%s\n' "$*" >>"$T/table"; }

# run EXPECTED_RC "what is wrong" NEEDLE kantor-args...
# NEEDLE: text the first stderr line must contain ("" = anything).
run() {
  want=$1 what=$2 needle=$3
  shift 3
  # shellcheck disable=SC2086
  $VG "$K" "$@" >"$T/stdout" 2>"$T/stderr" </dev/null
  rc=$?
  msg=$(grep -v '^(see kantor' "$T/stderr" | head -n 1 | short)
  [ "$want" -eq 0 ] && msg=$(tail -n 1 "$T/stdout" | short)
  cmd=$(echo "kantor $*" | short)
  if [ "$rc" -eq 99 ]; then
    echo "FAIL: valgrind: $cmd"; cat "$T/stderr"; fail=1
  elif [ "$rc" -ne "$want" ]; then
    echo "FAIL: $what: $cmd: exit $rc, expected $want"
    cat "$T/stderr"; fail=1
  elif [ "$want" -ne 0 ] && [ -z "$msg" ]; then
    echo "FAIL: $what: $cmd: nothing on stderr"; fail=1
  elif [ -n "$needle" ] && ! printf '%s' "$msg" | grep -qF -- "$needle"; then
    echo "FAIL: $what: $cmd: message lacks '$needle': $msg"; fail=1
  else
    echo "ok: $what: exit $rc"
  fi
  if [ "$want" -ne 0 ] && [ -n "$(ls out)" ]; then
    echo "FAIL: $what: output left behind: $(ls out)"; fail=1
  fi
  rm -rf out && mkdir out
  m=$(printf '%s' "$msg" | sed 's/|/\\|/g')
  row "| $what | \`$cmd\` | $rc | $m |"
}

# ---- fixtures -------------------------------------------------------------
hdr='MThd\0\0\0\6\0\0\0\1\0\140'
printf 'This is not a MIDI file.\n' >text.mid
: >empty.mid
printf "${hdr}MTrk\0\0\1\0" >trunc.mid
printf 'MThd\377\377\377\377\0\0\0\1\0\140' >hdrlen.mid
printf "${hdr}MTrk\0\0\0\4\0\100\100\0" >runstat.mid
printf "${hdr}MTrk\0\0\0\3\0\220\100" >shortev.mid
printf "${hdr}MTrk\0\0\0\10\377\377\377\377\377\0\220\100" >varlen.mid
printf "${hdr}MTrk\0\0\0\4\0\377\1\50" >meta.mid
printf 'MThd\0\0\0\6\0\1\0\0\0\140' >notracks.mid
printf 'MThd\0\0\0\6\0\0\0\1\0\0MTrk\0\0\0\4\0\377\57\0' >div0.mid
printf "${hdr}MTrk\0\0\0\4\0\377\57\0" >nonotes.mid
mkdir dir.mid
head -c 3000 "$SRC/models/live-l0.kmod" >half.kmod
cp "$SRC/models/live-l0.kmod" flip.kmod
printf '\377' | dd of=flip.kmod bs=1 seek=5000 conv=notrunc 2>/dev/null
printf 'KANTORNN' >magic.kmod
: >empty.kmod
i=0
while [ $i -lt 20 ]; do echo "This is not a model file."; i=$((i + 1)); done \
  >text.kmod
mkdir dir.kmod
# a well-formed model of the wrong kind (a non-causal net): made by train
"$K" train --data "$FX" --arch forwardbach --window 8 --hidden 8 \
  --epochs 1 --quiet -o fb.kmod >/dev/null 2>&1 ||
  { echo "FAIL: could not train the mismatched model"; fail=1; }
# a live model too costly for the audio thread: wide hidden layers averaged
# over -3..+3 (kt_engine_cost_budget)
"$K" train --data "$FX" --hidden 1400,1400 --shift-avg 3 --epochs 1 --quiet \
  -o costly.kmod >/dev/null 2>&1 ||
  { echo "FAIL: could not train the costly model"; fail=1; }
for k in bad_3spines bad_token bad_truncated bad_unequal; do
  mkdir -p "$k/kern"
  cp "$KF/$k.krn" "$k/kern/"
  printf 'file\tbwv\tsplit_group\tsplit\n%s.krn\t1\t0\ttrain\n' "$k" \
    >"$k/split.tsv"
done
# MusicXML melodies: mx HEAD MEASURE1-BODY > FILE (a one-part score)
mx() {
  printf '<?xml version="1.0" encoding="UTF-8"?>\n<score-partwise version="3.1">\n'
  printf '<part-list><score-part id="P1"><part-name>M</part-name></score-part></part-list>\n'
  printf '<part id="P1">\n<measure number="1">\n<attributes><divisions>2</divisions>'
  printf '<time><beats>4</beats><beat-type>4</beat-type></time></attributes>\n'
  printf '%s\n' "$1"
  printf '</measure>\n<measure number="2">\n%s\n</measure>\n</part>\n</score-partwise>\n' "$2"
}
N1='<note><pitch><step>C</step><octave>5</octave></pitch><duration>8</duration><voice>1</voice></note>'
R1='<note><rest/><duration>8</duration><voice>1</voice></note>'
printf 'PK\3\4\24\0\0\0\10\0' >score.mxl
mx "$N1" '<note><pitch><step>D</step><octave>5</octave></pitch><duration>8</duration></note' \
  >malformed.musicxml
mx "$R1" "$R1" >rests.musicxml
mx "$N1" "<note><pitch><step>D</step><octave>5</octave></pitch><duration>8</duration><voice>1</voice></note>
<backup><duration>8</duration></backup>
<note><pitch><step>G</step><octave>4</octave></pitch><duration>8</duration><voice>2</voice></note>" \
  >voices.musicxml
mx "$N1" "<note><pitch><step>D</step><octave>5</octave></pitch><duration>8</duration></note>
<note><chord/><pitch><step>G</step><octave>4</octave></pitch><duration>8</duration></note>" \
  >chord.musicxml
mx "$N1" "<note><pitch><step>D</step><octave>5</octave></pitch><duration>2</duration><time-modification><actual-notes>3</actual-notes><normal-notes>2</normal-notes></time-modification></note>" \
  >tuplet.musicxml
printf '<?xml version="1.0"?>\n<html><body>not a score</body></html>\n' \
  >page.musicxml
mx "$N1" "$N1" >good.musicxml
mkdir -p nokern sp/kern
cp "$KF"/*.krn sp/kern/
printf 'file\tbwv\tsplit_group\tsplit\nmissing.krn\t1\t0\ttrain\n' \
  >nokern/split.tsv

if [ "$PART" != good ]; then
# ---- MIDI in ---------------------------------------------------------------
run 1 "MIDI: not a MIDI file" text.mid render text.mid -o out/o.mid
run 1 "MIDI: empty file" empty.mid render empty.mid -o out/o.mid
run 1 "MIDI: truncated track" trunc.mid render trunc.mid -o out/o.mid
run 1 "MIDI: absurd header length" hdrlen.mid render hdrlen.mid -o out/o.mid
run 1 "MIDI: running status with no status" runstat.mid \
  render runstat.mid -o out/o.mid
run 1 "MIDI: event cut by the track end" shortev.mid \
  render shortev.mid -o out/o.mid
run 1 "MIDI: delta time over 4 bytes" varlen.mid render varlen.mid -o out/o.mid
run 1 "MIDI: meta event past the track end" meta.mid \
  render meta.mid -o out/o.mid
run 1 "MIDI: no tracks" notracks.mid render notracks.mid -o out/o.mid
run 1 "MIDI: division 0" div0.mid render div0.mid -o out/o.mid
run 1 "MIDI: no notes" nonotes.mid render nonotes.mid -o out/o.mid
run 1 "MIDI: missing file" nothere.mid render nothere.mid -o out/o.mid
run 1 "MIDI: a directory" dir.mid render dir.mid -o out/o.mid
run 1 "MIDI: unwritable output" nodir render "$MEL" -o nodir/o.mid
run 1 "WAV: unwritable output" nodir render "$MEL" -o out/o.mid \
  --wav nodir/o.wav
run 1 "MusicXML: unwritable output" nodir render "$MEL" -o out/o.mid \
  --musicxml nodir/o.musicxml

# ---- MusicXML in -----------------------------------------------------------
run 1 "MusicXML: compressed (.mxl)" score.mxl render score.mxl -o out/o.mid
run 1 "MusicXML: malformed XML" "malformed.musicxml: line" \
  render malformed.musicxml -o out/o.mid
run 1 "MusicXML: not a score" page.musicxml render page.musicxml -o out/o.mid
run 1 "MusicXML: no notes" rests.musicxml render rests.musicxml -o out/o.mid
run 1 "MusicXML: several voices in the part" "measure 2" \
  render voices.musicxml -o out/o.mid
run 1 "MusicXML: a chord in the melody" "measure 2" \
  render chord.musicxml -o out/o.mid
run 1 "MusicXML: a tuplet" "measure 2" render tuplet.musicxml -o out/o.mid
run 1 "MusicXML: no such part" good.musicxml render good.musicxml \
  -o out/o.mid --part 3
run 1 "MusicXML: missing file" nothere.musicxml \
  render nothere.musicxml -o out/o.mid

# ---- model files -----------------------------------------------------------
run 1 "model: missing file" nothere.kmod render "$MEL" -o out/o.mid \
  --model nothere.kmod
run 1 "model: empty file" empty.kmod render "$MEL" -o out/o.mid \
  --model empty.kmod
run 1 "model: not a model" text.kmod render "$MEL" -o out/o.mid \
  --model text.kmod
run 1 "model: a directory" dir.kmod render "$MEL" -o out/o.mid \
  --model dir.kmod
run 1 "model: magic only" magic.kmod render "$MEL" -o out/o.mid \
  --model magic.kmod
run 1 "model: truncated" half.kmod render "$MEL" -o out/o.mid \
  --model half.kmod
run 1 "model: one byte flipped" flip.kmod render "$MEL" -o out/o.mid \
  --model flip.kmod
run 1 "model: not a live model" fb.kmod render "$MEL" -o out/o.mid \
  --model fb.kmod
run 1 "model: too costly for the audio thread" "too costly" render "$MEL" \
  -o out/o.mid --model costly.kmod
run 1 "model: corrupt, in eval" flip.kmod eval --data "$FX" --set all \
  --model flip.kmod

# ---- kern and split tables -------------------------------------------------
run 1 "kern: three spines" bad_3spines.krn corpus --data bad_3spines
run 1 "kern: unknown token" bad_token.krn corpus --data bad_token
run 1 "kern: truncated" bad_truncated.krn corpus --data bad_truncated
run 1 "kern: voices of unequal length" bad_unequal.krn train \
  --data bad_unequal -o out/m.kmod --quiet
run 1 "kern: file in the split missing" missing.krn eval --data nokern \
  --set all
run 1 "split: bad header" split_badheader.tsv corpus --data sp \
  --split "$KF/split_badheader.tsv"
run 1 "split: unknown set" split_badset.tsv corpus --data sp \
  --split "$KF/split_badset.tsv"
run 1 "split: lists a malformed file" bad_token.krn corpus --data sp \
  --split "$KF/split_badfile.tsv"
run 1 "data: no corpus there" split.tsv train --data nothere -o out/m.kmod

# ---- options ---------------------------------------------------------------
run 2 "usage: unknown command" frobnicate frobnicate
run 2 "usage: unknown option" --frob render "$MEL" -o out/o.mid --frob 1
run 2 "usage: option without its value" --bpm render "$MEL" -o out/o.mid --bpm
run 2 "usage: no output" "" render "$MEL"
run 2 "usage: tempo 0" --bpm render "$MEL" -o out/o.mid --bpm 0
run 2 "usage: tempo not a number" --bpm render "$MEL" -o out/o.mid --bpm fast
run 2 "usage: block size 0" --block render "$MEL" -o out/o.mid --block 0
run 2 "usage: sample rate 10 Hz" --rate render "$MEL" -o out/o.mid --rate 10
run 2 "usage: negative temperature" --temperature render "$MEL" -o out/o.mid \
  --temperature -1
run 2 "usage: unknown key" --key render "$MEL" -o out/o.mid --key H
run 2 "usage: lookahead 99" --lookahead render "$MEL" -o out/o.mid \
  --lookahead 99
run 2 "usage: guard maybe" --guard render "$MEL" -o out/o.mid --guard maybe
run 2 "usage: three staves" --staves render "$MEL" -o out/o.mid \
  --musicxml out/o.musicxml --staves 3
run 2 "usage: score of an unknown kind" --score render "$MEL" -o out/o.mid \
  --score out/o.doc
run 2 "usage: epochs not a number" --epochs train --data "$FX" --epochs abc \
  -o out/m.kmod
run 2 "usage: hidden sizes malformed" --hidden train --data "$FX" \
  --hidden 8,x -o out/m.kmod
run 2 "usage: bass weight out of range" --bass-inv train --data "$FX" \
  --bass-inv 0 -o out/m.kmod
run 2 "usage: unknown set" --set eval --data "$FX" --set nope
run 2 "usage: unknown score format" --score-format eval --data "$FX" \
  --set all --score-dir out/s --score-format doc
fi

# ---- good runs (under valgrind: memory errors and leaks on success) -------
if [ "$MODE" = --valgrind ]; then
  [ "$PART" = bad ] && exit $fail
  run 0 "render: MIDI and SVG" "" render "$MEL" -o out/o.mid --svg out/o.svg
  run 0 "render: MusicXML and LilyPond out" "" render "$MEL" -o out/o.mid \
    --musicxml out/o.musicxml --score out/o.ly
  run 0 "render: MusicXML in" "" render good.musicxml -o out/o.mid
  run 0 "render: WAV" "" render "$MEL" -o out/o.mid --wav out/o.wav
  run 0 "render: options" "" render "$MEL" -o out/o.mid --lookahead 4 \
    --temperature 0.7 --seed 3 --key a --guard off --block 100 --rate 44100
  run 0 "train: live" "" train --data "$FX" --window 4 --feedback 2 \
    --hidden 8,8 --epochs 2 --batch 8 --quiet -o m.kmod --curves out/m
  run 0 "render: trained model" "" render "$MEL" -o out/o.mid --model m.kmod
  run 0 "eval" "" eval --data "$FX" --set all
  run 0 "eval: scores" "" eval --data "$FX" --set all --score-dir out/s
  run 0 "eval: json, model" "" eval --data "$FX" --set all --json \
    --model m.kmod
  run 0 "corpus" "" corpus --data "$FX"
  run 0 "corpus: json" "" corpus --data "$FX" --json
  exit $fail
fi

# ---- the table -------------------------------------------------------------
{
  echo "| Bad input | Command | Exit | What the user sees (first line on stderr) |"
  echo "|---|---|---|---|"
  cat "$T/table"
} >"$T/rows" # not a pipe: check_table sets fail
check_table bad-inputs build/tools/kantor <"$T/rows"
exit $fail
