#!/bin/sh
# tests/plugin/needed.sh KANTOR.so [KANTOR_AUDIO.so] -- the MIDI plugin's
# dynamic dependencies are libc and libm only; the audio plugin's FFTW3 and
# libsamplerate are its own (when it is built: feature audio_plugin).
set -u
command -v readelf >/dev/null 2>&1 || { echo "SKIP: no readelf (binutils)"; exit 77; }
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
fail=0
midi=$(needed "$1")
echo "$1: $(echo $midi)"
for lib in $midi; do
  case "$lib" in
  libc.so.* | libm.so.* | ld-linux*) ;;
  *) echo "FAIL: $1 needs $lib (only libc/libm allowed)"; fail=1 ;;
  esac
done
if [ $# -lt 2 ]; then
  [ $fail -eq 0 ] && echo "ok (no audio plugin in this build)"
  exit $fail
fi
audio=$(needed "$2")
echo "$2: $(echo $audio)"
for want in libfftw3f libsamplerate; do
  echo "$audio" | grep -q "^$want" || { echo "FAIL: $2 does not need $want"; fail=1; }
done
[ $fail -eq 0 ] && echo "ok"
exit $fail
