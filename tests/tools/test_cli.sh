#!/bin/sh
# tests/tools/test_cli.sh -- the kantor command line (main, exit codes,
# --help of each shells subcommand), the demo melody is what demo/mkdemo.c
# writes, `kantor live` file mode makes a WAV, and `kantor live` without an
# audio device fails clearly.
set -u
K=${KANTOR_SHELLS:?} MK=${KANTOR_MKDEMO:?} SRC=${KANTOR_SRC:?}
T=$(mktemp -d "${TMPDIR:-/tmp}/kt_cli_XXXXXX")
trap 'rm -rf "$T"' EXIT
fail=0
ck() { # ck EXPECTED_RC DESCRIPTION CMD...
  want=$1 what=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL: $what: exit $rc, expected $want"; cat "$T/out" "$T/err"
    fail=1
  else
    echo "ok: $what (exit $rc)"
  fi
}
has() { # has FILE TEXT DESCRIPTION
  if grep -q -- "$2" "$1"; then echo "ok: $3"; else
    echo "FAIL: $3: '$2' not in:"; cat "$1"; fail=1; fi
}

ck 2 "no command" "$K"
ck 0 "help" "$K" help
has "$T/out" "render" "help lists render"
ck 0 "version" "$K" version
has "$T/out" "kantor 0" "version printed"
ck 2 "unknown command" "$K" frobnicate
has "$T/err" "unknown command 'frobnicate'" "unknown command named"
ck 0 "render --help" "$K" render --help
has "$T/out" "usage: kantor render" "render usage"
ck 0 "help render" "$K" help render
has "$T/out" "usage: kantor render" "help render = render --help"
ck 0 "live --help" "$K" live --help
has "$T/out" "usage: kantor live" "live usage"
ck 2 "render without -o" "$K" render "$SRC/demo/melody.mid"

# demo/melody.mid is exactly what its generator writes
ck 0 "mkdemo" "$MK" "$T/melody.mid"
if cmp -s "$T/melody.mid" "$SRC/demo/melody.mid"; then
  echo "ok: demo/melody.mid matches demo/mkdemo.c"
else
  echo "FAIL: demo/melody.mid differs from what demo/mkdemo.c writes"; fail=1
fi

# malformed input through the binary: exit 1, message names the file
printf 'MThd\0\0\0\6\0\0\0\1\0\140MTrk\0\0\1\0' >"$T/trunc.mid"
ck 1 "render truncated MIDI" "$K" render "$T/trunc.mid" -o "$T/x.mid"
has "$T/err" "trunc.mid: byte 14" "error names file and offset"
[ ! -e "$T/x.mid" ] && [ ! -e "$T/x.mid.tmp" ] && echo "ok: no output left" \
  || { echo "FAIL: output left behind"; fail=1; }

# render --player (tools/player.h): the exact player is the plain render,
# a late uneven player gives one output for any block size, a bad spec is
# a usage error naming the part
M="$SRC/demo/melody.mid"
ck 0 "render plain" "$K" render "$M" -o "$T/p0.mid"
ck 0 "render --player exact" "$K" render "$M" -o "$T/p1.mid" --player exact
cmp -s "$T/p0.mid" "$T/p1.mid" && echo "ok: --player exact = plain render" \
  || { echo "FAIL: --player exact differs from the plain render"; fail=1; }
ck 0 "render --player late" "$K" render "$M" -o "$T/p2.mid" \
  --player late=16,jitter=30,seed=1
ck 0 "render --player late, block 64" "$K" render "$M" -o "$T/p3.mid" \
  --player late=16,jitter=30,seed=1 --block 64
cmp -s "$T/p2.mid" "$T/p3.mid" && echo "ok: --player: block 64 = 256" \
  || { echo "FAIL: --player output depends on the block size"; fail=1; }
cmp -s "$T/p0.mid" "$T/p2.mid" && { echo "FAIL: --player moved nothing"
  fail=1; } || echo "ok: --player late=16 changes the performance"
ck 2 "render --player bad key" "$K" render "$M" -o "$T/p4.mid" \
  --player late=16,jiter=30
