#!/bin/sh
# lv2lint (0.17) on both plugins of the built bundle, as a plugin is judged
# for release (-Mpack, every check, no online checks): any FAIL or WARN
# fails the test.  lv2lint is built once per machine from ../shared/tools
# (build.sh); the test skips (77) when that or a build dependency is missing.
set -u
src=${KANTOR_SRC:?}
bundle=${KANTOR_BUNDLE:?}
uri=${KANTOR_PLUGIN_URI:?}
build_sh=$src/../shared/tools/lv2lint/build.sh
[ -f "$build_sh" ] || {
  echo "SKIP: $build_sh not found (lv2lint's source lives in ../shared/tools)"
  exit 77
}
[ -f "$bundle/manifest.ttl" ] || { echo "FAIL: no bundle at $bundle"; exit 1; }

# build.sh's Debian build dependencies (its header), unless it built already
cache=${KANTOR_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kantor-tools}
if ! ls "$cache"/lv2lint-*/.built >/dev/null 2>&1; then
  missing=
  for c in meson ninja pkg-config; do
    command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
  done
  if command -v pkg-config >/dev/null 2>&1; then
    for m in lv2 lilv-0 libelf x11 libcurl; do
      pkg-config --exists "$m" || missing="$missing $m.pc"
    done
  fi
  [ -z "$missing" ] || {
    echo "SKIP: lv2lint cannot be built, missing:$missing (apt-get install" \
      "meson ninja-build pkg-config lv2-dev liblilv-dev libelf-dev libx11-dev" \
      "libcurl4-openssl-dev)"
    exit 77
  }
fi
lint=$(sh "$build_sh" | tail -n 1) || { echo "FAIL: $build_sh failed"; exit 1; }
[ -x "$lint" ] || { echo "FAIL: $build_sh printed no lv2lint ($lint)"; exit 1; }

# lv2lint needs the LV2 specifications (ui:X11UI's label...) and must see
# this bundle only, not one installed in ~/.lv2: LV2_PATH holds links to
# the specification bundles lv2-dev installs, the bundle comes with -I.
specs=$(mktemp -d) || exit 1
trap 'rm -rf "$specs"' EXIT
for d in /usr/lib/lv2/*.lv2 /usr/lib/*/lv2/*.lv2; do
  grep -qs 'lv2:Specification\|owl:Ontology' "$d/manifest.ttl" || continue
  ln -s "$d" "$specs/$(basename "$d")" 2>/dev/null
done
[ -n "$(ls "$specs")" ] || {
  echo "SKIP: no LV2 specifications in /usr/lib/lv2 (apt-get install lv2-dev)"
  exit 77
}

status=0
for u in "$uri" "$uri-audio"; do
  out=$(LV2_PATH=$specs "$lint" -Mpack -S all -I "$bundle/" "$u" 2>&1)
  rc=$?
  echo "$out"
  n_fail=$(echo "$out" | grep -c '\[FAIL\]')
  n_warn=$(echo "$out" | grep -c '\[WARN\]')
  n_note=$(echo "$out" | grep -c '\[NOTE\]')
  n_pass=$(echo "$out" | grep -c '\[PASS\]')
  echo "== $u: $n_fail FAIL, $n_warn WARN, $n_note NOTE, $n_pass PASS (exit $rc)"
  [ "$n_pass" -gt 0 ] || { echo "FAIL: lv2lint checked nothing for $u"; status=1; }
  if [ "$n_fail" -ne 0 ] || [ "$n_warn" -ne 0 ] || [ "$rc" -ne 0 ]; then
    echo "FAIL: lv2lint reports problems for $u"
    status=1
  fi
done
exit $status
