#!/bin/sh
# xvfb.sh CMD ARGS... -- run CMD on a private Xvfb display (a free display
# number, chosen by Xvfb itself), then stop that Xvfb.  Skips (77) when
# Xvfb is not installed.
set -u
command -v Xvfb >/dev/null 2>&1 || {
  echo "SKIP: Xvfb not installed (apt-get install xvfb)"
  exit 77
}
tmp=$(mktemp -d /tmp/kantor-xvfb.XXXXXX)
Xvfb -displayfd 3 -screen 0 1024x640x24 -nolisten tcp 3>"$tmp/display" \
  >"$tmp/xvfb.log" 2>&1 &
xvfb=$!
cleanup() {
  kill "$xvfb" 2>/dev/null
  wait "$xvfb" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE
n=0
until [ -s "$tmp/display" ] || [ $n -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
if [ ! -s "$tmp/display" ]; then
  echo "FAIL: Xvfb did not start"
  cat "$tmp/xvfb.log"
  exit 1
fi
DISPLAY=":$(cat "$tmp/display")"
export DISPLAY
"$@"
