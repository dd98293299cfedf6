#!/bin/sh
# The real UI in a real host: on the X display xvfb.sh made, a private jackd
# (dummy backend), jalv.gtk3
# running the bundle from LV2_PATH with its UI (our ui:X11UI embedded in GTK3
# by suil's x11-in-gtk3 wrapper), and jack_midiseq looping a melody into it
# (no transport: the plugin free-runs at its 100 bpm).  Screenshots are taken
# with xshot until the roll shows the melody and the three voices in their
# colours, each on >= 2000 pixels (two bars or so; at most 40 s;
# KANTOR_UI_MIN_PIXELS sets another threshold); the last one is kept as $KANTOR_BUILD/ui-jalv.png.
# Skips (77) when jackd, jalv.gtk3 or suil's wrapper is missing.
# Usage: xvfb.sh sh jalv_ui.sh XSHOT
set -u
xshot=$1
for p in jackd jalv.gtk3 jack_midiseq jack_connect; do
  command -v $p >/dev/null 2>&1 || {
    echo "SKIP: $p not installed (apt-get install jackd2 jalv)"
    exit 77
  }
done
suil=$(ls /usr/lib/*/suil-0/libsuil_x11_in_gtk3.so 2>/dev/null | head -1)
[ -n "$suil" ] || {
  echo "SKIP: suil's X11-in-GTK3 wrapper not found (apt-get install libsuil-0-0)"
  exit 77
}
: "${KANTOR_PLUGIN_URI:?}" "${LV2_PATH:?}" "${KANTOR_BUILD:?}"
shot=$KANTOR_BUILD/ui-jalv.png
tmp=$(mktemp -d /tmp/kantor-ui.XXXXXX)
export JACK_DEFAULT_SERVER="kantor-ui-$$"
export JACK_NO_AUDIO_RESERVATION=1 JACK_NO_START_SERVER=1 NO_AT_BRIDGE=1
pids=""
running() { # alive and not a zombie waiting for us
  [ -r "/proc/$1/stat" ] && ! grep -q ') Z ' "/proc/$1/stat" 2>/dev/null
}
stop() { # TERM, up to 5 s, then KILL (a killed jackd leaves its entry in
  # JACK's server registry for good: let it exit cleanly)
  kill "$1" 2>/dev/null || return 0
  n=0
  while running "$1" && [ $n -lt 50 ]; do
    sleep 0.1
    n=$((n + 1))
  done
  kill -9 "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}
stop_all() { # the processes started here, newest first (jackd last)
  for pid in $pids; do stop "$pid"; done
  rm -rf "$tmp"
  rm -f /dev/shm/jack_*"$JACK_DEFAULT_SERVER"* \
    /dev/shm/jack_sem.*"$JACK_DEFAULT_SERVER"* 2>/dev/null
}
trap stop_all EXIT
trap 'exit 1' INT TERM HUP PIPE
started() { pids="$1 $pids"; }

[ -n "${DISPLAY:-}" ] || { echo "FAIL: no DISPLAY (run through xvfb.sh)"; exit 1; }

# a jackd that was killed hard leaves its entry in JACK's shared registry, and
# a few of those make every new server fail ("Too many servers already
# active"): with no jackd running at all, the registry is stale
pgrep -x jackd >/dev/null 2>&1 ||
  rm -f /dev/shm/jack-shm-registry /dev/shm/jack-[0-9]*-[0-9]* 2>/dev/null
jackd -n "$JACK_DEFAULT_SERVER" --no-realtime -S -d dummy -r 48000 -p 256 \
  >"$tmp/jackd.log" 2>&1 &
started $!
n=0
until jack_lsp >/dev/null 2>&1; do
  n=$((n + 1))
  [ $n -le 50 ] || { echo "FAIL: jackd did not start"; cat "$tmp/jackd.log"; exit 1; }
  sleep 0.2
done

mkfifo "$tmp/stdin"
exec 4<>"$tmp/stdin" # held open: jalv never reads EOF
jalv.gtk3 -n kt-ui "$KANTOR_PLUGIN_URI" <&4 >"$tmp/jalv.log" 2>&1 &
jalv_pid=$!
started $jalv_pid
n=0
until jack_lsp 2>/dev/null | grep -q '^kt-ui:control'; do
  n=$((n + 1))
  [ $n -le 100 ] || { echo "FAIL: jalv.gtk3 did not start"; cat "$tmp/jalv.log"; exit 1; }
  sleep 0.2
done
grep -q "kantor#ui" "$tmp/jalv.log" || echo "note: jalv did not name the UI"

# a two-bar melody at 100 bpm (7200 frames per sixteenth), looped
q=28800
jack_midiseq kt-seq $((8 * q)) 0 67 28000 $q 69 28000 $((2 * q)) 71 28000 \
  $((3 * q)) 72 28000 $((4 * q)) 74 28000 $((5 * q)) 72 14000 \
  $((5 * q + q / 2)) 71 14000 $((6 * q)) 69 28000 $((7 * q)) 67 28000 \
  >"$tmp/seq.log" 2>&1 &
started $!
n=0
until jack_connect kt-seq:out kt-ui:control 2>/dev/null; do
  n=$((n + 1))
  [ $n -le 50 ] || { echo "FAIL: cannot connect the sequencer"; jack_lsp; exit 1; }
  sleep 0.2
done

rc=1
n=0
while [ $n -lt 40 ]; do
  sleep 1
  n=$((n + 1))
  out=$("$xshot" "$shot" "${KANTOR_UI_MIN_PIXELS:-2000}")
  rc=$?
  [ $rc -eq 0 ] && break
  [ $rc -eq 2 ] && break
done
echo "$out"
echo "screenshot after ${n} s: $shot"
if [ $rc -ne 0 ]; then
  echo "FAIL: the UI does not show the melody and the three voices"
  echo "--- jalv.gtk3"; cat "$tmp/jalv.log"
  exit 1
fi
kill -0 "$jalv_pid" 2>/dev/null || {
  echo "FAIL: jalv.gtk3 exited"; exit 1; }
if command -v xwininfo >/dev/null 2>&1; then # where the UI lives
  echo "--- windows"
  xwininfo -root -tree | grep -E '^ +(0x|[0-9]+ child)' | head -20
fi
echo "--- jalv.gtk3 (first lines)"
head -20 "$tmp/jalv.log"
exit 0
