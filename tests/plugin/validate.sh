#!/bin/sh
# Validate the bundle's Turtle against the installed LV2 schemas with
# sord_validate (as lv2_validate does); any error fails the test.
set -u
command -v sord_validate >/dev/null 2>&1 || {
  echo "SKIP: sord_validate not installed (apt-get install sordi)"
  exit 77
}
schemas=$(find /usr/lib/lv2 -maxdepth 2 -name '*.ttl' \
  \( -path '*/core.lv2/*' -o -path '*/atom.lv2/*' -o -path '*/midi.lv2/*' \
     -o -path '*/time.lv2/*' -o -path '*/patch.lv2/*' -o -path '*/state.lv2/*' \
     -o -path '*/worker.lv2/*' -o -path '*/urid.lv2/*' -o -path '*/log.lv2/*' \
     -o -path '*/options.lv2/*' -o -path '*/buf-size.lv2/*' \
     -o -path '*/units.lv2/*' -o -path '*/presets.lv2/*' \
     -o -path '*/resize-port.lv2/*' -o -path '*/port-props.lv2/*' \
     -o -path '*/parameters.lv2/*' -o -path '*/schemas.lv2/*' \) \
  ! -name 'lv2core.doap.ttl' | sort)
[ -n "$schemas" ] || { echo "SKIP: no LV2 schemas in /usr/lib/lv2 (lv2-dev)"; exit 77; }
bundle=$KANTOR_BUNDLE
[ -f "$bundle/manifest.ttl" ] || { echo "FAIL: no bundle at $bundle"; exit 1; }
# shellcheck disable=SC2086
out=$(sord_validate $schemas "$bundle"/*.ttl 2>&1)
rc=$?
echo "$out" | grep -v '^Skipping'
echo "$out" | grep -q '^Found 0 errors' || { echo "FAIL: validation errors"; exit 1; }
[ $rc -eq 0 ] || { echo "FAIL: sord_validate exited $rc"; exit 1; }
echo "bundle valid: $(ls "$bundle" | tr '\n' ' ')"
