#!/bin/sh
# tests/baseline/same_digest.sh A B: two engine_digest builds print the same
# lines (what the engine plays at L0 and L4, hashed).
a=$("$1" | grep '^L') || { echo "FAIL: $1"; exit 1; }
b=$("$2" | grep '^L') || { echo "FAIL: $2"; exit 1; }
echo "$a" | sed 's/^/default:  /'
echo "$b" | sed 's/^/baseline: /'
[ "$a" = "$b" ] || { echo "FAIL: the builds play other events"; exit 1; }
echo "ok: the same events"
