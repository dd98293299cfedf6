#!/bin/sh
# Regenerates docs/examples/: BWV 344 (chor155, train split) and BWV 423
# (chor237, test split) as SVG piano rolls, Bach's four voices above the
# alto, tenor and bass of Kantor's embedded L0 and L4 models (the engine's
# default decoding, and at L4 the Harmony style Bach: NAME-l4-bach) under
# Bach's soprano.  Usage, from the repository root:
#   tools/examples.sh [BUILD_DIR] [DATA_DIR]
# (defaults: build, ../shared/data/bach-370-chorales).  The accuracies and
# style statistics of each run go to docs/examples/NAME-lL.txt.
set -eu
build=${1:-build}
data=${2:-../shared/data/bach-370-chorales}
out=docs/examples
kantor="$build/tools/kantor"
[ -x "$kantor" ] || { echo "examples.sh: $kantor: not built" >&2; exit 1; }
[ -d "$data/kern" ] || { echo "examples.sh: $data/kern: no corpus" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
for la in 0 4; do
  for pair in chor155:bwv344 chor237:bwv423; do
    stem=${pair%%:*}
    name=${pair#*:}
    "$kantor" eval --data "$data" --set all --only "$stem" --lookahead "$la" \
      --svg-dir "$tmp/l$la" >"$tmp/$name-l$la.txt"
    mv "$tmp/l$la/$stem.svg" "$out/$name-l$la.svg"
    mv "$tmp/$name-l$la.txt" "$out/$name-l$la.txt"
  done
done
# the Harmony style Bach at L4 (the preset "Bach's style"): NAME-l4-bach
for pair in chor155:bwv344 chor237:bwv423; do
  stem=${pair%%:*}
  name=${pair#*:}
  "$kantor" eval --data "$data" --set all --only "$stem" --lookahead 4 \
    --decode bach --svg-dir "$tmp/bach" >"$tmp/$name-l4-bach.txt"
  mv "$tmp/bach/$stem.svg" "$out/$name-l4-bach.svg"
  mv "$tmp/$name-l4-bach.txt" "$out/$name-l4-bach.txt"
done
echo "examples.sh: wrote $(ls "$out" | tr '\n' ' ')"
