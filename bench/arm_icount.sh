#!/bin/sh
# bench/arm_icount.sh [BLOCKS] -- what a slice's decision costs on AArch64,
# in instructions: the source tree cross-compiled for AArch64
# (tests/cross/build.sh), bench_marks (issue 24's busy player, block by
# block) run under qemu-aarch64 with a counting plugin
# (bench/qemu_icount.c), and the instructions of each block counted: the
# median and the largest of the blocks that ran the net (a slice's
# decision), the median of the others, and the p99 of all.  L4 on the
# NEON dot product (qemu's default CPU has it), NEON and C int8 kernels,
# L0 (float).  With KANTOR_BUILD set to a native
# x86-64 build and qemu-x86_64 at hand, the same for x86-64 under
# `qemu-x86_64 -cpu max` (AVX2: qemu 7.2 emulates no AVX-512) on the AVX2
# and SSSE3 kernels, for comparison.  Instructions, not time: no ARM CPU
# is timed here (models/MODEL.md turns counts into rough times).
# BLOCKS: 20000 (the first 1000 are left out: warm-up).  ~1 min.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
blocks=${1:-20000}
. "$src/tests/cross/build.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
kt_cross_build "$src" "" "$tmp" || exit $?
cc=${CC:-cc}
$cc -O2 -shared -fPIC -o "$tmp/icount.so" "$src/bench/qemu_icount.c" ||
  { echo "FAIL: building the qemu plugin"; exit 1; }

# count QEMU NM PROG LOOKAHEAD LABEL [qemu args]: one line of figures
count() {
  q=$1 nm=$2 prog=$3 la=$4 label=$5
  shift 5
  a=$($nm "$prog" | awk '$3 == "kt_marker" { print $1 }')
  [ -n "$a" ] || { echo "FAIL: no kt_marker in $prog"; exit 1; }
  "$q" "$@" -plugin "$tmp/icount.so,addr=$a,out=$tmp/marks.txt" \
    "$prog" "$la" "$blocks" >"$tmp/blocks.txt" 2>"$tmp/qemu.log" ||
    { cat "$tmp/qemu.log"; echo "FAIL: $label"; exit 1; }
  # per block: its instructions, and d (it ran the net) or o (other)
  awk -v skip=1000 '
    NR == FNR { m[NR - 1] = $1; next }
    {
      if ($1 >= skip) print m[2 * $1 + 1] - m[2 * $1], ($2 > runs ? "d" : "o")
      runs = $2
    }' "$tmp/marks.txt" "$tmp/blocks.txt" | sort -n >"$tmp/per.txt"
  awk '$2 == "d"' "$tmp/per.txt" >"$tmp/d.txt"
  awk '$2 == "o"' "$tmp/per.txt" >"$tmp/o.txt"
  nd=$(wc -l <"$tmp/d.txt") no=$(wc -l <"$tmp/o.txt") na=$(wc -l <"$tmp/per.txt")
  [ "$nd" -gt 0 ] && [ "$no" -gt 0 ] || { echo "FAIL: $label: no blocks counted"; exit 1; }
  # the p99 of all blocks is a decision block: 1 block in 44 decides
  printf '%-30s decision blocks %4d: median %8d, largest %8d; other blocks: median %6d; p99 of all %8d\n' \
    "$label" "$nd" "$(sed -n "$(((nd + 1) / 2))p" "$tmp/d.txt" | cut -d' ' -f1)" \
    "$(tail -n 1 "$tmp/d.txt" | cut -d' ' -f1)" \
    "$(sed -n "$(((no + 1) / 2))p" "$tmp/o.txt" | cut -d' ' -f1)" \
    "$(sed -n "$((na * 99 / 100))p" "$tmp/per.txt" | cut -d' ' -f1)"
}

arm=$tmp/b/bench/bench_marks
sys="-L $KT_CROSS_SYSROOT"
echo "instructions per 64-frame block, $blocks blocks (240 BPM, a note every sixteenth, 48 kHz)"
KANTOR_Q8_ISA=neondot count qemu-aarch64 aarch64-linux-gnu-nm "$arm" 4 "AArch64 L4, NEON dot product" $sys
KANTOR_Q8_ISA=neon count qemu-aarch64 aarch64-linux-gnu-nm "$arm" 4 "AArch64 L4, NEON kernel" $sys
KANTOR_Q8_ISA=c count qemu-aarch64 aarch64-linux-gnu-nm "$arm" 4 "AArch64 L4, C kernel" $sys
count qemu-aarch64 aarch64-linux-gnu-nm "$arm" 0 "AArch64 L0 (float)" $sys
x86=${KANTOR_BUILD:-}/bench/bench_marks
if [ -n "${KANTOR_BUILD:-}" ] && [ -x "$x86" ] && command -v qemu-x86_64 >/dev/null 2>&1; then
  KANTOR_Q8_ISA=avx2 count qemu-x86_64 nm "$x86" 4 "x86-64 L4, AVX2 kernel" -cpu max
  KANTOR_Q8_ISA=ssse3 count qemu-x86_64 nm "$x86" 4 "x86-64 L4, SSSE3 kernel" -cpu max
  count qemu-x86_64 nm "$x86" 0 "x86-64 L0 (float, AVX2)" -cpu max
else
  echo "(x86-64 left out: set KANTOR_BUILD to a native build with bench/bench_marks, and install qemu-user)"
fi
