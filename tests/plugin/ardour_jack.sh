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
ardour_pid=
rt_pid=
. "$here/jackd.sh"
cleanup() {
  kt_stop "$rt_pid"
  kt_stop "$ardour_pid"
  kt_jackd_stop
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

# one run: a fresh server, Ardour, the player/recorder; sets rc, and
# halted=1 when JACK closed the server under Ardour (below)
attempt() {
  kt_jackd_start 256
  rm -rf "$tmp/session" "$tmp/home"

  # as ardour.sh: a scratch HOME, and no MALLOC_PERTURB_ (ardour7-lua 7.3
  # crashes in its own teardown with it); its output line by line, so that
  # the watch below sees JACK closing at once
  env -u MALLOC_PERTURB_ HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config \
    timeout 240 stdbuf -oL -eL "$lua" "$lua_script" "$KANTOR_PLUGIN_URI" \
    "$tmp/session" "$lookahead" >"$tmp/out" 2>&1 &
  ardour_pid=$!

  /usr/bin/python3 "$here/jack_roundtrip.py" "" --in "Melody/midi_in 1" \
    --out "Melody/midi_out 1" --free --wait-stop 120 >"$tmp/roundtrip" 2>&1 &
  rt_pid=$!
  # Ardour thrown out by JACK waits 60 s for a player that never comes, and
  # the player 60 s for ports that never appear: stop both at once
  while kill -0 "$rt_pid" 2>/dev/null; do
    if grep -q 'JACK server has been closed' "$tmp/out" 2>/dev/null; then
      kt_stop "$rt_pid"
      kt_stop "$ardour_pid"
      break
    fi
    sleep 0.5
  done
  wait "$rt_pid"
  rc=$?
  rt_pid=
  cat "$tmp/roundtrip"
  wait "$ardour_pid"
  arc=$?
  ardour_pid=
  halted=0
  grep -q 'JACK server has been closed' "$tmp/out" && halted=1
  echo "--- Ardour's output"
  cat "$tmp/out"
  [ $halted -eq 0 ] || { echo "FAIL: JACK closed the server under Ardour"; rc=1; }
  [ $arc -eq 0 ] || { echo "FAIL: $lua exited $arc"; rc=1; }
  grep -q '^KANTOR-ARDOUR-OK$' "$tmp/out" || {
    echo "FAIL: the session script did not finish"; rc=1; }
  if grep -E '^\[ERROR\]|^Error:|failed_constructor|exception' "$tmp/out"; then
    echo "FAIL: Ardour reported errors"
    rc=1
  fi
}

# JACK throwing Ardour out while it sets up its session ("JACK server has
# been closed"; the track's ports are made, the player never connects): in
# jackd's log a request of Ardour's (set timebase callback) and one of its
# port metadata (pretty-name) arrive interleaved on its one socket, two of
# Ardour's threads writing at once, and the server drops the client.  Seen
# in 8 of 29 attempts here with the script before this one (2026-12-04, the
# test run alone, with or without a delay before the player connects), and
# in 1-3 of 30 runs of this one, always before the plugin's output is
# reached: Ardour 7.3 with jackd2 1.9.21, not the plugin.  So up to 4
# attempts, each with a fresh server, saying so; the watch above makes a
# failed one cost about a second instead of a minute.
n_attempt=1
attempt
while [ $rc -ne 0 ] && [ $halted -eq 1 ] && [ $n_attempt -lt 4 ]; do
  kt_jackd_log
  n_attempt=$((n_attempt + 1))
  echo "NOTE: JACK closed the server under Ardour; attempt $n_attempt of 4"
  kt_jackd_stop
  attempt
done
[ $rc -eq 0 ] && echo "ardour (JACK, lookahead $lookahead): ok"
[ $rc -eq 0 ] || kt_jackd_log
exit $rc
