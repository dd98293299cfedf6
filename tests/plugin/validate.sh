#!/bin/sh
# Validate the bundle's Turtle against the installed LV2 schemas with
# sord_validate (as lv2_validate does); any error fails the test.
set -u
command -v sord_validate >/dev/null 2>&1 || {
  echo "SKIP: sord_validate not installed (apt-get install sordi)"
  exit 77
}
# the LV2 specification bundles (not the plugins) installed by lv2-dev
schemas=
for d in /usr/lib/lv2/*.lv2; do
  grep -qs 'lv2:Specification\|owl:Ontology' "$d/manifest.ttl" || continue
  schemas="$schemas $(ls "$d"/*.ttl | tr '\n' ' ')"
done
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
