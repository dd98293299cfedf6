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
jalv_pid=
. "$here/jackd.sh"
cleanup() {
  kt_stop "$jalv_pid"
  kt_jackd_stop
  exec 3>&- 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

kt_jackd_start "${KANTOR_JACK_PERIOD:-256}"

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
[ $rc -eq 0 ] || kt_jackd_log
exit $rc
