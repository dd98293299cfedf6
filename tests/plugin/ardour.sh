#!/bin/sh
# Ardour headless (ardour7-lua, package ardour): run ardour_session.lua
# against the bundle in LV2_PATH; pass when it reaches its end and Ardour
# printed no error.  Skips (77) if ardour7-lua is not installed.
set -u
lua_script=$1
lua=$(command -v ardour8-lua || command -v ardour7-lua || true)
[ -n "$lua" ] || {
  echo "SKIP: ardour7-lua not installed (apt-get install ardour)"
  exit 77
}
: "${KANTOR_PLUGIN_URI:?}" "${LV2_PATH:?}"
tmp=$(mktemp -d /tmp/kantor-ardour.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP PIPE
# Ardour keeps its config in HOME: use a scratch one.  MALLOC_PERTURB_ (set
# by meson test) is removed: ardour7-lua 7.3 segfaults in its own teardown
# with it, even with no plugin loaded at all.
env -u MALLOC_PERTURB_ HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config timeout 240 \
  "$lua" "$lua_script" "$KANTOR_PLUGIN_URI" "$tmp/session" >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
[ $rc -eq 0 ] || { echo "FAIL: $lua exited $rc"; exit 1; }
grep -q '^KANTOR-ARDOUR-OK$' "$tmp/out" || { echo "FAIL: the session script did not finish"; exit 1; }
if grep -E '^\[ERROR\]|^Error:|failed_constructor|exception' "$tmp/out"; then
  echo "FAIL: Ardour reported errors"
  exit 1
fi
[ -f "$tmp/session/kantor.ardour" ] || { echo "FAIL: no session file saved"; exit 1; }
grep -q 'kantor.example.org/plugins/kantor' "$tmp/session/kantor.ardour" || {
  echo "FAIL: the saved session does not contain the plugin"
  exit 1
}
echo "ardour: ok"
