#!/bin/sh
# Ardour's output, checked: headless Ardour (ardour7-lua, package ardour) on
# a private JACK server (dummy backend, 48 kHz, 256-frame periods) runs
# ardour_jack.lua (a MIDI track with Kantor, transport rolling) while
# jack_roundtrip.py plays a melody into the track's input and records what
# leaves its output: harmony on channels 2, 3 and 4, the melody through,
# nothing stuck after the transport stops.
#   ardour_jack.sh LUA_SCRIPT LOOKAHEAD
# Skips (77) when ardour7-lua, jackd or python3-jack-client is missing.
set -u
lua_script=$1
lookahead=${2:-0}
here=$(cd "$(dirname "$0")" && pwd)
lua=$(command -v ardour8-lua || command -v ardour7-lua || true)
[ -n "$lua" ] || {
  echo "SKIP: ardour7-lua not installed (apt-get install ardour)"
  exit 77
}
command -v jackd >/dev/null 2>&1 || {
  echo "SKIP: jackd not installed (apt-get install jackd2)"
  exit 77
}
/usr/bin/python3 -c 'import jack' 2>/dev/null || {
  echo "SKIP: python3-jack-client not installed"
  exit 77
}
: "${KANTOR_PLUGIN_URI:?}" "${LV2_PATH:?}"
export JACK_DEFAULT_SERVER="kantor-ardour-$$"
export JACK_NO_AUDIO_RESERVATION=1
export JACK_NO_START_SERVER=1
tmp=$(mktemp -d /tmp/kantor-ardour-jack.XXXXXX)
jackd_pid=
ardour_pid=
stop() { # TERM, up to 5 s, then KILL
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null || return 0
  n=0
  while kill -0 "$1" 2>/dev/null && [ $n -lt 50 ]; do
    sleep 0.1
    n=$((n + 1))
  done
  kill -9 "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}
cleanup() {
  stop "$ardour_pid"
  stop "$jackd_pid"
  rm -rf "$tmp"
  rm -f /dev/shm/jack_*"$JACK_DEFAULT_SERVER"* \
    /dev/shm/jack_sem.*"$JACK_DEFAULT_SERVER"* 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

# a jackd that was killed hard leaves its entry in JACK's shared registry, and
# a few of those make every new server fail ("Too many servers already
# active"): with no jackd running at all, the registry is stale
pgrep -x jackd >/dev/null 2>&1 ||
  rm -f /dev/shm/jack-shm-registry /dev/shm/jack-[0-9]*-[0-9]* 2>/dev/null
jackd -n "$JACK_DEFAULT_SERVER" --no-realtime -S -d dummy -r 48000 -p 256 \
  >"$tmp/jackd.log" 2>&1 &
jackd_pid=$!
i=0
until /usr/bin/python3 -c '
import jack
jack.Client("kt-probe", no_start_server=True).close()' >/dev/null 2>&1; do
  i=$((i + 1))
  if [ $i -gt 50 ] || ! kill -0 $jackd_pid 2>/dev/null; then
    echo "FAIL: jackd did not start"; cat "$tmp/jackd.log"; exit 1
  fi
  sleep 0.2
done

# as ardour.sh: a scratch HOME, and no MALLOC_PERTURB_ (ardour7-lua 7.3
# crashes in its own teardown with it)
env -u MALLOC_PERTURB_ HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config \
  timeout 240 "$lua" "$lua_script" "$KANTOR_PLUGIN_URI" "$tmp/session" \
  "$lookahead" >"$tmp/out" 2>&1 &
ardour_pid=$!

/usr/bin/python3 "$here/jack_roundtrip.py" "" --in "Melody/midi_in 1" \
  --out "Melody/midi_out 1" --free --wait-stop 120
rc=$?
wait "$ardour_pid"
arc=$?
ardour_pid=
echo "--- Ardour's output"
cat "$tmp/out"
[ $arc -eq 0 ] || { echo "FAIL: $lua exited $arc"; rc=1; }
grep -q '^KANTOR-ARDOUR-OK$' "$tmp/out" || {
  echo "FAIL: the session script did not finish"; rc=1; }
if grep -E '^\[ERROR\]|^Error:|failed_constructor|exception' "$tmp/out"; then
  echo "FAIL: Ardour reported errors"
  rc=1
fi
[ $rc -eq 0 ] && echo "ardour (JACK, lookahead $lookahead): ok"
exit $rc
