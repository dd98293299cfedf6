#!/bin/sh
# Carla's own engine (built from ../shared/tools/carla, headless) hosting
# Kantor on a private JACK server, as a user's Carla would:
#   carla.sh lv2        the MIDI plugin: a melody in through JACK, harmony out
#   carla.sh audio      the audio plugin: the melody as sine tones
#   carla.sh clap       kantor.clap
#   carla.sh discovery  carla-discovery-native on the bundle and on the .clap:
#                       the ports and parameters the TTL / CLAP declare
# Each run checks (jack_roundtrip.py) harmony on channels 2, 3 and 4, the
# melody passed through, nothing stuck after the transport stops, and no
# "Carla assertion failure" in Carla's output.  Skips (77) when ../shared,
# jackd, python3-jack-client or Carla's build dependencies are missing.
set -u
mode=${1:?usage: carla.sh lv2|audio|clap|discovery}
here=$(cd "$(dirname "$0")" && pwd)
: "${KANTOR_SRC:?}" "${KANTOR_BUILD:?}" "${KANTOR_PLUGIN_URI:?}"
shared=$KANTOR_SRC/../shared
[ -x "$shared/tools/carla/build.sh" ] || [ -f "$shared/tools/carla/build.sh" ] || {
  echo "SKIP: $shared/tools/carla not found (Carla's source lives in ../shared)"
  exit 77
}
for p in jackd pkg-config make g++; do
  command -v $p >/dev/null 2>&1 || {
    echo "SKIP: $p not installed (apt-get install jackd2 build-essential pkg-config)"
    exit 77
  }
done
for pc in jack; do
  pkg-config --exists $pc || {
    echo "SKIP: Carla needs libjack-jackd2-dev to build"
    exit 77
  }
done
/usr/bin/python3 -c 'import jack' 2>/dev/null || {
  echo "SKIP: python3-jack-client not installed"
  exit 77
}
# built once per machine (a few minutes the first time); the last line is
# the folder
carla_dir=$(sh "$shared/tools/carla/build.sh" | tail -n 1) || {
  echo "FAIL: Carla did not build"
  exit 1
}
[ -f "$carla_dir/bin/libcarla_standalone2.so" ] || {
  echo "FAIL: no Carla engine in $carla_dir"
  exit 1
}
export CARLA_DIR=$carla_dir
bundle=$KANTOR_BUILD/kantor.lv2
clap=$KANTOR_BUILD/kantor.clap
audio_uri=$KANTOR_PLUGIN_URI-audio