has "$T/err" "unknown key 'jiter'" "bad --player key named"
ck 2 "render --player bad value" "$K" render "$M" -o "$T/p4.mid" \
  --player late=900
has "$T/err" "late=900: want milliseconds -500..500" "bad --player value named"
[ ! -e "$T/p4.mid" ] || { echo "FAIL: p4.mid written"; fail=1; }

# MusicXML out and back in: the four-stave file's top part is the melody,
# and it renders to the same MIDI file; --score .ly writes LilyPond source;
# --score .pdf without lilypond on PATH: exit 1, how to install it, nothing
# written
ck 0 "render --musicxml --staves 4" "$K" render "$M" -o "$T/x0.mid" \
  --musicxml "$T/x0.musicxml" --staves 4 --score "$T/x0.ly"
ck 0 "render the MusicXML melody" "$K" render "$T/x0.musicxml" -o "$T/x1.mid"
cmp -s "$T/x0.mid" "$T/x1.mid" && echo "ok: MusicXML melody = MIDI melody" \
  || { echo "FAIL: the MusicXML melody renders differently"; fail=1; }
has "$T/x0.ly" '\\new ChoirStaff' "LilyPond source written"
ck 1 "render --score without lilypond" env PATH=/nonexistent "$K" render \
  "$M" -o "$T/x2.mid" --score "$T/x2.pdf"
has "$T/err" "apt-get install lilypond" "how to install LilyPond said"
[ ! -e "$T/x2.mid" ] && [ ! -e "$T/x2.pdf" ] && echo "ok: nothing written" \
  || { echo "FAIL: output left without lilypond"; fail=1; }

if command -v lilypond >/dev/null 2>&1; then
  ck 0 "render --score .svg" "$K" render "$M" -o "$T/x3.mid" \
    --score "$T/x3.svg"
  grep -q '<svg' "$T/x3.svg" 2>/dev/null && echo "ok: score engraved as SVG" \
    || { echo "FAIL: no SVG score"; fail=1; }
  [ -z "$(ls -A "$T" | grep kantor-ly)" ] && echo "ok: no temporary left" \
    || { echo "FAIL: lilypond's temporary folder left"; fail=1; }
else
  echo "skip: lilypond not installed: --score not engraved"
fi

# live, file mode: the same per-block path, to a WAV
ck 0 "live file mode" "$K" live --in "$SRC/demo/melody.mid" \
  --wav "$T/live.wav" --click --block 128
if [ -s "$T/live.wav" ] && [ "$(wc -c <"$T/live.wav")" -gt 1000000 ]; then
  echo "ok: live WAV written ($(wc -c <"$T/live.wav") bytes)"
else
  echo "FAIL: live WAV missing or short"; fail=1
fi
[ ! -e "$T/live.wav.tmp" ] || { echo "FAIL: live tmp left"; fail=1; }
# --record DIR: the session kept as take-1, then take-2 (test_notation.sh
# also checks the take's notes are the render's)
ck 0 "live --record" "$K" live --in "$SRC/demo/melody.mid" \
  --wav "$T/live.wav" --record "$T/takes"
ck 0 "live --record again" "$K" live --in "$SRC/demo/melody.mid" \
  --wav "$T/live.wav" --record "$T/takes"
if [ -s "$T/takes/take-1.mid" ] && [ -s "$T/takes/take-1.musicxml" ] &&
  [ -s "$T/takes/take-2.musicxml" ]; then
  echo "ok: live --record wrote take-1 and take-2 (.mid, .musicxml)"
else
  echo "FAIL: live --record: $(ls "$T/takes" 2>&1)"; fail=1
fi
cmp -s "$T/takes/take-1.mid" "$T/takes/take-2.mid" &&
  echo "ok: the same melody, the same take" ||
  { echo "FAIL: two takes of one melody differ"; fail=1; }
ck 2 "live --in without --wav" "$K" live --in "$SRC/demo/melody.mid"
ck 1 "live file mode, bad file" "$K" live --in "$T/trunc.mid" \
  --wav "$T/bad.wav"
[ ! -e "$T/bad.wav" ] || { echo "FAIL: bad.wav written"; fail=1; }

