#!/bin/sh
# jalv + JACK round trip: a private jackd (dummy backend, 48 kHz, 256-frame
# periods, no realtime) under a unique server name, jalv (console) running
# the bundle from LV2_PATH with stdin from a FIFO held open, and
# jack_roundtrip.py as timebase master, player and recorder.  Arguments go
# to jack_roundtrip.py (--late-periods 3: a player on the beat behind 3 x
# KANTOR_JACK_PERIOD frames of buffers).
# Skips (77) when jackd, jalv or python3-jack-client are missing.  Every
# process started here is stopped on exit.
set -u
here=$(cd "$(dirname "$0")" && pwd)
for p in jackd jalv; do
  command -v $p >/dev/null 2>&1 || {
    echo "SKIP: $p not installed (apt-get install jackd2 jalv)"
    exit 77
  }
done
/usr/bin/python3 -c 'import jack' 2>/dev/null || {
  echo "SKIP: python3-jack-client not installed"
  exit 77
}
: "${KANTOR_PLUGIN_URI:?}" "${LV2_PATH:?}"
export JACK_DEFAULT_SERVER="kantor-test-$$"
export JACK_NO_AUDIO_RESERVATION=1
export JACK_NO_START_SERVER=1
tmp=$(mktemp -d /tmp/kantor-jalv.XXXXXX)
jackd_pid=
jalv_pid=
stop() { # stop one process we started: TERM, up to 5 s, then KILL
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
  stop "$jalv_pid"
  stop "$jackd_pid"
  exec 3>&- 2>/dev/null
  rm -rf "$tmp"
  # what a killed jackd may leave behind, for this server name only
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
jackd -n "$JACK_DEFAULT_SERVER" --no-realtime -S -d dummy -r 48000 \
  -p "${KANTOR_JACK_PERIOD:-256}" \
  >"$tmp/jackd.log" 2>&1 &
jackd_pid=$!
i=0
until /usr/bin/python3 -c '
import jack, sys
jack.Client("kt-probe", no_start_server=True).close()' >/dev/null 2>&1; do
  i=$((i + 1))
  if [ $i -gt 50 ] || ! kill -0 $jackd_pid 2>/dev/null; then
    echo "FAIL: jackd did not start"; cat "$tmp/jackd.log"; exit 1
  fi
  sleep 0.2
done

mkfifo "$tmp/stdin"
exec 3<>"$tmp/stdin" # held open read-write: jalv never sees EOF
stdbuf -oL jalv -n kt-jalv -x "$KANTOR_PLUGIN_URI" <&3 >"$tmp/jalv.log" 2>&1 &
jalv_pid=$!

/usr/bin/python3 "$here/jack_roundtrip.py" kt-jalv "$@"
rc=$?
# a preset through jalv's console: "Strict chorale" has one beat of
# lookahead, so the latency jalv prints ("monitors") must become non-zero
# ("presets" first: jalv's console loads the preset files only for it)
echo presets >&3
echo "preset ${KANTOR_PLUGIN_URI}#preset-strict" >&3
n=0
until grep -Eq '^(> )*latency = [1-9]' "$tmp/jalv.log" || [ $n -ge 20 ]; do
  sleep 0.3
  echo monitors >&3
  n=$((n + 1))
done
if grep -Eq '^(> )*latency = [1-9]' "$tmp/jalv.log"; then
  echo "preset applied in jalv: $(grep -E '^(> )*latency = ' "$tmp/jalv.log" | tail -1)"
else
  echo "FAIL: the strict preset did not change the latency in jalv"
  rc=1
fi
if ! kill -0 $jalv_pid 2>/dev/null; then
  echo "FAIL: jalv exited during the test"
  rc=1
fi
echo "--- jalv output (without control listings)"
grep -v ' = ' "$tmp/jalv.log"
exit $rc
