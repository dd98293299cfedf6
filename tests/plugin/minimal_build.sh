#!/bin/sh
# The LV2 MIDI plugin builds with only lv2 and a C compiler: `meson setup`
# and `ninja` of this source tree in a temporary folder where pkg-config
# sees lv2.pc only and the CLAP headers are missing (every optional part on
# auto).  The summary must say what was left out, the bundle must hold the
# MIDI plugin (linking libc/libm only), and its manifest and kantor.ttl
# only the plugins that were built.  Compiled without optimization
# (buildtype plain): the optimized build is the one this test runs in.
set -u
src=${KANTOR_SRC:?}
for c in meson ninja pkg-config readelf; do
  command -v "$c" >/dev/null 2>&1 || { echo "SKIP: no $c"; exit 77; }
done
pcdir=$(pkg-config --variable=pcfiledir lv2 2>/dev/null)
[ -n "$pcdir" ] && [ -f "$pcdir/lv2.pc" ] || { echo "SKIP: no lv2.pc (lv2-dev)"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/pc"
cp "$pcdir/lv2.pc" "$tmp/pc/"

fail() {
  echo "FAIL: $*"
  exit 1
}
export PKG_CONFIG_LIBDIR="$tmp/pc" PKG_CONFIG_PATH=
meson setup "$tmp/b" "$src" -Dbuildtype=plain -Dwerror=true \
  -Dclap_include_dir="$tmp/no-clap" \
  >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; fail "meson setup"; }
sed -n '/^ *Parts$/,/^$/p' "$tmp/setup.log"
part() { sed -n "s/^ *$1.*: \([A-Z]*\)\$/\1/p" "$tmp/setup.log"; }
[ "$(part 'LV2 MIDI plugin')" = YES ] || fail "summary: no MIDI plugin"
[ "$(part 'CLAP plugin')" = NO ] || fail "summary: CLAP without its headers"
audio=$(part 'LV2 audio-input plugin')
ui=$(part 'LV2 UI')
[ -n "$audio" ] && [ -n "$ui" ] || fail "summary: audio plugin / UI not listed"

ninja -C "$tmp/b" -j2 >"$tmp/ninja.log" 2>&1 || {
  tail -n 40 "$tmp/ninja.log"
  fail "ninja"
}
echo "ninja: $(grep -c '^\[' "$tmp/ninja.log") steps"
b=$tmp/b/kantor.lv2
[ -f "$b/kantor.so" ] && [ -f "$b/kantor.ttl" ] && [ -f "$b/manifest.ttl" ] ||
  fail "no kantor.so / kantor.ttl / manifest.ttl in the bundle: $(ls "$b")"
[ ! -e "$tmp/b/kantor.clap" ] || fail "kantor.clap built without headers"
for lib in $(readelf -d "$b/kantor.so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
  case "$lib" in
  libc.so.* | libm.so.* | ld-linux*) ;;
  *) fail "kantor.so needs $lib" ;;
  esac
done
# what the manifest and kantor.ttl announce was built
has_audio=0
grep -q 'kantor-audio>' "$b/manifest.ttl" && has_audio=1
[ "$has_audio" = "$([ "$audio" = YES ] && echo 1 || echo 0)" ] ||
  fail "manifest lists the audio plugin: $has_audio, built: $audio"
[ "$(grep -c 'kantor-audio>' "$b/kantor.ttl")" = "$has_audio" ] ||
  fail "kantor.ttl and the manifest disagree on the audio plugin"
if [ "$audio" = YES ]; then
  [ -f "$b/kantor_audio.so" ] || fail "no kantor_audio.so"
else
  [ ! -e "$b/kantor_audio.so" ] || fail "kantor_audio.so without the feature"
fi
if [ "$ui" = YES ]; then
  grep -q 'kantor-ui.ttl' "$b/manifest.ttl" || fail "UI built, not in manifest"
else
  ! grep -q 'kantor-ui.ttl' "$b/manifest.ttl" || fail "manifest names a UI not built"
fi
echo "ok: $(ls "$b" | tr '\n' ' ')"
