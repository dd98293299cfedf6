#!/bin/sh
# lv2bench (lilv-utils) runs the plugin with urid:map only, no options, no
# worker: it must instantiate and run.
set -u
command -v lv2bench >/dev/null 2>&1 || {
  echo "SKIP: lv2bench not installed (apt-get install lilv-utils)"
  exit 77
}
out=$(lv2bench "$KANTOR_PLUGIN_URI" 2>&1)
rc=$?
echo "$out"
[ $rc -eq 0 ] || { echo "FAIL: lv2bench exited $rc"; exit 1; }
# one line per plugin run: "<seconds> <URI>"
echo "$out" | grep -Eq "^[0-9.]+ +$KANTOR_PLUGIN_URI\$" || {
  echo "FAIL: lv2bench did not run $KANTOR_PLUGIN_URI"
  exit 1
}
