#!/bin/sh
# ttl/bundle.sh DEST STAMP FILE... -- assemble the kantor.lv2 bundle in the
# build directory (so tests, jalv and run.sh can use it without installing).
# kantor-manifest.ttl becomes manifest.ttl.  Built next to DEST then renamed:
# never a half-assembled bundle.  Also makes DEST/../lv2/kantor.lv2 a link to
# DEST, a directory to point LV2_PATH at.
set -eu
dest=$1
stamp=$2
shift 2
tmp="$dest.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
for f in "$@"; do
  case "$(basename "$f")" in
  kantor-manifest.ttl) cp "$f" "$tmp/manifest.ttl" ;;
  *) cp "$f" "$tmp/" ;;
  esac
done
rm -rf "$dest"
mv "$tmp" "$dest"
lv2=$(dirname "$dest")/lv2
mkdir -p "$lv2"
ln -sfn ../"$(basename "$dest")" "$lv2/kantor.lv2"
touch "$stamp"
