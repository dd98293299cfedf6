#!/bin/sh
# tests/tools/test_notation.sh -- the MusicXML and LilyPond Kantor writes,
# checked by the programs musicians use (suite corpus):
#   - for every test-split chorale Kantor's MusicXML (two staves and four)
#     is well formed (xmllint), MuseScore 3 (headless) finds it valid
#     against its MusicXML schema and exports it as MIDI with the same
#     notes as Kantor's own MIDI file: voice by voice with four staves,
#     the pitches sounding in every sixteenth per staff with two (MuseScore
#     plays a unison of two voices on one staff once);
#   - musicxml2ly (LilyPond) converts every one of them;
#   - LilyPond compiles every .ly Kantor writes without a warning (render
#     --score, and eval --score-dir for BWV 423, also engraved as PNG);
#   - a MusicXML melody exported by MuseScore from a MIDI melody (the
#     demo's, and the sopranos of the first test-split chorales: MIDI
#     files of one track, made by midicmp --track) renders to the same
#     harmony as the MIDI file.
# Each part skips with a message when its program is missing (Debian:
# libxml2-utils, musescore3, lilypond); without the corpus: exit 77.
#   test_notation.sh KANTOR MIDICMP
set -u
K=${1:?usage: test_notation.sh KANTOR MIDICMP}
CMP=${2:?usage: test_notation.sh KANTOR MIDICMP}
SRC=${KANTOR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
DATA=${KANTOR_DATA:-$SRC/../shared/data/bach-370-chorales}
if [ ! -f "$DATA/split.tsv" ]; then
  echo "skip: no corpus at $DATA (set KANTOR_DATA)"
  exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/kt_notation_XXXXXX")
trap 'rm -rf "$T"' EXIT
fail=0
have() { command -v "$1" >/dev/null 2>&1; }
ms() { QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=$T timeout 300 mscore3 -d "$@"; }

# Bach's chorales of the test split as MIDI (the melody is the soprano)
mkdir "$T/bach" "$T/k"
"$K" eval --data "$DATA" --set test --mid-dir "$T/bach" >/dev/null 2>&1 ||
  { echo "FAIL: kantor eval --mid-dir"; exit 1; }
n=0
for b in "$T"/bach/*-bach.mid; do
  c=$(basename "$b" -bach.mid)
  if ! "$K" render "$b" -o "$T/k/$c.mid" --musicxml "$T/k/$c-4.musicxml" \
    --staves 4 --score "$T/k/$c.ly" >/dev/null 2>"$T/err" ||
    ! "$K" render "$b" -o "$T/k/$c.mid" --musicxml "$T/k/$c-2.musicxml" \
      >/dev/null 2>"$T/err"; then
    echo "FAIL: kantor render $c: $(cat "$T/err")"
    fail=1
  fi
  n=$((n + 1))
done
echo "ok: $n test-split chorales rendered with --musicxml and --score .ly"

if have xmllint; then
  bad=0
  for f in "$T"/k/*.musicxml; do
    xmllint --noout "$f" || { echo "FAIL: xmllint: $f"; bad=1; fail=1; }
  done
  [ $bad = 0 ] && echo "ok: xmllint: every MusicXML file is well formed"
else
  echo "skip: xmllint not installed (apt-get install libxml2-utils)"
fi

if have mscore3; then
  bad=0
  for f in "$T"/k/*.musicxml; do
    c=$(basename "$f" .musicxml)
    ms -o "$T/k/$c-ms.mid" "$f" >"$T/ms.log" 2>&1
    if [ ! -s "$T/k/$c-ms.mid" ]; then
      echo "FAIL: MuseScore did not convert $c"; cat "$T/ms.log"; bad=1
      continue
    fi
    if grep -q "not a valid MusicXML" "$T/ms.log"; then
      echo "FAIL: MuseScore: $c.musicxml is not valid against its schema"
      bad=1
    fi
    case $c in
    *-4) group=1 ;;
    *) group=2 ;;
    esac
    "$CMP" "$T/k/${c%-?}.mid" "$T/k/$c-ms.mid" --group $group \
      >"$T/cmp.log" || { echo "FAIL: $c:"; cat "$T/cmp.log"; bad=1; }
  done
  [ $bad = 0 ] && echo "ok: MuseScore 3: every MusicXML file is valid and" \
    "plays Kantor's notes (voice by voice with 4 staves, per staff with 2)"
  [ $bad = 0 ] || fail=1
  # MuseScore's MusicXML of a MIDI melody renders to the same harmony
  bad=0
  m=0
  for b in "$SRC/demo/melody.mid" $(ls "$T"/bach/*-bach.mid | head -n 4); do
    c=$(basename "$b" .mid)
    if [ "$c" != melody ]; then # Bach's soprano alone
      "$CMP" --track 1 "$b" "$T/$c-sop.mid" || { bad=1; continue; }
      b=$T/$c-sop.mid
    fi
    ms -o "$T/$c-in.musicxml" "$b" >"$T/ms.log" 2>&1
    "$K" render "$b" -o "$T/$c-a.mid" >/dev/null 2>&1 &&
      "$K" render "$T/$c-in.musicxml" -o "$T/$c-b.mid" >/dev/null \
        2>"$T/err" || { echo "FAIL: $c: $(cat "$T/err")"; bad=1; continue; }
    cmp -s "$T/$c-a.mid" "$T/$c-b.mid" ||
      { echo "FAIL: $c: MusicXML melody renders differently"; bad=1; }
    m=$((m + 1))
  done
  [ $bad = 0 ] && echo "ok: $m melodies exported by MuseScore as MusicXML" \
    "render to the same MIDI file as the MIDI melody"
  [ $bad = 0 ] || fail=1
else
  echo "skip: mscore3 not installed (apt-get install musescore3)"
fi

if have musicxml2ly; then
  bad=0
  for f in "$T"/k/*.musicxml; do
    (cd "$T" && musicxml2ly -o "$T/x.ly" "$f" >"$T/m2l.log" 2>&1) ||
      { echo "FAIL: musicxml2ly $f"; cat "$T/m2l.log"; bad=1; }
  done
  [ $bad = 0 ] && echo "ok: musicxml2ly converts every MusicXML file"
  [ $bad = 0 ] || fail=1
else
  echo "skip: musicxml2ly not installed (apt-get install lilypond)"
fi

# kantor live --record: the take holds the notes render writes
"$K" render "$SRC/demo/melody.mid" -o "$T/demo.mid" >/dev/null 2>&1
if "$K" live --in "$SRC/demo/melody.mid" --wav "$T/live.wav" --record \
  "$T/takes" >/dev/null 2>"$T/err" &&
  "$CMP" "$T/demo.mid" "$T/takes/take-1.mid" >"$T/cmp.log"; then
  echo "ok: live --record: the take's notes are render's"
else
  echo "FAIL: live --record:"; cat "$T/err" "$T/cmp.log"; fail=1
fi

# kantor eval --score-dir: Bach above Kantor, BWV 423 (chor237, test)
if "$K" eval --data "$DATA" --set test --only chor237.krn --score-dir \
  "$T/k" >/dev/null 2>"$T/err" && [ -s "$T/k/chor237.musicxml" ] &&
  [ -s "$T/k/chor237.ly" ] && xmllint --noout "$T/k/chor237.musicxml" &&
  [ "$(grep -c '<score-part ' "$T/k/chor237.musicxml")" = 4 ]; then
  echo "ok: eval --score-dir: chor237 (BWV 423), Bach's and Kantor's staves"
else
  echo "FAIL: eval --score-dir: $(cat "$T/err")"; fail=1
fi

if have lilypond; then
  if "$K" eval --data "$DATA" --set test --only chor237.krn --score-dir \
    "$T/png" --score-format png >/dev/null 2>"$T/err" &&
    [ -s "$T/png/chor237.png" ] && [ -z "$(cat "$T/err")" ]; then
    echo "ok: eval --score-format png: engraved without a word from lilypond"
  else
    echo "FAIL: eval --score-format png: $(cat "$T/err")"; fail=1
  fi
  (cd "$T/k" && lilypond --loglevel=WARNING -dno-point-and-click \
    ./*.ly >"$T/ly.log" 2>&1)
  rc=$?
  if [ $rc -ne 0 ] || grep -qiE "warning|error" "$T/ly.log"; then
    echo "FAIL: lilypond (exit $rc):"; head -n 20 "$T/ly.log"; fail=1
  else
    echo "ok: lilypond compiles every .ly ($n) without a warning"
  fi
else
  echo "skip: lilypond not installed (apt-get install lilypond)"
fi
exit $fail