if [ "$mode" = discovery ]; then
  disc=$carla_dir/bin/carla-discovery-native
  ttl=$bundle/kantor.ttl
  rc=0
  # what the TTL declares, per plugin: control inputs, control outputs
  # (Carla does not count the latency port), MIDI in / out, audio in
  expect() { # expect URI -> "ins outs midi_in midi_out audio_in"
    awk -v uri="<$1>" '
      $0 == uri { on = 1; next }
      /^<http/ && on { on = 0 }
      on && /a lv2:(Input|Output)Port/ { sup = 0 }
      on && /a lv2:InputPort , lv2:ControlPort/ { cin++ }
      on && /a lv2:OutputPort , lv2:ControlPort/ { cout++ }
      on && /lv2:designation lv2:latency/ { lat++ }
      on && /a lv2:InputPort , lv2:AudioPort/ { ain++ }
      on && /atom:supports .*midi:MidiEvent/ { sup = 1 }
      on && /lv2:symbol "control"/ { min = sup }
      on && /lv2:symbol "midi_out"/ { mout = sup }
      END { printf "%d %d %d %d %d\n", cin, cout - lat, min, mout, ain }' "$ttl"
  }
  check() { # check LABEL EXPECTED-FIELDS DISCOVERY-OUTPUT
    got=$(printf '%s\n' "$3" | awk -F'::' '
      /::parameters.ins::/ { i = $3 } /::parameters.outs::/ { o = $3 }
      /::midi.ins::/ { mi = $3 } /::midi.outs::/ { mo = $3 }
      /::audio.ins::/ { ai = $3 }
      END { printf "%d %d %d %d %d\n", i, o, mi, mo, ai }')
    echo "$1: declared (params in, params out, midi in, midi out, audio in) = $2; Carla lists $got"
    [ "$got" = "$2" ] || { echo "FAIL: $1: Carla's discovery differs from the declaration"; rc=1; }
  }
  out=$(LV2_PATH=$KANTOR_BUILD/lv2 "$disc" lv2 "$bundle" 2>&1)
  printf '%s\n' "$out" | grep -q 'carla-discovery::error' && {
    echo "FAIL: discovery error"; printf '%s\n' "$out"; rc=1; }
  # one block per plugin, in the manifest's order: the MIDI plugin first
  midi_part=$(printf '%s\n' "$out" | awk '/::init::/ { n++ } n == 1')
  audio_part=$(printf '%s\n' "$out" | awk '/::init::/ { n++ } n == 2')
  check "LV2 $KANTOR_PLUGIN_URI" "$(expect "$KANTOR_PLUGIN_URI")" "$midi_part"
  if [ "${KANTOR_AUDIO_PLUGIN:-1}" = 1 ]; then
    check "LV2 $audio_uri" "$(expect "$audio_uri")" "$audio_part"
  else
    echo "(the audio plugin is not built: not checked)"
  fi
  if [ -f "$clap" ]; then
    out=$("$disc" clap "$clap" 2>&1)
    printf '%s\n' "$out" | grep -q 'carla-discovery::name::Kantor' || {
      echo "FAIL: the .clap is not listed"; printf '%s\n' "$out"; rc=1; }
    # the same parameter table, one note port in and out, no outputs
    decl=$(expect "$KANTOR_PLUGIN_URI" | awk '{ print $1, 0, 1, 1, 0 }')
    check "CLAP $clap" "$decl" "$out"
  else
    echo "(no kantor.clap built: CLAP discovery not checked)"
  fi
  exit $rc
fi

case $mode in
  lv2) client=Kantor; in=events-in; out="MIDI Out"; extra= ;;
  audio) client="Kantor (audio in)"; in="Audio In"; out=events-out; extra=--audio ;;
  clap)
    [ -f "$clap" ] || { echo "SKIP: kantor.clap not built"; exit 77; }
    client=Kantor; in=events-in; out=events-out; extra= ;;
  *) echo "usage: carla.sh lv2|audio|clap|discovery"; exit 2 ;;
esac

export JACK_DEFAULT_SERVER="kantor-carla-$$"
export JACK_NO_AUDIO_RESERVATION=1
export JACK_NO_START_SERVER=1
tmp=$(mktemp -d /tmp/kantor-carla.XXXXXX)
host_pid=
. "$here/jackd.sh"
cleanup() {
  kt_stop "$host_pid"
  kt_jackd_stop
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

kt_jackd_start 256

# Carla runs for a fixed time; the round trip takes about 10 s
if [ "$mode" = clap ]; then
  /usr/bin/python3 "$shared/tools/carla/host.py" clap "$clap" \
    org.example.kantor 40 >"$tmp/carla.log" 2>&1 &
else
  uri=$KANTOR_PLUGIN_URI
  [ "$mode" = audio ] && uri=$audio_uri
  /usr/bin/python3 "$shared/tools/carla/host.py" lv2 "$uri" 40 \
    "$KANTOR_BUILD/lv2" >"$tmp/carla.log" 2>&1 &
fi
host_pid=$!

# Our JACK client only once Carla is ready: Carla's engine lists the
# server's ports and then their connections when it starts, and a port
# registered in between trips its own assertion "thisPort.group > 0"
# (CarlaEngineJack.cpp), a race between the two clients, not the plugin.
i=0
while ! grep -q '^READY' "$tmp/carla.log" 2>/dev/null &&
  kill -0 "$host_pid" 2>/dev/null && [ $i -lt 600 ]; do
  sleep 0.1
  i=$((i + 1))
done

# shellcheck disable=SC2086
/usr/bin/python3 "$here/jack_roundtrip.py" "$client" --in "$in" --out "$out" $extra
rc=$?
kt_stop "$host_pid"
host_pid=
echo "--- Carla's output (parameters left out)"
grep -v '^  param ' "$tmp/carla.log"
if ! grep -q '^READY' "$tmp/carla.log"; then
  echo "FAIL: Carla did not load the plugin"
  rc=1
fi
if grep -q 'Carla assertion failure' "$tmp/carla.log"; then
  echo "FAIL: Carla reported assertion failures ($(grep -c 'Carla assertion failure' "$tmp/carla.log"))"
  rc=1
fi
[ $rc -eq 0 ] || kt_jackd_log
exit $rc