# live with devices: a device that does not exist fails clearly anywhere;
# with no sound card at all (this headless machine) plain `live` does too.
ck 1 "live --device nonexistent" timeout 30 "$K" live \
  --device no-such-device-xyz
has "$T/err" "audio output device" "no-device message"
ck 0 "live --list" "$K" live --list
if grep -q "(none: no sound card" "$T/out"; then
  ck 1 "live without a sound card" timeout 30 "$K" live
  has "$T/err" "no audio output device" "clear no-sound-card message"
else
  echo "skip: this machine has an audio device; not running plain live"
fi

# The device path itself, on a JACK dummy backend (no sound card needed):
# PortAudio's JACK host API gives an output device; the callback runs the
# engine and the synth with the click for a few seconds, then SIGINT.
# kantor model: what a file holds and costs, and the same nets rewritten
ck 2 "model without a file" "$K" model
ck 0 "model of the shipped L4" "$K" model "$SRC/models/live-l4.kmod"
has "$T/out" "worst case per slice" "model prints the cost"
has "$T/out" "runs in the plugin" "the shipped model is within the budget"
ck 0 "model --quant int8" "$K" model "$SRC/models/teacher-l4.kmod" \
  --quant int8 -o "$T/q.kmod"
ck 0 "model of the int8 file" "$K" model "$T/q.kmod"
has "$T/out" "version 7.*int8" "int8 written as version 7"
ck 0 "model --quant float" "$K" model "$T/q.kmod" --quant float -o "$T/f.kmod"
if cmp -s "$T/f.kmod" "$SRC/models/teacher-l4.kmod"; then
  echo "ok: int8 and back to float gives the teacher's bytes"
else
  echo "FAIL: int8 and back to float changed the file"; fail=1
fi
ck 0 "model --nets 2" "$K" model "$SRC/models/teacher-l4.kmod" --nets 2 \
  -o "$T/n2.kmod"
if grep -q "net 2:" "$T/out"; then
  echo "FAIL: --nets 2 kept two nets"; cat "$T/out"; fail=1
else echo "ok: --nets 2 keeps one net"; fi
ck 2 "model --quant bogus" "$K" model "$T/q.kmod" --quant int4 -o "$T/x.kmod"
ck 2 "model --nets out of range" "$K" model "$T/q.kmod" --nets 3 \
  -o "$T/x.kmod"
ck 2 "model --quant without -o" "$K" model "$T/q.kmod" --quant int8
ck 1 "model of a missing file" "$K" model "$T/none.kmod"
has "$T/err" "none.kmod" "the missing file is named"
ck 1 "model -o into a missing directory" "$K" model "$T/q.kmod" \
  --quant float -o "$T/no/dir/x.kmod"
if [ -e "$T/x.kmod" ]; then echo "FAIL: a refused rewrite left a file"; fail=1
else echo "ok: nothing written by the refused rewrites"; fi

if command -v jackd >/dev/null 2>&1; then
  srv=kt_shells_test_$$
  JACK_NO_AUDIO_RESERVATION=1 jackd -n "$srv" -d dummy -r 48000 -p 256 \
    >"$T/jackd.log" 2>&1 &
  jpid=$!
  # up when jack_lsp answers (a loaded machine takes seconds)
  n=0
  while [ $n -lt 50 ] && kill -0 "$jpid" 2>/dev/null &&
    ! JACK_NO_START_SERVER=1 JACK_DEFAULT_SERVER=$srv jack_lsp >/dev/null 2>&1; do
    sleep 0.2
    n=$((n + 1))
  done
  if kill -0 "$jpid" 2>/dev/null; then
    JACK_DEFAULT_SERVER=$srv timeout -s INT 8 "$K" live --no-midi --click \
      --bpm 120 >"$T/out" 2>"$T/err"
    if grep -q "stopped after [1-9]" "$T/out"; then
      echo "ok: live ran on the JACK dummy device: $(tail -1 "$T/out")"
    else
      echo "FAIL: live on the JACK dummy device"; cat "$T/out" "$T/err"
      fail=1
    fi
    kill "$jpid" 2>/dev/null
    wait "$jpid" 2>/dev/null
  else
    echo "skip: jackd dummy did not start"
  fi
else
  echo "skip: no jackd for the device-path check"
fi
exit $fail
